"""An unexpected failure: a JSON 500 naming only its kind, the traceback in the log, the
connection still usable."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from assistant import NewsAssistant, Settings
from tests.assistant.service.conftest import Launch
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans


class Broken(NewsAssistant):
    """An assistant whose statistics fail the way a bug would."""

    def stats(self) -> Any:
        raise RuntimeError("secret detail of /srv/internal")


def broken(settings: Settings) -> NewsAssistant:
    return Broken(settings=settings, embeddings=BagOfWordsEmbeddings(), token_spans=simple_token_spans)


def test_an_unexpected_failure_is_a_json_500_without_details(
    server: Launch, caplog: pytest.LogCaptureFixture
) -> None:
    running = server(broken)
    with caplog.at_level(logging.ERROR, logger="newsqa.service"), running.client() as client:
        failed = client.get("/v1/stats")
        after = client.get("/healthz")  # the same connection, kept alive
        chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Hi"}]})
    assert failed.status_code == 500
    assert failed.json() == {
        "error": "internal_error",
        "message": "newsqa failed unexpectedly (RuntimeError); the service's log has the details.",
    }
    assert "secret detail" not in failed.text and "Traceback" not in failed.text
    assert after.status_code == 200
    assert chat.status_code == 409 and chat.json()["error"]["code"] == "empty_index"  # OpenAI's shape
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and "secret detail of /srv/internal" in str(logged[0].exc_info[1])
