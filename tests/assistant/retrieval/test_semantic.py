"""Question-sentence similarity, computed once per sentence, with the real model too."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assistant.retrieval.semantic import SentenceSimilarity
from ingest.records import Chunk
from tests.fakes import BagOfWordsEmbeddings
from vectorstore.base import Passage
from vectorstore.sentence_vectors import pack

QUESTION = "Who was blamed for the Camp Taji attack?"
ANSWER = (
    "US officials have not publicly said what group they believe launched the rocket attack, "
    "but Kataib Hezbollah, an Iranian-backed Shia militia group, is likely behind it."
)
ASIDE = "Esper declined to talk about retaliation."


def test_each_sentence_is_embedded_once_and_scores_keep_the_order_given() -> None:
    embeddings = BagOfWordsEmbeddings()
    similarity = SentenceSimilarity(embeddings)
    first = similarity.scores("rocket attack", [ANSWER, ASIDE, ANSWER])
    assert first[0] == first[2] and first[0] > first[1]
    again = similarity.scores("militia group", [ASIDE, ANSWER])
    assert embeddings.embedded == [ANSWER, ASIDE]  # nothing embedded twice
    assert len(again) == 2 and similarity.scores("anything", []) == []


def test_the_cache_stays_bounded() -> None:
    similarity = SentenceSimilarity(BagOfWordsEmbeddings(), cache=3)
    similarity.scores("q", [f"sentence {n}" for n in range(5)])
    similarity.scores("q", ["one more"])
    assert len(similarity._vectors) <= 5


@pytest.mark.model
def test_the_answer_in_other_words_scores_above_an_aside_with_the_real_model() -> None:
    from assistant.factory import make_embeddings
    from assistant.settings import DEFAULTS

    similarity = SentenceSimilarity(make_embeddings(DEFAULTS))
    answer, aside = similarity.scores(QUESTION, [ANSWER, ASIDE])
    assert answer > aside


def _passage(text: str) -> Passage:
    chunk = Chunk(id="c1", article_id="a1", index=0, text=text, start=0, end=len(text), title="T")
    return Passage(chunk, 0.0)


def test_sentences_whose_vectors_the_index_kept_are_not_embedded_again() -> None:
    embeddings = BagOfWordsEmbeddings()
    text = f"{ANSWER} {ASIDE} A third sentence, cut off."
    rows = np.asarray(embeddings.embed_documents([ANSWER, ASIDE, ASIDE]), dtype=np.float32)
    rows[2] = 0  # past the model's input limit when the chunk was embedded
    reads: list[list[str]] = []

    def stored(ids: Sequence[str]) -> dict[str, bytes]:
        reads.append(list(ids))
        return {"c1": pack(rows)}

    similarity = SentenceSimilarity(embeddings, stored=stored)
    embeddings.embedded.clear()
    similarity.load([_passage(text)])
    similarity.load([_passage(text)])
    assert reads == [["c1"]], "a chunk's vectors are read once"
    scores = similarity.scores("militia group rocket attack", [ANSWER, ASIDE, "A third sentence, cut off."])
    assert embeddings.embedded == ["A third sentence, cut off."], "only the sentence without a kept vector"
    assert scores[0] > scores[1]


def test_kept_vectors_that_do_not_fit_the_text_are_ignored() -> None:
    embeddings = BagOfWordsEmbeddings()
    one_row = pack(np.ones((1, embeddings.size), dtype=np.float32))
    similarity = SentenceSimilarity(embeddings, stored=lambda ids: {"c1": one_row})
    similarity.load([_passage(f"{ANSWER} {ASIDE}")])  # two sentences, one row: not these sentences
    similarity.scores("q", [ANSWER, ASIDE])
    assert embeddings.embedded == [ANSWER, ASIDE]
