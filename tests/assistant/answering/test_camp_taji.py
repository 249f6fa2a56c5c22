"""The Camp Taji question on the sample article, with the real model: the answer leads with who."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant import NewsAssistant
from tests.conftest import SAMPLE_ARTICLES, real_assistant
from vectorstore.hybrid import NewsStore

pytestmark = [pytest.mark.model, pytest.mark.shared]

LIKELY = "Kataib Hezbollah, an Iranian-backed Shia militia group, is likely behind it."
DECEMBER = "Washington blamed Kataib Hezbollah for a strike in December"


def test_the_short_answer_is_kataib_hezbollah_from_the_likely_behind_it_sentence(real_store: Path) -> None:
    answer = real_assistant(real_store).ask("Who was blamed for the Camp Taji attack?")
    assert answer.short_answer is not None and answer.short_answer.text == "Kataib Hezbollah"
    cited = next(c for c in answer.citations if c.n == answer.short_answer.n)
    assert LIKELY in cited.quote
    assert answer.text.startswith("Kataib Hezbollah [1]. Fast News, March 2020: US officials")
    # The December strike is another attack: it is not what the answer quotes for it.
    assert DECEMBER not in cited.quote
    assert all(DECEMBER not in c.quote for c in answer.citations[:1])


class _WithoutSentences(Embeddings):
    """The real model behind LangChain's plain interface: it cannot pool sentences (as torch)."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_asking_reads_the_sentences_vectors_kept_at_index_time_and_embeds_only_the_question(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embeddings = real_assistant(real_store).embeddings
    bot = NewsAssistant(store_dir=real_store, embeddings=embeddings)  # nothing cached yet
    store = bot.store
    assert isinstance(store, NewsStore)
    ids = store.keywords.ids()
    assert set(store.sentence_vectors(list(ids))) == ids, "every chunk has its sentences' vectors"
    embedded: list[str] = []
    model = embeddings.model  # type: ignore[attr-defined]
    real = model.embed_documents

    def spy(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(model, "embed_documents", spy)
    question = "Who was blamed for the Camp Taji attack?"
    answer = bot.ask(question)
    assert answer.short_answer is not None and answer.short_answer.text == "Kataib Hezbollah"
    assert LIKELY in answer.citations[0].quote
    assert 1 <= len(embedded) <= 2 and all(len(text) <= len(question) for text in embedded), (
        "only the question (and what it relates) was embedded, no candidate sentence"
    )


def test_an_index_without_them_embeds_the_sentences_and_answers_the_same(tmp_path: Path) -> None:
    plain = _WithoutSentences(real_assistant(Path(tmp_path)).embeddings)
    bot = NewsAssistant(store_dir=tmp_path / "plain", embeddings=plain)
    assert bot.index([SAMPLE_ARTICLES]).ok
    store = bot.store
    assert isinstance(store, NewsStore) and store.sentence_vectors(list(store.keywords.ids())) == {}
    before = len(plain.embedded)
    answer = bot.ask("Who was blamed for the Camp Taji attack?")
    assert answer.short_answer is not None and answer.short_answer.text == "Kataib Hezbollah"
    assert LIKELY in answer.citations[0].quote
    assert len(plain.embedded) - before > 2, "the candidate sentences were embedded at question time"
