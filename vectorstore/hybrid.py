"""The project's store: Chroma vectors, the BM25 keyword index and the outlet vectors, written together."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ingest.records import Chunk
from vectorstore import outlet_vectors
from vectorstore.base import ArticleInfo, IndexStats, Passage, Progress, SearchFilter
from vectorstore.chroma import ChromaStore
from vectorstore.keyword import KeywordIndex
from vectorstore.outlet_vectors import OutletVectors
from vectorstore.sqlite_file import ReadOnlyError


class NewsStore:
    """A `ChunkStore` that keeps a keyword index (and vectors by outlet) in step with the vector store.

    Every write goes to the vectors first, then to the keywords and outlet vectors in one
    transaction; `missing` reports a chunk absent from either, so a run cut short between the
    two is completed by the next one. Searches within outlets use the vectors kept by outlet
    (exact, and much faster than Chroma's filtered queries at 100,000 chunks); an index written
    before those were kept gets them from Chroma on its first such search.
    """

    def __init__(self, vectors: ChromaStore, keywords: KeywordIndex, outlets: OutletVectors) -> None:
        self.vectors = vectors
        self.keywords = keywords
        self.outlets = outlets
        self._count: tuple[tuple[int, int], int] | None = None

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids missing from the vectors or from the keyword index."""
        return self.vectors.missing(ids) | self.keywords.missing(ids)

    def add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> int:
        """Embed and store the chunks, then index their words and vectors; return how many."""
        vectors = self.vectors.embed_and_add(chunks, progress)
        write_local(self.keywords, chunks, vectors)
        return len(chunks)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks from every index."""
        self.vectors.delete(ids)
        if ids:
            with self.keywords.file.write() as db:
                outlet_vectors.delete(db, self.keywords.remove(db, list(ids)))

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by embedding similarity."""
        return self.vectors.search(query, k, where)

    def embed_query(self, query: str) -> list[float]:
        """Return the query's vector, to reuse for several searches."""
        return self.vectors.embed_query(query)

    def search_by_vector(
        self, vector: Sequence[float], k: int, where: SearchFilter | None = None
    ) -> list[Passage]:
        """Return up to ``k`` passages by similarity to an embedded query."""
        if where is not None and where.sources is not None and self._outlet_vectors():
            self.vectors.check_embedder()
            return self.keywords.passages(self.outlets.search(vector, k, where))
        return self.vectors.search_by_vector(vector, k, where)

    def _outlet_vectors(self) -> bool:
        """Return True when the outlet vectors are complete, copying them from Chroma if needed."""
        if self.outlets.complete():
            return True
        try:
            self.outlets.backfill(self.vectors.all_vectors())
        except (sqlite3.OperationalError, ReadOnlyError):
            return False  # e.g. a read-only folder: Chroma's filtered search still answers
        return True

    def keyword_search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by BM25 score."""
        return self.keywords.search(query, k, where)

    def count(self) -> int:
        """Return the number of stored chunks (counted again only after the index was written)."""
        version = self.keywords.version()
        if self._count is None or self._count[0] != version:
            self._count = (version, self.vectors.count())
        return self._count[1]

    def stats(self) -> IndexStats:
        """Return what the index holds."""
        return self.vectors.stats()

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article."""
        return self.vectors.articles()


def write_local(keywords: KeywordIndex, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
    """Index the chunks' words, and their vectors by outlet, in one transaction of the keyword
    index's file (replacing chunks with the same ids)."""
    if not chunks:
        return
    with keywords.file.write() as db:
        outlet_vectors.delete(db, keywords.remove(db, [chunk.id for chunk in chunks]))
        rowids = keywords.insert(db, chunks)
        for rowid, chunk, vector in zip(rowids, chunks, vectors, strict=True):
            outlet_vectors.insert(db, rowid, chunk, vector)
