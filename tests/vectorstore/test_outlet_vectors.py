"""Searches within outlets: exact vectors beside the keyword index, same answers as Chroma's filter."""

from __future__ import annotations

from pathlib import Path

from ingest.records import Chunk
from tests.stores import keyword_index, news_store
from vectorstore.base import Passage, SearchFilter
from vectorstore.hybrid import NewsStore

TEXTS = [
    ("Rockets hit the base near Baghdad at night.", "Wire"),
    ("The base was hit by rockets again in March.", "Wire"),
    ("A storm hit the coast and closed the port.", "Wire"),
    ("Rockets and drones: the army reviews base defences.", "Fast News"),
    ("Markets fell as the storm closed the port.", "Fast News"),
    ("An undated note about rockets.", None),
]


def chunks() -> list[Chunk]:
    return [
        Chunk(
            id=f"c{n}",
            article_id=f"a{n}",
            index=0,
            text=text,
            start=0,
            end=len(text),
            title="T",
            source=source,
        )
        for n, (text, source) in enumerate(TEXTS)
    ]


def make(tmp_path: Path) -> NewsStore:
    return news_store(tmp_path)


def ranking(passages: list[Passage]) -> list[str]:
    return [p.chunk.id for p in passages]


def test_outlet_searches_rank_exactly_as_chromas_filtered_query(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.add(chunks())
    assert store.outlets.complete()
    for question in ("rockets hit the base", "storm port", "army defences"):
        vector = store.embed_query(question)
        for outlets in (("Wire",), ("Fast News",), ("Wire", "Fast News")):
            where = SearchFilter(sources=outlets)
            ours = store.search_by_vector(vector, 10, where)
            chroma = store.vectors.search_by_vector(vector, 10, where)
            # Same chunks with the same similarity (float16 vectors: within 0.002), best first;
            # chunks that tie may come in either order.
            theirs = {p.chunk.id: p.score for p in chroma}
            assert {p.chunk.id for p in ours} == set(theirs)
            assert all(abs(p.score - theirs[p.chunk.id]) < 0.002 for p in ours)
            assert [p.score for p in ours] == sorted((p.score for p in ours), reverse=True)
            assert all(p.chunk.source in outlets for p in ours)


def test_deleted_and_replaced_chunks_leave_the_outlet_search(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.add(chunks())
    store.delete(["c0"])
    vector = store.embed_query("rockets hit the base")
    assert "c0" not in ranking(store.search_by_vector(vector, 5, SearchFilter(sources=("Wire",))))
    moved = chunks()[1]
    store.add([Chunk(**{**moved.__dict__, "source": "Fast News"})])
    assert "c1" not in ranking(store.search_by_vector(vector, 5, SearchFilter(sources=("Wire",))))
    assert "c1" in ranking(store.search_by_vector(vector, 5, SearchFilter(sources=("Fast News",))))


def test_an_index_from_before_outlet_vectors_gets_them_from_chroma_on_first_use(tmp_path: Path) -> None:
    keyword_index(tmp_path / "kw.sqlite3").add(chunks())  # as an older version wrote it: words, no vectors
    store = make(tmp_path)
    store.vectors.add(chunks())
    assert not store.outlets.complete()
    vector = store.embed_query("rockets hit the base")
    where = SearchFilter(sources=("Wire",))
    assert ranking(store.search_by_vector(vector, 3, where)) == ranking(
        store.vectors.search_by_vector(vector, 3, where)
    )
    assert store.outlets.complete()


def test_a_date_filter_applies_within_the_outlet(tmp_path: Path) -> None:
    store = make(tmp_path)
    dated = [
        Chunk(**{**chunk.__dict__, "date_from": 20200300 + n, "date_to": 20200300 + n})
        for n, chunk in enumerate(chunks(), start=1)
    ]
    store.add(dated)
    vector = store.embed_query("rockets")
    where = SearchFilter(sources=("Wire",), since=20200302)
    assert set(ranking(store.search_by_vector(vector, 5, where))) == {"c1", "c2"}
