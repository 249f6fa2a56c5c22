"""How close a sentence is in meaning to a question, under the embedding model the index loads.

Word overlap misses a sentence that answers in other words ("... is likely behind it" for
"who was blamed"). Retrieval and answering both ask this of the same sentences, so one
`SentenceSimilarity` serves both, and every sentence vector is computed once: vectors are
kept by text (the same passages come back question after question) up to a bound.

An index written by the ONNX embedder keeps every chunk's sentences' vectors, pooled from the
chunk's own embedding run (`vectorstore.sentence_vectors`): `load` reads those of the passages
at hand, so only sentences without (an older index, the torch embedder) are embedded here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assistant.retrieval.sentences import analyse
from vectorstore.sentence_vectors import unpack

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

    from vectorstore.base import Passage

StoredVectors = Callable[[Sequence[str]], dict[str, bytes]]
"""Reads the packed sentence vectors kept for chunks, by chunk id (`NewsStore.sentence_vectors`)."""

CACHE = 50_000
"""Most sentence vectors kept (384 float32 each: about 77 MB at most)."""


class SentenceSimilarity:
    """Cosine similarity of sentences to a question, with vectors cached by text."""

    def __init__(
        self, embeddings: Embeddings, cache: int = CACHE, stored: StoredVectors | None = None
    ) -> None:
        self.embeddings = embeddings
        self.cache = cache
        self.stored = stored
        self._vectors: dict[str, np.ndarray] = {}
        self._questions: dict[str, np.ndarray] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()

    def load(self, passages: Sequence[Passage]) -> None:
        """Keep the index's own vectors of the passages' sentences, where it has them (chunks
        already read are not read again)."""
        loaded = self._loaded
        wanted = {p.chunk.id: p for p in passages if p.chunk.id not in loaded}
        if self.stored is None or not wanted:
            return
        kept = self.stored(list(wanted))
        fresh: dict[str, np.ndarray] = {}
        for chunk_id, data in kept.items():
            text = wanted[chunk_id].text
            spans = analyse(text).spans  # cached: the ranking split these passages already
            try:
                rows = unpack(data)
            except ValueError:
                continue
            if len(rows) != len(spans):
                continue  # not this text's sentences: embedded when scored instead
            for (start, end), row in zip(spans, rows, strict=True):
                if row.any():  # zeros: a sentence past the model's input limit
                    fresh.setdefault(text[start:end], row)
        with self._lock:
            if len(self._vectors) + len(fresh) > self.cache:
                self._vectors, self._loaded = {}, set()
            self._loaded |= wanted.keys()
            for text, row in fresh.items():  # added, not copied: the cache holds up to 50,000
                self._vectors.setdefault(text, row)

    def question_vector(self, question: str) -> np.ndarray:
        """Return the question's unit vector (embedded as a query, once per question)."""
        import numpy as np

        vector = self._questions.get(question)
        if vector is None:
            vector = _unit(np.asarray(self.embeddings.embed_query(question), dtype=np.float32))
            with self._lock:
                if len(self._questions) >= 1024:
                    self._questions = {}
                self._questions[question] = vector
        return vector

    def sentence_vectors(self, sentences: Sequence[str]) -> np.ndarray:
        """Return the sentences' unit vectors, one row each, embedding only those not seen before."""
        import numpy as np

        known = self._vectors  # replaced, never emptied in place: safe to read from any thread
        unseen = [text for text in dict.fromkeys(sentences) if text not in known]
        fresh: dict[str, np.ndarray] = {}
        if unseen:
            rows = np.asarray(self.embeddings.embed_documents(unseen), dtype=np.float32)
            fresh = {text: _unit(row) for text, row in zip(unseen, rows, strict=True)}
            with self._lock:
                if len(self._vectors) + len(fresh) > self.cache:
                    self._vectors = dict(fresh)
                else:
                    self._vectors.update(fresh)
        if not sentences:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([fresh[text] if text in fresh else known[text] for text in sentences])

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        """Return each sentence's cosine similarity to the question (-1 to 1), in order."""
        if not sentences:
            return []
        return [float(score) for score in self.sentence_vectors(sentences) @ self.question_vector(question)]


def _unit(vector: np.ndarray) -> np.ndarray:
    import numpy as np

    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
