"""``python -m ingest`` as a user runs it (a real process; the fake embedder keeps it fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


def ingest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.worker", "cli", *args],
        capture_output=True, text=True, cwd=REPO, timeout=120, env={**os.environ},
    )  # fmt: skip


def test_json_report_stats_and_sync_through_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(" date 2020-03 Fast News\n\nRockets hit Camp Taji.", "utf-8")
    (folder / "b.txt").write_text(" date 2021-06-02 Wire\n\nA storm hit the coast.", "utf-8")
    store = str(tmp_path / "store")

    first = ingest(str(folder), "--store", store, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) == {
        "added",
        "updated",
        "removed",
        "unchanged",
        "failed",
        "chunks",
        "warnings",
        "skipped",
    }
    assert (report["added"], report["chunks"]) == (2, 2)

    (folder / "b.txt").unlink()
    synced = json.loads(ingest(str(folder), "--store", store, "--sync", "--json").stdout)
    assert (synced["removed"], synced["unchanged"], synced["chunks"]) == (1, 1, 0)

    stats = ingest("--stats", "--store", store, "--json")
    assert json.loads(stats.stdout) == {
        "articles": 1,
        "chunks": 1,
        "sources": {"Fast News": 1},
        "first_published": "2020-03",
        "last_published": "2020-03",
    }
    text = ingest("--stats", "--store", store).stdout
    assert f"Index in {store}: 1 article(s), 1 chunks." in text and "1  Fast News" in text


def test_text_report_and_exit_status(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(" date 2020-03 Fast News\n\nRockets hit Camp Taji.", "utf-8")
    (folder / "bad.jsonl").write_text('{"body": "fine"}\n{oops\n', "utf-8")
    result = ingest(str(folder), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert (
        "2 article(s) added, 0 updated, 0 removed (2 chunks written), 0 unchanged, 1 failed." in result.stdout
    )
    assert f"FAILED     {folder / 'bad.jsonl'}:2: line 2 is not valid JSON" in result.stdout
    usage = ingest("--store", str(tmp_path / "store"))
    assert usage.returncode == 2 and "give PATHs or FEED_URLs" in usage.stderr


def test_reindex_reads_the_chats_sources_again_from_the_command_line(tmp_path: Path) -> None:
    from tests.worker import fake_assistant

    store = tmp_path / "store"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(" date 2020-03 Fast News\n\nRockets hit Camp Taji.", "utf-8")
    (folder / "b.txt").write_text(" date 2021-06-02 Wire\n\nA storm hit the coast.", "utf-8")
    gone = tmp_path / "unmounted"
    bot = fake_assistant(store)
    bot.remember_source(folder)
    bot.remember_source(gone)  # a folder added from the chat that is not there now
    (folder / "b.txt").unlink()
    (folder / "c.txt").write_text(" date 2022-01-05 Wire\n\nMarkets rose.", "utf-8")

    result = ingest("--reindex", "--store", str(store), "--json")
    report = json.loads(result.stdout)
    assert (report["added"], report["removed"]) == (2, 0)
    assert report["failed"] == [{"path": str(gone), "reason": "is gone; its articles were kept"}]
    assert result.returncode == 1
    (folder / "c.txt").unlink()
    again = json.loads(ingest("--reindex", "--store", str(store), "--json").stdout)
    assert (again["added"], again["removed"], again["unchanged"]) == (0, 1, 1)
    assert ingest("--reindex", str(folder), "--store", str(store)).returncode == 2


def ask(*args: str, pipe_to: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tests.worker", "ask-cli", *args]
    if pipe_to:  # through a shell pipeline, as a user types it
        line = " ".join(f"'{part}'" for part in command) + f" | {pipe_to}"
        return subprocess.run(
            ["bash", "-o", "pipefail", "-c", line], capture_output=True, text=True, cwd=REPO, timeout=120
        )
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)


def test_ask_names_k_and_exits_quietly_into_head(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    sentences = " ".join(f"Officials blamed Kataib Hezbollah for attack number {n}." for n in range(40))
    (folder / "a.txt").write_text(f" date 2020-03 Fast News\n\nRockets hit Camp Taji. {sentences}", "utf-8")
    store = str(tmp_path / "store")
    assert ingest(str(folder), "--store", store).returncode == 0
    bad = ask("ask", "Who was blamed?", "--store", store, "--k", "0")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: k (how many passages to draw on) must be a whole number from 1")
    assert "NEWSQA_TOP_K" not in bad.stderr
    swapped = ask("ask", "Who was blamed?", "--store", store, "--since", "2021", "--until", "2020")
    assert swapped.returncode == 1 and "since (2021) is after until (2020)" in swapped.stderr
    piped = ask("ask", "Who was blamed?", "--store", store, "--json", pipe_to="head -c 100")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "" and len(piped.stdout) == 100
    # A reader gone before the answer is printed (`| true` reads nothing): still quiet, status 0.
    gone = ask("ask", "Who was blamed?", "--store", store, pipe_to="true")
    assert (gone.returncode, gone.stderr) == (0, "")
