from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ingest.records import Chunk
from tests.stores import keyword_index
from vectorstore.base import SearchFilter
from vectorstore.keyword import KeywordIndex, match_expression


def chunk(n: int, text: str, source: str = "Wire", day: int | None = 20231001, title: str = "T") -> Chunk:
    return Chunk(
        id=f"c{n}",
        article_id=f"a{n}",
        index=0,
        text=text,
        start=0,
        end=len(text),
        title=title,
        source=source,
        published=str(day) if day else None,
        date_from=day,
        date_to=day,
    )


@pytest.fixture
def index(tmp_path: Path) -> KeywordIndex:
    index = keyword_index(tmp_path / "kw.sqlite3")
    index.add(
        [
            chunk(1, "Rockets were fired at Camp Taji, killing three."),
            chunk(2, "The football team won the cup final.", source="Sporting News", day=20231105),
            chunk(
                3, "A storm hit the coast; rockets of rain, said one poet.", day=None, title="Storm warning"
            ),
        ]
    )
    return index


def test_bm25_ranks_stemmed_matches_and_returns_whole_chunks(index: KeywordIndex) -> None:
    passages = index.search("Who fired the rocket at Camp Taji?", k=5)
    assert [p.chunk.id for p in passages] == ["c1", "c3"]
    assert passages[0].score > passages[1].score > 0
    assert passages[0].text == "Rockets were fired at Camp Taji, killing three."
    assert passages[0].chunk.source == "Wire"


def test_titles_are_searched_too(index: KeywordIndex) -> None:
    assert [p.chunk.id for p in index.search("warning", k=5)] == ["c3"]


def test_filters_match_the_vector_store(index: KeywordIndex) -> None:
    def ids(where: SearchFilter) -> set[str]:
        return {p.chunk.id for p in index.search("rockets cup", 5, where)}

    assert ids(SearchFilter(sources=("Sporting News",))) == {"c2"}
    assert ids(SearchFilter(since=20231101)) == {"c2"}
    assert ids(SearchFilter(until=20231031)) == {"c1"}


def test_updates_and_deletes_are_in_place_and_persist(tmp_path: Path, index: KeywordIndex) -> None:
    index.add([chunk(1, "Completely new words about elections.")])
    assert index.count() == 3
    assert index.search("Camp Taji", 5) == []
    index.delete(["c2", "nope"])
    assert index.missing(["c1", "c2", "c3"]) == {"c2"}
    index.file.close()
    reopened = keyword_index(tmp_path / "kw.sqlite3")
    assert reopened.ids() == {"c1", "c3"}
    assert [p.chunk.id for p in reopened.search("elections", 5)] == ["c1"]


def test_query_syntax_in_a_question_is_quoted_not_executed(index: KeywordIndex) -> None:
    assert match_expression('rockets" OR NEAR(x) AND -camp*') == '"rockets" OR "near" OR "x" OR "camp"'
    index.search('"); DROP TABLE chunk; --', 5)
    index.search("the of and", 5)
    assert index.count() == 3


def test_a_failed_write_leaves_nothing_half_done(index: KeywordIndex) -> None:
    bad = chunk(9, "text")
    object.__setattr__(bad, "title", object())  # not storable: the insert fails mid-way
    with pytest.raises((sqlite3.Error, TypeError)):
        index.add([chunk(8, "fresh words"), bad])
    assert index.missing(["c8", "c9"]) == {"c8", "c9"}


def test_outlet_names_are_searched_and_an_older_index_is_rebuilt_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE chunk (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT,
            date_from INTEGER, date_to INTEGER, text TEXT NOT NULL, meta TEXT NOT NULL);
        CREATE VIRTUAL TABLE chunk_fts USING fts5(body, title, tokenize = 'porter unicode61');
        INSERT INTO chunk VALUES
            (1, 'c1', 'Harbor Gazette', NULL, NULL, 'Rain fell.', '{"title": "Weather"}');
        INSERT INTO chunk_fts (rowid, body, title) VALUES (1, 'Rain fell.', 'Weather');
        """
    )
    old.commit()
    old.close()
    index = keyword_index(path)
    assert [p.chunk.id for p in index.search("gazette", 5)] == ["c1"]
    assert [p.chunk.id for p in index.search("weather", 5)] == ["c1"]
    assert index.search("gazette", 5)[0].chunk.title == "Weather"
