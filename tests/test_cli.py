"""The command lines, run as a user runs them: in a subprocess, with the real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.llm_server import ScriptedLLMServer, free_port_url

pytestmark = [pytest.mark.model, pytest.mark.slow]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.shared
def test_ingest_then_ask_json_gives_the_cited_camp_taji_answer(tmp_path: Path, sample_articles: Path) -> None:
    store = str(tmp_path / "store")
    ingest = run("-m", "ingest", str(sample_articles), "--store", store, "--json")
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert (report["added"], report["unchanged"], report["failed"]) == (1, 0, [])
    assert report["chunks"] >= 1

    asked = run(
        "-m", "assistant", "ask", "Who was blamed for the Camp Taji attack?", "--store", store, "--json"
    )
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert set(answer) == {"question", "answer", "abstained", "citations"} | {
        "answerer",
        "note",
        "standalone_question",
        "verified",
        "sentences",
        "short_answer",
        "outlets",
        "read_against",
    }
    assert answer["read_against"] is None  # no time words in the question
    assert "Kataib Hezbollah" in answer["answer"] and answer["abstained"] is False
    assert answer["short_answer"]["text"] == "Kataib Hezbollah" and answer["short_answer"]["n"] == 1
    assert answer["answer"].startswith("Kataib Hezbollah [1]. Fast News, March 2020: ")
    citation = answer["citations"][0]
    assert set(citation) == {"n", "article_id", "title", "source", "published", "url", "passage", "quote"} | {
        "quote_start",
        "verified",
        "suspicious",
    }
    assert (answer["answerer"], answer["note"], answer["verified"]) == ("extractive", None, True)
    assert (citation["source"], citation["published"]) == ("Fast News", "2020-03")
    assert citation["quote"] in citation["passage"]

    text = run("-m", "assistant", "ask", "Who was blamed for the Camp Taji attack?", "--store", store)
    assert "Kataib Hezbollah" in text.stdout and "Sources:" in text.stdout and "[1]" in text.stdout


def test_ingest_reports_each_failed_file_and_exits_non_zero(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(" date 2022-01-05 Wire\n\nA good story about a storm.", encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "bad.jsonl").write_text('{"body": "fine"}\nnot json\n', encoding="utf-8")
    result = run("-m", "ingest", str(folder), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert "2 article(s) added" in result.stdout
    assert f"FAILED     {folder / 'empty.txt'}: the file is empty" in result.stdout
    assert f"{folder / 'bad.jsonl'}:2: line 2 is not valid JSON" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    empty = run("-m", "assistant", "ask", "Who?", "--store", str(tmp_path / "none"))
    assert empty.returncode == 1 and "error: The index in" in empty.stderr and "is empty" in empty.stderr
    bad_setting = run("-m", "assistant", "ask", "Who?", env={"NEWSQA_TOP_K": "many"})
    assert bad_setting.returncode == 2 and "NEWSQA_TOP_K" in bad_setting.stderr
    for result in (empty, bad_setting):
        assert "Traceback" not in result.stderr


def ingest_one(tmp_path: Path) -> str:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack.",
        encoding="utf-8",
    )
    store = str(tmp_path / "store")
    assert run("-m", "ingest", str(folder), "--store", store).returncode == 0
    return store


def test_a_backend_that_is_down_gives_a_note_and_the_extractive_answer(tmp_path: Path) -> None:
    store = ingest_one(tmp_path)
    url = free_port_url()
    env = {"NEWSQA_LLM": "ollama", "NEWSQA_LLM_BASE_URL": url}
    result = run("-m", "assistant", "ask", "Who was blamed for the attack?", "--store", store, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"note: The ollama backend at {url} is unreachable")
    assert "Showing the extractive answer instead." in result.stderr
    assert "Kataib Hezbollah" in result.stdout and "Sources:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_generated_answer_shows_what_is_unverified(tmp_path: Path) -> None:
    store = ingest_one(tmp_path)
    with ScriptedLLMServer() as server:
        server.script("Officials blamed Kataib Hezbollah for the attack [1]. The Pentagon blamed Russia [1].")
        env = {"NEWSQA_LLM_BASE_URL": server.openai_url, "NEWSQA_LLM_API_KEY": "sk-cli-secret"}
        result = run(
            "-m",
            "assistant",
            "ask",
            "Who was blamed?",
            "--store",
            store,
            "--llm",
            "openai",
            "--model",
            "m",
            env=env,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Officials blamed Kataib Hezbollah for the attack [1]. The Pentagon blamed"
    )
    assert "[1] Rockets hit Camp Taji. (Fast News, 2020-03)  [unverified" in result.stdout
    flagged = "  - “The Pentagon blamed Russia [1].” (not in them: The Pentagon, Russia)"
    assert f"Not supported by the passages cited:\n{flagged}" in result.stdout
    assert f"Answered by openai m at {server.openai_url}." in result.stdout
    assert "sk-cli-secret" not in result.stdout + result.stderr


@pytest.mark.shared
def test_asking_with_another_embedding_backend_than_the_index_was_built_with_is_a_message(
    tmp_path: Path, sample_articles: Path
) -> None:
    store = str(tmp_path / "store")
    assert run("-m", "ingest", str(sample_articles), "--store", store).returncode == 0
    asked = run(
        "-m",
        "assistant",
        "ask",
        "Who was blamed?",
        "--store",
        store,
        env={"NEWSQA_EMBEDDING_BACKEND": "torch"},
    )
    assert asked.returncode == 1
    assert "Traceback" not in asked.stderr and "NEWSQA_EMBEDDING_BACKEND" in asked.stderr
    assert "onnx-int8" in asked.stderr


@pytest.mark.shared
def test_an_index_from_before_sentence_vectors_gets_them_with_one_command(
    tmp_path: Path, sample_articles: Path
) -> None:
    import sqlite3

    store = tmp_path / "store"
    assert run("-m", "ingest", str(sample_articles), "--store", str(store)).returncode == 0
    keywords = store / "news-keywords.sqlite3"
    with sqlite3.connect(keywords) as db:
        written = sorted(db.execute("SELECT chunk_rowid, vectors FROM chunk_sentences"))
        db.execute("DELETE FROM chunk_sentences")  # as an index written by an older version
    assert len(written) == 3

    filled = run("-m", "ingest", "--sentence-vectors", "--store", str(store))
    assert filled.returncode == 0, filled.stderr
    assert f"Added sentence vectors to 3 chunk(s) in {store}." in filled.stdout
    with sqlite3.connect(keywords) as db:
        assert sorted(db.execute("SELECT chunk_rowid, vectors FROM chunk_sentences")) == written
    again = run("-m", "ingest", "--sentence-vectors", "--store", str(store), "--json")
    assert again.returncode == 0 and json.loads(again.stdout) == {"chunks": 0}
    mixed = run("-m", "ingest", "--sentence-vectors", str(sample_articles), "--store", str(store))
    assert mixed.returncode == 2 and "--sentence-vectors (alone)" in mixed.stderr
