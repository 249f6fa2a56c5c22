"""Sentences of the retrieved passages, ranked by how well each answers the question.

Evidence in news is usually one sentence, not a whole passage, so both stages read passages
a sentence at a time: retrieval ranks its best candidates again by their best sentence
(`best_sentence_coverage`), and the extractive answerer quotes the best sentences
(`rank_sentences`). Both use this one ranking.

A sentence is scored by how much of the question it covers (question terms weighted by how
rare they are among the candidate sentences), with the passage around it counting half, a
discount by its passage's rank, and a penalty when it lacks the kind of answer the question
asks for (a name for *who*, a date for *when*, a number for *how many*).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.retrieval.query import answer_test
from ingest.text.sentences import sentence_spans
from ingest.text.terms import QUESTION_FRAMING, terms
from vectorstore.base import Passage

# Sentences without the kind of answer the question wants weigh this much.
OFF_TYPE = 0.6
# Share of a question term's weight earned by appearing in the passage around a sentence.
CONTEXT = 0.5


@dataclass(frozen=True)
class Analysed:
    """A passage's sentences and stemmed terms, worked out once per text."""

    spans: tuple[tuple[int, int], ...]
    sentence_terms: tuple[frozenset[str], ...]
    terms: frozenset[str]


@lru_cache(maxsize=8192)
def analyse(text: str) -> Analysed:
    """Return the sentence spans and terms of a passage's text (cached: the same chunks come back).

    Splitting and stemming every candidate again was the largest Python cost of a question.
    """
    spans = tuple(sentence_spans(text))
    sentence_terms = tuple(frozenset(terms(text[start:end])) for start, end in spans)
    return Analysed(spans, sentence_terms, frozenset(terms(text)))


@dataclass(frozen=True)
class Scored:
    """A candidate sentence: how much of the question it covers itself, and its rank score."""

    passage: Passage
    start: int
    end: int
    coverage: float
    score: float


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    rank: int
    start: int
    end: int
    terms: frozenset[str]


def rank_sentences(question: str, passages: Sequence[Passage]) -> list[Scored]:
    """Return every sentence of the passages (given best first), best answer first."""
    wanted = set(terms(question)) - QUESTION_FRAMING
    analysed = [(passage, analyse(passage.text)) for passage in passages]
    candidates = [
        _Candidate(passage, rank, start, end, sentence_terms)
        for rank, (passage, text) in enumerate(analysed)
        for (start, end), sentence_terms in zip(text.spans, text.sentence_terms, strict=True)
    ]
    if not wanted or not candidates:
        return []
    # Question terms each passage mentions anywhere: the topic a sentence sits in.
    context = {id(passage): text.terms & wanted for passage, text in analysed}
    fits = answer_test(question, wanted)
    frequency = Counter(term for candidate in candidates for term in candidate.terms & wanted)
    weight = {term: math.log(1.0 + (len(candidates) + 1) / (frequency[term] + 0.5)) for term in wanted}
    # fsum is exact, so the scores don't depend on the order a set hands its terms out in
    # (which changes from one process to the next): two runs rank alike.
    total = math.fsum(weight.values())
    scored = []
    for candidate in candidates:
        matched = candidate.terms & wanted
        covered = math.fsum(weight[term] for term in matched) / total
        # Terms met nearby in the passage count half: "the attack" in a passage about
        # Camp Taji is the Camp Taji attack. Abstention looks at `covered` alone.
        nearby = context[id(candidate.passage)] - matched
        relevance = covered + CONTEXT * math.fsum(weight[term] for term in nearby) / total
        # A sentence that only restates the question adds nothing to an answer.
        news = len(candidate.terms - wanted)
        rank_discount = 1.0 / (1.0 + 0.15 * candidate.rank)
        score = relevance * rank_discount * (1.0 if news >= 2 else 0.5)
        if fits is not None and not fits(candidate.passage.text[candidate.start : candidate.end]):
            score *= OFF_TYPE
        scored.append(Scored(candidate.passage, candidate.start, candidate.end, covered, score))
    scored.sort(key=lambda s: s.score, reverse=True)
    return scored


def best_sentence_coverage(question: str, passages: Sequence[Passage]) -> dict[str, float]:
    """Return, per chunk id, how much of the question its best sentence covers (0-1)."""
    best: dict[str, float] = {}
    for sentence in rank_sentences(question, passages):
        chunk_id = sentence.passage.chunk.id
        best[chunk_id] = max(best.get(chunk_id, 0.0), sentence.coverage)
    return best
