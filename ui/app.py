"""The Streamlit chat: ``streamlit run ui/app.py``. Thin: all answering is `NewsAssistant`'s."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import streamlit as st
from pydantic import ValidationError

from assistant import Answer, NewsAssistant, NewsQAError, Settings
from assistant.answer import Done, TextDelta
from assistant.cli import describe_settings_error
from ingest.pipeline import IndexReport
from ui import render
from ui.uploads import UploadError, save_upload

st.set_page_config(page_title="newsqa", page_icon="📰", layout="wide")


@st.cache_resource(show_spinner="Opening the index…")
def load_assistant(store_dir: str) -> NewsAssistant:
    """Return the assistant for this store, built once per server process."""
    return NewsAssistant(store_dir=store_dir)


def main() -> None:
    """Draw the page: the index panel in the sidebar, the chat (or a welcome) in the middle."""
    try:
        settings = Settings()
    except ValidationError as exc:  # e.g. NEWSQA_LLM=gpt4: say which setting, not a traceback
        st.error(f"Bad setting: {describe_settings_error(exc)}")
        st.stop()
    bot = load_assistant(str(settings.store_dir))
    stats = bot.stats()
    st.html(render.CARD_STYLE)
    with st.sidebar:
        index_panel(bot, settings)
    st.title("📰 newsqa")
    if stats.chunks == 0:
        st.info(
            "**The index is empty.** Add news articles to ask about them:\n\n"
            "- upload files (`.txt`, `.md`, `.jsonl`, `.json`) in the sidebar,\n"
            "- or give a folder path in the sidebar,\n"
            "- or run `python -m ingest PATH` (or `make run ARTICLES=PATH`) and reload."
        )
        return
    messages: list[dict[str, Any]] = st.session_state.setdefault("messages", [])
    for turn, message in enumerate(messages):
        show_message(message, turn)
    question = st.chat_input("Ask about the indexed news, e.g. who was blamed for an attack?")
    if question:
        # Earlier answers make the conversation: a follow-up is read in their light.
        history = [message["answer"] for message in messages if "answer" in message]
        user = {"role": "user", "text": question}
        messages.append(user)
        show_message(user, len(messages) - 1)
        with st.chat_message("assistant"):
            reply = answer(bot, question, history)
            show_body(reply, len(messages))
        messages.append(reply)


def answer(bot: NewsAssistant, question: str, history: list[Answer]) -> dict[str, Any]:
    """Show the answer live as it is written; return the chat message of the checked answer
    (which replaces the live text), or one saying what went wrong."""
    final: list[Answer] = []
    live = st.empty()
    with live.container():
        # The spinner turns until the first words arrive (retrieval, or a model loading).
        waiting = contextlib.ExitStack()
        waiting.enter_context(st.spinner("Searching the articles…"))

        def pieces() -> Any:
            for event in bot.stream(question, history=history):
                if isinstance(event, TextDelta):
                    waiting.close()
                    yield render.markdown_text(event.text)
                elif isinstance(event, Done):
                    final.append(event.answer)

        try:
            st.write_stream(pieces())
        except NewsQAError as exc:
            return {"role": "assistant", "error": str(exc)}
        except Exception as exc:  # no traceback in the chat: say what failed instead
            return {"role": "assistant", "error": f"Something went wrong: {type(exc).__name__}: {exc}"}
        finally:
            waiting.close()
            live.empty()
    return {"role": "assistant", "answer": final[-1]}


def show_message(message: dict[str, Any], turn: int) -> None:
    """Render one chat message; article-derived text only ever as escaped HTML."""
    with st.chat_message(message["role"]):
        show_body(message, turn)


def show_body(message: dict[str, Any], turn: int) -> None:
    """Render what a chat message holds: the user's text, an error, or an answer."""
    if "text" in message:
        st.html(f"<div>{render.text(message['text'])}</div>")
    elif "error" in message:
        st.warning(message["error"])
    else:
        show_answer(message["answer"], turn)


