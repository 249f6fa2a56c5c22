"""Each chunk's sentences' vectors, pooled from the chunk's own embedding run ("late chunking").

The extractive answerer scores a question's candidate sentences for meaning. Embedding each
sentence at question time cost two thirds of a warm answer (about 7 ms a sentence on 2 cores),
and embedding every sentence at index time on its own about doubled the time of indexing
(docs/benchmarks.md, issues 13 and 17). But the encoder already computes a vector for every
token of a chunk when it embeds the chunk: the mean of the token vectors of one sentence is a
vector for that sentence, read in the context of its chunk, at no cost in the encoder.

Those vectors are kept beside the chunk (in the keyword index's engine, written in the same
transaction), quantised to int8 per row: 384 bytes a sentence, after two bytes giving the
number of rows. Only the direction matters (cosine), so no scale is stored. A row of zeros is
a sentence the encoder did not reach (cut off at the model's input limit): the answerer embeds
that one itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

Spans = Sequence[tuple[int, int]]


@runtime_checkable
class SentenceEmbedder(Protocol):
    """An embedder that can also give the vectors of given sentences of each text, from the same run."""

    def embed_with_sentences(
        self, texts: list[str], spans: Sequence[Spans]
    ) -> tuple[list[list[float]], list[bytes | None]]:
        """Return `embed_documents(texts)` and, for each text, its ``spans``' vectors (`pack`ed),
        or None for a text whose sentences it cannot give."""
        ...


def pool(token_vectors: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Spans) -> np.ndarray:
    """Return one row per span: the mean of the vectors of the tokens that start inside it.

    ``token_vectors`` has a row per token; ``offsets`` gives each token's characters, ``(0, 0)``
    for special tokens (left out). A span with no token gets a row of zeros.
    """
    import numpy as np

    kept = [i for i, (start, end) in enumerate(offsets) if end > start and i < len(token_vectors)]
    starts = np.asarray([offsets[i][0] for i in kept], dtype=np.int64)
    rows = np.zeros((len(spans), token_vectors.shape[1]), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        low, high = np.searchsorted(starts, [start, end])
        if high > low:
            rows[row] = token_vectors[kept[low:high]].mean(axis=0)
    return rows


def pack(rows: np.ndarray) -> bytes:
    """Return the row count and the rows quantised to int8, each scaled to its own largest value
    (its direction kept)."""
    import numpy as np

    largest = np.abs(rows).max(axis=1, keepdims=True)
    scaled = np.where(largest > 0, rows / np.maximum(largest, 1e-12) * 127.0, 0.0)
    return len(rows).to_bytes(2, "little") + np.rint(scaled).astype(np.int8).tobytes()


def unpack(data: bytes) -> np.ndarray:
    """Return the `pack`ed rows as float32 unit vectors (rows of zeros stay zero).

    Raises ValueError when ``data`` is not packed rows."""
    import numpy as np

    count = int.from_bytes(data[:2], "little")
    if count == 0 or (len(data) - 2) % count:
        raise ValueError(f"{len(data)} bytes are not {count} packed rows")
    rows = np.frombuffer(data[2:], dtype=np.int8).astype(np.float32).reshape(count, -1)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)
