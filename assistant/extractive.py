"""The offline answerer: quotes the retrieved sentences that best answer the question.

No language model is involved. Each sentence of the retrieved passages is scored by how
much of the question it covers (question terms weighted by how rare they are among the
candidate sentences), discounted by its passage's rank. The best sentences become the
answer, each with a ``[n]`` marker.

It abstains instead of guessing when the passages are plainly not about what was asked:
when the question cites an outlet none of the passages comes from ("a Bloomberg article",
"reported by The Hindu"), when a name it gives (a capitalised or mixed-case word such as
``Oleg Fomenko`` or ``M-Pesa``) appears in none of the passages, their titles or outlets,
or when no sentence covers enough of the question.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.answer import ABSTAIN_TEXT, Answer, Citation
from assistant.query import OutletMatcher
from ingest.sentences import sentence_spans
from ingest.terms import STOP_WORDS, terms
from vectorstore.base import Passage

# Words that frame a news question rather than say what it is about.
_FRAMING = frozenset(terms("article report reported according news story published write wrote said says"))

# What kind of answer a question wants, from its first words.
_WANTS_NAME = re.compile(
    r"^\s*(who|whom|whose|which|where"
    r"|what (company|organi[sz]ation|country|city|team|group|person|firm|player))\b",
    re.I,
)
_WANTS_DATE = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
_WANTS_NUMBER = re.compile(r"^\s*how (many|much|long|old|far)\b", re.I)
_NAME = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*(?:\s+(?:of|the|de|al|bin|van|von|del)?\s*[A-Z][\w'’.-]*)*")
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)\b", re.I
)
_CALENDAR = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
_DATE = re.compile(rf"\b(\d{{4}}|yesterday|today|{_CALENDAR.replace(' ', '|')})\b", re.I)
_CALENDAR_TERMS = frozenset(terms(_CALENDAR))
# A word that names something: a capital or a digit after its first letter, or a capital first.
_NAME_WORD = re.compile(
    r"(?<![\w'’])[\w'’.&-]*[A-Z][\w'’.&-]*|(?<![\w'’])[A-Za-z]+\d[\w-]*|\d+[A-Za-z][\w-]*"
)
# An outlet cited as a source: "an article by X", "reported by X", "another in X", "the X report".
_CAPS = r"[A-Z0-9][\w'’.&-]*(?:\s+(?:of|the|and|&|[|:-])?\s*[A-Z0-9][\w'’.&-]*)*"
_PIECE = r"(?:article|report|piece|story|coverage|review|column|feature|post)"
_CITED_OUTLET = (
    re.compile(
        rf"(?:\b{_PIECE}s?\s+(?:by|from|in|at)\s+|\b(?:reported by|published by|another (?:by|from|in))\s+)"
        rf"(?:an?\s+|the\s+)?(?P<name>(?:The\s+)?{_CAPS})"
    ),
    re.compile(rf"\b(?:an?|the|by|from|in)\s+(?P<name>{_CAPS})(?:'s|’s)?\s+{_PIECE}"),
)
_NOT_OUTLET = re.compile(rf"(?:{_CALENDAR.replace(' ', '|')}|\d)\b", re.I)
# Sentences without the kind of answer the question wants weigh this much.
_OFF_TYPE = 0.6
# Share of a question term's weight earned by appearing in the passage around a sentence.
_CONTEXT = 0.5


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    rank: int
    start: int
    end: int
    terms: frozenset[str]


@dataclass(frozen=True)
class Scored:
    """A candidate sentence: how much of the question it covers itself, and its rank score."""

    passage: Passage
    start: int
    end: int
    coverage: float
    score: float


class ExtractiveAnswerer:
    """Answers by quoting whole sentences of the passages, or abstains."""

    def __init__(self, max_sentences: int = 3, min_support: float = 0.05, unknown_names: int = 2) -> None:
        self.max_sentences = max_sentences
        self.min_support = min_support
        self.unknown_names = unknown_names

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Return an answer quoting up to ``max_sentences`` sentences, each cited."""
        ranked = self.rank_sentences(question, passages)
        if (
            not ranked
            or max(s.coverage for s in ranked) < self.min_support
            or 0 < self.unknown_names <= len(unknown_names(question, passages))
            or unknown_outlets(question, passages)
        ):
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=list(passages))
        chosen: list[Scored] = []
        seen: set[tuple[str, int]] = set()
        for sentence in ranked:
            if len(chosen) == self.max_sentences or sentence.score < ranked[0].score / 2:
                break
            # Overlapping chunks repeat sentences; quote each sentence of an article once.
            key = (sentence.passage.chunk.article_id, sentence.passage.chunk.start + sentence.start)
            if key in seen:
                continue
            seen.add(key)
            chosen.append(sentence)
        citations = [
            Citation.from_passage(n, s.passage, s.start, s.end) for n, s in enumerate(chosen, start=1)
        ]
        text = " ".join(f"{citation.quote} [{citation.n}]" for citation in citations)
        return Answer(
            question=question, text=text, abstained=False, citations=citations, passages=list(passages)
        )

    def rank_sentences(self, question: str, passages: Sequence[Passage]) -> list[Scored]:
        """Return every sentence of the passages, best answer first."""
        wanted = set(terms(question)) - _FRAMING
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
        fits = _answer_type(question, wanted)
        frequency = Counter(term for candidate in candidates for term in candidate.terms & wanted)
        weight = {term: math.log(1.0 + (len(candidates) + 1) / (frequency[term] + 0.5)) for term in wanted}
        total = sum(weight.values())
        scored = []
        for candidate in candidates:
            matched = candidate.terms & wanted
            covered = sum(weight[term] for term in matched) / total
            # Terms met nearby in the passage count half: "the attack" in a passage about
            # Camp Taji is the Camp Taji attack. Abstention looks at `covered` alone.
            nearby = context[id(candidate.passage)] - matched
            relevance = covered + _CONTEXT * sum(weight[term] for term in nearby) / total
            # A sentence that only restates the question adds nothing to an answer.
            news = len(candidate.terms - wanted)
            rank_discount = 1.0 / (1.0 + 0.15 * candidate.rank)
            score = relevance * rank_discount * (1.0 if news >= 2 else 0.5)
            if fits is not None and not fits(candidate.passage.text[candidate.start : candidate.end]):
                score *= _OFF_TYPE
            scored.append(Scored(candidate.passage, candidate.start, candidate.end, covered, score))
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored


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


