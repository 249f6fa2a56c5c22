"""Errors a user can act on: each message says what went wrong and what to do."""

from __future__ import annotations

from pydantic import ValidationError

from ingest.errors import NewsQAError

__all__ = [
    "EmptyIndexError",
    "EmptyQuestionError",
    "NewsQAError",
    "StoreBusyError",
    "describe_settings_error",
]


class EmptyQuestionError(NewsQAError, ValueError):
    """The question has no text."""


class EmptyIndexError(NewsQAError):
    """Nothing is indexed yet, so there is nothing to answer from."""


class StoreBusyError(NewsQAError):
    """Another indexing run held the store's writer lock for longer than `NEWSQA_LOCK_TIMEOUT`."""


def describe_settings_error(exc: ValidationError) -> str:
    """Name each bad setting by its environment variable, with what is wrong with it."""
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        problems.append(f"setting NEWSQA_{field.upper()} ({field}): {error['msg']}")
    return "; ".join(problems)
