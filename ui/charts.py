"""Pictures: indexed articles over time by outlet, and when an answer's sources were published.

The rows are computed here from article-level records and citations, so they can be tested
without a browser; the charts are Altair (Vega-Lite), which draws every label as text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from assistant.answering.records import Citation
from ingest.text.dates import DateError, apart, as_date, date_label, day_range, month_start
from vectorstore.base import ArticleInfo

if TYPE_CHECKING:
    import altair as alt

TOP_OUTLETS = 7
"""Outlets shown by name in the coverage chart; the rest are grouped as "Other outlets"."""
OTHER = "Other outlets"


@dataclass(frozen=True)
class Coverage:
    """Indexed articles per outlet per period, ready to chart."""

    rows: list[dict[str, Any]]
    """One row per dated article: ``outlet``, its ``rank`` in the legend, and ``day`` (ISO
    date of its first possible day)."""
    outlets: list[str]
    """The outlets as the legend lists them: biggest first, "Other outlets" last."""
    unit: str
    """Vega-Lite time unit of the bars: ``yearmonthdate``, ``yearmonth`` or ``year``."""
    undated: int
    """Articles with no publication date (not charted)."""
    domain: tuple[str, str] | None = None
    """The x axis: from one bar before the first to one bar after the last (ISO dates), so
    that a single bar stands as a bar and not as the whole chart."""


def coverage(articles: Sequence[ArticleInfo], top: int = TOP_OUTLETS) -> Coverage:
    """Return the coverage chart's rows: the biggest outlets by name, the others grouped."""
    dated = [a for a in articles if a.date_from is not None]
    counts = Counter(a.source or "Unknown outlet" for a in dated)
    named = [name for name, _ in counts.most_common(top)]
    outlets = named + ([OTHER] if len(counts) > len(named) else [])
    rows = []
    for article in dated:
        assert article.date_from is not None
        outlet = article.source or "Unknown outlet"
        shown = outlet if outlet in named else OTHER
        rows.append(
            {"outlet": shown, "rank": outlets.index(shown), "day": as_date(article.date_from).isoformat()}
        )
    unit = "yearmonth"
    domain = None
    if dated:
        days = [as_date(a.date_from) for a in dated if a.date_from is not None]
        span = (max(days) - min(days)).days
        # Bars by day only when every date is a day: an article dated `2020-03` has no day.
        precise = all(a.date_to == a.date_from for a in dated)
        unit = "yearmonthdate" if span <= 62 and precise else "yearmonth" if span <= 3 * 366 else "year"
        domain = (_step(min(days), unit, -1).isoformat(), _step(max(days), unit, 2).isoformat())
    return Coverage(rows=rows, outlets=outlets, unit=unit, undated=len(articles) - len(dated), domain=domain)


def _step(day: date, unit: str, steps: int) -> date:
    """Return the start of the bar ``steps`` bars away from the one ``day`` falls in."""
    if unit == "yearmonthdate":
        return day + timedelta(days=steps)
    if unit == "year":
        return date(day.year + steps, 1, 1)
    return month_start(day, steps)


def coverage_chart(data: Coverage) -> alt.Chart:
    """Return stacked bars of articles per period, coloured by outlet."""
    import altair as alt
    import pandas as pd

    titles = {"yearmonthdate": "Day", "yearmonth": "Month", "year": "Year"}
    formats = {"yearmonthdate": "%d %b", "yearmonth": "%b %Y", "year": "%Y"}
    return (
        alt.Chart(pd.DataFrame(data.rows))
        .mark_bar()
        .encode(
            x=alt.X(
                f"{data.unit}(day):T",
                title=None,
                scale=alt.Scale(domain=list(data.domain)) if data.domain else alt.Undefined,
                axis=alt.Axis(labelAngle=0, labelOverlap=True, format=formats[data.unit]),
            ),
            y=alt.Y("count():Q", title="Articles", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "outlet:N",
                title=None,
                sort=data.outlets,
                scale=alt.Scale(domain=data.outlets),
                legend=alt.Legend(orient="bottom", columns=1, labelLimit=220, symbolType="square", offset=4),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip(f"{data.unit}(day):T", title=titles[data.unit]),
                alt.Tooltip("outlet:N", title="Outlet"),
                alt.Tooltip("count():Q", title="Articles"),
            ],
        )
        # The plot keeps its height and fits the sidebar's width; the legend goes below it.
        .properties(height=130, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    )


def timeline(citations: Sequence[Citation]) -> list[dict[str, Any]]:
    """Return one row per dated cited article: its ``[n]``s, outlet, and the days its date may mean."""
    numbers: dict[str, list[int]] = {}
    firsts: dict[str, Citation] = {}
    for citation in citations:
        numbers.setdefault(citation.article_id, []).append(citation.n)
        firsts.setdefault(citation.article_id, citation)
    rows = []
    for article_id, citation in firsts.items():
        if not citation.published:
            continue
        try:
            first, last = day_range(citation.published)
        except DateError:
            continue
        start, end = as_date(first), as_date(last)
        cited = "".join(f"[{n}]" for n in numbers[article_id])
        outlet = citation.source or "Unknown outlet"
        rows.append(
            {
                "source": f"{cited} {outlet}",
                "outlet": outlet,
                "title": citation.title,
                "published": date_label(citation.published[:10]),
                "start": start.isoformat(),
                "end": (end + timedelta(days=1)).isoformat(),
                "middle": (start + (end - start) / 2).isoformat(),
            }
        )
    return rows


def spread(rows: Sequence[dict[str, Any]]) -> str:
    """Return, in words, when the cited articles were published and how far apart."""
    if not rows:
        return "No publication dates for these sources."
    labels = {row["published"] for row in rows}
    if len(labels) == 1:
        return f"{'Published' if len(rows) == 1 else 'All published'} {next(iter(labels))}."
    earliest = min(rows, key=lambda row: (row["middle"], row["start"]))
    latest = max(rows, key=lambda row: (row["middle"], row["end"]))
    days = (date.fromisoformat(latest["middle"]) - date.fromisoformat(earliest["middle"])).days
    return f"Published between {earliest['published']} and {latest['published']}, {apart(days)}."


def timeline_chart(rows: Sequence[dict[str, Any]]) -> alt.LayerChart | alt.FacetChart:
    """Return a small timeline: one row per source, a bar over the days its date may mean."""
    import altair as alt
    import pandas as pd

    first = min(date.fromisoformat(row["start"]) for row in rows)
    last = max(date.fromisoformat(row["end"]) for row in rows)
    pad = max(timedelta(days=3), (last - first) * 0.06)
    scale = alt.Scale(domain=[(first - pad).isoformat(), (last + pad).isoformat()])
    axis = alt.Axis(labelOverlap=True, format="%d %b" if (last - first).days <= 92 else "%b %Y")
    base = alt.Chart(pd.DataFrame(list(rows))).encode(
        y=alt.Y("source:N", title=None, sort=None, axis=alt.Axis(labelLimit=180)),
        color=alt.Color("outlet:N", legend=None),
        tooltip=[
            alt.Tooltip("source:N", title="Source"),
            alt.Tooltip("title:N", title="Title"),
            alt.Tooltip("published:N", title="Published"),
        ],
    )
    # The layers share one x scale: only one of them may state its domain.
    span = base.mark_bar(height=8, cornerRadius=3, opacity=0.45).encode(x=alt.X("start:T"), x2="end:T")
    point = base.mark_point(filled=True, size=70, opacity=1).encode(
        x=alt.X("middle:T", title=None, scale=scale, axis=axis)
    )
    return alt.layer(span, point).properties(
        height=26 * len(rows), autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )
