"""Time words: what "this week", "last month", "on Monday", "in March" or "recently" mean.

They mean something only against a date: the question's own date when it has one (a question
asked on a given day, or put to an archive "as of" a day), else the newest article in the
index (an archive is read as of its last day), else today. `reference` picks that date and
says how; `read_time` turns the question's time words into the spans of days they mean, in
the same `DateMention` form as the dates a question names outright, and says whether the
question asks for the latest news ("recently", "the latest", "this week").

A named day or month without a year ("October 5", "in March") is the latest one on or
before the reference date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from assistant.retrieval.query import DateMention, Relation, find_dates
from ingest.text.dates import MONTHS, as_date, day_number, is_real_day, month_span, month_start

Basis = Literal["question", "newest article", "today"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = dict(
    zip(
        ("a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        (1, *range(1, 11)),
        strict=True,
    )
) | {"few": 3, "several": 3, "couple": 2, "couple of": 2}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_MONTH = "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True))

_RELATIVE = re.compile(
    r"\b(?:(?P<today>today|tonight|this (?:morning|afternoon|evening))"
    r"|(?P<yesterday>yesterday|last night)"
    r"|(?P<this>this|last|previous|past) (?P<unit>week|month|year)(?:'s|’s)?"
    r"|(?:(?:the|in the|over the|in|within the|during the) )?(?:past|last|previous|recent) "
    r"(?P<count>\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|few|several|couple(?: of)?) "
    r"(?P<units>day|week|month|year)s?"
    r"|(?:(?P<on>on|last|this|since|before|after|by|until|from) )(?P<weekday>" + "|".join(_WEEKDAYS) + r")\b"
    r"|(?:(?P<in>in|during|since|until|before|after|by|from|last|this|early|late|mid|mid-) ?)"
    rf"(?P<month>{_MONTH})\b(?!\.?\s*\d))",
    re.IGNORECASE,
)
# Words asking for the latest news.
_RECENT = re.compile(
    r"\b(recent(?:ly)?|latest|newest|most recent|lately|so far this|these days|this (?:week|month))\b",
    re.IGNORECASE,
)
_BEFORE = re.compile(r"\b(before|prior to|earlier than|until|by)\s+(?:the\s+)?$", re.IGNORECASE)
_AFTER = re.compile(r"\b(after|since|following|later than|from)\s+(?:the\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class AsOf:
    """The date a question's time words are read against, and how it was chosen."""

    day: date
    basis: Basis

    def describe(self) -> str:
        """Return e.g. ``2023-12-25 (the newest article in the index)``."""
        how = {"question": "the question's date", "newest article": "the newest article in the index"}
        return f"{self.day.isoformat()} ({how.get(self.basis, 'today')})"

    def to_dict(self) -> dict[str, str]:
        """Return e.g. ``{"date": "2023-12-25", "basis": "newest article"}``."""
        return {"date": self.day.isoformat(), "basis": self.basis}


@dataclass(frozen=True)
class TimeReading:
    """The spans of days a question's time words mean, and whether it asks for the latest."""

    dates: tuple[DateMention, ...] = ()
    recency: bool = False
    relative: bool = False
    """True when some of them mean something only against the reference date ("last month")."""

    @property
    def found(self) -> bool:
        """True when the question has time words to read."""
        return bool(self.dates) or self.recency


def reference(given: date | None, newest: str | None, today: date) -> AsOf:
    """Return the date time words are read against: ``given``, else the newest article, else today."""
    if given is not None:
        return AsOf(given, "question")
    if newest:
        try:
            return AsOf(date.fromisoformat(newest[:10]), "newest article")
        except ValueError:
            pass  # a month-precision date ("2020-03"): read against today instead
    return AsOf(today, "today")


