"""The best candidates ranked by meaning too, under the index's own embedder."""

from __future__ import annotations

import pytest

from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.query import QueryPlan
from assistant.retrieval.semantic import SentenceSimilarity
from ingest.records import Chunk
from tests.fakes import BagOfWordsEmbeddings
from vectorstore.base import Passage

QUESTION = "Who was blamed for the Camp Taji attack?"
# All three share the question's words; only the last answers it, in other words.
ANSWER = (
    "After the Camp Taji attack, US officials said Kataib Hezbollah, an Iranian-backed militia, "
    "is likely behind it."
)
ASIDES = (
    "After the Camp Taji attack, Defense Secretary Mark Esper declined to talk about the weather in Baghdad.",
    "After the Camp Taji attack, Prime Minister Adel Abdul Mahdi visited a hospital in Basra.",
)


def passage(n: int, text: str) -> Passage:
    chunk = Chunk(id=f"c{n}", article_id=f"a{n}", index=0, text=text, start=0, end=len(text), title=f"T{n}")
    return Passage(chunk, 0.0)


def scores(similarity: SentenceSimilarity | None) -> dict[str, float]:
    retriever = HybridRetriever(store=None, per_article=3, similarity=similarity)  # type: ignore[arg-type]
    # The searches put the asides a little ahead of the answer.
    texts = [*ASIDES, ANSWER]
    fused = {f"c{n}": (0.2 - 0.001 * n, passage(n, text)) for n, text in enumerate(texts)}
    return {p.chunk.id: p.score for p in retriever.rank(QueryPlan(QUESTION), fused, k=3)}


def test_each_sentence_is_embedded_once_across_questions() -> None:
    embeddings = BagOfWordsEmbeddings()
    similarity = SentenceSimilarity(embeddings)
    scores(similarity)
    scores(similarity)
    assert sorted(embeddings.embedded) == sorted({ANSWER, *ASIDES})


@pytest.mark.model
def test_meaning_lifts_the_answer_in_other_words_most_with_the_real_model() -> None:
    from assistant.factory import make_embeddings
    from assistant.settings import DEFAULTS

    words = scores(None)
    meaning = scores(SentenceSimilarity(make_embeddings(DEFAULTS)))
    lift = {chunk_id: meaning[chunk_id] - words[chunk_id] for chunk_id in words}
    assert max(lift, key=lambda chunk_id: lift[chunk_id]) == "c2"  # the answer
