"""What the write path needs from a store, stated here so that `ingest` never imports `vectorstore`.

`vectorstore.hybrid.NewsStore` has it (its `ChunkStore` protocol extends this one); the
factory hands it to `index_paths` and the `Ledger`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ingest.records import Chunk

Progress = Callable[[int], None]
"""Called with the number of chunks just written, for progress bars."""


class ChunkWriter(Protocol):
    """A store the indexing run writes chunks into and removes them from."""

    def add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> int:
        """Embed and store the chunks (replacing any with the same id); return how many."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present."""
        ...
