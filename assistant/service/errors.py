"""Every failure as JSON ``{error, message}`` (plus ``field`` when a value given is wrong), or
in OpenAI's shape on the routes of its protocol.

A `NewsQAError` is the caller's to act on: a 4xx naming the field. A store or model that
can't be used is the operator's: 503, naming the host and port or the setting. Anything
unexpected is a 500 whose message names only its kind (`CatchAll`): the traceback goes to
the service's log, never to a client.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.access import OutsideRootsError
from assistant.errors import EmptyIndexError, FieldError, NewsQAError, UnknownArticleError
from assistant.service.deps import AccessError, service_of
from assistant.service.schemas import Body
from ingest.locking import LockTimeout
from vectorstore.chroma import StoreError
from vectorstore.embeddings import EmbeddingModelError
from vectorstore.sqlite_file import ReadOnlyError

if TYPE_CHECKING:
    from assistant.settings import Settings


class ErrorBody(Body):
    """What every failure answers with."""

    error: str
    """A short code: ``invalid_request``, ``unauthorized``, ``store_unavailable``..."""
    message: str
    """What went wrong and what to do, for a person."""
    field: str | None = None
    """The request field at fault, when one is (``question``, ``k``, ``source``, ``since``...)."""


log = logging.getLogger("newsqa.service")

OPENAI_ROUTES = frozenset({"/v1/models", "/v1/chat/completions"})
"""Routes of OpenAI's protocol: their failures take OpenAI's shape (`openai_shape`)."""

ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "A value given is wrong (`field` names it)"),
        (401, "No API key, or one not accepted"),
        (403, "A reader's key where an editor's is needed, or a path outside NEWSQA_INDEX_ROOTS"),
        (409, "Nothing is indexed yet"),
        (422, "The request doesn't have the expected shape (`field` names the part)"),
        (503, "The store or the embedding model can't be used (the message names which and where)"),
    )
}
"""The error answers, for the OpenAPI docs of every route."""


@dataclass(frozen=True)
class Problem:
    """A failure to answer with: its status, code, message and the field at fault."""

    status: int
    error: str
    message: str
    field: str | None = None


# OpenAI's error types by status, for the routes of its protocol.
_OPENAI_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 409: "conflict_error", 422: "invalid_request_error",
    500: "server_error", 503: "service_unavailable_error",
}  # fmt: skip


def openai_shape(problem: Problem) -> dict[str, Any]:
    """Return the failure as OpenAI's protocol has it: ``{"error": {"message", "type", "param", "code"}}``."""
    kind = _OPENAI_TYPES.get(problem.status, "api_error")
    return {
        "error": {"message": problem.message, "type": kind, "param": problem.field, "code": problem.error}
    }


def respond(request: Request, problem: Problem) -> JSONResponse:
    """Return the JSON answer of a failure: `ErrorBody`, or OpenAI's shape on its protocol's routes,
    where OpenAI clients and chat front ends look for the message."""
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    if request.url.path in OPENAI_ROUTES:
        body = openai_shape(problem)
    else:
        body = ErrorBody(error=problem.error, message=problem.message, field=problem.field).model_dump(
            exclude_none=True
        )
    return JSONResponse(body, status_code=problem.status, headers=headers)


def newsqa_problem(exc: NewsQAError) -> Problem:
    """Return the failure a `NewsQAError` is, by kind."""
    message = str(exc)
    if isinstance(exc, StoreError):
        return Problem(503, "store_unavailable", message)
    if isinstance(exc, EmbeddingModelError):
        return Problem(503, "model_unavailable", message)
    if isinstance(exc, OutsideRootsError):
        return Problem(403, "outside_roots", message, "paths")
    if isinstance(exc, EmptyIndexError):
        return Problem(409, "empty_index", message)
    if isinstance(exc, UnknownArticleError):
        return Problem(404, "not_found", message)
    if isinstance(exc, LockTimeout | ReadOnlyError):
        return Problem(409, "store_busy" if isinstance(exc, LockTimeout) else "read_only", message)
    if isinstance(exc, FieldError) and exc.field:
        if not message.startswith(exc.field):
            message = f"{exc.field}: {message}"
        return Problem(400, "invalid_request", message, exc.field)
    return Problem(400, "bad_request", message)


def unexpected_problem(exc: BaseException, settings: Settings) -> Problem:
    """Return the failure an unexpected error is: a Chroma server gone since the store was opened
    (503, naming it), else its kind only (the details are for the service's log)."""
    if settings.chroma_host and _lost_connection(exc):
        where = f"{settings.chroma_host}:{settings.chroma_port}"
        return Problem(
            503,
            "store_unavailable",
            f"cannot reach the Chroma server at {where} ({exc}). Start it again (`chroma run ... --port "
            f"{settings.chroma_port}`), or check NEWSQA_CHROMA_HOST and NEWSQA_CHROMA_PORT.",
        )
    return Problem(
        500,
        "internal_error",
        f"newsqa failed unexpectedly ({type(exc).__name__}); the service's log has the details.",
    )


def _lost_connection(exc: BaseException) -> bool:
    """Return True if the error, or one it arose from, is a connection that failed or broke."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, httpx.TransportError | ConnectionError):
            return True
        if isinstance(seen, BaseExceptionGroup) and any(_lost_connection(e) for e in seen.exceptions):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _field(location: tuple[object, ...]) -> str:
    """Return the field a validation error's location names (``("body", "k")`` -> ``k``)."""
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "body"


async def _on_newsqa(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NewsQAError)
    return respond(request, newsqa_problem(exc))


async def _on_access(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccessError)
    code = "unauthorized" if exc.status == 401 else "forbidden"
    return respond(request, Problem(exc.status, code, exc.message))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only the location and pydantic's message: the input itself is never echoed back.
    named = [(_field(tuple(error.get("loc", ()))), str(error.get("msg", ""))) for error in exc.errors()]
    message = "; ".join(f"{name}: {why}" for name, why in named) or "The request is not valid."
    return respond(request, Problem(422, "invalid_request", message, named[0][0] if named else None))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    if exc.status_code == 404 and message == "Not Found":
        message = f"There is no {request.url.path} here: the API is described at /docs."
    return respond(request, Problem(exc.status_code, codes.get(exc.status_code, "http_error"), message))


class CatchAll:
    """Answer an unexpected failure with JSON (`unexpected_problem`) and log its traceback.

    Starlette's own last resort answers too, but then lets the error reach the server, which
    drops the client's connection; a client reusing it would fail its next request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; turn an error it lets out before answering into the JSON answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            log.error("%s %s failed", scope.get("method"), scope.get("path"), exc_info=exc)
            if started:  # the answer is under way: nothing more can be said to the client
                return
            request = Request(scope)
            answer = respond(request, unexpected_problem(exc, service_of(request).settings))
            await answer(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Make every failure of the app a JSON answer: `ErrorBody` (OpenAI's shape on its routes)."""
    app.add_exception_handler(NewsQAError, _on_newsqa)
    app.add_exception_handler(AccessError, _on_access)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_middleware(CatchAll)
