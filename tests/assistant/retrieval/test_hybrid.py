from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant import NewsAssistant
from assistant.retrieval import hybrid
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.time_words import AsOf
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans
from vectorstore.base import SearchFilter

FILLER = " ".join(f"Market note {i} covers shares, bonds and the wider economy." for i in range(30))


def write(folder: Path, records: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "news.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def corpus(tmp_path: Path) -> Path:
    records = [
        {
            "id": f"wire{i}",
            "title": f"Wire story {i}",
            "source": "Daily Wire Service",
            "published": f"2023-10-{i + 1:02d}",
            "body": f"The chip maker raised prices of its graphics cards again, story {i}. " + FILLER,
        }
        for i in range(6)
    ]
    records.append(
        {
            "id": "gazette",
            "title": "Town notes",
            "source": "Harbor Gazette",
            "published": "2023-11-20",
            "body": "A council meeting covered parking. The chip maker raised card prices, locals said. "
            + FILLER,
        }
    )
    return write(tmp_path / "in", records)


def test_a_named_outlet_reaches_the_top_even_when_others_match_better(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    fake_bot.index([corpus(tmp_path)])
    assert isinstance(fake_bot.retriever, HybridRetriever)
    question = "Did the chip maker raise graphics card prices, as reported by the Harbor Gazette?"
    passages = fake_bot.retrieve(question, k=3)
    assert "gazette" in [p.chunk.article_id for p in passages]
    unnamed = fake_bot.retrieve("Did the chip maker raise graphics card prices?", k=3)
    assert "gazette" not in [p.chunk.article_id for p in unnamed]


def test_one_article_fills_at_most_per_article_places(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    fake_bot.index([corpus(tmp_path)])
    passages = fake_bot.retrieve("market note shares bonds economy", k=10)
    counts: dict[str, int] = {}
    for passage in passages:
        counts[passage.chunk.article_id] = counts.get(passage.chunk.article_id, 0) + 1
    assert len(passages) == 10 and max(counts.values()) <= fake_bot.settings.per_article


def test_a_named_day_ranks_that_days_article_first(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    fake_bot.index([corpus(tmp_path)])
    passages = fake_bot.retrieve(
        "What did the story published on October 4, 2023 say about card prices?", k=3
    )
    assert passages[0].chunk.article_id == "wire3"
    assert passages[0].chunk.published == "2023-10-04"


def test_the_users_filters_still_bind(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    fake_bot.index([corpus(tmp_path)])
    question = "Did the Harbor Gazette say the chip maker raised card prices?"
    assert {p.chunk.source for p in fake_bot.retrieve(question, source="Daily Wire Service")} == {
        "Daily Wire Service"
    }
    assert {p.chunk.article_id for p in fake_bot.retrieve(question, until="2023-10-02")} <= {"wire0", "wire1"}


def test_ask_answers_from_exactly_the_retrieved_passages(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    fake_bot.index([corpus(tmp_path)])
    question = "Did the Harbor Gazette say the chip maker raised card prices?"
    answer = fake_bot.ask(question, k=5)
    assert [p.chunk.id for p in answer.passages] == [p.chunk.id for p in fake_bot.retrieve(question, k=5)]


def test_the_latest_ranks_the_newest_article_first(
    fake_bot: NewsAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bot.index([corpus(tmp_path)])
    question = "What is the latest on card prices?"
    assert fake_bot.retrieve(question, k=3)[0].chunk.article_id == "gazette"  # the newest, 2023-11-20
    monkeypatch.setattr(hybrid, "RECENCY_WEIGHT", 0.0)
    assert fake_bot.retrieve(question, k=3)[0].chunk.article_id != "gazette"


def test_time_words_are_read_against_the_newest_article_or_the_users_until(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    fake_bot.index([corpus(tmp_path)])
    assert isinstance(fake_bot.retriever, HybridRetriever)
    fake_bot.retriever.today = lambda: date(2030, 1, 1)
    question = "What did the wire story say about card prices yesterday?"
    plan, as_of = fake_bot.retriever.read(question)
    assert as_of == AsOf(date(2023, 11, 20), "newest article")
    assert [(m.first, m.last) for m in plan.dates] == [(20231119, 20231119)]
    # Asked of the archive as of 5 October, "yesterday" is 4 October: that day's story first.
    passages = fake_bot.retrieve(question, k=3, until="2023-10-05")
    assert passages[0].chunk.article_id == "wire3"
    assert fake_bot.retriever.read(question, SearchFilter(until=20231005))[1].basis == "question"


def test_an_empty_index_reads_time_words_against_today(fake_bot: NewsAssistant) -> None:
    assert isinstance(fake_bot.retriever, HybridRetriever)
    fake_bot.retriever.today = lambda: date(2030, 1, 1)
    assert fake_bot.retriever.read("What happened this week?")[1] == AsOf(date(2030, 1, 1), "today")


def test_the_meaning_ranking_is_on_only_when_the_setting_asks(tmp_path: Path) -> None:
    def retriever(**overrides: bool) -> HybridRetriever:
        bot = NewsAssistant(
            store_dir=tmp_path / "store",
            embeddings=BagOfWordsEmbeddings(),
            token_spans=simple_token_spans,
            **overrides,
        )
        assert isinstance(bot.retriever, HybridRetriever)
        return bot.retriever

    assert retriever().similarity is None
    assert retriever(meaning_ranking=True).similarity is not None
