"""The OpenAI chat protocol, spoken by the official ``openai`` client to a real uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openai
import pytest

from assistant import Settings
from tests.assistant.service.conftest import EDITOR, KEYS, QUESTION, READER, Launch, Running
from tests.conftest import real_assistant
from tests.llm_server import Reply, ScriptedLLMServer
from tests.worker import fake_from_settings


@pytest.fixture
def indexed(server: Launch, articles: Path) -> Running:
    running = server(api_keys=KEYS)
    assert running.bot.index([articles]).added == 3
    return running


def client(running: Running, key: str = READER) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{running.url}/v1", api_key=key, max_retries=0, timeout=60)


def test_the_one_model_is_newsqa(indexed: Running) -> None:
    assert [model.id for model in client(indexed).models.list()] == ["newsqa"]


def test_a_completion_is_the_answer_with_its_sources_and_the_citations_as_data(indexed: Running) -> None:
    completion = client(indexed).chat.completions.create(
        model="newsqa", messages=[{"role": "user", "content": QUESTION}]
    )
    content = completion.choices[0].message.content or ""
    answer = indexed.bot.ask(QUESTION)
    assert content.startswith(answer.text) and "Kataib Hezbollah" in content
    # Only the quote that carries the answer is given: one sentence of the Camp Taji article.
    assert "\n\nSources:\n- [1] Rockets hit Camp Taji" in content
    assert "(Fast News, 2020-03)" in content
    extra: dict[str, Any] = completion.model_extra or {}
    assert extra["newsqa"] == answer.to_dict()
    assert extra["newsqa"]["citations"][0]["quote"] in extra["newsqa"]["citations"][0]["passage"]
    # The reply opens with the short answer, which the structured answer also gives.
    assert content.startswith("Kataib Hezbollah [1].")
    assert extra["newsqa"]["short_answer"]["text"] == "Kataib Hezbollah"


def test_a_streamed_completion_says_the_same_and_ends_with_the_data(indexed: Running) -> None:
    messages: Any = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
    whole = client(indexed).chat.completions.create(model="newsqa", messages=messages)
    chunks = list(client(indexed).chat.completions.create(model="newsqa", messages=messages, stream=True))
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert (chunks[-1].model_extra or {})["newsqa"] == (whole.model_extra or {})["newsqa"]


def test_a_follow_up_turn_reads_the_conversation(indexed: Running) -> None:
    chat = client(indexed)
    first = chat.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": QUESTION}])
    messages: Any = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "And who did Trump blame?"}]},
    ]
    for stream in (False, True):
        if stream:
            chunks = list(chat.chat.completions.create(model="newsqa", messages=messages, stream=True))
            data = (chunks[-1].model_extra or {})["newsqa"]
        else:
            whole = chat.chat.completions.create(model="newsqa", messages=messages)
            data = (whole.model_extra or {})["newsqa"]
        # The earlier question is carried along, without the sources list of the earlier reply.
        assert data["standalone_question"] == f"Who did Trump blame? (following up on: {QUESTION})"
        assert "Iran" in data["answer"]


def test_keys_are_checked_and_errors_reach_the_client_as_messages(indexed: Running) -> None:
    with pytest.raises(openai.AuthenticationError, match="not accepted"):
        client(indexed, key="wrong").models.list()
    assert client(indexed, key=EDITOR).models.list().data[0].id == "newsqa"
    with pytest.raises(openai.NotFoundError, match="the model is 'newsqa'"):
        client(indexed).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    with pytest.raises(openai.BadRequestError, match="source: No articles from 'The Hindu'"):
        client(indexed).chat.completions.create(
            model="newsqa",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            extra_body={"source": "The Hindu"},
        )


def test_a_language_model_s_answer_streams_as_it_is_written(server: Launch, articles: Path) -> None:
    with ScriptedLLMServer() as llm:
        llm.script(Reply("Officials blamed Kataib Hezbollah for the attack [1].", pace=0.02))

        def open_assistant(settings: Settings) -> Any:
            update = {"llm": "openai", "llm_base_url": llm.openai_url, "llm_model": "scripted"}
            return fake_from_settings(settings.model_copy(update=update))

        running = server(open_assistant)
        running.bot.index([articles])
        stream = client(running).chat.completions.create(
            model="newsqa", messages=[{"role": "user", "content": QUESTION}], stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    assert len([piece for piece in pieces if piece]) > 5  # word by word, not all at once
    text = "".join(pieces)
    assert text.startswith("Officials blamed Kataib Hezbollah for the attack [1].\n\nSources:\n- [1] ")


@pytest.mark.model
@pytest.mark.shared
def test_the_real_model_answers_the_sample_article_through_the_openai_client(
    server: Launch, real_store: Path
) -> None:
    running = server(lambda settings: real_assistant(real_store), api_keys=KEYS)
    completion = client(running).chat.completions.create(
        model="newsqa", messages=[{"role": "user", "content": QUESTION}]
    )
    content = completion.choices[0].message.content or ""
    assert content.startswith("Kataib Hezbollah [1]. Fast News, March 2020: ")
    assert "(Fast News, 2020-03)" in content
    assert (completion.model_extra or {})["newsqa"]["short_answer"]["text"] == "Kataib Hezbollah"
    citation = (completion.model_extra or {})["newsqa"]["citations"][0]
    assert citation["source"] == "Fast News" and citation["quote"] in citation["passage"]
