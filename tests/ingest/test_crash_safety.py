"""SIGKILL at any point of an ingest, then run again: exactly the index a clean build makes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.worker import fake_assistant, state

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow

BATCH = "3"  # chunks per write batch: small, so a run has many points to die at


def write_version(folder: Path, version: int) -> Path:
    """Write version 1 or 2 of a small corpus (2 changes, 1 file gone, 1 new, 1 record changed)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for n in range(8):
        if version == 2 and n == 3:
            continue
        edit = " It was updated later." if version == 2 and n in (1, 5) else ""
        body = " ".join(
            f"Report {n} sentence {s} about the harbour, the council and the storm." for s in range(12)
        )
        (folder / f"story{n}.txt").write_text(
            f" date 2021-0{1 + n % 9} Outlet {n % 3}\n\n{body}{edit}", "utf-8"
        )
    if version == 2:
        (folder / "late.md").write_text("# Late news\n\nThe late edition reported a flood downtown.", "utf-8")
    records = [
        {"id": f"r{i}", "title": f"Record {i}", "source": "Wire", "published": f"2023-0{1 + i}-01",
         "body": f"Record {i} says the bridge reopened after repairs number {i}."}
        for i in range(4)
    ]  # fmt: skip
    if version == 2:
        records[2]["title"] = "Record 2, corrected"
    (folder / "wire.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return folder


def ingest(store: Path, folder: Path, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSQA_INDEX_BATCH_CHUNKS": BATCH}
    env.pop("NEWSQA_TEST_CRASH_AT", None)
    if crash_at:
        env["NEWSQA_TEST_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "tests.worker", "index", str(store), "--sync", str(folder)],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip


def clean_build(tmp_path: Path, folder: Path, name: str) -> dict:
    bot = fake_assistant(tmp_path / name, index_batch_chunks=int(BATCH))
    assert bot.index([folder]).ok
    return settled(bot)


def settled(bot) -> dict:  # type: ignore[no-untyped-def]
    now = state(bot)
    assert now["chroma"] == now["keywords"] == now["records"], "the indexes disagree"
    assert now["journal"] == []
    assert bot.store.missing(now["records"]) == set()
    return now


def killed(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == -signal.SIGKILL


FIRST_BUILD_POINTS = ["stored:1", "recorded:5"]
UPDATE_POINTS = ["stored:2", "recorded:1", "deleted:1"]


@pytest.mark.parametrize("point", FIRST_BUILD_POINTS)
def test_killed_during_a_first_build_then_run_again_equals_a_clean_build(tmp_path: Path, point: str) -> None:
    folder = write_version(tmp_path / "in", 1)
    store = tmp_path / "store"
    assert killed(ingest(store, folder, crash_at=point)), f"the run was not killed at {point}"
    again = ingest(store, folder)
    assert again.returncode == 0, again.stderr
    bot = fake_assistant(store)
    assert settled(bot) == clean_build(tmp_path, folder, "clean")


@pytest.mark.parametrize("point", UPDATE_POINTS)
def test_killed_while_applying_changes_then_run_again_equals_a_clean_build(
    tmp_path: Path, point: str
) -> None:
    folder = write_version(tmp_path / "in", 1)
    store = tmp_path / "store"
    assert ingest(store, folder).returncode == 0
    write_version(folder, 2)
    assert killed(ingest(store, folder, crash_at=point)), f"the run was not killed at {point}"
    report = json.loads(ingest(store, folder).stdout)
    assert report["failed"] == []
    assert settled(fake_assistant(store)) == clean_build(tmp_path, folder, "clean")


def test_killed_then_run_after_the_files_changed_leaves_nothing_of_the_dead_run(tmp_path: Path) -> None:
    """What the dead run half-wrote goes even when those files are gone by the next run."""
    store, root = tmp_path / "store", tmp_path / "data"
    write_version(root / "one", 1)
    assert killed(ingest(store, root, crash_at="stored:4"))
    shutil.rmtree(root / "one")
    write_version(root / "two", 2)
    assert ingest(store, root).returncode == 0
    assert settled(fake_assistant(store)) == clean_build(tmp_path, root, "clean")
