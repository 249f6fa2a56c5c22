"""A store's embedder record is read again when another process may have written it."""

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
QUESTION = "Who was blamed for the Camp Taji attack?"


def worker(*args: str, **options: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.worker", *args],
        cwd=REPO, env={**os.environ}, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options,
    )  # fmt: skip


def article(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f" date 2020-03 Fast News\n\n{text}", encoding="utf-8")
    return folder


def test_a_chat_opened_on_an_empty_store_answers_after_another_process_fills_it(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    folder = article(tmp_path / "in", "taji.txt", "Rockets hit Camp Taji. Officials blamed Kataib Hezbollah.")
    chat = worker("ask-later", store, QUESTION, stdin=subprocess.PIPE)
    try:
        assert chat.stdout is not None and chat.stdin is not None
        assert chat.stdout.readline().strip() == "opened"
        ingest = worker("index", store, str(folder))
        _, err = ingest.communicate(timeout=120)
        assert ingest.returncode == 0, err
        chat.stdin.write("go\n")
        chat.stdin.flush()
        reply = json.loads(chat.stdout.readline())
    finally:
        chat.kill()
        chat.wait()
    assert "error" not in reply, reply
    assert "Kataib Hezbollah" in reply["answer"]


def test_two_first_ingests_into_a_new_store_both_succeed(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    first = article(tmp_path / "a", "taji.txt", "Rockets hit Camp Taji. Officials blamed Kataib Hezbollah.")
    second = article(tmp_path / "b", "storm.txt", "A storm hit the coast and closed the port.")
    runs = [worker("index", store, str(first)), worker("index", store, str(second))]
    results = [run.communicate(timeout=180) for run in runs]
    for run, (out, err) in zip(runs, results, strict=True):
        assert run.returncode == 0, err
        assert json.loads(out)["added"] == 1
