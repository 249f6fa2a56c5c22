from __future__ import annotations

from assistant.answering.records import Citation
from ui.charts import OTHER, coverage, coverage_chart, spread, timeline, timeline_chart
from vectorstore.base import ArticleInfo


def article(n: int, source: str | None, day: int | None, last: int | None = None) -> ArticleInfo:
    return ArticleInfo(f"a{n}", f"T{n}", source, None, None, day, last if last is not None else day)


def cite(n: int, article_id: str, source: str | None, published: str | None) -> Citation:
    return Citation(n, article_id, f"T{n}", source, published, None, "p", "p", 0, f"c{n}")


def test_coverage_counts_dated_articles_by_outlet_and_groups_the_small_ones() -> None:
    articles = [article(i, f"Outlet {i % 9}", 20240301 + i % 20) for i in range(40)]
    articles.append(article(99, "Undated", None))
    data = coverage(articles, top=3)
    assert data.undated == 1 and len(data.rows) == 40
    assert data.outlets == ["Outlet 0", "Outlet 1", "Outlet 2", OTHER]  # biggest first, the rest last
    assert {row["outlet"] for row in data.rows} == set(data.outlets)
    assert {(row["outlet"], row["rank"]) for row in data.rows if row["outlet"] == OTHER} == {(OTHER, 3)}
    assert data.unit == "yearmonthdate"  # a few weeks of day-dated articles: bars by day
    spec = coverage_chart(data).to_dict()
    assert spec["encoding"]["x"]["timeUnit"] == "yearmonthdate"
    assert spec["encoding"]["color"]["field"] == "outlet"


def test_coverage_bars_follow_the_span_and_the_precision_of_the_dates() -> None:
    month_only = [article(1, "A", 20200301, 20200331), article(2, "A", 20200401, 20200430)]
    assert coverage(month_only).unit == "yearmonth"  # no day to draw a day's bar on
    assert coverage(month_only).domain == ("2020-02-01", "2020-06-01")  # a bar's room each side
    one = coverage([article(1, "A", 20201215, 20201215)])
    assert (one.unit, one.domain) == ("yearmonthdate", ("2020-12-14", "2020-12-17"))
    years = [article(1, "A", 20150101), article(2, "A", 20240101)]
    assert coverage(years).unit == "year" and coverage(years).domain == ("2014-01-01", "2026-01-01")
    assert coverage([]).rows == []


def test_the_timeline_has_a_row_per_cited_article_over_the_days_its_date_means() -> None:
    citations = [
        cite(1, "x", "Fast News", "2020-03"),
        cite(2, "y", "Slow Post", "2020-05-02T10:00:00"),
        cite(3, "x", "Fast News", "2020-03"),
        cite(4, "z", "No Date", None),
    ]
    rows = timeline(citations)
    assert [(r["source"], r["start"], r["end"]) for r in rows] == [
        ("[1][3] Fast News", "2020-03-01", "2020-04-01"),
        ("[2] Slow Post", "2020-05-02", "2020-05-03"),
    ]
    assert spread(rows) == "Published between March 2020 and 2 May 2020, about 7 weeks apart."
    layers = timeline_chart(rows).to_dict()["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["bar", "point"]


def test_the_spread_in_words() -> None:
    same = timeline([cite(1, "x", "A", "2021-06-01"), cite(2, "y", "B", "2021-06-01")])
    assert spread(same) == "All published 1 Jun 2021."
    week = timeline([cite(1, "x", "A", "2021-06-01"), cite(2, "y", "B", "2021-06-06")])
    assert spread(week) == "Published between 1 Jun 2021 and 6 Jun 2021, about 5 days apart."
    years = timeline([cite(1, "x", "A", "2018-06"), cite(2, "y", "B", "2021-06")])
    assert spread(years).endswith("about 3 years apart.")
    assert spread([]) == "No publication dates for these sources."
