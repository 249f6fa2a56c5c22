from __future__ import annotations

from datetime import date

import pytest

from ingest.text.dates import DateError, day_range, normalize, parse_bound


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2020-03", "2020-03"),
        ("2020-3", "2020-03"),
        ("2020-03-05", "2020-03-05"),
        ("2020", "2020"),
        ("2023-11-27T08:45:59+00:00", "2023-11-27T08:45:59+00:00"),
        ("2023-11-27T08:45:59Z", "2023-11-27T08:45:59+00:00"),
    ],
)
def test_normalize_keeps_the_precision_given(given: str, expected: str) -> None:
    assert normalize(given) == expected


@pytest.mark.parametrize("bad", ["2020-13", "2020-02-30", "March 2020", "yesterday", ""])
def test_normalize_rejects_what_is_not_a_real_iso_date(bad: str) -> None:
    with pytest.raises(DateError):
        normalize(bad)


def test_day_range_of_a_month_a_leap_february_and_a_timestamp() -> None:
    assert day_range("2020-03") == (20200301, 20200331)
    assert day_range("2024-02") == (20240201, 20240229)
    assert day_range("2023-11-27T08:45:59+00:00") == (20231127, 20231127)


def test_bounds_take_the_start_of_since_and_the_end_of_until() -> None:
    assert parse_bound("2020-03", end=False) == 20200301
    assert parse_bound("2020-03", end=True) == 20200331
    assert parse_bound(date(2021, 1, 2), end=True) == 20210102
    assert parse_bound(None, end=True) is None
