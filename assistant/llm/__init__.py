"""Language model backends: a LangChain chat model behind `LanguageModel`, whose failures are
messages naming the backend, its URL and what to do. `assistant.factory` builds them."""

from assistant.llm.errors import LLMBackendError
from assistant.llm.model import Backend, LanguageModel

__all__ = ["Backend", "LLMBackendError", "LanguageModel"]