def show_answer(result: Answer, turn: int) -> None:
    """Render an answer and, below it, a card per citation."""
    if result.note:
        st.warning(result.note)
    if result.standalone_question:
        st.html(f'<div class="nqa-meta">Searched for: {render.text(result.standalone_question)}</div>')
    st.html(render.answer_html(result, turn))
    if any(check.flagged for check in result.sentences) or not all(c.verified for c in result.citations):
        st.caption(
            "Underlined sentences are not backed by the passages they cite: check them in the sources."
        )
    if result.citations:
        st.caption(f"Sources ({len(result.citations)})")
        for citation in result.citations:
            st.html(render.source_card_html(citation, turn))


def index_panel(bot: NewsAssistant, settings: Settings) -> None:
    """Sidebar: what the index holds, and ways to add articles to it."""
    st.header("Index")
    stats = bot.stats()
    left, right = st.columns(2)
    left.metric("Articles", stats.articles)
    right.metric("Chunks", stats.chunks)
    if stats.first_published:
        st.caption(f"Published {stats.first_published[:10]} to {(stats.last_published or '')[:10]}")
    if stats.sources:
        outlets = ", ".join(f"{name} ({count})" for name, count in stats.sources.items())
        st.html(f'<div class="nqa-meta">Outlets: {render.text(outlets)}</div>')
    st.caption(f"Store: `{settings.store_dir}`")
    label = bot.answerer_label
    detail = "quotes the articles, no language model" if label == "extractive" else "language model"
    st.html(f'<div class="nqa-meta">Answers: {render.text(label)} ({detail})</div>')

    st.subheader("Add articles")
    files = st.file_uploader(
        "Upload article files",
        type=["txt", "md", "jsonl", "json"],
        accept_multiple_files=True,
    )
    if st.button("Index uploaded files", disabled=not files):
        saved: list[Path] = []
        refused: list[str] = []
        for upload in files or []:
            try:
                saved.append(save_upload(settings.store_dir / "uploads", upload.name, upload.getvalue()))
            except UploadError as exc:
                refused.append(str(exc))
        run_index(bot, saved, refused)
    folder = st.text_input("Or a folder (or file) on this machine", placeholder="/path/to/articles")
    if st.button("Index folder", disabled=not folder):
        path = Path(folder).expanduser()
        if path.exists():
            run_index(bot, [path], [])
        else:
            st.session_state["last_report"] = {"error": f"{folder}: no such file or folder"}
            st.rerun()
    show_last_report()


def run_index(bot: NewsAssistant, paths: list[Path], refused: list[str]) -> None:
    """Index with a progress bar, keep the report for after the rerun, and rerun."""
    bar = st.progress(0.0, text="Reading files…")

    def progress(stage: str, done: int, total: int) -> None:
        label = "Reading files" if stage == "reading" else "Embedding chunks"
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {done} of {total}")

    report: IndexReport | None = None
    error = None
    if paths:
        try:
            report = bot.index(paths, on_progress=progress)
        except Exception as exc:  # shown in the sidebar, never as a traceback
            error = f"Indexing failed: {exc}"
    bar.empty()
    st.session_state["last_report"] = {"report": report, "refused": refused, "error": error}
    st.rerun()


def show_last_report() -> None:
    """Show what the last indexing run did, per failed file with its reason."""
    last = st.session_state.get("last_report")
    if not last:
        return
    if last.get("error"):
        st.error(last["error"])
    report: IndexReport | None = last.get("report")
    if report is not None:
        st.success(f"Added {report.added} article(s), {report.chunks} chunks; {report.unchanged} unchanged.")
        for item in report.failed:
            st.error(f"{Path(item.path).name}: {item.reason}")
        for item in report.warnings:
            st.warning(f"{Path(item.path).name}: {item.reason}")
    for reason in last.get("refused", []):
        st.error(reason)


main()
