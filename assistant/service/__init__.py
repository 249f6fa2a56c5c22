"""newsqa as an HTTP service: a thin edge over `NewsAssistant`, as the chat and the command lines are.

``python -m assistant serve`` runs `create_app` under uvicorn. REST endpoints (``/v1/ask``,
``/v1/ask/stream``, ``/v1/retrieve``, ``/v1/stats``, ``/v1/articles``, ``/v1/index``), the
OpenAI chat protocol (``/v1/models``, ``/v1/chat/completions``), ``/healthz``, ``/readyz``
and the OpenAPI docs at ``/docs``.
"""

from assistant.service.app import check_exposure, create_app

__all__ = ["check_exposure", "create_app"]
