"""Errors a user can act on: each message says what went wrong and what to do."""

from __future__ import annotations

from pydantic import ValidationError

from ingest.errors import NewsQAError

__all__ = [
    "EmptyIndexError",
    "EmptyQuestionError",
    "FieldError",
    "NewsQAError",
    "UnknownArticleError",
    "describe_settings_error",
]


class FieldError(NewsQAError, ValueError):
    """A value the caller gave is wrong; ``field`` names it (``question``, ``source``, ``since``...)."""

    field: str = ""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class EmptyQuestionError(FieldError):
    """The question has no text."""

    field = "question"


class EmptyIndexError(NewsQAError):
    """Nothing is indexed yet, so there is nothing to answer from."""


class UnknownArticleError(NewsQAError, LookupError):
    """No article with the id given is indexed."""


def describe_settings_error(exc: ValidationError) -> str:
    """Name each bad setting by its environment variable, with what is wrong with it."""
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        problems.append(f"setting NEWSQA_{field.upper()} ({field}): {error['msg']}")
    return "; ".join(problems)
