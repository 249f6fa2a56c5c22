"""The `python -m assistant ask` command: what a user sees in the terminal."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import NewsAssistant
from assistant.__main__ import main
from assistant.retrieval.hybrid import HybridRetriever
from tests.assistant.retrieval.test_hybrid import corpus


def test_the_answer_says_which_date_time_words_were_read_against(
    fake_bot: NewsAssistant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_bot.index([corpus(tmp_path)])
    assert isinstance(fake_bot.retriever, HybridRetriever)
    fake_bot.retriever.today = lambda: date(2030, 1, 1)

    def ask(*argv: str) -> str:
        assert main(["ask", *argv], open_assistant=lambda settings: fake_bot) == 0
        return capsys.readouterr().out

    assert "Time words read against 2023-11-20 (the newest article in the index)." in ask(
        "What did the chip maker do last week?"
    )
    assert "2023-10-05 (the question's date)" in ask(
        "What did the chip maker do yesterday?", "--until", "2023-10-05"
    )
    assert "Time words" not in ask("What did the chip maker do on October 4, 2023?")
    record = json.loads(ask("What is the latest on card prices?", "--json"))
    assert record["read_against"] == {"date": "2023-11-20", "basis": "newest article"}
