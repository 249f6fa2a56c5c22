"""The language model's one failure type, apart from the backends so that each can raise it."""

from ingest.errors import NewsQAError


class LLMBackendError(NewsQAError):
    """The language model could not answer: unreachable, too slow, missing, misconfigured."""
