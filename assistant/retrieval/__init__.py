"""Retrieval: the replaceable part that turns a question into ranked passages.

`hybrid.HybridRetriever` is the default (BM25 and embedding search fused, news-aware);
`DenseRetriever` is embedding similarity alone. `query` reads what a question names (outlets,
dates, the kind of answer it wants); `sentences` ranks the passages' sentences for both
retrieval and the extractive answerer.
"""

from __future__ import annotations

from typing import Protocol

from vectorstore.base import ChunkStore, Passage, SearchFilter


class Retriever(Protocol):
    """Finds the passages most likely to answer a question."""

    def retrieve(self, question: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages, best first."""
        ...


class DenseRetriever:
    """Top-k by embedding similarity, straight from the store."""

    def __init__(self, store: ChunkStore) -> None:
        self.store = store

    def retrieve(self, question: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by cosine similarity to the question."""
        return self.store.search(question, k, where)
