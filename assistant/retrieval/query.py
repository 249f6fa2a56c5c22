"""News-aware reading of a question: which indexed outlets and which dates it names, and
what kind of answer it asks for.

Outlet names come from the index itself (`OutletMatcher` is built from the outlets stored),
never from a list in the code: ``Cnbc | World Business News Leader`` is also found as
``Cnbc``, and ``The Independent`` stands for every ``The Independent - ...`` section.
Dates are read as a reader would: ``October 5, 2023``, ``Oct. 5``, ``2023-10-05``,
``November 2023``, with ``before``/``after`` in front making them bounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from ingest.text.dates import MONTHS, is_real_day, month_span
from ingest.text.names import CALENDAR_TERMS, DATE_WORD, QUANTITY, names
from ingest.text.terms import terms

# Separators between an outlet's name and its section or slogan: "FOX News - Health".
_SECTION = re.compile(r"\s+[|\-–—:]\s+|:\s+")
# Words of a name that may be written in lower case ("the Verge").
_MINOR = frozenset({"the", "of", "and", "&", "a", "an", "for", "on", "in"})
_MIN_ALIAS = 3

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?P<month_only>{_MONTH})\.?,?\s+(?P<month_year>\d{{4}})"
    r"|(?P<iso_y>\d{4})-(?P<iso_m>\d{2})-(?P<iso_d>\d{2}))\b",
    re.IGNORECASE,
)
# What kind of answer a question wants, from its first words.
_WANTS_NAME = re.compile(
    r"^\s*(who|whom|whose|which|where"
    r"|what (company|organi[sz]ation|country|city|team|group|person|firm|player))\b",
    re.I,
)
_WANTS_DATE = re.compile(r"^\s*(when|what (date|day|year|month|time))\b", re.I)
_WANTS_NUMBER = re.compile(r"^\s*how (many|much|long|old|far)\b", re.I)
_BEFORE = re.compile(r"\b(before|prior to|earlier than|until|by)\s+(?:the\s+)?$", re.IGNORECASE)
_AFTER = re.compile(r"\b(after|since|following|later than|from)\s+(?:the\s+)?$", re.IGNORECASE)

Relation = Literal["on", "before", "after"]


@dataclass(frozen=True)
class OutletMention:
    """Where the question names an outlet, and the indexed outlets that name stands for."""

    start: int
    end: int
    outlets: tuple[str, ...]


@dataclass(frozen=True)
class DateMention:
    """A date named in the question, as the span of days it means."""

    start: int
    end: int
    first: int
    """First day, ``YYYYMMDD``; the year is 0 when the question gives none."""
    last: int
    relation: Relation


@dataclass(frozen=True)
class QueryPlan:
    """A question with the outlets and dates it names."""

    question: str
    outlets: tuple[OutletMention, ...] = ()
    dates: tuple[DateMention, ...] = ()

    def outlet_groups(self) -> list[tuple[str, ...]]:
        """Return each distinct set of named outlets once, in the order first named."""
        return list(dict.fromkeys(mention.outlets for mention in self.outlets))

    def without_names(self) -> str:
        """Return the question with its outlet and date mentions blanked out (for keyword search)."""
        text = list(self.question)
        spans = [(m.start, m.end) for m in self.outlets] + [(m.start, m.end) for m in self.dates]
        for start, end in spans:
            text[start:end] = " " * (end - start)
        return "".join(text)


class OutletMatcher:
    """Finds mentions of indexed outlets in questions."""

    def __init__(self, outlets: Iterable[str]) -> None:
        outlets = list(outlets)  # read twice below: a generator would be empty the second time
        self.aliases: dict[str, set[str]] = {}
        for outlet in outlets:
            for alias in _aliases(outlet):
                self.aliases.setdefault(alias.casefold(), set()).add(outlet)
        names = sorted(self.aliases, key=len, reverse=True)
        self._pattern = (
            re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)
            if names
            else None
        )
        self._spelling = {alias: alias for alias in self.aliases}
        for outlet in outlets:
            for alias in _aliases(outlet):
                self._spelling[alias.casefold()] = alias

    def find(self, question: str) -> list[OutletMention]:
        """Return the outlet mentions in the question, in order, without overlaps."""
        if self._pattern is None:
            return []
        mentions = []
        for match in self._pattern.finditer(question):
            key = match.group(0).casefold()
            if _same_capitals(match.group(0), self._spelling[key]):
                mentions.append(OutletMention(match.start(), match.end(), tuple(sorted(self.aliases[key]))))
        return mentions


def parse(question: str, matcher: OutletMatcher | None = None) -> QueryPlan:
    """Return the question's plan: the outlets (if a matcher is given) and dates it names."""
    outlets = tuple(matcher.find(question)) if matcher else ()
    return QueryPlan(question, outlets, tuple(find_dates(question)))


