"""Writing an extractive answer: sentences of its own, and quotes that carry their outlet and date.

Every quote is introduced by where and when it was published ("TechCrunch, 15 Dec 2023: ..."),
so an answer drawn from months of coverage reads as a timeline; quotes in a row from one
article share the introduction. The answer says how far apart its sources are when that is
more than a week, and, for a question about which report came first, what the dates say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from assistant.answering.injection import is_suspicious
from assistant.answering.quotes import Candidate
from assistant.answering.records import Citation, OutletSide
from ingest.records import Chunk
from ingest.text.dates import DateError, apart, as_date, date_label, day_range, short_day

WEEK = 7
"""Sources further apart than this many days are said to be."""


def claim_label(chunk: Chunk) -> str:
    """Return where and when a passage was published, as an answer says it: ``TechCrunch, 15 Dec 2023``."""
    published = chunk.published or ""
    when = date_label(published[:10] if "T" in published else published)
    return ", ".join(part for part in (chunk.source, when) if part)


def published_days(chunk: Chunk) -> tuple[int, int] | None:
    """Return the first and last day (``YYYYMMDD``) a passage's date can mean, if it has one."""
    if not chunk.published:
        return None
    try:
        return day_range(chunk.published)
    except DateError:
        return None


def _middle(days: tuple[int, int]) -> date:
    first, last = as_date(days[0]), as_date(days[1])
    return first + (last - first) / 2


@dataclass
class Draft:
    """An answer being written: its pieces of text and the citations their ``[n]`` point at."""

    parts: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    sides: list[OutletSide] = field(default_factory=list)
    _numbers: dict[tuple[str, int, int], int] = field(default_factory=dict)
    _introduced: str | None = None
    """The article whose introduction the last quote carried (quotes in a row share it)."""

    @property
    def text(self) -> str:
        """The answer text so far."""
        return " ".join(self.parts)

    @property
    def length(self) -> int:
        """Where the next piece starts in `text`."""
        return len(self.text) + (1 if self.parts else 0)

    def cite(self, candidate: Candidate) -> int:
        """Return the number of the citation of this quote, adding it when new."""
        key = (candidate.passage.chunk.id, candidate.start, candidate.end)
        if key not in self._numbers:
            n = len(self.citations) + 1
            self._numbers[key] = n
            self.citations.append(
                Citation.from_passage(
                    n,
                    candidate.passage,
                    candidate.start,
                    candidate.end,
                    suspicious=is_suspicious(candidate.passage.text),
                )
            )
        return self._numbers[key]

    def say(self, sentence: str) -> None:
        """Add a sentence of the answer's own (not a quote)."""
        self.parts.append(sentence)
        self._introduced = None

    def quote(self, candidate: Candidate) -> int:
        """Add a quote, introduced by its outlet and date unless the quote before is from its article."""
        n = self.cite(candidate)
        article = candidate.passage.chunk.article_id
        label = claim_label(candidate.passage.chunk)
        lead = f"{label}: " if label and article != self._introduced else ""
        self.parts.append(f"{lead}{candidate.text} [{n}]")
        self._introduced = article
        return n

    def side(self, outlet: str, quotes: list[Candidate]) -> None:
        """Add one named outlet's quotes (or say it has none) as a side of a side-by-side answer."""
        start = self.length
        if quotes:
            cites = tuple(self.quote(candidate) for candidate in quotes)
        else:
            self.say(f"No passage from {outlet} answers this.")
            cites = ()
        self.sides.append(OutletSide(outlet, cites, start, len(self.text)))

    def spread(self) -> None:
        """Say how far apart the cited articles were published, when more than a week."""
        dated = [days for c in self.citations if (days := _days_of(c)) is not None]
        if len(dated) < 2:
            return
        earliest = min(dated, key=lambda days: (_middle(days), days))
        latest = max(dated, key=lambda days: (_middle(days), days))
        span = (_middle(latest) - _middle(earliest)).days
        if span > WEEK:
            self.say(
                f"These sources were published {apart(span)} ({_label_of(earliest)} to {_label_of(latest)})."
            )


def order_note(order: str, first: tuple[str, Chunk], second: tuple[str, Chunk]) -> tuple[bool, str]:
    """Return whether the publication dates settle if the first outlet's article came ``order``
    (``before`` or ``after``) the second's, and the sentence saying so, or what the dates are."""
    (name_a, chunk_a), (name_b, chunk_b) = first, second
    days_a, days_b = published_days(chunk_a), published_days(chunk_b)
    if days_a is not None and days_b is not None and (days_a[1] < days_b[0] or days_b[1] < days_a[0]):
        came = "before" if days_a[1] < days_b[0] else "after"
        verdict = "yes" if came == order else "no"
        return True, (
            f"The publication dates settle it, {verdict}: {name_a}'s article ({claim_date(chunk_a)}) came "
            f"{came} {name_b}'s ({claim_date(chunk_b)})."
        )
    return False, (
        f"The publication dates don't settle which came first: {name_a}'s article is dated "
        f"{claim_date(chunk_a)} and {name_b}'s {claim_date(chunk_b)}."
    )


def claim_date(chunk: Chunk) -> str:
    """Return a passage's date as an answer states it (``15 Dec 2023``), or ``undated``."""
    published = chunk.published or ""
    return date_label(published[:10] if "T" in published else published) or "undated"


def _days_of(citation: Citation) -> tuple[int, int] | None:
    if not citation.published:
        return None
    try:
        return day_range(citation.published)
    except DateError:
        return None


def _label_of(days: tuple[int, int]) -> str:
    if days[0] == days[1]:
        return short_day(as_date(days[0]))
    first = as_date(days[0])
    return f"{first:%B %Y}" if days[0] // 100 == days[1] // 100 else str(first.year)
