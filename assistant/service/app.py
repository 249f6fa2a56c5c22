"""The HTTP service's application: one `NewsAssistant` shared by every request, wired once.

`create_app` builds the FastAPI app that ``python -m assistant serve`` runs under uvicorn
and that tests start on 127.0.0.1. Each feature is a router of its own (``ask``, ``retrieve``,
``articles``, ``indexing``, ``chat``, ``health``); they translate HTTP into calls of the
assistant and its errors into JSON, nothing more.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import FastAPI

from assistant.access import ApiKey
from assistant.errors import NewsQAError
from assistant.service import articles, ask, chat, health, indexing, retrieve
from assistant.service.deps import Service
from assistant.service.errors import install_error_handlers
from assistant.service.jobs import IndexJobs

if TYPE_CHECKING:
    from assistant.core import NewsAssistant
    from assistant.settings import Settings

OpenAssistant = Callable[["Settings"], "NewsAssistant"]


def create_app(settings: Settings, open_assistant: OpenAssistant | None = None) -> FastAPI:
    """Return the service's app over the assistant ``open_assistant(settings)`` builds.

    The assistant is opened lazily (nothing loads until the app starts); tests pass their
    own ``open_assistant``, as they do to the command lines.
    """
    if open_assistant is None:
        from assistant.core import open_assistant as default

        open_assistant = default
    bot = open_assistant(settings)
    service = Service(settings, bot, settings.service_keys(), IndexJobs(bot))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(service.warm_up)
        try:
            yield
        finally:
            service.jobs.close()

    app = FastAPI(
        title="newsqa",
        summary="Ask the indexed news articles; every answer cites the passages it rests on.",
        version="0.1.0",
        lifespan=lifespan,
        # Like Chroma's, FastAPI's own telemetry stays off.
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    app.state.service = service
    install_error_handlers(app)
    for module in (health, ask, retrieve, articles, indexing, chat):
        app.include_router(module.router)
    return app


def is_loopback(host: str) -> bool:
    """Return True if ``host`` is (or resolves only to) this machine's loopback addresses."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in found)


def check_exposure(host: str, keys: list[ApiKey]) -> None:
    """Raise `NewsQAError` when the service would listen beyond loopback with no keys to check."""
    if keys or is_loopback(host):
        return
    raise NewsQAError(
        f"refusing to listen on {host} without API keys: anyone who reaches it could read and change "
        "the index. Set NEWSQA_API_KEYS (e.g. reader:KEY1,editor:KEY2), or listen on 127.0.0.1 "
        "(NEWSQA_API_HOST, --host)."
    )
