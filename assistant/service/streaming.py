"""Streaming the assistant's answer to a client, and stopping when the client goes away.

`NewsAssistant.stream` is a blocking generator (it waits on the language model between
pieces). Each step runs in a worker thread; when the client disconnects, Starlette cancels
the response, the step under way finishes, and the generator is closed: a language model's
stream is closed with it, so no more of the answer is generated for no one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread

from assistant.errors import NewsQAError
from assistant.service.errors import Problem, newsqa_problem, unexpected_problem

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger("newsqa.service")
T = TypeVar("T")
_END = object()


def _step(events: Iterator[T]) -> T | object:
    return next(events, _END)


async def first_of(events: Iterator[T]) -> T | None:
    """Return the first item (in a worker thread), so that a bad request fails before the stream starts.

    Errors such as an unknown outlet or an empty index are raised here, and become a 4xx
    answer instead of a stream that ends in an error.
    """
    item = await anyio.to_thread.run_sync(_step, events)
    return None if item is _END else item  # type: ignore[return-value]


async def rest_of(events: Iterator[T]) -> AsyncIterator[T]:
    """Yield the remaining items, each fetched in a worker thread; close ``events`` when stopped."""
    try:
        while True:
            # Not abandoned on cancellation: the step finishes, then the generator can be closed.
            item = await anyio.to_thread.run_sync(_step, events)
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def sse(data: Any, event: str | None = None) -> bytes:
    """Return one server-sent event: an optional ``event:`` line and JSON ``data``."""
    head = f"event: {event}\n" if event else ""
    # JSON never holds a raw newline, so the data is always one line.
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def failure(exc: Exception, settings: Settings) -> Problem:
    """Return the failure of a stream that had started (logged when unexpected), for its last event."""
    if isinstance(exc, NewsQAError):
        return newsqa_problem(exc)
    log.error("the answer stream failed", exc_info=exc)
    return unexpected_problem(exc, settings)
