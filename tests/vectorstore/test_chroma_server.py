"""A real Chroma server (``chroma run``) shared by several newsqa processes at once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import engines
from tests.conftest import REPO

# Real processes: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@contextmanager
def running_chroma(path: Path) -> Iterator[tuple[dict[str, str], subprocess.Popen[bytes]]]:
    """Start ``chroma run`` on a free port, wait for its heartbeat; yield its settings and process."""
    try:
        with engines.chroma(path) as server:
            yield server.env(), server.process
    except engines.Unavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Chroma server shared by the tests of this module."""
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as (env, _):
        yield env


def worker(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, **env},
    )  # fmt: skip


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return out


def articles(folder: Path, outlet: str, count: int) -> Path:
    folder.mkdir(parents=True)
    for n in range(count):
        text = " ".join(f"{outlet} story {n} sentence {s} on the port and the budget." for s in range(10))
        (folder / f"{n}.txt").write_text(f" date 2024-0{1 + n % 9} {outlet}\n\n{text}", "utf-8")
    return folder


def test_two_processes_ingest_and_a_third_asks_through_one_server(
    server: dict[str, str], tmp_path: Path
) -> None:
    store = tmp_path / "shared-store"  # the keyword index and records: shared by all processes
    taji = tmp_path / "taji"
    taji.mkdir()
    (taji / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        "utf-8",
    )
    env = {**server, "NEWSQA_COLLECTION": "two-writers", "NEWSQA_INDEX_BATCH_CHUNKS": "8"}
    assert json.loads(finish(worker("index", str(store), str(taji), env=env)))["added"] == 1

    one = worker("index", str(store), str(articles(tmp_path / "one", "Wire", 25)), env=env)
    two = worker("index", str(store), str(articles(tmp_path / "two", "Herald", 25)), env=env)
    asker = worker("ask", str(store), "Who was blamed for the Camp Taji attack?", "15", env=env)
    reports = [json.loads(finish(one)), json.loads(finish(two))]
    answers = [json.loads(line) for line in finish(asker).splitlines()]
    assert [r["added"] for r in reports] == [25, 25]
    assert len(answers) == 15 and all("Kataib Hezbollah" in a["answer"] for a in answers)

    state = json.loads(finish(worker("state", str(store), env=env)))
    assert state["chroma"] == state["keywords"] == state["records"] and state["journal"] == []
    stats = subprocess.run(
        [sys.executable, "-m", "ingest", "--stats", "--json", "--store", str(store)],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, **env}, timeout=120,
    )  # fmt: skip
    assert stats.returncode == 0, stats.stderr
    described = json.loads(stats.stdout)
    assert described["articles"] == 51 and described["chunks"] == len(state["chroma"])
    assert described["sources"] == {"Herald": 25, "Wire": 25, "Fast News": 1}
    assert (described["first_published"], described["last_published"]) == ("2020-03", "2024-09")
    assert not (store / "chroma.sqlite3").exists(), "the vectors must be on the server, not in the folder"


@pytest.mark.model
@pytest.mark.shared
def test_the_real_commands_ingest_and_ask_through_the_server(
    server: dict[str, str], tmp_path: Path, sample_articles: Path
) -> None:
    env = {**os.environ, **server, "NEWSQA_COLLECTION": "real-commands"}
    store = str(tmp_path / "store")
    ingest = subprocess.run(
        [sys.executable, "-m", "ingest", str(sample_articles), "--store", store, "--json"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )  # fmt: skip
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["added"] == 1
    more = tmp_path / "more"
    shutil.copytree(sample_articles, more)
    (more / "extra.txt").write_text(
        " date 2024-01 Wire\n\nThe harbour bridge reopened after repairs.", "utf-8"
    )
    question = "Who was blamed for the Camp Taji attack?"
    both = [
        subprocess.Popen([sys.executable, "-m", "ingest", str(more), "--store", store, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env),
        subprocess.Popen([sys.executable, "-m", "assistant", "ask", question, "--store", store, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env),
    ]  # fmt: skip
    (indexed, _), (asked, _) = (p.communicate(timeout=300) for p in both)
    assert [p.returncode for p in both] == [0, 0]
    assert json.loads(indexed)["added"] == 1 and json.loads(indexed)["warnings"][0]["reason"].startswith(
        "the same"
    )
    assert "Kataib Hezbollah" in json.loads(asked)["answer"]


def test_with_the_server_down_both_commands_say_so_without_a_traceback(tmp_path: Path) -> None:
    port = engines.free_port()  # nothing listens there
    env = {**os.environ, "NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(port)}
    folder = articles(tmp_path / "in", "Wire", 1)
    for command in (["-m", "ingest", str(folder)], ["-m", "assistant", "ask", "Who?"]):
        result = subprocess.run(
            [sys.executable, *command, "--store", str(tmp_path / "store")],
            capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode == 1
        assert f"error: cannot reach the Chroma server at 127.0.0.1:{port}" in result.stderr
        assert "chroma run" in result.stderr and "Traceback" not in result.stderr


def test_a_server_that_dies_mid_ingest_is_named_not_a_traceback(tmp_path: Path) -> None:
    from tests.worker import fake_assistant
    from vectorstore.chroma import StoreError

    folder = articles(tmp_path / "wire", "Wire", 40)
    with running_chroma(tmp_path / "chroma") as (env, process):
        bot = fake_assistant(
            tmp_path / "store",
            chroma_host=env["NEWSQA_CHROMA_HOST"],
            chroma_port=int(env["NEWSQA_CHROMA_PORT"]),
            index_batch_chunks=8,
        )

        def kill_the_server(stage: str, done: int, total: int) -> None:
            if stage == "embedding" and process.poll() is None:
                process.kill()
                process.wait()

        with pytest.raises(StoreError) as failure:
            bot.index([folder], on_progress=kill_the_server)
    message = str(failure.value)
    assert f"cannot reach the Chroma server at 127.0.0.1:{env['NEWSQA_CHROMA_PORT']}" in message
    assert "NEWSQA_CHROMA_HOST" in message
