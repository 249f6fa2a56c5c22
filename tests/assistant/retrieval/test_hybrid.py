from __future__ import annotations

import json
from pathlib import Path

from assistant import NewsAssistant
from assistant.retrieval.hybrid import HybridRetriever

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
