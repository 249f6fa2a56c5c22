"""``POST /v1/ask`` and ``POST /v1/ask/stream``: an answer, whole or as it is written."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import Field

from assistant.answering.records import AnswerEvent, Done, Rewritten, TextDelta
from assistant.service.deps import Reader, ServiceDep
from assistant.service.errors import ERRORS
from assistant.service.schemas import AnswerOut, Filters, HistoryTurn
from assistant.service.streaming import failure, first_of, rest_of, sse

if TYPE_CHECKING:
    from assistant.settings import Settings

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[Reader], responses=ERRORS)


class AskRequest(Filters):
    """A question, its filters, and the conversation before it (for follow-ups)."""

    question: str = Field(examples=["Who was blamed for the Camp Taji attack?"])
    k: int | None = Field(None, ge=1, le=100, description="Passages to draw on (default NEWSQA_TOP_K).")
    history: list[HistoryTurn] = Field(
        default_factory=list,
        description="Earlier turns, oldest first: a follow-up is read in their light. Earlier "
        "/v1/ask answers can be passed as they came.",
    )


def _events(service: ServiceDep, body: AskRequest) -> Iterator[AnswerEvent]:
    return service.bot.stream(
        body.question,
        [turn.turn() for turn in body.history],
        body.k,
        body.source,
        body.since,
        body.until,
    )


@router.post("/ask", summary="Answer a question, citing the passages it rests on")
def ask(body: AskRequest, service: ServiceDep) -> AnswerOut:
    """Return the same object as ``python -m assistant ask --json``.

    When the passages don't hold the answer, ``abstained`` is true; when the language model
    fails, this is the extractive answer and ``note`` says why.
    """
    answer = service.bot.ask(
        body.question, body.k, body.source, body.since, body.until, [turn.turn() for turn in body.history]
    )
    return AnswerOut.of(answer)


@router.post(
    "/ask/stream",
    summary="Answer as it is written (server-sent events)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The events, as they come"}},
)
async def ask_stream(body: AskRequest, service: ServiceDep) -> StreamingResponse:
    """Stream the answer as server-sent events: ``rewritten`` (``{question}``, when a follow-up
    was rewritten), ``delta`` (``{text}``, pieces as they are written), then ``done`` (the
    checked answer, as `/v1/ask` returns it: its text replaces the pieces). A failure after
    the stream started is an ``error`` event (``{error, message}``). A client that
    disconnects stops the work.
    """
    events = _events(service, body)
    first = await first_of(events)  # a bad request fails here, as a 4xx
    return StreamingResponse(
        _answer_events(first, events, service.settings),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _answer_events(
    first: AnswerEvent | None, events: Iterator[AnswerEvent], settings: Settings
) -> AsyncIterator[bytes]:
    try:
        if first is not None:
            yield _encode(first)
        async for event in rest_of(events):
            yield _encode(event)
    except Exception as exc:  # the stream has started: the failure can only be an event now
        problem = failure(exc, settings)
        yield sse({"error": problem.error, "message": problem.message}, "error")


def _encode(event: AnswerEvent) -> bytes:
    if isinstance(event, Rewritten):
        return sse({"question": event.question}, "rewritten")
    if isinstance(event, TextDelta):
        return sse({"text": event.text}, "delta")
    assert isinstance(event, Done)
    return sse(AnswerOut.of(event.answer).model_dump(), "done")
