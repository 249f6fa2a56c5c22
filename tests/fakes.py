"""Fast, deterministic stand-ins for the embedding model, for unit tests."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.text.terms import terms
from vectorstore.sentence_vectors import pack


class BagOfWordsEmbeddings(Embeddings):
    """Hashes stemmed terms into a normalised vector: cosine similarity is word overlap.

    Unlike random fake vectors, similar texts get similar vectors, so retrieval order is
    meaningful in tests; every call is counted so tests can check what was embedded.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.embedded: list[str] = []

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * self.size
        for term in terms(text):
            slot = int(hashlib.md5(term.encode()).hexdigest(), 16) % self.size
            vector[slot] += 1.0
        norm = math.sqrt(sum(value * value for value in vector)) or 1.0
        return [value / norm for value in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def embed_with_sentences(
        self, texts: list[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[list[list[float]], list[bytes | None]]:
        """Embed like `embed_documents`, and give each sentence its own bag of words (packed as
        the real model's pooled sentence vectors are)."""
        vectors = self.embed_documents(texts)
        sentences = [
            pack(np.asarray([self._vector(text[start:end]) for start, end in found], dtype=np.float32))
            if found
            else None
            for text, found in zip(texts, spans, strict=True)
        ]
        return vectors, sentences


_SIMPLE_TOKEN = re.compile(r"\w+|[^\w\s]")


def simple_token_spans(text: str) -> list[tuple[int, int]]:
    """Return word and punctuation spans: a model-free stand-in for the model's tokenizer."""
    return [match.span() for match in _SIMPLE_TOKEN.finditer(text)]