def find_dates(question: str) -> list[DateMention]:
    """Return the dates named in the question, each with its relation (on, before, after)."""
    found = []
    for match in _DATE.finditer(question):
        span = _days(match)
        if span is None:
            continue
        before = question[max(0, match.start() - 40) : match.start()]
        relation: Relation = (
            "before" if _BEFORE.search(before) else "after" if _AFTER.search(before) else "on"
        )
        found.append(DateMention(match.start(), match.end(), span[0], span[1], relation))
    return found


def _days(match: re.Match[str]) -> tuple[int, int] | None:
    """Return the first and last day the matched date means, or None if it is no real date."""
    if match["iso_y"]:
        year, month, day = int(match["iso_y"]), int(match["iso_m"]), int(match["iso_d"])
    elif match["month_only"]:
        return month_span(int(match["month_year"]), MONTHS[match["month_only"].lower()])
    else:
        year, month, day = int(match["year"] or 0), MONTHS[match["month"].lower()], int(match["day"])
    if not is_real_day(year, month, day):
        return None
    value = year * 10000 + month * 100 + day
    return value, value


def _aliases(outlet: str) -> list[str]:
    """Return the names an outlet goes by: its full name and the part before a section or slogan."""
    names = [outlet.strip()]
    head = _SECTION.split(outlet.strip(), maxsplit=1)[0].strip()
    if head and head != names[0]:
        names.append(head)
    return [name for name in names if len(name) >= _MIN_ALIAS and name.casefold() not in _MINOR]


def _same_capitals(found: str, alias: str) -> bool:
    """True when every capitalised word of the alias is capitalised in the question too.

    So "Fortune" names the outlet, "a fortune" does not; "the Verge" still names The Verge.
    """
    found_words, alias_words = found.split(), alias.split()
    if len(found_words) != len(alias_words):
        return False
    for seen, wanted in zip(found_words, alias_words, strict=True):
        if wanted.casefold() in _MINOR:
            continue
        if wanted[:1].isupper() and not seen[:1].isupper():
            return False
    return True


def answer_test(question: str, asked: set[str]) -> Callable[[str], bool] | None:
    """Return a test for sentences holding the kind of answer asked for, if the question says.

    ``asked`` are the question's own terms: a *who* question is answered by a sentence naming
    someone or something the question does not.
    """
    if _WANTS_DATE.search(question):
        return lambda sentence: bool(DATE_WORD.search(sentence))
    if _WANTS_NUMBER.search(question):
        return lambda sentence: bool(QUANTITY.search(sentence))
    if _WANTS_NAME.search(question):
        return lambda sentence: _names_something_new(sentence, asked)
    return None


def _names_something_new(sentence: str, asked: set[str]) -> bool:
    """True if the sentence names someone or something the question does not."""
    for name in names(sentence):
        name_terms = set(terms(name)) - CALENDAR_TERMS
        if name_terms and not name_terms <= asked:
            return True
    return False
