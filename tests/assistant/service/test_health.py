"""``/healthz`` and ``/readyz``, and what a client sees when the store or the model is down."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from assistant import Settings
from tests import engines
from tests.assistant.service.conftest import KEYS, QUESTION, Launch
from tests.llm_server import free_port_url
from tests.worker import fake_from_settings


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """A real ``chroma run`` on a free port of 127.0.0.1 (a test may stop it); always stopped."""
    try:
        with engines.chroma(tmp_path / "chroma") as server:
            yield server.process, server.port
    except engines.Unavailable as exc:
        pytest.skip(str(exc))


def test_a_working_service_is_up_and_ready_without_a_key(server: Launch) -> None:
    running = server(api_keys=KEYS)
    with running.client() as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        ready = anonymous.get("/readyz")
        docs = anonymous.get("/docs")
        schema = anonymous.get("/openapi.json").json()
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["down"] == []
    assert ready.json()["components"][0]["name"] == "store"
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert {"/v1/ask", "/v1/chat/completions", "/v1/index/{job_id}"} <= set(schema["paths"])


def test_a_dead_chroma_server_is_named_by_readyz_and_answered_with_503(server: Launch) -> None:
    port = int(free_port_url().rsplit(":", 1)[1])  # nothing listens there
    running = server(chroma_host="127.0.0.1", chroma_port=port)
    with running.client() as client:
        assert client.get("/healthz").status_code == 200  # the process is up all the same
        ready = client.get("/readyz")
        asked = client.post("/v1/ask", json={"question": QUESTION})
        stats = client.get("/v1/stats")
    assert ready.status_code == 503 and ready.json()["down"] == ["store"]
    where = f"cannot reach the Chroma server at 127.0.0.1:{port}"
    assert where in ready.json()["components"][0]["detail"]
    for failed in (asked, stats):
        assert failed.status_code == 503
        assert failed.json()["error"] == "store_unavailable" and where in failed.json()["message"]
        assert "Traceback" not in failed.text


def test_a_dead_language_model_is_named_by_readyz(server: Launch, articles: Path) -> None:
    dead = free_port_url()

    def open_assistant(settings: Settings) -> Any:
        return fake_from_settings(settings.model_copy(update={"llm": "ollama", "llm_base_url": dead}))

    running = server(open_assistant)
    with running.client() as client:
        ready = client.get("/readyz").json()
    assert ready["status"] == "unavailable" and ready["down"] == ["language model"]
    store, model = ready["components"]
    assert store["ready"] is True
    assert f"The ollama backend at {dead} is unreachable" in model["detail"]


def test_a_chroma_server_that_goes_away_is_a_503_naming_it(
    server: Launch, articles: Path, chroma_server: tuple[subprocess.Popen[bytes], int]
) -> None:
    chroma, port = chroma_server
    running = server(chroma_host="127.0.0.1", chroma_port=port)
    running.bot.index([articles])
    with running.client() as client:
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        chroma.terminate()
        chroma.wait(timeout=20)
        asked = client.post("/v1/ask", json={"question": QUESTION})
        streamed = client.post("/v1/ask/stream", json={"question": QUESTION})
        ready = client.get("/readyz")
    where = f"cannot reach the Chroma server at 127.0.0.1:{port}"
    for failed in (asked, streamed):
        assert failed.status_code == 503, failed.text
        assert failed.json()["error"] == "store_unavailable" and where in failed.json()["message"]
    assert ready.status_code == 503 and ready.json()["down"] == ["store"]
    assert f"127.0.0.1:{port}" in ready.json()["components"][0]["detail"]
    chat = openai.OpenAI(base_url=f"{running.url}/v1", api_key="any", max_retries=0)
    with pytest.raises(openai.InternalServerError, match=where) as refused:
        chat.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": QUESTION}])
    assert refused.value.status_code == 503


def test_a_database_that_is_down_is_named_by_readyz_without_its_password(
    server: Launch, chroma_server: tuple[subprocess.Popen[bytes], int]
) -> None:
    _, chroma_port = chroma_server
    port = int(free_port_url().rsplit(":", 1)[1])  # no PostgreSQL listens there
    url = f"postgresql+psycopg://newsqa:s3cret-pw@127.0.0.1:{port}/newsqa"
    running = server(chroma_host="127.0.0.1", chroma_port=chroma_port, database_url=url)
    with running.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 503 and "database" in ready.json()["down"]
    database = next(c for c in ready.json()["components"] if c["name"] == "database")
    assert f"127.0.0.1:{port}" in database["detail"]
    assert "s3cret-pw" not in ready.text
