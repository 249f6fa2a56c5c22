from __future__ import annotations

import json
from pathlib import Path

from assistant import NewsAssistant
from tests.fakes import BagOfWordsEmbeddings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def corpus(folder: Path) -> Path:
    write(
        folder / "taji.txt", " date 2020-03 Fast News\n\nRockets hit Camp Taji. Kataib Hezbollah was blamed."
    )
    records = [
        {
            "id": "w1",
            "title": "Storm",
            "source": "Wire",
            "published": "2023-10-01",
            "body": "A storm hit the coast.",
        },
        {
            "id": "w2",
            "title": "Vote",
            "source": "Herald",
            "published": "2023-11-02",
            "body": "Votes were counted late.",
        },
    ]
    write(folder / "feed.jsonl", "\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    return folder


def test_index_reports_added_chunks_and_failed_lines(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    report = fake_bot.index([corpus(tmp_path / "in")])
    assert report.added == 3 and report.unchanged == 0
    assert report.chunks == fake_bot.store.count() == 3
    (failure,) = report.failed
    assert failure.path.endswith("feed.jsonl:3") and "not valid JSON" in failure.reason
    assert not report.ok
    assert fake_bot.stats().sources == {"Fast News": 1, "Herald": 1, "Wire": 1}


def test_indexing_the_same_articles_twice_adds_and_embeds_nothing(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    folder = corpus(tmp_path / "in")
    fake_bot.index([folder])
    embeddings = fake_bot.embeddings
    assert isinstance(embeddings, BagOfWordsEmbeddings)
    embedded_before = len(embeddings.embedded)
    again = fake_bot.index([folder])
    assert (again.added, again.unchanged, again.chunks) == (0, 3, 0)
    assert len(embeddings.embedded) == embedded_before
    assert fake_bot.store.count() == 3


def test_the_same_article_under_two_names_is_indexed_once(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    text = " date 2020-03 Fast News\n\nOne story told once."
    write(tmp_path / "in" / "a.txt", text)
    write(tmp_path / "in" / "b.txt", text)
    report = fake_bot.index([tmp_path / "in"])
    assert report.added == 1 and fake_bot.stats().articles == 1
    assert any("same article" in w.reason for w in report.warnings)


def test_progress_is_reported_per_stage(fake_bot: NewsAssistant, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    fake_bot.index([corpus(tmp_path / "in")], on_progress=lambda *args: seen.append(args))
    assert ("reading", 2, 2) in seen
    assert seen[-1] == ("embedding", 3, 3)
