"""Our store as a LangChain `VectorStore`, so that `langchain_core.indexing.index` can write to it.

Every write goes through the `ChunkWriter` seam (`NewsStore.add/delete`), which keeps the
keyword index in step with Chroma; documents are converted back to `Chunk`s here, at the
edge, and their ids (our deterministic chunk ids) are kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from ingest.faults import crash_point
from ingest.ledger import Ledger
from ingest.records import Chunk
from ingest.store import ChunkWriter, Progress

GROUP = "newsqa_group"
"""Metadata key of a document's record-manager group (the article); not stored with the chunk."""


def to_document(chunk: Chunk, group: str) -> Document:
    """Return the chunk as a LangChain document whose id is the chunk id."""
    return Document(id=chunk.id, page_content=chunk.text, metadata={**chunk.metadata(), GROUP: group})


class StoreAdapter(VectorStore):
    """A `VectorStore` that writes through a `ChunkStore`, journaling each write first."""

    def __init__(self, store: ChunkWriter, ledger: Ledger, progress: Progress | None = None) -> None:
        self.store = store
        self.ledger = ledger
        self.progress = progress

    @property
    def embeddings(self) -> Embeddings | None:
        """The store embeds for itself."""
        return None

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Store the documents as chunks under their own ids; return the ids."""
        ids = [str(doc.id) for doc in documents]
        given = kwargs.get("ids")
        if given is not None and list(given) != ids:
            raise ValueError("chunk ids are fixed by the chunker; index() must pass the document ids")
        chunks = [
            Chunk.from_metadata(chunk_id, doc.page_content, doc.metadata)
            for chunk_id, doc in zip(ids, documents, strict=True)
        ]
        self.ledger.begin(ids, [str(doc.metadata.get(GROUP)) for doc in documents])
        self.store.add(chunks, progress=self._progress)
        return ids

    def add_texts(
        self, texts: Iterable[str], metadatas: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> list[str]:
        """Store texts as chunks; ``ids`` are required (they are the chunk ids)."""
        ids = kwargs.get("ids")
        if ids is None:
            raise ValueError("ids are required: they are the chunk ids")
        texts = list(texts)
        metas = metadatas or [{} for _ in texts]
        documents = [
            Document(id=i, page_content=t, metadata=m) for i, t, m in zip(ids, texts, metas, strict=True)
        ]
        return self.add_documents(documents)

    def delete(self, ids: Sequence[str] | None = None, **kwargs: Any) -> bool:
        """Remove these chunks from every index."""
        if ids:
            self.ledger.begin(list(ids))
            self.store.delete(list(ids))
        return True

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """Not supported: the adapter only writes (searches go through the retriever)."""
        raise NotImplementedError("the indexing adapter writes only; search the store itself")

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> StoreAdapter:
        """Not supported: the adapter wraps an existing store."""
        raise NotImplementedError("wrap an existing store: StoreAdapter(store, ledger)")

    def _progress(self, count: int) -> None:
        # A batch of vectors is in Chroma now, and not yet in the keyword index.
        crash_point("stored")
        if self.progress:
            self.progress(count)
