"""What the routers depend on: the shared `Service`, and who the caller is (their key's role)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.access import ApiKey, Role, role_of_key
from assistant.errors import NewsQAError

if TYPE_CHECKING:
    from assistant.core import NewsAssistant
    from assistant.service.jobs import IndexJobs
    from assistant.settings import Settings

log = logging.getLogger("newsqa.service")


@dataclass
class Service:
    """What every request shares: the settings, the assistant, the keys and the indexing jobs."""

    settings: Settings
    bot: NewsAssistant
    keys: list[ApiKey]
    jobs: IndexJobs

    def warm_up(self) -> None:
        """Open the store and load the embedding model now, so that the first question doesn't wait.

        A part that fails is logged, not raised: the service still starts, and /readyz says
        what is down.
        """
        try:
            self.bot.store.count()
            self.bot.embeddings.embed_query("warm up")
            self.bot.answerer  # noqa: B018 (built now rather than by the first request)
            self.bot.rewriter  # noqa: B018
        except NewsQAError as exc:
            log.warning("not ready yet: %s", exc)
        except Exception as exc:  # e.g. a Chroma server that broke off: /readyz will say more
            log.warning("not ready yet: %s: %s", type(exc).__name__, exc)


def service_of(request: Request) -> Service:
    """Return the service the request's app was built with."""
    service: Service = request.app.state.service
    return service


class AccessError(Exception):
    """The caller may not do this: 401 (no key, or an unknown one) or 403 (a reader's key)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# auto_error=False: a missing key is ours to answer (401 in our JSON), and only when keys are set.
_bearer = HTTPBearer(auto_error=False, description="An API key from NEWSQA_API_KEYS, when it is set.")


def caller_role(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Role:
    """Return the caller's role: from their key when keys are set, else editor (loopback only)."""
    keys = service_of(request).keys
    if not keys:
        return Role.EDITOR
    if credentials is None:
        raise AccessError(401, "This newsqa needs an API key: send `Authorization: Bearer KEY`.")
    role = role_of_key(credentials.credentials, keys)
    if role is None:
        raise AccessError(401, "The API key was not accepted: check it against NEWSQA_API_KEYS.")
    return role


def reader(role: Annotated[Role, Depends(caller_role)]) -> Role:
    """Let any key through (reading: ask, retrieve, list)."""
    return role


def editor(role: Annotated[Role, Depends(caller_role)]) -> Role:
    """Let only editor keys through (indexing and deleting)."""
    if role is not Role.EDITOR:
        raise AccessError(403, "This needs an editor key: reader keys can ask, retrieve and list only.")
    return role


ServiceDep = Annotated[Service, Depends(service_of)]
Reader = Depends(reader)
Editor = Depends(editor)
