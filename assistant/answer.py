"""The records of the answering stage: an `Answer` and the `Citation`s it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vectorstore.base import Passage

ABSTAIN_TEXT = "I couldn't find this in the indexed articles."


@dataclass(frozen=True)
class Citation:
    """One passage an answer cites, with the exact sentence it quotes from it."""

    n: int
    """The number of the ``[n]`` marker in the answer text."""
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    passage: str
    """The chunk's text, exactly as it stands in the article."""
    quote: str
    """The cited sentence; always ``passage[quote_start:quote_start + len(quote)]``."""
    quote_start: int
    chunk_id: str

    @classmethod
    def from_passage(cls, n: int, passage: Passage, start: int, end: int) -> Citation:
        """Cite ``passage.text[start:end]`` of a retrieved passage as citation ``n``."""
        chunk = passage.chunk
        return cls(
            n=n,
            article_id=chunk.article_id,
            title=chunk.title,
            source=chunk.source,
            published=chunk.published,
            url=chunk.url,
            passage=chunk.text,
            quote=chunk.text[start:end],
            quote_start=start,
            chunk_id=chunk.id,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the citation as the JSON object the CLI prints."""
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "url": self.url,
            "passage": self.passage,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Answer:
    """An answer to one question: its text with ``[n]`` markers, and what they cite."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    """Every passage retrieved for the question, best first (cited or not)."""

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as the JSON object ``python -m assistant ask --json`` prints."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [citation.to_dict() for citation in self.citations],
        }
