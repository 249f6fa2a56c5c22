"""The conversation: questions, answers streamed in as they are written, sources and timelines.

All answering is `NewsAssistant.stream`'s; this module shows what it yields. Text from the
user, the model or the articles is shown escaped (`ui.render`), never as Markdown or HTML.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant import Answer, Done, NewsAssistant, NewsQAError, TextDelta
from ui import charts, render, state
from ui.cards import source_card_html
from ui.filters import Filters

_AVATARS = {"user": ":material/person:", "assistant": ":material/newspaper:"}


def conversation(bot: NewsAssistant, filters: Filters, placeholder: str) -> None:
    """Show the conversation so far, then answer a new question if one is asked."""
    messages = state.messages()
    for turn, message in enumerate(messages):
        with _bubble(_role(message)):
            show(message, turn)
    # A fixed key keeps one chat box while the placeholder's counts change between reruns
    # (without it Streamlit briefly draws the old box and the new one after an indexing run).
    question = st.chat_input(placeholder, key="question")
    if not question:
        return
    history = state.history()
    asked = state.Question(question)
    messages.append(asked)
    with _bubble("user"):
        show(asked, len(messages) - 1)
    with _bubble("assistant"):
        reply = answer(bot, question, history, filters)
        show(reply, len(messages))
    messages.append(reply)


def _bubble(role: str) -> DeltaGenerator:
    return st.chat_message(role, avatar=_AVATARS[role])


def _role(message: state.Message) -> str:
    return "user" if isinstance(message, state.Question) else "assistant"


def answer(bot: NewsAssistant, question: str, history: list[Answer], filters: Filters) -> state.Message:
    """Show the answer live as it is written; return the checked answer (which replaces the
    live text), or a message saying what went wrong."""
    final: list[Answer] = []
    live = st.empty()
    with live.container():
        # The spinner turns until the first words arrive (retrieval, or a model loading).
        waiting = contextlib.ExitStack()
        waiting.enter_context(st.spinner("Searching the articles…"))

        def pieces() -> Iterator[str]:
            for event in bot.stream(question, history=history, **filters.arguments()):
                if isinstance(event, TextDelta):
                    waiting.close()
                    yield render.markdown_text(event.text)
                elif isinstance(event, Done):
                    final.append(event.answer)

        try:
            st.write_stream(pieces())
        except NewsQAError as exc:
            return state.Problem(str(exc))
        except Exception as exc:  # no traceback in the chat: say what failed instead
            return state.Problem(f"Something went wrong: {type(exc).__name__}: {exc}")
        finally:
            waiting.close()
            live.empty()
    return state.Reply(final[-1], filters)


def show(message: state.Message, turn: int) -> None:
    """Render one message's content; every text from outside as escaped HTML or Markdown."""
    if isinstance(message, state.Question):
        st.html(f'<div class="nqa-user">{render.text(message.text)}</div>')
    elif isinstance(message, state.Problem):
        st.warning(render.markdown_text(message.message), icon=":material/error:")
    else:
        show_answer(message.answer, message.filters, turn)


def show_answer(result: Answer, filters: Filters, turn: int) -> None:
    """Render an answer: any note, the text with linked ``[n]``, a timeline, then the source cards."""
    if result.note:
        st.warning(render.markdown_text(result.note), icon=":material/warning:")
    if result.standalone_question:
        st.html(f'<div class="nqa-searched">Searched for: {render.text(result.standalone_question)}</div>')
    _answer_text(result, turn)
    checked = bool(result.sentences)
    if not result.verified:
        st.caption(
            "Underlined sentences are not backed by the passages they cite: check them in the sources."
        )
    footer = [_answered_by(result), filters.describe()]
    if result.read_against is not None:
        footer.append(f"time words read against {result.read_against.describe()}")
    st.html(f'<div class="nqa-footer">{" · ".join(render.text(part) for part in footer)}</div>')
    if not result.citations:
        return
    rows = charts.timeline(result.citations)
    st.caption(f"Sources ({len(result.citations)}). {charts.spread(rows)}")
    if rows:
        st.altair_chart(charts.timeline_chart(rows), width="stretch")
    for citation in result.citations:
        st.html(source_card_html(citation, turn, checked))


def _answer_text(result: Answer, turn: int) -> None:
    """Show the answer text; the outlets a question names side by side, one column each."""
    sides = result.outlets
    if len(sides) < 2:
        st.html(render.answer_html(result, turn))
        return
    if sides[0].start > 0:
        st.html(render.answer_html(result, turn, 0, sides[0].start))
    for column, side in zip(st.columns(len(sides)), sides, strict=True):
        with column:
            st.html(
                f'<div class="nqa-side"><div class="nqa-side-outlet">{render.text(side.outlet)}</div>'
                f"{render.answer_html(result, turn, side.start, side.end)}</div>"
            )
    if sides[-1].end < len(result.text):
        st.html(render.answer_html(result, turn, sides[-1].end, len(result.text)))


def _answered_by(result: Answer) -> str:
    if result.answerer == "extractive":
        return "Quoted from the articles (extractive)"
    return f"Written by {result.answerer}; citations checked"
