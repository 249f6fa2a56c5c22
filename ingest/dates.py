"""Publication dates: kept as precise as the source gives them, never invented."""

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
        last = calendar.monthrange(year, month)[1]
        return year * 10000 + month * 100 + 1, year * 10000 + month * 100 + last
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
        return value.year * 10000 + value.month * 100 + value.day
    first, last = day_range(normalize(value))
    return last if end else first