def best_sentence_coverage(question: str, passages: Sequence[Passage]) -> dict[str, float]:
    """Return, per chunk id, how much of the question its best sentence covers (0-1)."""
    best: dict[str, float] = {}
    for sentence in ExtractiveAnswerer().rank_sentences(question, passages):
        chunk_id = sentence.passage.chunk.id
        best[chunk_id] = max(best.get(chunk_id, 0.0), sentence.coverage)
    return best


def question_names(question: str) -> set[str]:
    """Return the terms of the names the question gives (its first word aside)."""
    names: set[str] = set()
    for match in _NAME_WORD.finditer(question):
        before = question[: match.start()].rstrip()
        if not before or before.endswith((".", "?", "!", ":")):
            continue  # a capital that only starts a sentence
        if match.group(0).lower().strip(".'’") in STOP_WORDS:
            continue
        names.update(terms(match.group(0)))
    return {term for term in names if len(term) > 1} - _CALENDAR_TERMS - _FRAMING


def unknown_names(question: str, passages: Sequence[Passage]) -> set[str]:
    """Return the question's name terms found in no passage, title or outlet."""
    names = question_names(question)
    if not names:
        return set()
    known: set[str] = set()
    for passage in passages:
        chunk = passage.chunk
        known.update(analyse(chunk.text).terms)
        known.update(terms(f"{chunk.title} {chunk.source or ''}"))
    return names - known


def cited_outlets(question: str) -> list[str]:
    """Return the names the question cites as sources ("an article by The Hindu" -> The Hindu)."""
    found = []
    for pattern in _CITED_OUTLET:
        for match in pattern.finditer(question):
            if not _NOT_OUTLET.match(match["name"]):
                found.append(match["name"])
    return list(dict.fromkeys(found))


def unknown_outlets(question: str, passages: Sequence[Passage]) -> list[str]:
    """Return the sources the question cites that none of the passages comes from."""
    cited = cited_outlets(question)
    if not cited:
        return []
    matcher = OutletMatcher({p.chunk.source for p in passages if p.chunk.source})
    return [name for name in cited if not matcher.find(name)]


def _answer_type(question: str, asked: set[str]) -> Callable[[str], bool] | None:
    """Return a test for sentences holding the kind of answer asked for, if the question says."""
    if _WANTS_DATE.search(question):
        return lambda sentence: bool(_DATE.search(sentence))
    if _WANTS_NUMBER.search(question):
        return lambda sentence: bool(_NUMBER.search(sentence))
    if _WANTS_NAME.search(question):
        return lambda sentence: _names_something_new(sentence, asked)
    return None


def _names_something_new(sentence: str, asked: set[str]) -> bool:
    """True if the sentence names someone or something the question does not."""
    for match in _NAME.finditer(sentence):
        name_terms = set(terms(match.group(0))) - _CALENDAR_TERMS
        if not name_terms or name_terms <= asked:
            continue
        # A lone capitalised word opening the sentence is usually just its first word.
        if match.start() == 0 and " " not in match.group(0).strip():
            continue
        return True
    return False
