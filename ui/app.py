"""The Streamlit chat: ``streamlit run ui/app.py``. Thin: it lays out the page's parts.

Answering and indexing are `NewsAssistant`'s; `ui.sidebar` is the index panel, `ui.filters`
the search filters, `ui.chat` the conversation with its source cards (`ui.cards`) and
pictures (`ui.charts`).
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError
from streamlit.delta_generator import DeltaGenerator

from assistant import NewsAssistant, NewsQAError, Settings, open_assistant
from assistant.access import Role
from assistant.errors import describe_settings_error
from ingest.uploads import MAX_UPLOAD_MB
from ui import auth, chat, state, style
from ui.filters import filter_panel
from ui.render import markdown_text, text
from ui.sidebar import index_panel

st.set_page_config(page_title="newsqa", page_icon="📰", layout="wide")


@st.cache_resource(show_spinner="Opening the index…")
def load_assistant(key: str, _settings: Settings) -> NewsAssistant:
    """Return the assistant for these settings (``key`` names them), built once per server process."""
    return open_assistant(_settings)


def main() -> None:
    """Draw the page: the index panel in the sidebar; the chat (or a welcome) in the middle."""
    try:
        settings = Settings()
    except ValidationError as exc:  # e.g. NEWSQA_LLM=gpt4: say which setting, not a traceback
        st.error(f"Bad setting: {describe_settings_error(exc)}")
        st.stop()
    role = auth.role(settings)
    if role is None:
        auth.sign_in(settings)
        st.stop()
    bot = load_assistant(settings.model_dump_json(), settings)
    try:
        stats = bot.stats()
        articles = bot.articles()
    except NewsQAError as exc:  # e.g. a Chroma server that is down: its message, no traceback
        st.error(markdown_text(str(exc)))
        st.stop()
    st.html(style.CSS)
    with st.sidebar:
        index_panel(bot, stats, articles, editor=role is Role.EDITOR)
    new_conversation = header(bot)
    if stats.chunks == 0:
        welcome()
        return
    filters = filter_panel(stats, bot.settings.top_k)
    chat.conversation(
        bot,
        filters,
        f"Ask about {_count(stats.articles, 'article')} from {_count(len(stats.sources), 'outlet')}…",
    )
    # Drawn last, so that it is enabled as soon as the first answer is in.
    new_conversation.button(
        "New conversation",
        icon=":material/add_comment:",
        on_click=state.new_conversation,
        disabled=not state.messages(),
        width="stretch",
    )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'s' if number != 1 else ''}"


def header(bot: NewsAssistant) -> DeltaGenerator:
    """Draw the title and who writes the answers; return the place for the new-conversation button."""
    title, button = st.columns([3, 1], vertical_alignment="bottom")
    title.title("newsqa", anchor=False)
    label = bot.answerer_label
    if label == "extractive":
        who = "<b>extractive</b>: quotes the articles word for word, no language model"
    else:
        who = f"<b>{text(label)}</b> (language model): its citations are checked against the passages"
    st.html(f'<div class="nqa-answerer">Answers: {who}</div>')
    return button.empty()


def welcome() -> None:
    """Tell a newcomer to an empty index the ways to add articles, instead of an empty chat."""
    st.info(
        "**The index is empty.** Add news articles, then ask about them here: every answer "
        "quotes and cites the passages it rests on.",
        icon=":material/waving_hand:",
    )
    upload, folder, feed = st.columns(3)
    with upload.container(border=True):
        st.markdown(
            "**Upload files**\n\nIn the sidebar, *Upload*: `.txt`, `.md`, `.html`, `.json` or "
            f"`.jsonl` files, several at once, up to {MAX_UPLOAD_MB} MB each."
        )
    with folder.container(border=True):
        st.markdown(
            "**Index a folder**\n\nIn the sidebar, *Folder*: a folder (or file) on the machine "
            "running the chat; its subfolders are read too."
        )
    with feed.container(border=True):
        st.markdown(
            "**Follow a feed**\n\nIn the sidebar, *Feed URL*: an RSS or Atom feed; each item's page is read."
        )
    st.caption(
        "From a terminal: `python -m ingest PATH_OR_FEED_URL...` (or `make run ARTICLES=PATH`), then reload."
    )


main()
