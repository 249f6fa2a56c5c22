"""Stores written with an earlier recipe's int8 vectors ask to be re-indexed; float32 ones still open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import NewsAssistant
from ingest.records import Chunk
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans
from vectorstore.chroma import ChromaStore, EmbedderMismatchError, persistent_client
from vectorstore.embeddings import embedder_id

REPO = Path(__file__).resolve().parents[2]
# What the stores of issue 7 (recipe 1) recorded.
RECIPE1_INT8 = "bundled all-MiniLM-L6-v2 (onnx-int8)"
RECIPE1_FLOAT32 = "bundled all-MiniLM-L6-v2 (onnx)"


def store_built_by(folder: Path, embedder: str) -> None:
    """Write one chunk into the default collection of a store in ``folder``, as ``embedder``'s."""
    text = "Rockets hit Camp Taji north of Baghdad."
    chunk = Chunk(
        id="c1", article_id="a1", index=0, text=text, start=0, end=len(text), title="Camp Taji",
        source="Wire", published=None, date_from=None, date_to=None,
    )  # fmt: skip
    ChromaStore(persistent_client(folder), BagOfWordsEmbeddings(), "news", embedder=embedder).add([chunk])


def bot(folder: Path, **settings: object) -> NewsAssistant:
    return NewsAssistant(
        store_dir=folder, embeddings=BagOfWordsEmbeddings(), token_spans=simple_token_spans, **settings
    )


def test_an_int8_store_of_the_earlier_recipe_says_it_needs_reindexing(tmp_path: Path) -> None:
    assert embedder_id("", "onnx-int8") != RECIPE1_INT8  # the vectors changed, so the id did
    store_built_by(tmp_path / "store", RECIPE1_INT8)
    article = tmp_path / "taji.txt"
    article.write_text("More rockets hit the base on Saturday.\n", encoding="utf-8")
    assistant = bot(tmp_path / "store")
    for attempt in (lambda: assistant.retrieve("Who hit Camp Taji?"), lambda: assistant.index([article])):
        with pytest.raises(EmbedderMismatchError) as raised:
            attempt()
        message = str(raised.value)
        assert "earlier version" in message and "needs re-indexing" in message
        assert "fresh NEWSQA_STORE_DIR" in message and str(tmp_path) in message
        # Going back to the backend it was built with can't help: it is this backend.
        assert "Set NEWSQA_EMBEDDING_BACKEND" not in message


def test_the_reindexing_message_reaches_the_command_line_without_a_traceback(tmp_path: Path) -> None:
    store_built_by(tmp_path, RECIPE1_INT8)
    asked = subprocess.run(
        [sys.executable, "-m", "assistant", "ask", "Who hit Camp Taji?", "--store", str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert asked.returncode == 1
    assert "needs re-indexing" in asked.stderr and "Traceback" not in asked.stderr


def test_a_float32_onnx_store_of_the_earlier_recipe_still_opens(tmp_path: Path) -> None:
    # The fusions rearrange the same float32 arithmetic: those vectors did not change.
    assert embedder_id("", "onnx") == RECIPE1_FLOAT32
    store_built_by(tmp_path, RECIPE1_FLOAT32)
    passages = bot(tmp_path, embedding_backend="onnx").retrieve("Who hit Camp Taji?")
    assert [passage.chunk.id for passage in passages] == ["c1"]


def test_another_backend_is_still_told_to_set_the_backend(tmp_path: Path) -> None:
    store_built_by(tmp_path, embedder_id("", "torch"))
    with pytest.raises(EmbedderMismatchError, match=r"\(torch\).*Set NEWSQA_EMBEDDING_BACKEND"):
        bot(tmp_path).retrieve("Who hit Camp Taji?")
