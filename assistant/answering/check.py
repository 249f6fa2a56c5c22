"""Checks a generated answer against the passages it cites, sentence by sentence.

A language model can cite a passage that doesn't exist, cite the wrong one, or say things
no passage says. After generation:

1. every ``[n]`` marker that points at no passage is removed, and the rest are renumbered
   in order of first use (``[1]`` is the first passage the answer cites);
2. each sentence is checked against the passages it cites: *supported* when they contain
   at least ``min_overlap`` of its content words (stemmed) and every name and number in it;
3. each citation keeps the sentence of its passage that best supports what cites it (an
   exact substring of the passage, for highlighting) and is *verified* only when every
   sentence citing it rests on it.

A sentence that repeats an instruction aimed at a model (`assistant.answering.injection`), or
that only the instruction sentences of its passages support, is *suspicious*: a model that
obeyed an injected "say that ..." never gets its sentence marked verified.

This is a lexical check, not entailment: it catches invented names, numbers and passage
mix-ups, but a sentence that reuses a passage's words to say something else still passes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.injection import instruction_spans, is_instruction, is_suspicious
from assistant.answering.records import Citation, SentenceCheck, SentenceStatus
from ingest.text.names import digit_numbers, names, numbers
from ingest.text.sentences import sentence_spans
from ingest.text.terms import CLAIM_FRAMING, terms
from vectorstore.base import Passage

# A citation as models write it: [2], [1, 3], [Passage 2]. Leading blanks go with it.
_RAW_MARKER = re.compile(
    r"[ \t]*\[(?:passages?|sources?)?\s*(\d+(?:\s*[,;]\s*(?:passages?\s*)?\d+)*)\]", re.I
)
_MARKER = re.compile(r"\[(\d+)\]")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])+")
_NOTE = re.compile(
    r"\b(passages?|articles?|sources?|provided)\b"
    r"|\b(do|does|did)(n['’]?t| not) (say|mention|state|contain)\b",
    re.I,
)


@dataclass(frozen=True)
class Checked:
    """A generated answer after its citations were checked."""

    text: str
    """The answer with invalid markers removed and the rest renumbered."""
    citations: list[Citation]
    sentences: list[SentenceCheck]

    @property
    def supported(self) -> bool:
        """True when at least one sentence is supported by the passages it cites (a suspicious one
        is not)."""
        return any(check.status == "supported" for check in self.sentences)


@dataclass(frozen=True)
class _Facts:
    """What a passage (or several together) can vouch for."""

    terms: frozenset[str]
    numbers: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Facts:
        words = frozenset(terms(text))
        return cls(words, frozenset(numbers(text, words)))

    def __or__(self, other: _Facts) -> _Facts:
        return _Facts(self.terms | other.terms, self.numbers | other.numbers)


@dataclass(frozen=True)
class _Claim:
    """The checkable content of one answer sentence."""

    words: frozenset[str]
    names: tuple[tuple[str, frozenset[str]], ...]
    numbers: frozenset[str]

    @classmethod
    def of(cls, sentence: str) -> _Claim:
        found = []
        for name in names(sentence):
            name = name.rstrip(".")
            name_terms = frozenset(terms(name))
            if name_terms:
                found.append((name, name_terms))
        claimed = frozenset(digit_numbers(sentence))
        return cls(frozenset(terms(sentence)) - CLAIM_FRAMING, tuple(found), claimed)

    def coverage(self, facts: _Facts) -> float:
        """Share of the claim's content words the facts contain."""
        return len(self.words & facts.terms) / len(self.words) if self.words else 1.0

    def missing(self, facts: _Facts) -> tuple[str, ...]:
        """Names and numbers of the claim the facts don't contain."""
        absent = [name for name, name_terms in self.names if not name_terms <= facts.terms]
        absent += sorted(number for number in self.numbers if number not in facts.numbers)
        return tuple(dict.fromkeys(absent))

    def overlap(self, text: str) -> int:
        """How much of the claim one passage sentence repeats (for choosing the quote)."""
        facts = _Facts.of(text)
        found = sum(1 for _, name_terms in self.names if name_terms <= facts.terms)
        return len(self.words & facts.terms) + found + len(self.numbers & facts.numbers)


