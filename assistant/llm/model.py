"""`LanguageModel`: one configured chat model, built on first use, and its failures turned into
messages that name the backend, its URL and what to do.

Each backend is a LangChain chat model (``ChatOllama``, ``ChatOpenAI``, or `LlamaCppChat`
for a GGUF file run in-process; `assistant.llm.chat_models` builds them), built on first use
so that choosing a backend costs nothing until a question is asked. The API key is scrubbed
from every message this module makes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.llm.errors import LLMBackendError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

# Stands in for the key of a local OpenAI-compatible server, which usually takes any key.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class Backend:
    """Which language model answers, and where it is."""

    name: str
    """``ollama``, ``openai``, ``llamacpp`` (or a test's own name)."""
    model: str
    url: str
    """The server's base URL, or the GGUF file for ``llamacpp``."""
    timeout: float

    @property
    def label(self) -> str:
        """Return e.g. ``ollama llama3.2 at http://127.0.0.1:11434``, for the UI and notes."""
        return f"{self.name} {self.model} at {self.url}"


class LanguageModel:
    """One configured backend: its chat model, built once on first use, and plain-text calls
    whose every failure is an `LLMBackendError` with a message for the user."""

    def __init__(
        self, backend: Backend, build: Callable[[], BaseChatModel], secret: str | None = None
    ) -> None:
        self.backend = backend
        self._build = build
        self._secret = secret
        self._model: BaseChatModel | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, chat_model: BaseChatModel, name: str = "test", url: str = "in-process") -> LanguageModel:
        """Wrap a ready chat model (tests pass LangChain's fake chat models here)."""
        model = getattr(chat_model, "model_name", None) or name
        return cls(Backend(name, model, url, timeout=60.0), lambda: chat_model)

    @property
    def chat_model(self) -> BaseChatModel:
        """Return the chat model, building it on the first call."""
        with self._lock:
            if self._model is None:
                try:
                    self._model = self._build()
                except LLMBackendError:
                    raise
                except Exception as exc:
                    raise LLMBackendError(self.explain(exc)) from None
            return self._model

    def stream(self, messages: Sequence[BaseMessage]) -> Iterator[str]:
        """Yield the reply's text as the model writes it."""
        model = self.chat_model
        try:
            for chunk in model.stream(list(messages)):
                if chunk.text:
                    yield chunk.text
        except LLMBackendError:
            raise
        except Exception as exc:
            raise LLMBackendError(self.explain(exc)) from None

    def invoke(self, messages: Sequence[BaseMessage]) -> str:
        """Return the whole reply's text."""
        return "".join(self.stream(messages))

    def explain(self, exc: BaseException) -> str:
        """Return what went wrong, naming the backend and its URL, with the key scrubbed out."""
        return self._scrub(explain_failure(exc, self.backend))

    def _scrub(self, message: str) -> str:
        if self._secret and self._secret != NO_KEY:
            message = message.replace(self._secret, "***")
        return message


def explain_failure(exc: BaseException, backend: Backend) -> str:
    """Return a one-line message for a failed call to a backend."""
    where = f"The {backend.name} backend at {backend.url}"
    kinds = _kinds(exc)
    status = _status(exc)
    detail = _detail(exc)
    if kinds & {"ModelTimeoutError", "TimeoutException", "APITimeoutError", "TimeoutError"}:
        return f"{where} did not answer within {backend.timeout:g} s (NEWSQA_LLM_TIMEOUT)."
    if (
        status == 404
        or "ModelNotFoundError" in kinds
        or ("ResponseError" in kinds and "not found" in detail.lower())
    ):
        hint = (
            f"run `ollama pull {backend.model}`"
            if backend.name == "ollama"
            else "check NEWSQA_LLM_MODEL against the models the server offers"
        )
        return f"{where} has no model '{backend.model}': {hint}."
    if status in (401, 403) or "ModelAuthenticationError" in kinds:
        return (
            f"{where} refused the API key (HTTP {status or 401}): set NEWSQA_LLM_API_KEY or OPENAI_API_KEY."
        )
    if kinds & {"ModelConnectionError", "APIConnectionError", "ConnectError", "ConnectionError"}:
        return (
            f"{where} is unreachable ({detail or 'connection failed'}). Is the server running? "
            "Check NEWSQA_LLM_BASE_URL."
        )
    if status:
        return f"{where} failed with HTTP {status}: {detail}"
    return f"{where} failed: {type(exc).__name__}: {detail}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _kinds(exc: BaseException) -> set[str]:
    """Class names of the error, its bases and its causes: no SDK needs importing to classify it."""
    return {cls.__name__ for error in _chain(exc) for cls in type(error).__mro__}


def _status(exc: BaseException) -> int | None:
    for error in _chain(exc):
        status = getattr(error, "status_code", None)
        if isinstance(status, int) and status > 0:
            return status
    return None


def _detail(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text[:300] + ("…" if len(text) > 300 else "")
