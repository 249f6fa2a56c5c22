from __future__ import annotations

import os
from pathlib import Path

from assistant.paths import StorePaths
from assistant.sources import SourceList


def test_sources_are_remembered_once_with_absolute_paths(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    sources = SourceList(StorePaths(tmp_path / "store", "news").remembered_sources)
    assert sources.load() == []
    sources.remember("articles")
    sources.remember("https://news.test/rss.xml")
    sources.remember(str(tmp_path / "articles"))
    assert sources.load() == [str(tmp_path / "articles"), "https://news.test/rss.xml"]
    assert sources.path == tmp_path / "store" / "news-chat-sources.json"
    assert not [name for name in os.listdir(tmp_path / "store") if name.startswith(".chat-sources-")]


def test_an_unreadable_list_counts_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "news-chat-sources.json"
    path.write_text("{not json", encoding="utf-8")
    assert SourceList(path).load() == []
    SourceList(path).remember("https://news.test/rss.xml")
    assert SourceList(path).load() == ["https://news.test/rss.xml"]
