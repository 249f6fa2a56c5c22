"""The records of the ingest stage: an `Article` as read, and the `Chunk`s it is cut into."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def short_hash(*parts: str, length: int = 16) -> str:
    """Return a stable hex digest of the parts (joined with a separator no text contains)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class Article:
    """One news article: its text and the facts about it that retrieval and the UI show."""

    id: str
    title: str
    body: str
    source: str | None = None
    """The outlet, e.g. ``Fast News``."""
    published: str | None = None
    """ISO 8601 as precise as known: ``2020-03``, ``2020-03-11`` or a full timestamp."""
    url: str | None = None
    path: str = ""
    """Where it was read from: a file path, with ``:LINE`` for a JSON Lines record."""

    @staticmethod
    def make_id(body: str, source: str | None, published: str | None) -> str:
        """Return the content-derived id used when a record brings no id of its own.

        The title and file name are left out on purpose: the same story saved under two
        names is one article.
        """
        return "a_" + short_hash(source or "", published or "", " ".join(body.split()))


@dataclass(frozen=True)
class Chunk:
    """A span of an article's body, small enough for the embedding model."""

    id: str
    article_id: str
    index: int
    text: str
    start: int
    """Character offset of the chunk in the article body; ``body[start:end] == text``."""
    end: int
    title: str
    source: str | None = None
    published: str | None = None
    url: str | None = None
    path: str = ""
    date_from: int | None = None
    """First day the publication date can be, as ``YYYYMMDD`` (for range filters)."""
    date_to: int | None = None
    """Last day the publication date can be, as ``YYYYMMDD``."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def metadata(self) -> dict[str, str | int]:
        """Return the flat metadata stored beside the vector (Chroma takes no ``None``)."""
        values: dict[str, str | int | None] = {
            "article_id": self.article_id,
            "chunk_index": self.index,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "url": self.url,
            "path": self.path,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
        return {key: value for key, value in values.items() if value is not None}

    @classmethod
    def from_metadata(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        """Rebuild a chunk from what the store returns."""
        return cls(
            id=chunk_id,
            article_id=str(meta.get("article_id", "")),
            index=int(meta.get("chunk_index", 0)),
            text=text,
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", len(text))),
            title=str(meta.get("title", "")),
            source=meta.get("source"),
            published=meta.get("published"),
            url=meta.get("url"),
            path=str(meta.get("path", "")),
            date_from=meta.get("date_from"),
            date_to=meta.get("date_to"),
        )
