from __future__ import annotations

from datetime import date

from ui.filters import Filters, date_bounds
from vectorstore.base import IndexStats


def test_filters_become_the_arguments_of_stream() -> None:
    assert Filters().arguments() == {"k": 8, "source": None, "since": None, "until": None}
    chosen = Filters(("A", "B"), date(2020, 3, 1), date(2020, 3, 31), 3)
    assert chosen.arguments() == {
        "k": 3, "source": ["A", "B"], "since": date(2020, 3, 1), "until": date(2020, 3, 31)
    }  # fmt: skip


def test_filters_in_a_few_words() -> None:
    assert Filters().describe() == "all outlets · any date · 8 passages"
    assert Filters(("A",), date(2020, 3, 1), None, 1).describe() == "A · from 1 Mar 2020 · 1 passage"
    assert (
        Filters(("A", "B"), None, date(2021, 1, 5)).describe() == "2 outlets · until 5 Jan 2021 · 8 passages"
    )
    assert (
        Filters((), date(2020, 3, 1), date(2020, 4, 1)).describe()
        == "all outlets · 1 Mar 2020 to 1 Apr 2020 · 8 passages"
    )


def test_the_index_dates_span_whole_months_when_only_a_month_is_known() -> None:
    stats = IndexStats(articles=2, chunks=2, first_published="2020-03", last_published="2020-05-02T10:00")
    assert date_bounds(stats) == (date(2020, 3, 1), date(2020, 5, 2))
    assert date_bounds(IndexStats()) == (None, None)
