"""The whole path with the real bundled model and a real Chroma: articles in, cited answers out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import real_assistant

pytestmark = [pytest.mark.model, pytest.mark.shared]

QUESTION = "Who was blamed for the Camp Taji attack?"


def test_camp_taji_answer_names_kataib_hezbollah_and_cites_fast_news(real_store: Path) -> None:
    answer = real_assistant(real_store).ask(QUESTION)
    assert not answer.abstained
    assert "Kataib Hezbollah" in answer.text
    citing = [c for c in answer.citations if "Kataib Hezbollah" in c.quote]
    assert citing, "the sentence naming Kataib Hezbollah must be cited"
    for citation in answer.citations:
        assert (citation.source, citation.published) == ("Fast News", "2020-03")
        assert citation.quote in citation.passage
        assert f"{citation.quote} [{citation.n}]" in answer.text


def test_a_question_the_article_does_not_answer_is_declined(real_store: Path) -> None:
    answer = real_assistant(real_store).ask("What is the capital of Australia?")
    assert answer.abstained and answer.citations == []
    assert "couldn't find this in the indexed articles" in answer.text


def test_retrieve_returns_the_passages_ask_answers_from(real_store: Path) -> None:
    bot = real_assistant(real_store)
    passages = bot.retrieve(QUESTION, k=3)
    assert 1 <= len(passages) <= 3
    assert passages == sorted(passages, key=lambda p: p.score, reverse=True)
    cited = {c.chunk_id for c in bot.ask(QUESTION, k=3).citations}
    assert cited <= {p.chunk.id for p in passages}


def test_reindexing_the_sample_adds_nothing(real_store: Path, sample_articles: Path) -> None:
    report = real_assistant(real_store).index([sample_articles])
    assert (report.added, report.unchanged, report.chunks) == (0, 1, 0)
