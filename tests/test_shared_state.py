"""Stateless replicas: the index's whole state in PostgreSQL and on a Chroma server, started by the fixtures.

Every process below gets a store folder of its own, empty, and finds the same index: nothing
of it is kept on a replica's disk. The embedded store's guarantees hold here too: one writer
at a time (an advisory lock), crash safety under SIGKILL, questions during a re-index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.ingest.test_crash_safety import killed, write_version
from tests.vectorstore.postgres.test_lock import HOLDER
from tests.worker import fake_assistant, state

# Real processes, many of them: slow, and given time on a loaded machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

QUESTION = "Who was blamed for the Camp Taji attack?"


def worker(*args: str, env: dict[str, str], crash_at: str | None = None) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "NEWSQA_INDEX_BATCH_CHUNKS": "3"}
    full.pop("NEWSQA_TEST_CRASH_AT", None)
    if crash_at:
        full["NEWSQA_TEST_CRASH_AT"] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=full,
    )  # fmt: skip


def finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    return out, err


def taji(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        "utf-8",
    )
    return folder


def stories(folder: Path, outlet: str, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        text = " ".join(f"{outlet} story {n} sentence {s} on the port and the budget." for s in range(10))
        (folder / f"{n}.txt").write_text(f" date 2024-0{1 + n % 9} {outlet}\n\n{text}", "utf-8")
    return folder


def settled(store: Path, env: dict[str, str]) -> dict[str, Any]:
    now = json.loads(finish(worker("state", str(store), env=env))[0])
    assert now["chroma"] == now["keywords"] == now["records"], "the indexes disagree"
    assert now["journal"] == []
    return now


def replica(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


def left_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*"))


def test_one_replica_indexes_another_answers_with_the_same_citations(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    one, two = replica(tmp_path, "one"), replica(tmp_path, "two")
    source = stories(taji(tmp_path / "in"), "Wire", 5)
    report = json.loads(finish(worker("index", str(one), str(source), env=shared_env))[0])
    assert report["added"] == 6 and report["failed"] == []
    asked = [
        json.loads(finish(worker("ask", str(folder), QUESTION, "1", env=shared_env))[0])
        for folder in (one, two)
    ]
    assert "Kataib Hezbollah" in asked[1]["answer"] and asked[1]["citations"]
    assert asked[0] == asked[1]
    again = json.loads(finish(worker("index", str(two), str(source), env=shared_env))[0])
    assert (again["unchanged"], again["chunks"]) == (6, 0), "the other replica sees what is indexed"
    assert left_in(one) == left_in(two) == [], "nothing of the index is kept on a replica's disk"


def test_two_replicas_indexing_at_once_write_no_chunk_twice_and_lose_none(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    one, two = replica(tmp_path, "one"), replica(tmp_path, "two")
    shared = stories(taji(tmp_path / "shared"), "Herald", 12)  # both index this folder
    own = stories(tmp_path / "own", "Wire", 12)  # and the second this one too
    first = worker("index", str(one), str(shared), env=shared_env)
    second = worker("index", str(two), str(shared), str(own), env=shared_env)
    (out1, _), (out2, _) = finish(first), finish(second)
    reports = [json.loads(out1), json.loads(out2)]
    now = settled(one, shared_env)
    assert sum(r["chunks"] for r in reports) == len(now["chroma"]), "a chunk was written twice"
    assert sorted(r["added"] for r in reports) in ([12, 13], [0, 25])  # whoever got the lock first
    stats = subprocess.run(
        [sys.executable, "-m", "tests.worker", "cli", "--stats", "--json", "--store", str(two)],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **shared_env}, timeout=120,
    )  # fmt: skip
    assert json.loads(stats.stdout)["articles"] == 25
    assert json.loads(stats.stdout)["sources"] == {"Herald": 12, "Wire": 12, "Fast News": 1}


def test_a_second_writer_waits_names_the_first_and_gives_up_after_the_lock_timeout(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, shared_env["NEWSQA_DATABASE_URL"], shared_env["NEWSQA_COLLECTION"]],
        stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        blocked = subprocess.run(
            [sys.executable, "-m", "tests.worker", "cli", str(taji(tmp_path / "b")), "--store",
             str(replica(tmp_path, "two"))],
            capture_output=True, text=True, cwd=REPO, timeout=120,
            env={**os.environ, **shared_env, "NEWSQA_LOCK_TIMEOUT": "3"},
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert blocked.returncode == 1, blocked.stderr
    assert (
        f"waiting for another indexing run on this store to finish: process {holder.pid} " in blocked.stderr
    )
    assert "error: gave up after waiting 3 s (NEWSQA_LOCK_TIMEOUT)" in blocked.stderr
    assert "advisory lock" in blocked.stderr and "Traceback" not in blocked.stderr


@pytest.mark.parametrize("point", ["stored:2", "recorded:1", "deleted:1"])
def test_killed_while_indexing_then_run_again_equals_a_clean_build(
    shared_env: dict[str, str], tmp_path: Path, point: str
) -> None:
    folder = write_version(tmp_path / "in", 1)
    env = {**shared_env, "NEWSQA_COLLECTION": shared_env["NEWSQA_COLLECTION"] + "-crash"}
    finish(worker("index", str(replica(tmp_path, "r1")), "--sync", str(folder), env=env))
    write_version(folder, 2)
    dead = worker("index", str(replica(tmp_path, "r2")), "--sync", str(folder), env=env, crash_at=point)
    dead.communicate(timeout=240)
    assert killed(subprocess.CompletedProcess(dead.args, dead.returncode)), f"not killed at {point}"
    report = json.loads(
        finish(worker("index", str(replica(tmp_path, "r3")), "--sync", str(folder), env=env))[0]
    )
    assert report["failed"] == []
    after = settled(tmp_path / "r3", env)
    clean_env = {**shared_env, "NEWSQA_COLLECTION": shared_env["NEWSQA_COLLECTION"] + "-clean"}
    finish(worker("index", str(replica(tmp_path, "c")), "--sync", str(folder), env=clean_env))
    assert after == settled(tmp_path / "c", clean_env)


def test_questions_are_answered_during_a_reindex(
    shared_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in shared_env.items():
        monkeypatch.setenv(name, value)
    folder = stories(taji(tmp_path / "in"), "Wire", 20)
    bot = fake_assistant(tmp_path / "store", index_batch_chunks=8)
    bot.index([folder])
    errors: list[BaseException] = []
    reports = []

    answers: list[str] = []

    def reindex() -> None:
        try:  # at least two rounds, and more (up to six) until two questions were answered meanwhile
            for round_ in range(1, 7):
                stories(folder, f"Wire{round_}", 20)
                reports.append(bot.index([folder]))
                if round_ >= 2 and len(answers) >= 2:
                    break
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    writer = threading.Thread(target=reindex)
    writer.start()
    while writer.is_alive():
        answers.append(bot.ask(QUESTION).text)
    writer.join()
    assert errors == [] and len(reports) >= 2 and all(r.updated == 20 for r in reports)
    assert len(answers) >= 2 and all("Kataib Hezbollah" in text for text in answers)
    now = state(bot)
    assert now["chroma"] == now["keywords"] == now["records"]


def test_migrating_an_embedded_store_gives_the_same_answers_without_embedding(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    embedded = tmp_path / "embedded"
    source = stories(taji(tmp_path / "in"), "Wire", 8)
    local = {"NEWSQA_COLLECTION": shared_env["NEWSQA_COLLECTION"]}
    finish(worker("index", str(embedded), str(source), env=local))
    before = json.loads(finish(worker("ask", str(embedded), QUESTION, "1", env=local))[0])
    migrate = [sys.executable, "-m", "tests.worker", "cli", "--store", str(embedded), "--migrate-to",
               shared_env["NEWSQA_DATABASE_URL"], "--json"]  # fmt: skip
    env = {**os.environ, **shared_env}
    env.pop("NEWSQA_DATABASE_URL")  # the command line names the database
    result = subprocess.run(migrate, capture_output=True, text=True, cwd=REPO, env=env, timeout=240)
    assert result.returncode == 0, result.stderr
    copied = json.loads(result.stdout)
    assert copied["articles"] == 9 and copied["chunks"] == copied["records"] > 9
    replica_dir = replica(tmp_path, "replica")
    after = json.loads(finish(worker("ask", str(replica_dir), QUESTION, "1", env=shared_env))[0])
    assert after == before
    now = settled(replica_dir, shared_env)
    assert len(now["chroma"]) == copied["chunks"]
    assert now["sentences"] == now["chroma"], "every chunk's sentence vectors came along"
    again = json.loads(finish(worker("index", str(replica_dir), str(source), env=shared_env))[0])
    assert (again["unchanged"], again["chunks"]) == (9, 0), "the records came along: nothing to embed"
    rerun = subprocess.run(migrate, capture_output=True, text=True, cwd=REPO, env=env, timeout=240)
    assert rerun.returncode == 0 and json.loads(rerun.stdout) == copied, "running it again changes nothing"