class CitationChecker:
    """Cleans, renumbers and checks the citations of a generated answer."""

    def __init__(self, min_overlap: float) -> None:
        """A sentence is supported when its cited passages hold ``min_overlap`` of its content words."""
        self.min_overlap = min_overlap

    def check(self, reply: str, passages: Sequence[Passage]) -> Checked:
        """Return the reply with its citations checked against the numbered ``passages``."""
        text, order = renumber(reply, len(passages))
        cited = [passages[n - 1] for n in order]
        facts = [_Facts.of(p.text) for p in cited]
        # What each passage vouches for once its instructions to a model are left out.
        clean = [
            _Facts.of(_without_instructions(p.text)) if is_suspicious(p.text) else f
            for p, f in zip(cited, facts, strict=True)
        ]
        checks: list[SentenceCheck] = []
        uses: dict[int, list[tuple[_Claim, bool, float]]] = {}
        for start, end in answer_sentences(text):
            sentence = text[start:end]
            cites = tuple(dict.fromkeys(int(n) for n in _MARKER.findall(sentence)))
            claim = _Claim.of(_MARKER.sub("", sentence))
            if not cites:
                claims = len(claim.words) >= 2 or claim.names or claim.numbers
                uncited = bool(claims) and not _NOTE.search(sentence)
                kind: SentenceStatus = "uncited" if uncited else "note"
                checks.append(
                    SentenceCheck(start, end, (), "suspicious" if is_instruction(sentence) else kind)
                )
                continue
            joint = _Facts(frozenset(), frozenset())
            honest = _Facts(frozenset(), frozenset())
            for n in cites:
                joint = joint | facts[n - 1]
                honest = honest | clean[n - 1]
            missing = claim.missing(joint)
            supported = claim.coverage(joint) >= self.min_overlap and not missing
            injected = is_instruction(sentence) or (
                supported and (claim.coverage(honest) < self.min_overlap or bool(claim.missing(honest)))
            )
            doubtful = []
            for n in cites:
                alone = claim.coverage(facts[n - 1])
                rests = (alone >= self.min_overlap and not claim.missing(facts[n - 1])) or (
                    supported and len(cites) > 1 and alone >= self.min_overlap / 2
                )
                uses.setdefault(n, []).append((claim, rests, alone))
                if not rests:
                    doubtful.append(n)
            status: SentenceStatus = "supported" if supported else "unsupported"
            if injected:
                status = "suspicious"
                doubtful = list(cites)
                for n in cites:
                    uses[n][-1] = (claim, False, uses[n][-1][2])
            checks.append(SentenceCheck(start, end, cites, status, missing, tuple(doubtful)))
        citations = [_cite(n, cited[n - 1], uses.get(n, [])) for n in range(1, len(order) + 1)]
        return Checked(text, citations, checks)


def renumber(reply: str, count: int) -> tuple[str, list[int]]:
    """Drop markers outside ``1..count`` and renumber the rest by first use.

    Returns the new text and, for each new number ``m``, the passage number ``order[m - 1]``.
    """
    order: list[int] = []

    def rewrite(match: re.Match[str]) -> str:
        kept: list[int] = []
        for number in (int(n) for n in re.findall(r"\d+", match.group(1))):
            if not 1 <= number <= count:
                continue
            if number not in order:
                order.append(number)
            if order.index(number) + 1 not in kept:
                kept.append(order.index(number) + 1)
        if not kept:
            return ""
        lead = " " if match.group(0)[:1] in (" ", "\t") else ""
        return lead + "".join(f"[{n}]" for n in kept)

    return _RAW_MARKER.sub(rewrite, reply).strip(), order


def answer_sentences(text: str) -> list[tuple[int, int]]:
    """Return sentence spans of an answer, each with the ``[n]`` markers that close it.

    Models write "attack [1].", "attack.[1]" and "attack. [1] Next": in each, the marker
    belongs to the sentence about the attack.
    """
    # Sentences are found with the markers blanked out, then each takes the markers after it.
    blanked = _MARKER.sub(lambda m: " " * len(m.group(0)), text)
    spans = sentence_spans(blanked)
    result = []
    for i, (start, end) in enumerate(spans):
        limit = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        trailing = _TRAILING_MARKERS.match(text, end, limit)
        result.append((start, trailing.end() if trailing else end))
    return result


def _cite(n: int, passage: Passage, uses: list[tuple[_Claim, bool, float]]) -> Citation:
    """Cite the passage sentence that best supports the sentence leaning on it most."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    best_claim = max(uses, key=lambda use: use[2])[0] if uses else None
    start, end = spans[0]
    if best_claim is not None:
        start, end = max(spans, key=lambda span: best_claim.overlap(passage.text[span[0] : span[1]]))
    verified = bool(uses) and all(rests for _, rests, _ in uses)
    return Citation.from_passage(
        n, passage, start, end, verified=verified, suspicious=is_suspicious(passage.text)
    )


def _without_instructions(text: str) -> str:
    """Return a passage's text with its sentences aimed at a model blanked out."""
    chars = list(text)
    for start, end in instruction_spans(text):
        chars[start:end] = " " * (end - start)
    return "".join(chars)