def read_time(question: str, as_of: date, skip: Sequence[tuple[int, int]] = ()) -> TimeReading:
    """Return the spans the question's time words mean, read against ``as_of``.

    Dates the question names outright keep their place (`find_dates`); those without a year
    get the latest year that puts them on or before ``as_of``. ``skip`` are spans of the
    question to leave alone (outlet names: "USA Today").
    """
    taken = [*skip]
    found: list[DateMention] = []
    relative = False
    for mention in find_dates(question):
        taken.append((mention.start, mention.end))
        relative = relative or mention.first < 10000
        found.append(_with_year(mention, as_of) if mention.first < 10000 else mention)
    for match in _RELATIVE.finditer(question):
        if _overlaps(match.span(), taken):
            continue
        span = _relative_span(match, as_of)
        if span is None:
            continue
        relation = _relation(question, match.start())
        if span[1] == day_number(as_of) and relation == "after":
            relation = "on"  # "since this week", "from the past two weeks": up to the reference day
        if match["on"] or match["in"]:
            word = (match["on"] or match["in"]).lower()
            relation = (
                "before"
                if word in ("before", "until", "by")
                else "after"
                if word in ("after", "since", "from")
                else "on"
            )
        found.append(DateMention(match.start(), match.end(), span[0], span[1], relation))
        taken.append(match.span())
        relative = True
    recency = any(not _overlaps(m.span(), skip) for m in _RECENT.finditer(question))
    return TimeReading(tuple(sorted(found, key=lambda m: m.start)), recency, relative or recency)


def _relative_span(match: re.Match[str], as_of: date) -> tuple[int, int] | None:
    """Return the first and last day a relative time expression means, or None."""
    today = day_number(as_of)
    if match["today"]:
        return today, today
    if match["yesterday"]:
        day = day_number(as_of - timedelta(days=1))
        return day, day
    if match["unit"]:
        which, unit = match["this"].lower(), match["unit"].lower()
        if which == "past":
            return day_number(as_of - timedelta(days=_UNIT_DAYS[unit])), today
        back = 0 if which == "this" else 1
        if unit == "week":
            monday = as_of - timedelta(days=as_of.weekday() + 7 * back)
            return day_number(monday), min(today, day_number(monday + timedelta(days=6)))
        if unit == "month":
            first = month_start(as_of, -back)
            return day_number(first), min(today, month_span(first.year, first.month)[1])
        year = as_of.year - back
        return year * 10000 + 101, min(today, year * 10000 + 1231)
    if match["units"]:
        count = _NUMBERS.get(match["count"].lower()) or int(match["count"])
        return day_number(as_of - timedelta(days=count * _UNIT_DAYS[match["units"].lower()])), today
    if match["weekday"]:
        wanted = _WEEKDAYS.index(match["weekday"].lower())
        back = (as_of.weekday() - wanted) % 7
        if back == 0 and match["on"].lower() == "last":
            back = 7
        day = day_number(as_of - timedelta(days=back))
        return day, day
    if match["month"]:
        if match["month"][0].islower() or (match["month"].lower() == "may" and not match["in"]):
            return None  # "may" the verb; a month is written with a capital
        month = MONTHS[match["month"].lower()]
        year = as_of.year if month <= as_of.month else as_of.year - 1
        if (match["in"] or "").lower() == "last" and month == as_of.month:
            year -= 1
        return month_span(year, month)
    return None


def _with_year(mention: DateMention, as_of: date) -> DateMention:
    """Return a date named without a year in the latest year that puts it on or before ``as_of``."""
    year = as_of.year if mention.first <= as_of.month * 100 + as_of.day else as_of.year - 1
    month, day = mention.first // 100, mention.first % 100
    while not is_real_day(year, month, day):  # 29 February: the last leap year before
        year -= 1
    value = day_number(as_date(year * 10000 + month * 100 + day))
    return replace(mention, first=value, last=value)


def _relation(question: str, start: int) -> Relation:
    before = question[max(0, start - 40) : start]
    return "before" if _BEFORE.search(before) else "after" if _AFTER.search(before) else "on"


def _overlaps(span: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)
