"""Keys and roles: who may ask, who may change the index, and what a refused caller is told."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.assistant.service.conftest import EDITOR, KEYS, QUESTION, READER, Launch, Running


@pytest.fixture
def keyed(server: Launch, articles: Path) -> Running:
    running = server(api_keys=KEYS)
    running.bot.index([articles])
    return running


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/ask", {"question": QUESTION}),
        ("POST", "/v1/ask/stream", {"question": QUESTION}),
        ("POST", "/v1/retrieve", {"question": QUESTION}),
        ("GET", "/v1/stats", None),
        ("GET", "/v1/articles", None),
        ("GET", "/v1/models", None),
        ("POST", "/v1/index", {"paths": ["."]}),
        ("DELETE", "/v1/articles/any", None),
    ],
)
def test_without_a_good_key_every_route_answers_401_with_a_message(
    keyed: Running, method: str, path: str, body: dict[str, str] | None
) -> None:
    for key in (None, "wrong", READER[:-1], f"{READER}x", EDITOR.upper()):
        with keyed.client(key) as client:
            refused = client.request(method, path, json=body)
        assert refused.status_code == 401, (key, refused.text)
        assert refused.headers["www-authenticate"] == "Bearer"
        problem = refused.json()
        message = problem["error"]["message"] if path == "/v1/models" else problem["message"]
        assert "API key" in message and READER not in refused.text and EDITOR not in refused.text


def test_readers_ask_retrieve_and_list_but_only_editors_change_the_index(keyed: Running) -> None:
    with keyed.client(READER) as reader, keyed.client(EDITOR) as editor:
        assert reader.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert reader.post("/v1/retrieve", json={"question": QUESTION}).status_code == 200
        assert reader.get("/v1/articles").status_code == 200 and reader.get("/v1/stats").status_code == 200
        for refused in (
            reader.post("/v1/index", json={"paths": ["."]}),
            reader.delete("/v1/articles/any"),
        ):
            assert refused.status_code == 403
            assert refused.json() == {
                "error": "forbidden",
                "message": "This needs an editor key: reader keys can ask, retrieve and list only.",
            }
        assert editor.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert editor.delete("/v1/articles/any").status_code == 404


def test_without_keys_on_loopback_everyone_is_an_editor(server: Launch, articles: Path) -> None:
    running = server()
    with running.client() as anyone:
        job = anyone.post("/v1/index", json={"paths": [str(articles)]})
    assert job.status_code == 202
