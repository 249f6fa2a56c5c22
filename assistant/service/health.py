"""``GET /healthz`` (the process answers) and ``GET /readyz`` (the store, and the language model
when one is configured, can be reached; what is down is named). Neither needs a key: they are
for load balancers and supervisors, and name no secret."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from assistant.errors import NewsQAError
from assistant.llm import Backend
from assistant.service.deps import Service, ServiceDep
from assistant.service.schemas import Body

router = APIRouter(tags=["health"])

PROBE_ID = "newsqa-readyz-probe"
"""A chunk id no index holds: looking it up reaches every part of the store and changes nothing."""
_CONNECT_SECONDS = 3.0


class Health(Body):
    """The process answers."""

    status: Literal["ok"] = "ok"


class Component(Body):
    """One part the answers depend on."""

    name: str
    """``store``, ``database`` (PostgreSQL, when the index's state is there) or ``language model``."""
    ready: bool
    detail: str
    """Where it is, or what is wrong with it and what to do."""


class Readiness(Body):
    """Whether every part can be reached; ``down`` names those that can't."""

    status: Literal["ready", "unavailable"]
    down: list[str]
    components: list[Component]


@router.get("/healthz", summary="The process is up")
def healthz() -> Health:
    """Answer at once, without touching the store or the model."""
    return Health()


@router.get(
    "/readyz",
    summary="The store, and the language model when one is configured, can be reached",
    responses={503: {"model": Readiness, "description": "Something is down: `down` names it"}},
)
def readyz(service: ServiceDep) -> JSONResponse:
    """Return 200 when every part can be reached, else 503 naming what is down."""
    components = [_store(service)]
    if service.settings.database_url is not None:
        components.append(_database(service))
    llm = service.bot.language_model
    if llm is not None:
        components.append(_language_model(llm.backend, service.settings.llm_gguf_path))
    down = [component.name for component in components if not component.ready]
    body = Readiness(status="unavailable" if down else "ready", down=down, components=components)
    return JSONResponse(body.model_dump(), status_code=503 if down else 200)


def _store(service: Service) -> Component:
    settings = service.settings
    where = (
        f"Chroma server at {settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_host
        else f"{settings.store_dir}"
    )
    try:
        service.bot.store.missing([PROBE_ID])
    except NewsQAError as exc:
        return Component(name="store", ready=False, detail=str(exc))
    except Exception as exc:  # a server that went away after the store was opened
        reason = str(exc).strip() or type(exc).__name__
        return Component(name="store", ready=False, detail=f"the {where} can't be read ({reason})")
    return Component(name="store", ready=True, detail=where)


def _database(service: Service) -> Component:
    """Return whether the PostgreSQL database holding the index's state answers (named by host and
    port, never with its password): with the store down too, this says which engine it is."""
    from assistant import factory

    try:
        db = factory.shared_database(service.settings)
        if db is not None:
            db.check()  # the database is kept once opened: ask it again
    except NewsQAError as exc:
        return Component(name="database", ready=False, detail=str(exc))
    return Component(name="database", ready=True, detail=f"PostgreSQL at {db.place}" if db else "")


def _language_model(backend: Backend, gguf_path: str) -> Component:
    """Return whether the model's server accepts a connection (a GGUF file: whether it exists)."""
    name = "language model"
    if backend.name == "llamacpp":
        if gguf_path and not Path(gguf_path).expanduser().is_file():
            detail = f"The GGUF file {gguf_path} is missing: check NEWSQA_LLM_GGUF_PATH."
            return Component(name=name, ready=False, detail=detail)
        return Component(name=name, ready=True, detail=backend.label)
    parts = urlsplit(backend.url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=_CONNECT_SECONDS):
            pass
    except OSError as exc:
        return Component(
            name=name,
            ready=False,
            detail=f"The {backend.name} backend at {backend.url} is unreachable ({exc}). Is the server "
            "running? Check NEWSQA_LLM_BASE_URL.",
        )
    return Component(name=name, ready=True, detail=backend.label)
