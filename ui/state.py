"""What one browser session keeps between reruns: the conversation and the last indexing run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import streamlit as st

from assistant.answering.records import Answer
from ingest.pipeline import Failure, IndexReport
from ui.filters import Filters


@dataclass(frozen=True)
class Question:
    """What the user asked."""

    text: str


@dataclass(frozen=True)
class Reply:
    """An answer, with the filters it was asked with."""

    answer: Answer
    filters: Filters


@dataclass(frozen=True)
class Problem:
    """A question that could not be answered, and the message saying why."""

    message: str


Message = Question | Reply | Problem


@dataclass
class IndexRun:
    """What one indexing run started from the page did, shown after the page reloads."""

    action: str
    """What was indexed, e.g. ``Upload`` or ``Re-index``."""
    report: IndexReport | None = None
    refused: list[Failure] = field(default_factory=list)
    """Uploads, folders or URLs refused before indexing, with why."""
    error: str | None = None
    """Why the run as a whole failed, if it did."""


def messages() -> list[Message]:
    """Return this session's conversation, oldest first (a list kept across reruns)."""
    return cast(list[Message], st.session_state.setdefault("messages", []))


def history() -> list[Answer]:
    """Return the answers so far: the conversation a follow-up question is read in."""
    return [message.answer for message in messages() if isinstance(message, Reply)]


def new_conversation() -> None:
    """Forget the conversation: the next question starts afresh."""
    st.session_state["messages"] = []


def last_run() -> IndexRun | None:
    """Return the last indexing run of this session, if any."""
    run = st.session_state.get("last_run")
    return run if isinstance(run, IndexRun) else None


def set_last_run(run: IndexRun) -> None:
    """Keep an indexing run's outcome to show after the rerun."""
    st.session_state["last_run"] = run


def next_upload_key() -> str:
    """Return a fresh key for the file uploader, which empties it after its files are indexed."""
    count = int(st.session_state.get("upload_round", 0)) + 1
    st.session_state["upload_round"] = count
    return upload_key()


def upload_key() -> str:
    """Return the file uploader's current key."""
    return f"uploads-{st.session_state.get('upload_round', 0)}"
