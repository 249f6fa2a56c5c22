"""The sentences an extractive answer may quote, scored for meaning as well as words.

`assistant.retrieval.sentences.rank_sentences` ranks every sentence by the question words it
covers (weighted by rarity). Words miss answers written in other words: "... is likely
behind it" answers "who was blamed" without sharing a word with it. So the best of those
sentences are scored again by their similarity in meaning to the question, under the
embedding model the index already loads (`SentenceSimilarity`, vectors cached by text), and
the two scores are combined.

A sentence that leans on the one before it ("Plus, ...", "It ...", "He ...") is never quoted
alone: its quote starts with the sentence it leans on, or it is not quoted.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.answering.asked import NAMES
from assistant.answering.injection import instruction_spans
from assistant.retrieval.query import find_dates
from assistant.retrieval.sentences import Scored, analyse
from ingest.text.dates import MONTHS, DateError, day_range
from ingest.text.entities import entities
from ingest.text.names import DATE_WORD
from ingest.text.terms import terms
from vectorstore.base import Passage

if TYPE_CHECKING:
    from assistant.retrieval.semantic import SentenceSimilarity

POOL = 16
"""Sentences (best by words) that are scored for meaning too: each costs an embedding the first
time it is seen."""
MEANING = 1.0
"""Weight of meaning against words in the combined score (each scaled to the best candidate's)."""
BACKGROUND = 0.7
"""Score factor of a sentence dated two months or more before its article ("a strike in
December" in a March article): background to the news, not the event asked about, unless
the question names a date itself."""

_MONTH_NAMES = "|".join(
    sorted(
        {name for name in (*calendar.month_name, *calendar.month_abbr, "Sept") if name}, key=len, reverse=True
    )
)
# A month news dates something by: "in December", "last Dec.", "December 5", "Dec. 2019".
_MONTH = re.compile(
    rf"(?:\b(?:in|on|since|during|by|until|from|last|early|late|mid-?|of)\s+(?P<month>{_MONTH_NAMES})\b\.?"
    rf"|\b(?P<dated>{_MONTH_NAMES})\b\.?\s+(?=\d))(?:\s*\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?P<year>(?:19|20)\d{{2}}))?"
)
_YEAR = re.compile(r"\b(?:in|since|during|of|from|until)\s+(?P<year>(?:19|20)\d{2})\b")

# The opening words of a sentence that leans on the one before it.
_LEANS = re.compile(
    r"^[\"'“‘(\s]*(?:"
    r"(?:he|she|it|they|his|her|its|their|him|them|it['’]s|they['’]re|that['’]s|such|plus|also|but|however"
    r"|and|or|so|still|yet|meanwhile|moreover|furthermore|additionally|instead|then|thus|therefore|besides"
    r"|likewise|similarly|nevertheless|nonetheless|otherwise|indeed|hence|accordingly|consequently"
    r"|regardless|which)\b"
    r"|(?:in addition|on the other hand|as a result|for example|for instance|in turn|at the same time"
    r"|even so|after that|by contrast|in contrast|in response|that said|to that end)\b"
    r"|(?:this|that|these|those)\b(?!\s+(?:year|week|month|season|time|morning|afternoon|evening|weekend"
    r"|summer|winter|spring|autumn|fall|decade|century)s?\b))",
    re.IGNORECASE,
)


def leans_on_previous(sentence: str) -> bool:
    """Return True when the sentence opens with words that point back at the one before it."""
    return bool(_LEANS.match(sentence))


@dataclass(frozen=True)
class Candidate:
    """A sentence that may be quoted, with its scores; the quote may start a sentence earlier."""

    passage: Passage
    start: int
    """Start of the quote in the passage (the sentence before, when this one leans on it)."""
    end: int
    sentence_start: int
    """Start of the scored sentence itself."""
    coverage: float
    """Share of the question's (rarity-weighted) words the sentence holds."""
    words: float
    """The sentence's score by words (`rank_sentences`)."""
    meaning: float
    """Cosine similarity of the sentence to the question (0 without a similarity model)."""
    score: float = 0.0
    """Words and meaning combined, each relative to the best candidate's (0-1 each)."""
    background: bool = False
    """The sentence dates what it says well before its article (`BACKGROUND`)."""

    @property
    def text(self) -> str:
        """The quote."""
        return self.passage.text[self.start : self.end]

    @property
    def sentence(self) -> str:
        """The scored sentence alone."""
        return self.passage.text[self.sentence_start : self.end]

    @property
    def key(self) -> tuple[str, int]:
        """Where the sentence stands in its article (overlapping chunks repeat sentences)."""
        chunk = self.passage.chunk
        return chunk.article_id, chunk.start + self.sentence_start

    @property
    def outlet(self) -> str | None:
        """The outlet of the article it comes from."""
        return self.passage.chunk.source


def candidates(
    question: str,
    ranked: Sequence[Scored],
    similarity: SentenceSimilarity | None,
    pool: int = POOL,
    extra: Sequence[Scored] = (),
) -> list[Candidate]:
    """Return the best ``pool`` sentences by words (and the ``extra`` ones), each once, scored
    for meaning too and best first; instructions aimed at a model are left out."""
    chosen: dict[tuple[str, int], Scored] = {}
    for sentence in [*ranked[:pool], *extra]:
        if _is_instruction(sentence):
            continue
        chunk = sentence.passage.chunk
        chosen.setdefault((chunk.article_id, chunk.start + sentence.start), sentence)
    picked = list(chosen.values())
    if not picked:
        return []
    texts = [s.passage.text[s.start : s.end] for s in picked]
    if similarity is not None:
        similarity.load([s.passage for s in picked])
    meanings = similarity.scores(relation(question), texts) if similarity is not None else [0.0] * len(picked)
    best_words = max(s.score for s in picked) or 1.0
    best_meaning = max(max(meanings), 1e-9)
    dated_question = bool(find_dates(question) or DATE_WORD.search(question))
    scored = []
    for s, meaning, text in zip(picked, meanings, texts, strict=True):
        score = (s.score / best_words + MEANING * max(meaning, 0.0) / best_meaning) / (1.0 + MEANING)
        behind = not dated_question and background(text, s.passage.chunk.published)
        if behind:
            score *= BACKGROUND
        scored.append(
            Candidate(
                passage=s.passage,
                start=s.start,
                end=s.end,
                sentence_start=s.start,
                coverage=s.coverage,
                words=s.score,
                meaning=meaning,
                score=score,
                background=behind,
            )
        )
    scored.sort(key=lambda c: (-c.score, c.key))
    return scored


def relation(question: str) -> str:
    """Return the question with the names spaCy finds in it left out ("Who was blamed for the
    attack?"): names are matched by words already, so meaning is measured for what they relate."""
    kept, position = [], 0
    for entity in entities(question):
        if entity.label in NAMES:
            kept.append(question[position : entity.start])
            position = entity.end
    kept.append(question[position:])
    text = re.sub(r"\s+", " ", "".join(kept)).strip()
    return text if len(terms(text)) >= 2 else question


def background(sentence: str, published: str | None) -> bool:
    """True when the sentence dates what it says two months or more before its article was published."""
    if not published:
        return False
    try:
        first, _ = day_range(published)
    except DateError:
        return False
    now = first // 10000 * 12 + first // 100 % 100 - 1  # months since year 0
    for match in _MONTH.finditer(sentence):
        month = MONTHS[(match["month"] or match["dated"]).lower()]
        if match["year"]:
            then = int(match["year"]) * 12 + month - 1
        else:  # no year: the nearest such month, before or after
            then = min(
                ((now // 12 + shift) * 12 + month - 1 for shift in (-1, 0, 1)), key=lambda m: abs(m - now)
            )
        if now - then >= 2:
            return True
    return any(int(m["year"]) < now // 12 for m in _YEAR.finditer(sentence))


def standalone(candidate: Candidate) -> Candidate | None:
    """Return the candidate with the sentence it leans on in front (up to two sentences back),
    or None when that sentence is not in its passage."""
    text = candidate.passage.text
    spans = analyse(text).spans
    start = candidate.sentence_start
    for _ in range(2):
        if not leans_on_previous(text[start : candidate.end]):
            return replace(candidate, start=start)
        before = [span for span in spans if span[1] <= start]
        if not before:
            return None
        start = before[-1][0]
    return replace(candidate, start=start) if not leans_on_previous(text[start : candidate.end]) else None


def _is_instruction(sentence: Scored) -> bool:
    return any(
        start < sentence.end and sentence.start < end
        for start, end in instruction_spans(sentence.passage.text)
    )
