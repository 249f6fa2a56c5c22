"""The OpenAI chat protocol: ``GET /v1/models`` and ``POST /v1/chat/completions``, streamed or not.

Any OpenAI client, and chat front ends such as Open WebUI, can talk to newsqa this way. The
last user message is the question; the earlier user and assistant messages are the
conversation a follow-up is read in. The reply is the answer with its ``[n]`` markers and a
list of its sources; the whole answer, citations included, also comes as structured data in
the extra field ``newsqa`` (`AnswerOut`), for clients that render source cards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, Field

from assistant.answering.followup import Turn
from assistant.answering.records import Answer, AnswerEvent, Citation, Done, TextDelta
from assistant.errors import FieldError
from assistant.service.deps import Reader, ServiceDep
from assistant.service.errors import ERRORS, openai_shape
from assistant.service.schemas import AnswerOut, Body, Filters
from assistant.service.streaming import failure, first_of, rest_of, sse

if TYPE_CHECKING:
    from assistant.settings import Settings

router = APIRouter(prefix="/v1", tags=["openai"], dependencies=[Reader], responses=ERRORS)

MODEL = "newsqa"
"""The one model this service offers."""
SOURCES = "Sources:"
_STARTED = int(time.time())


class ModelOut(Body):
    """A model, as OpenAI lists them."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(Body):
    """The models on offer: newsqa."""

    object: Literal["list"] = "list"
    data: list[ModelOut]


class ChatMessage(Body):
    """One message of the conversation; only ``user`` and ``assistant`` messages are read."""

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True)

    role: str
    content: str | list[dict[str, Any]] | None = None
    """Text, or OpenAI's list of content parts (the ``text`` parts are read)."""

    def text(self) -> str:
        """Return the message's text."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "\n".join(str(part.get("text", "")) for part in parts if part.get("type") == "text")


class ChatRequest(Filters):
    """An OpenAI chat completion request; ``k``, ``source``, ``since`` and ``until`` are newsqa's
    own (``extra_body`` in the openai client). Sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow", use_attribute_docstrings=True)

    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    k: int | None = Field(None, ge=1, le=100, description="Passages to draw on (default NEWSQA_TOP_K).")


class ReplyMessage(Body):
    """The assistant's reply."""

    role: Literal["assistant"] = "assistant"
    content: str


class Choice(Body):
    """The one reply."""

    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(Body):
    """An OpenAI chat completion, with newsqa's answer beside it."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    newsqa: AnswerOut
    """The answer as `/v1/ask` gives it: citations with their passages, note, checks."""


@router.get("/models", summary="The models on offer (OpenAI protocol): newsqa")
def models() -> ModelList:
    """List the one model, ``newsqa``."""
    return ModelList(data=[ModelOut(id=MODEL, created=_STARTED, owned_by="newsqa")])


@router.post(
    "/chat/completions",
    summary="Chat with the news archive (OpenAI protocol), streamed or not",
    responses={200: {"content": {"text/event-stream": {}}, "description": "With `stream`: the chunks"}},
)
async def completions(body: ChatRequest, service: ServiceDep) -> Any:
    """Answer the last user message, reading the earlier messages as the conversation.

    The reply's content is the answer with its ``[n]`` markers, a note when there is one,
    and its sources; ``newsqa`` holds the answer as structured data (in the last chunk when
    streamed). A streamed answer from a language model that changed when its citations were
    checked ends with the checked answer. A client that disconnects stops the work.
    """
    if body.model != MODEL:
        raise HTTPException(404, f"There is no model {body.model!r} here: the model is {MODEL!r}.")
    question, history = _conversation(body.messages)
    bot = service.bot
    if not body.stream:
        answer = await run_in_threadpool(
            bot.ask, question, body.k, body.source, body.since, body.until, history
        )
        return ChatCompletion(
            id=_completion_id(),
            created=int(time.time()),
            model=MODEL,
            choices=[Choice(message=ReplyMessage(content=reply_text(answer)))],
            newsqa=AnswerOut.of(answer),
        )
    events = bot.stream(question, history, body.k, body.source, body.since, body.until)
    first = await first_of(events)  # a bad request fails here, as a 4xx
    return StreamingResponse(
        _chunks(first, events, service.settings),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def reply_text(answer: Answer) -> str:
    """Return the answer as a chat reply: its text, its note, then its sources, one line per article."""
    parts = [answer.text]
    if answer.note:
        parts.append(f"Note: {answer.note}")
    if answer.citations:
        cited: dict[str, list[Citation]] = {}
        for citation in answer.citations:
            cited.setdefault(citation.article_id, []).append(citation)
        lines = [SOURCES]
        for citations in cited.values():
            first = citations[0]
            numbers = " ".join(f"[{citation.n}]" for citation in citations)
            meta = ", ".join(part for part in (first.source, first.published) if part)
            line = f"- {numbers} {first.title}" + (f" ({meta})" if meta else "")
            lines.append(line + (f" {first.url}" if first.url else ""))
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def _conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """Return the question (the last message, a user's) and the earlier exchanges as turns."""
    last = messages[-1]
    if last.role != "user":
        raise FieldError("The last message must be the user's question.", field="messages")
    turns: list[Turn] = []
    asked: str | None = None
    for message in messages[:-1]:
        if message.role == "user":
            asked = message.text()
        elif message.role == "assistant" and asked is not None:
            turns.append(Turn(asked, _answer_only(message.text())))
            asked = None
    return last.text(), turns


def _answer_only(reply: str) -> str:
    """Return an earlier reply without the note and sources `reply_text` added to it."""
    for marker in (f"\n\n{SOURCES}\n", "\n\nNote: "):
        reply = reply.split(marker, 1)[0]
    return reply


async def _chunks(
    first: AnswerEvent | None, events: Iterator[AnswerEvent], settings: Settings
) -> AsyncIterator[bytes]:
    """Yield the OpenAI stream: a role chunk, content chunks, the closing chunk with ``newsqa``, [DONE]."""
    ident, created = _completion_id(), int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        payload = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": MODEL}
        return sse({**payload, "choices": [choice], **extra})

    yield chunk({"role": "assistant", "content": ""})
    streamed: list[str] = []
    try:
        async for event in _prepend(first, events):
            if isinstance(event, TextDelta):
                streamed.append(event.text)
                yield chunk({"content": event.text})
            elif isinstance(event, Done):
                tail = _closing(event.answer, "".join(streamed))
                if tail:
                    yield chunk({"content": tail})
                yield chunk({}, "stop", newsqa=AnswerOut.of(event.answer).model_dump())
    except Exception as exc:  # the stream has started: OpenAI clients read an error payload
        yield sse(openai_shape(failure(exc, settings)))
    yield b"data: [DONE]\n\n"


async def _prepend(first: AnswerEvent | None, events: Iterator[AnswerEvent]) -> AsyncIterator[AnswerEvent]:
    if first is not None:
        yield first
    async for event in rest_of(events):
        yield event


def _closing(answer: Answer, streamed: str) -> str:
    """Return what completes the streamed text into the reply: the note and sources, or, when
    the checked answer differs from what was streamed, the checked answer itself."""
    reply = reply_text(answer)
    if streamed == answer.text:
        return reply[len(answer.text) :]
    if not streamed:
        return reply
    return f"\n\n---\nAs checked against the passages:\n\n{reply}"


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"
