"""The store seam: what retrieval and ingest need from any vector store, and its records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, runtime_checkable

from ingest.records import Chunk
from ingest.store import ChunkWriter, Progress

__all__ = [
    "ArticleInfo",
    "ChunkStore",
    "ChunkTable",
    "Embedded",
    "IndexStats",
    "Passage",
    "Place",
    "Placed",
    "Progress",
    "SearchFilter",
]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk and how well it matched the question (higher is better)."""

    chunk: Chunk
    score: float

    @property
    def text(self) -> str:
        """The chunk's article text, exactly as it stands in the body."""
        return self.chunk.text


class Embedded(NamedTuple):
    """Chunks' vectors, in order, and their sentences' vectors (`vectorstore.sentence_vectors`,
    packed; None where the embedder gives none)."""

    vectors: list[list[float]]
    sentences: list[bytes | None]


class Placed(Protocol):
    """What a filter reads of a chunk: its outlet and the days its publication date can be."""

    @property
    def source(self) -> str | None:
        """The outlet's name."""
        ...

    @property
    def date_from(self) -> int | None:
        """First day the publication date can be, ``YYYYMMDD``."""
        ...

    @property
    def date_to(self) -> int | None:
        """Last day the publication date can be, ``YYYYMMDD``."""
        ...


class Place(NamedTuple):
    """A chunk's outlet and dates alone (what a `ChunkTable` reads from an index, without the text)."""

    source: str | None
    date_from: int | None
    date_to: int | None


@dataclass(frozen=True)
class SearchFilter:
    """Restrictions on what may be retrieved; ``None`` means no restriction."""

    sources: tuple[str, ...] | None = None
    """Exact outlet names, as stored."""
    since: int | None = None
    """Earliest day, ``YYYYMMDD``: an article matches if it may have been published then or later."""
    until: int | None = None
    """Latest day, ``YYYYMMDD``."""

    def is_empty(self) -> bool:
        """Return True when the filter lets everything through."""
        return self.sources is None and self.since is None and self.until is None

    def admits(self, chunk: Placed) -> bool:
        """Return True when the chunk passes the filter (a chunk without the field filtered on fails)."""
        if self.sources is not None and chunk.source not in self.sources:
            return False
        if self.since is not None and (chunk.date_to is None or chunk.date_to < self.since):
            return False
        return self.until is None or (chunk.date_from is not None and chunk.date_from <= self.until)


@dataclass
class IndexStats:
    """What the index holds, for the sidebar and ``--stats``."""

    articles: int = 0
    chunks: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    """Outlet name to number of articles, largest first."""
    first_published: str | None = None
    last_published: str | None = None


@dataclass(frozen=True)
class ArticleInfo:
    """One indexed article as its first chunk describes it, for listings and charts."""

    article_id: str
    title: str
    source: str | None = None
    published: str | None = None
    url: str | None = None
    date_from: int | None = None
    """First day the publication date can be, ``YYYYMMDD``."""
    date_to: int | None = None
    """Last day the publication date can be, ``YYYYMMDD``."""


class ChunkStore(ChunkWriter, Protocol):
    """A persistent collection of embedded chunks: what retrieval reads, and the write path writes."""

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not stored yet."""
        ...

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages most similar to the query, best first."""
        ...

    def count(self) -> int:
        """Return the number of stored chunks."""
        ...

    def stats(self) -> IndexStats:
        """Return counts of articles, chunks and outlets, and the dates covered."""
        ...

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article (title, outlet, dates), in no set order."""
        ...


@runtime_checkable
class ChunkTable(Protocol):
    """A table of every chunk beside the vectors (PostgreSQL's), for searches within a filter."""

    def chunk_ids(self, where: SearchFilter, limit: int) -> list[str] | None:
        """Return the ids of every chunk within ``where``'s outlets and dates, None if over ``limit``."""
        ...

    def places(self, ids: Sequence[str]) -> dict[str, Place]:
        """Return the outlet and dates of each of the chunks with these ids that the table holds."""
        ...

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        """Return the chunks with these ids that the table holds, with their text, by id."""
        ...
