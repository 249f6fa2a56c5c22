"""``/v1/ask`` and ``/v1/ask/stream`` over a real uvicorn, with httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import Settings
from tests.assistant.service.conftest import QUESTION, Launch, Running
from tests.llm_server import Reply, ScriptedLLMServer, free_port_url
from tests.worker import fake_from_settings

CLI_KEYS = {"question", "answer", "abstained", "citations", "answerer", "note"} | {
    "standalone_question",
    "verified",
    "sentences",
    "short_answer",
    "outlets",
    "read_against",
}


@pytest.fixture
def indexed(server: Launch, articles: Path) -> Running:
    running = server()
    assert running.bot.index([articles]).added == 3
    return running


def events(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield the ``(event, data)`` pairs of a server-sent event stream as they arrive."""
    name = "message"
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))
            name = "message"


def test_ask_returns_what_the_command_line_prints(indexed: Running) -> None:
    with indexed.client() as client:
        reply = client.post("/v1/ask", json={"question": QUESTION})
    assert reply.status_code == 200
    answer = reply.json()
    assert set(answer) == CLI_KEYS
    assert answer == indexed.bot.ask(QUESTION).to_dict()
    assert "Kataib Hezbollah" in answer["answer"] and answer["abstained"] is False
    # The answer leads with its short answer, cut from the quote it cites.
    short = answer["short_answer"]
    assert short["text"] == "Kataib Hezbollah" and answer["answer"].startswith(
        f"Kataib Hezbollah [{short['n']}]."
    )
    quoted = answer["citations"][short["n"] - 1]
    assert quoted["passage"][short["start"] : short["start"] + len(short["text"])] == short["text"]
    cited = answer["citations"][0]
    assert (cited["source"], cited["published"]) == ("Fast News", "2020-03")
    assert cited["quote"] in cited["passage"]


def test_an_answer_to_a_question_with_time_words_says_which_date_they_were_read_against(
    indexed: Running,
) -> None:
    with indexed.client() as client:
        plain = client.post("/v1/ask", json={"question": QUESTION}).json()
        latest = client.post("/v1/ask", json={"question": "What did the council discuss this week?"}).json()
        until = client.post(
            "/v1/ask", json={"question": "What did officials blame last week?", "until": "2021-06-30"}
        ).json()
    assert plain["read_against"] is None
    # The newest of the three articles is the Daily Planet's of 5 January 2022.
    assert latest["read_against"] == {"date": "2022-01-05", "basis": "newest article"}
    assert until["read_against"] == {"date": "2021-06-30", "basis": "question"}


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"question": QUESTION, "since": "2020-13"}, 400, "since", "not a real date"),
        ({"question": QUESTION, "source": "The Hindu"}, 400, "source", "Outlets indexed: Daily Planet"),
        ({"question": QUESTION, "k": 0}, 422, "k", "greater than or equal to 1"),
        ({"question": "   "}, 400, "question", "The question is empty"),
        ({"k": 3}, 422, "question", "Field required"),
    ],
)
def test_bad_requests_get_a_json_message_naming_the_field(
    indexed: Running, body: dict[str, Any], status: int, field: str, words: str
) -> None:
    with indexed.client() as client:
        reply = client.post("/v1/ask", json=body)
        streamed = client.post("/v1/ask/stream", json=body)
    for answered in (reply, streamed):
        assert answered.status_code == status
        problem = answered.json()
        assert problem["field"] == field and words in problem["message"]
        assert problem["message"].startswith(f"{field}: ") and "Traceback" not in answered.text


def test_filters_apply_as_on_the_command_line(indexed: Running) -> None:
    body = {"question": "Who was blamed?", "source": ["wire"], "since": "2021-06", "until": "2021-06-30"}
    with indexed.client() as client:
        answer = client.post("/v1/ask", json=body).json()
    assert {c["source"] for c in answer["citations"]} == {"Wire"}


def test_an_empty_index_is_a_conflict_saying_how_to_add_articles(server: Launch) -> None:
    with server().client() as client:
        reply = client.post("/v1/ask", json={"question": QUESTION})
    assert reply.status_code == 409
    assert reply.json()["error"] == "empty_index" and "Add articles first" in reply.json()["message"]


def test_the_stream_sends_the_pieces_then_the_checked_answer(indexed: Running) -> None:
    with (
        indexed.client() as client,
        client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as r,
    ):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        received = list(events(r))
    names = [name for name, _ in received]
    assert names == ["delta", "done"]
    assert received[0][1]["text"] == received[1][1]["answer"]
    assert received[1][1] == indexed.bot.ask(QUESTION).to_dict()


def test_a_follow_up_is_rewritten_with_the_history_it_is_given(indexed: Running) -> None:
    with indexed.client() as client:
        first = client.post("/v1/ask", json={"question": QUESTION}).json()
        follow = {"question": "And who did Trump blame?", "history": [first]}
        with client.stream("POST", "/v1/ask/stream", json=follow) as r:
            received = list(events(r))
    assert [name for name, _ in received] == ["rewritten", "delta", "done"]
    rewritten = received[0][1]["question"]
    assert rewritten.startswith("Who did Trump blame?") and QUESTION in rewritten
    done = received[-1][1]
    assert done["standalone_question"] == rewritten and "Iran" in done["answer"]


def _with_llm(url: str) -> Any:
    def open_assistant(settings: Settings) -> Any:
        return fake_from_settings(settings.model_copy(update={"llm": "openai", "llm_base_url": url}))

    return open_assistant


def test_a_dead_language_model_gives_the_extractive_answer_with_its_note(
    server: Launch, articles: Path
) -> None:
    dead = free_port_url()
    running = server(_with_llm(dead))
    running.bot.index([articles])
    with running.client() as client:
        answer = client.post("/v1/ask", json={"question": QUESTION}).json()
        with client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as r:
            done = next(data for name, data in events(r) if name == "done")
    for given in (answer, done):
        assert given["answerer"] == "extractive" and "Kataib Hezbollah" in given["answer"]
        assert f"The openai backend at {dead}" in given["note"] and "unreachable" in given["note"]


def test_a_client_that_disconnects_mid_stream_stops_the_work(server: Launch, articles: Path) -> None:
    words = " ".join(f"word{n}" for n in range(60))
    with ScriptedLLMServer() as llm:
        llm.script(Reply(f"Officials blamed Kataib Hezbollah [1]. {words}", pace=0.1))
        running = server(_with_llm(llm.openai_url))
        running.bot.index([articles])
        with (
            running.client() as client,
            client.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as r,
        ):
            name, data = next(events(r))
            assert name == "delta" and data["text"].startswith("Officials")
        # The client is gone: the model's stream is closed at its next piece, long before its end.
        deadline = time.monotonic() + 10
        record = llm.requests[-1]
        while not record.get("gone") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert record["gone"], record
        assert record["sent"] < record["parts"] / 2
        sent = record["sent"]
        time.sleep(0.5)
        assert record["sent"] == sent
