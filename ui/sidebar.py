"""The sidebar's index panel: what the index holds, a chart of it, and ways to add articles."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assistant import NewsAssistant
from ingest.text.dates import date_label
from ingest.uploads import MAX_UPLOAD_MB, UPLOAD_TYPES, save_uploads
from ui import auth, charts, indexing, state
from ui.render import ago, text
from vectorstore.base import ArticleInfo, IndexStats

SHOWN_OUTLETS = 6


def index_panel(
    bot: NewsAssistant, stats: IndexStats, articles: Sequence[ArticleInfo], *, editor: bool
) -> None:
    """Draw the index panel: counts, outlets, dates, last update, chart; then the ways to add
    (for an editor), or the form that unlocks them."""
    st.header("Index", anchor=False)
    left, right = st.columns(2)
    left.metric("Articles", f"{stats.articles:,}")
    right.metric("Passages", f"{stats.chunks:,}", help="Chunks of article text the answers draw on")
    facts = []
    if stats.first_published:
        first = date_label(stats.first_published[:10])
        last = date_label((stats.last_published or "")[:10])
        facts.append(("Published", first if first == last else f"{first} – {last}"))
    if stats.sources:
        names = [f"{name} ({count})" for name, count in list(stats.sources.items())[:SHOWN_OUTLETS]]
        more = len(stats.sources) - SHOWN_OUTLETS
        facts.append(("Outlets", ", ".join(names) + (f" and {more} more" if more > 0 else "")))
    updated = bot.last_updated()
    if updated is not None:
        facts.append(("Last update", f"{ago(updated)} ({updated:%d %b %Y, %H:%M})"))
    if facts:
        rows = "".join(f"<div><b>{text(label)}:</b> {text(value)}</div>" for label, value in facts)
        st.html(f'<div class="nqa-meta">{rows}</div>')
    coverage = charts.coverage(articles)
    if coverage.rows:
        st.altair_chart(charts.coverage_chart(coverage), width="stretch")
        if coverage.undated:
            st.caption(f"{coverage.undated} article(s) without a date are not in the chart.")
    if editor:
        add_articles(bot)
        if bot.settings.editor_password is not None or bot.settings.reader_password is not None:
            st.button("Sign out", key="sign_out", icon=":material/lock:", on_click=auth.sign_out)
    else:
        st.subheader("Add articles", anchor=False)
        auth.unlock_editing(bot.settings)


def add_articles(bot: NewsAssistant) -> None:
    """Draw the three ways to add articles and the re-index button; run what is asked."""
    st.subheader("Add articles", anchor=False)
    paths = bot.settings.paths
    upload, folder, feed = st.tabs(["Upload", "Folder", "Feed URL"])
    with upload:
        files = st.file_uploader(
            "Article files",
            type=UPLOAD_TYPES,
            accept_multiple_files=True,
            key=state.upload_key(),
            help=f"Up to {MAX_UPLOAD_MB} MB each; saved in the store's upload folder.",
        )
        label = f"Index {len(files)} file{'s' if len(files) != 1 else ''}" if files else "Index files"
        if st.button(label, disabled=not files, key="index_uploads", type="primary"):
            saved, refused = save_uploads(paths.uploads, ((f.name, f.getvalue()) for f in files or []))
            indexing.run(bot, "Upload", saved, refused)
            state.next_upload_key()
            st.rerun()
    with folder, st.form("folder_form", border=False):
        # A form: Enter or the button sends what was typed, in one go.
        path = st.text_input("Folder or file on this machine", placeholder="/path/to/articles")
        if st.form_submit_button("Index folder", type="primary"):
            if path.strip():
                indexing.folder(bot, path)
                st.rerun()
            st.warning("Type the path of a folder (or file) of articles first.")
    with feed, st.form("feed_form", border=False):
        url = st.text_input("RSS or Atom feed URL", placeholder="https://example.com/rss.xml")
        if st.form_submit_button("Index feed", type="primary"):
            if url.strip():
                indexing.feed(bot, url)
                st.rerun()
            st.warning("Paste the address of an RSS or Atom feed first.")
    remembered = bot.remembered_sources()
    if st.button("Re-index", key="reindex", icon=":material/refresh:", width="stretch"):
        indexing.reindex(bot)
        st.rerun()
    st.caption(
        "Reads again the upload folder and the folders and feeds added here: new and changed "
        "articles are indexed, those whose files are gone are removed."
    )
    if remembered:
        with st.expander(f"Re-indexed sources ({len(remembered) + 1})"):
            listed = [str(paths.uploads), *remembered]
            st.html('<ul class="nqa-list">' + "".join(f"<li>{text(item)}</li>" for item in listed) + "</ul>")
    indexing.show_last_run()
    st.caption(f"Store: `{bot.settings.store_dir}`")
