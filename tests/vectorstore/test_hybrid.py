from __future__ import annotations

from pathlib import Path

from ingest.records import Chunk
from tests.fakes import BagOfWordsEmbeddings
from tests.stores import news_store
from vectorstore.base import SearchFilter
from vectorstore.hybrid import NewsStore


def chunk(n: int, text: str) -> Chunk:
    return Chunk(id=f"c{n}", article_id="a", index=n, text=text, start=0, end=len(text), title="T")


def make(tmp_path: Path, embeddings: BagOfWordsEmbeddings) -> NewsStore:
    return news_store(tmp_path, embeddings)


def test_writes_and_deletes_reach_both_indexes(tmp_path: Path) -> None:
    store = make(tmp_path, BagOfWordsEmbeddings())
    store.add([chunk(1, "rockets hit the base"), chunk(2, "storm hits the coast")])
    assert [p.chunk.id for p in store.search("rockets base", 1)] == ["c1"]
    assert [p.chunk.id for p in store.keyword_search("storm", 5)] == ["c2"]
    store.delete(["c1"])
    assert store.missing(["c1", "c2"]) == {"c1"}
    assert store.keyword_search("rockets", 5) == [] and store.count() == 1


def test_a_chunk_missing_from_either_index_counts_as_missing(tmp_path: Path) -> None:
    embeddings = BagOfWordsEmbeddings()
    store = make(tmp_path, embeddings)
    store.vectors.add([chunk(1, "only in the vectors, as after a crash between the two writes")])
    assert store.missing(["c1"]) == {"c1"}
    store.add([chunk(1, "only in the vectors, as after a crash between the two writes")])
    assert store.missing(["c1"]) == set()
    assert store.keywords.ids() == {"c1"}


def test_vectors_come_from_the_embedded_text_while_the_stored_text_stays_exact(tmp_path: Path) -> None:
    embeddings = BagOfWordsEmbeddings()
    store = news_store(tmp_path, embeddings, embedded_text=lambda c: f"{c.title} {c.text}")
    store.add([chunk(1, "rockets hit the base"), chunk(2, "storm hits the coast")])
    assert embeddings.embedded == ["T rockets hit the base", "T storm hits the coast"]
    vector = store.embed_query("storm coast")
    (best,) = store.search_by_vector(vector, 1)
    assert (best.chunk.id, best.text) == ("c2", "storm hits the coast")
    assert store.search_by_vector(vector, 5, SearchFilter(sources=("Nowhere",))) == []
