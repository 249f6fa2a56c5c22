"""The project's store: Chroma vectors and a keyword index beside them, written together.

The keyword index is the embedded SQLite one (`vectorstore.keyword.KeywordIndex`, which also
keeps the vectors by outlet), or PostgreSQL's (`vectorstore.postgres.keywords.PgKeywordIndex`)
when the store is shared by several machines; both have the methods of `KeywordStore`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Protocol

from ingest.records import Chunk
from vectorstore.base import ArticleInfo, ChunkTable, IndexStats, Passage, Progress, SearchFilter
from vectorstore.chroma import ChromaStore
from vectorstore.sqlite_file import ReadOnlyError

if TYPE_CHECKING:
    from vectorstore.keyword import KeywordIndex
    from vectorstore.outlet_vectors import OutletVectors


class KeywordStore(Protocol):
    """What `NewsStore` needs from a keyword index kept in step with the vectors."""

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not in the index."""
        ...

    def write(
        self,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        sentences: Sequence[bytes | None] | None = None,
    ) -> None:
        """Index the chunks (replacing any with the same ids), keeping their sentences' vectors
        (`vectorstore.sentence_vectors`), in one transaction."""
        ...

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, bytes]:
        """Return the packed sentence vectors kept for the chunks with these ids, by id."""
        ...

    def lacking_sentence_vectors(self, after: int, limit: int) -> list[tuple[int, Chunk]]:
        """Return up to ``limit`` chunks without sentence vectors past row ``after``, with their rows."""
        ...

    def count_lacking_sentence_vectors(self) -> int:
        """Return how many chunks are kept without sentence vectors."""
        ...

    def keep_sentence_vectors(self, pairs: Sequence[tuple[str, bytes]]) -> None:
        """Keep these packed sentence vectors for the chunks with these ids."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present, in one transaction."""
        ...

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by BM25 score, best first."""
        ...

    def version(self) -> Hashable:
        """Return a value that changes whenever the index is written, by any process."""
        ...

    def ids(self) -> set[str]:
        """Return every chunk id in the index."""
        ...


class Catalog(Protocol):
    """Where `NewsStore` reads what the index holds: Chroma's first chunks, or an article table."""

    def stats(self, chunks: int) -> IndexStats:
        """Return counts of articles and outlets and the dates covered (``chunks`` counted already)."""
        ...

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article."""
        ...


class NewsStore:
    """A `ChunkStore` that keeps a keyword index in step with the vector store.

    Every write goes to the vectors first, then to the keyword index in one transaction;
    `missing` reports a chunk absent from either, so a run cut short between the two is
    completed by the next one. Searches within outlets use ``outlets``, the vectors kept by
    outlet beside the embedded keyword index (exact, and much faster than Chroma's filtered
    queries at 100,000 chunks; an index written before those were kept gets them from Chroma on
    its first such search); without it (the state in PostgreSQL) Chroma's own ``where`` filter
    answers them. Stats and article listings come from ``catalog`` when given (PostgreSQL's
    article table), else from each article's first chunk in Chroma.
    """

    def __init__(
        self,
        vectors: ChromaStore,
        keywords: KeywordStore,
        outlets: OutletVectors | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.vectors = vectors
        self.keywords = keywords
        self.outlets = outlets
        self.catalog = catalog
        self._table = keywords if isinstance(keywords, ChunkTable) else None  # PostgreSQL's
        self._count: tuple[Hashable, int] | None = None

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids missing from the vectors or from the keyword index."""
        return self.vectors.missing(ids) | self.keywords.missing(ids)

    def add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> int:
        """Embed and store the chunks, then index their words (and vectors by outlet); return how many."""
        embedded = self.vectors.embed_and_add(chunks, progress)
        self.keywords.write(chunks, embedded.vectors, embedded.sentences)
        return len(chunks)

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, bytes]:
        """Return the packed vectors of the sentences of the chunks with these ids, by id, where
        kept (`vectorstore.sentence_vectors`)."""
        return self.keywords.sentence_vectors(ids)

    def count_lacking_sentence_vectors(self) -> int:
        """Return how many chunks `fill_sentence_vectors` would give sentence vectors."""
        return self.keywords.count_lacking_sentence_vectors()

    def fill_sentence_vectors(self, progress: Progress | None = None, batch: int = 256) -> int:
        """Give every chunk kept without sentence vectors (indexed before they were kept) its
        own, embedding those chunks again (their vectors are left as they are); return how
        many chunks got them. ``progress`` is told of each batch of chunks read."""
        after, filled = 0, 0
        while rows := self.keywords.lacking_sentence_vectors(after, batch):
            after = rows[-1][0]
            chunks = [chunk for _, chunk in rows]
            pooled = self.vectors.embed_sentences(chunks)
            if all(data is None for data in pooled):
                break  # an embedder that gives no sentence vectors (torch)
            kept = [(chunk.id, data) for chunk, data in zip(chunks, pooled, strict=True) if data]
            self.keywords.keep_sentence_vectors(kept)
            filled += len(kept)
            if progress:
                progress(len(chunks))
        return filled

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks from every index."""
        self.vectors.delete(ids)
        if ids:
            self.keywords.delete(ids)

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
        return self.search_scopes(vector, k, [where])[0]

    def search_scopes(
        self, vector: Sequence[float], k: int, scopes: Sequence[SearchFilter | None]
    ) -> list[list[Passage]]:
        """Return, for each filter (None: the whole index), up to ``k`` passages by similarity
        to an embedded query: searches within outlets from the vectors kept by outlet when there
        are, the rest from Chroma (all at once, reading the nearest chunks once)."""
        within_outlets = any(where is not None and where.sources is not None for where in scopes)
        if not (within_outlets and self._outlet_vectors()):
            return self.vectors.search_scopes(vector, k, scopes, self._table)
        assert self.outlets is not None  # checked by _outlet_vectors
        self.vectors.check_embedder()
        return [
            self.outlets.search_passages(vector, k, where)
            if where is not None and where.sources is not None
            else self.vectors.search_by_vector(vector, k, where, self._table)
            for where in scopes
        ]

    def _outlet_vectors(self) -> bool:
        """Return True when vectors by outlet are kept and complete, copying them from Chroma if needed."""
        if self.outlets is None:
            return False
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
        if self.catalog is not None:
            return self.catalog.stats(self.count())
        return self.vectors.stats()

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article."""
        if self.catalog is not None:
            return self.catalog.articles()
        return self.vectors.articles()


def write_local(keywords: KeywordIndex, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
    """Index the chunks' words, and their vectors by outlet, in one transaction of the keyword
    index's file (replacing chunks with the same ids)."""
    keywords.write(chunks, vectors)
