"""Question-sentence similarity, computed once per sentence, with the real model too."""

from __future__ import annotations

import pytest

from assistant.retrieval.semantic import SentenceSimilarity
from tests.fakes import BagOfWordsEmbeddings

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
