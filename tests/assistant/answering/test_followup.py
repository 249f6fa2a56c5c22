"""Follow-up questions rewritten to stand alone: by the rule, and by a scripted model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import NewsAssistant
from assistant.answering.followup import RuleRewriter, Turn, as_turns
from assistant.answering.records import Done, Rewritten
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans
from tests.llm_server import Reply, ScriptedLLMServer

FIRST = "Who was blamed for the Camp Taji attack?"
FOLLOW_UP = "And who did Trump blame?"
TURNS = [Turn(FIRST, "Officials blamed Kataib Hezbollah for the attack [1].")]


def test_the_rule_leaves_a_standalone_question_alone() -> None:
    rule = RuleRewriter()
    assert rule.rewrite("Who won the election in Ohio?", TURNS) == "Who won the election in Ohio?"
    assert rule.rewrite(FOLLOW_UP, []) == FOLLOW_UP


@pytest.mark.parametrize(
    ("follow_up", "own"),
    [
        (FOLLOW_UP, "Who did Trump blame?"),
        ("What about the casualties?", "The casualties?"),
        ("Why did they do it?", "Why did they do it?"),
        ("When?", "When?"),
    ],
)
def test_the_rule_carries_the_previous_question_along(follow_up: str, own: str) -> None:
    assert RuleRewriter().rewrite(follow_up, TURNS) == f"{own} (following up on: {FIRST})"


def test_a_chain_of_follow_ups_keeps_the_first_topic() -> None:
    rule = RuleRewriter()
    second = rule.rewrite(FOLLOW_UP, TURNS)
    third = rule.rewrite("And when was that?", [*TURNS, Turn(second, "…")])
    assert third == f"When was that? (following up on: Who did Trump blame?; {FIRST})"


@pytest.fixture
def bot(tmp_path: Path) -> NewsAssistant:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "taji.txt").write_text(
        " date 2020-03 Fast News\n\nRockets hit Camp Taji. Officials blamed Kataib Hezbollah for the attack. "
        "Trump blamed a rebel group backed by Iran for the Camp Taji rockets.",
        encoding="utf-8",
    )
    (folder / "vote.txt").write_text(
        " date 2021-06-02 Wire\n\nTrump blamed the voting machines for his defeat in the election.",
        encoding="utf-8",
    )
    bot = NewsAssistant(
        store_dir=tmp_path / "store", embeddings=BagOfWordsEmbeddings(), token_spans=simple_token_spans
    )
    assert bot.index([folder]).added == 2
    return bot


def test_ask_rewrites_a_follow_up_with_the_rule_before_retrieval(bot: NewsAssistant) -> None:
    first = bot.ask(FIRST)
    alone = bot.retrieve(FOLLOW_UP)
    assert "voting machines" in alone[0].text  # without the conversation, the wrong story wins
    answer = bot.ask(FOLLOW_UP, history=[first])
    assert answer.question == FOLLOW_UP
    assert answer.standalone_question == f"Who did Trump blame? (following up on: {FIRST})"
    assert answer.citations[0].source == "Fast News"
    assert "rebel group backed by Iran" in answer.text
    assert as_turns([first]) == [Turn(FIRST, first.text)]


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as running:
        yield running


def test_a_configured_model_rewrites_the_follow_up(bot: NewsAssistant, server: ScriptedLLMServer) -> None:
    bot = NewsAssistant(
        settings=bot.settings, embeddings=bot.embeddings, llm="ollama", llm_base_url=server.url, llm_model="m"
    )
    server.script(
        "Standalone question: Who did Trump blame for the Camp Taji rockets?",
        "Trump blamed a rebel group backed by Iran for the rockets [1].",
    )
    events = list(
        bot.stream(FOLLOW_UP, history=[("Who was blamed for the Camp Taji attack?", "Kataib Hezbollah [1].")])
    )
    assert events[0] == Rewritten("Who did Trump blame for the Camp Taji rockets?")
    rewrite, answer = server.prompts()
    assert "User: Who was blamed for the Camp Taji attack?\nAssistant: Kataib Hezbollah." in rewrite
    assert f"Latest question: {FOLLOW_UP}" in rewrite
    assert "Question: Who did Trump blame for the Camp Taji rockets?" in answer
    final = events[-1]
    assert isinstance(final, Done) and final.answer.question == FOLLOW_UP
    assert final.answer.standalone_question == "Who did Trump blame for the Camp Taji rockets?"
    assert final.answer.citations[0].source == "Fast News" and final.answer.verified


def test_a_rewrite_that_drifts_from_the_question_gives_way_to_the_rule(
    bot: NewsAssistant, server: ScriptedLLMServer
) -> None:
    bot = NewsAssistant(
        settings=bot.settings, embeddings=bot.embeddings, llm="ollama", llm_base_url=server.url, llm_model="m"
    )
    server.script("What is the capital of France?", "Trump blamed a rebel group backed by Iran [1].")
    answer = bot.ask(FOLLOW_UP, history=TURNS)
    assert answer.standalone_question == f"Who did Trump blame? (following up on: {FIRST})"


def test_a_model_that_fails_on_the_rewrite_is_not_asked_again(
    bot: NewsAssistant, server: ScriptedLLMServer
) -> None:
    bot = NewsAssistant(
        settings=bot.settings, embeddings=bot.embeddings, llm="ollama", llm_base_url=server.url, llm_model="m"
    )
    server.script(Reply(status=404, error='model "m" not found'))
    answer = bot.ask(FOLLOW_UP, history=TURNS)
    assert len(server.requests) == 1
    assert answer.note is not None and "has no model 'm'" in answer.note
    assert answer.standalone_question == f"Who did Trump blame? (following up on: {FIRST})"
    assert "rebel group backed by Iran" in answer.text
