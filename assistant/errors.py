"""Errors a user can act on: each message says what went wrong and what to do."""


class NewsQAError(Exception):
    """A problem to show the user as it is, never as a traceback."""


class EmptyQuestionError(NewsQAError, ValueError):
    """The question has no text."""


class EmptyIndexError(NewsQAError):
    """Nothing is indexed yet, so there is nothing to answer from."""


class StoreBusyError(NewsQAError):
    """Another indexing run held the store's writer lock for longer than `NEWSQA_LOCK_TIMEOUT`."""
