"""Dates: publication dates kept as precise as the source gives them, never invented; the
days a date can mean (as ``YYYYMMDD`` ints, for filters and ranking); and how readers write
and say dates. Every piece of month and day arithmetic in newsqa lives here."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

_PARTIAL = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


class DateError(ValueError):
    """A date that is not ISO 8601 (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or a timestamp)."""


def normalize(value: str) -> str:
    """Return the date in canonical ISO form at the precision it was given.

    ``2020-3`` becomes ``2020-03`` (a month stays a month); a timestamp keeps its time.
    Raises `DateError` for anything else.
    """
    text = value.strip()
    match = _PARTIAL.match(text)
    if match:
        year, month, day = match["y"], match["m"], match["d"]
        try:
            if day is not None:
                return date(int(year), int(month), int(day)).isoformat()
            if month is not None:
                return date(int(year), int(month), 1).isoformat()[:7]
            return date(int(year), 1, 1).isoformat()[:4]
        except ValueError as exc:
            raise DateError(f"{value!r} is not a real date ({exc})") from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DateError(
            f"{value!r} is not an ISO date such as 2020-03, 2020-03-11 or 2020-03-11T08:00:00"
        ) from None
    return parsed.isoformat()


def day_range(iso: str) -> tuple[int, int]:
    """Return the first and last day an ISO date can mean, each as an int ``YYYYMMDD``.

    ``2020-03`` spans 20200301..20200331; a day or timestamp spans one day.
    """
    match = _PARTIAL.match(iso[:10])
    if not match:
        raise DateError(f"{iso!r} is not an ISO date")
    year = int(match["y"])
    if match["m"] is None:
        return year * 10000 + 101, year * 10000 + 1231
    month = int(match["m"])
    if match["d"] is None:
        return month_span(year, month)
    day = year * 10000 + month * 100 + int(match["d"])
    return day, day


def parse_bound(value: str | date | None, *, end: bool) -> int | None:
    """Return a since/until bound as ``YYYYMMDD``: the start of a period, or its end if ``end``.

    ``until="2020-03"`` therefore includes the whole of March.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return day_number(value)
    first, last = day_range(normalize(value))
    return last if end else first


# Month names as readers write them ("March", "Mar", "Sept"), to month numbers.
MONTHS: dict[str, int] = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9


def day_number(day: date) -> int:
    """Return a date as the ``YYYYMMDD`` int that spans and filters use."""
    return day.year * 10000 + day.month * 100 + day.day


def as_date(day: int) -> date:
    """Return a ``YYYYMMDD`` int as a date."""
    return date(day // 10000, day // 100 % 100, day % 100)


def month_start(day: date, months: int = 0) -> date:
    """Return the first day of the month ``months`` after the one ``day`` falls in (before, if negative)."""
    count = day.year * 12 + day.month - 1 + months
    return date(count // 12, count % 12 + 1, 1)


def month_span(year: int, month: int) -> tuple[int, int]:
    """Return the first and last day of a month, each as ``YYYYMMDD``."""
    last = calendar.monthrange(year, month)[1]
    return year * 10000 + month * 100 + 1, year * 10000 + month * 100 + last


def is_real_day(year: int, month: int, day: int) -> bool:
    """Return True when the day exists (a year of 0 means any year: 29 February counts)."""
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def spoken(published: str | None) -> str | None:
    """Return ``2023-10-05...`` as ``October 5, 2023`` (``2020-03`` as ``March 2020``), as people say it."""
    if not published:
        return None
    try:
        first, last = day_range(published)
    except DateError:
        return None
    day = as_date(first)
    if first == last:
        return f"{day:%B} {day.day}, {day.year}"
    if first // 100 == last // 100:
        return f"{day:%B %Y}"
    return str(day.year)


def short_day(day: date) -> str:
    """Return a day as ``5 Mar 2020``."""
    return f"{day.day} {day:%b %Y}"


def date_label(published: str | None) -> str:
    """Return a date as a reader sees it, at the precision it has: ``March 2020``, ``11 Mar 2020``."""
    if not published:
        return ""
    value = published.strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            return value
        if re.fullmatch(r"\d{4}-\d{2}", value):
            return date.fromisoformat(value + "-01").strftime("%B %Y")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return short_day(date.fromisoformat(value))
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{short_day(stamp.date())}, {stamp:%H:%M}"


def apart(days: int) -> str:
    """Return a distance between two days in words: ``about 3 weeks apart``."""
    if days < 2:
        return "about the same day"
    for size, unit, limit in ((1, "day", 14), (7, "week", 61), (30.44, "month", 730)):
        if days < limit:
            count = round(days / size)
            return f"about {count} {unit}{'s' if count != 1 else ''} apart"
    years = round(days / 365.25)
    return f"about {years} year{'s' if years != 1 else ''} apart"
