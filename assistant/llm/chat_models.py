"""The LangChain chat model of each backend, from explicit values (`assistant.factory` gives them)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assistant.llm.errors import LLMBackendError
from assistant.llm.model import NO_KEY

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

OPENAI_URL = "https://api.openai.com/v1"


def ollama_chat(model: str, url: str, temperature: float, max_tokens: int, timeout: float) -> BaseChatModel:
    """Return ``ChatOllama`` for a model on an Ollama server."""
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=model,
        base_url=url,
        temperature=temperature,
        num_predict=max_tokens,
        client_kwargs={"timeout": timeout},
    )


def openai_chat(
    model: str, url: str, key: str | None, temperature: float, max_tokens: int, timeout: float
) -> BaseChatModel:
    """Return ``ChatOpenAI`` for a model of OpenAI or of any OpenAI-compatible server."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    if not key and url.rstrip("/") == OPENAI_URL:
        raise LLMBackendError(
            f"The openai backend at {url} needs an API key: set NEWSQA_LLM_API_KEY or "
            "OPENAI_API_KEY (or NEWSQA_LLM_BASE_URL for a local OpenAI-compatible server)."
        )
    # ChatOpenAI sends the newer `max_completion_tokens`; many OpenAI-compatible servers
    # only know `max_tokens`, so they get both.
    local = url.rstrip("/") != OPENAI_URL
    return ChatOpenAI(
        model=model,
        base_url=url,
        api_key=SecretStr(key or NO_KEY),
        temperature=temperature,
        max_completion_tokens=max_tokens,
        extra_body={"max_tokens": max_tokens} if local else None,
        timeout=timeout,
        max_retries=1,
    )


def llamacpp_chat(
    gguf_path: str,
    chat_format: str,
    context_tokens: int,
    temperature: float,
    max_tokens: int,
    timeout: float,
) -> BaseChatModel:
    """Return `LlamaCppChat` over a GGUF file (empty: the bundled Gemma 3 270M, if installed)."""
    from assistant.llm.llamacpp import LlamaCppChat, bundled_gguf

    if gguf_path:
        path = os.path.expanduser(gguf_path)
        chosen_format = chat_format or None
    else:
        # The bundled GGUF carries no chat template: it takes Gemma's turn format.
        path, chosen_format = bundled_gguf(), chat_format or "gemma"
    if not os.path.isfile(path):
        raise LLMBackendError(f"NEWSQA_LLM_GGUF_PATH: no GGUF model file at {path}.")
    return LlamaCppChat(
        model_path=path,
        chat_format=chosen_format,
        n_ctx=context_tokens,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
    )
