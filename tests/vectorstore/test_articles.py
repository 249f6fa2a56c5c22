"""Article-level listing of the store, and when it last changed (for the chat's index panel)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from assistant import NewsAssistant
from vectorstore.base import ArticleInfo


def test_articles_are_listed_once_each_from_their_first_chunk(
    fake_bot: NewsAssistant, tmp_path: Path
) -> None:
    assert fake_bot.articles() == [] and fake_bot.last_updated() is None
    folder = tmp_path / "in"
    folder.mkdir()
    long_body = " ".join(f"Sentence number {i} about the harbour bridge repairs." for i in range(40))
    (folder / "long.txt").write_text(f" date 2024-03-05 Harbour Gazette\n\n{long_body}", encoding="utf-8")
    (folder / "short.txt").write_text(" date 2020-03 Fast News\n\nRockets hit Camp Taji.", encoding="utf-8")
    (folder / "plain.txt").write_text("Plain notes\n\nNo outlet, no date.", encoding="utf-8")
    before = time.time()
    report = fake_bot.index([folder])
    assert report.added == 3 and fake_bot.stats().chunks > 3  # the long article has several chunks

    articles = sorted(fake_bot.articles(), key=lambda a: a.title)
    assert [(a.source, a.published, a.date_from, a.date_to) for a in articles] == [
        (None, None, None, None),
        ("Fast News", "2020-03", 20200301, 20200331),
        ("Harbour Gazette", "2024-03-05", 20240305, 20240305),
    ]
    assert all(isinstance(a, ArticleInfo) and a.article_id for a in articles)

    updated = fake_bot.last_updated()
    assert isinstance(updated, datetime) and updated.tzinfo is not None
    assert before - 1 <= updated.timestamp() <= time.time() + 1
