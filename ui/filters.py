"""The search filters: outlets, a published-date range and how many passages to use.

They reach `NewsAssistant.stream` as its ``source``, ``since``, ``until`` and ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from ingest.text.dates import DateError, as_date, day_range, short_day
from ui.render import markdown_text
from vectorstore.base import IndexStats

MAX_PASSAGES = 30


@dataclass(frozen=True)
class Filters:
    """What a question is asked with."""

    sources: tuple[str, ...] = ()
    """Outlets to keep to; empty means all."""
    since: date | None = None
    until: date | None = None
    k: int = 8

    def arguments(self) -> dict[str, Any]:
        """Return the keyword arguments of `NewsAssistant.stream` these filters set."""
        return {"k": self.k, "source": list(self.sources) or None, "since": self.since, "until": self.until}

    def describe(self) -> str:
        """Return the filters in a few words, e.g. ``2 outlets · from 1 Mar 2020 · 8 passages``."""
        outlets = (
            "all outlets"
            if not self.sources
            else self.sources[0]
            if len(self.sources) == 1
            else f"{len(self.sources)} outlets"
        )
        if self.since and self.until:
            dates = f"{short_day(self.since)} to {short_day(self.until)}"
        elif self.since:
            dates = f"from {short_day(self.since)}"
        elif self.until:
            dates = f"until {short_day(self.until)}"
        else:
            dates = "any date"
        return f"{outlets} · {dates} · {self.k} passage{'s' if self.k != 1 else ''}"


def date_bounds(stats: IndexStats) -> tuple[date | None, date | None]:
    """Return the first and last day the index's articles may have been published."""
    try:
        first = as_date(day_range(stats.first_published)[0]) if stats.first_published else None
        last = as_date(day_range(stats.last_published)[1]) if stats.last_published else None
    except DateError:
        return None, None
    return first, last


def filter_panel(stats: IndexStats, default_k: int) -> Filters:
    """Draw the filters in a collapsible row whose label sums them up; return them."""
    current = _current(default_k)
    # The label is Markdown: the outlet names in it are escaped.
    with st.expander(f"Filters: {markdown_text(current.describe())}", icon=":material/filter_list:"):
        outlets, start, end, passages = st.columns([3, 2, 2, 2])
        counts = stats.sources
        sources = outlets.multiselect(
            "Outlets",
            options=list(counts),
            format_func=lambda name: f"{name} ({counts.get(name, 0)})",
            placeholder="All outlets",
            key="filter_sources",
        )
        first, last = date_bounds(stats)
        low, high = date(1900, 1, 1), date(2100, 12, 31)
        since = start.date_input(
            "Published from",
            value=None,
            min_value=low,
            max_value=high,
            key="filter_since",
            help=f"Earliest article indexed: {first:%d %b %Y}" if first else None,
        )
        until = end.date_input(
            "Published until",
            value=None,
            min_value=low,
            max_value=high,
            key="filter_until",
            help=f"Latest article indexed: {last:%d %b %Y}" if last else None,
        )
        k = passages.slider(
            "Passages to use", 1, MAX_PASSAGES, value=default_k, key="filter_k",
            help="How many retrieved passages the answer may draw on.",
        )  # fmt: skip
        if since and until and since > until:
            st.warning("“Published from” is after “Published until”: no article can match.")
    return Filters(tuple(sources), since, until, int(k))


def _current(default_k: int) -> Filters:
    """Return the filters as the widgets held them at the end of the last run (for the label)."""
    state = st.session_state
    return Filters(
        tuple(state.get("filter_sources") or ()),
        state.get("filter_since"),
        state.get("filter_until"),
        int(state.get("filter_k", default_k)),
    )
