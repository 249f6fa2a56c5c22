"""The retrieval a user would build from the LangChain docs, for the evaluation to compare with.

``RecursiveCharacterTextSplitter`` measures chunks with the embedding model's tokenizer (at
most the model's 256 tokens with its special tokens), the chunks go into a Chroma collection
of their own through ``langchain-chroma`` with the same bundled MiniLM embeddings, and a
question gets plain ``similarity_search`` top-k. No outlet, date or keyword handling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.records import Article

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

_BATCH = 256


class LangChainBaseline:
    """Plain LangChain RAG retrieval over its own Chroma folder (opened on first use)."""

    def __init__(self, folder: Path, embeddings: Embeddings, model: str, overlap: int) -> None:
        self.folder = folder
        self.embeddings = embeddings
        self.model = model
        self.overlap = overlap

    @cached_property
    def store(self) -> Chroma:
        """The Chroma collection, as the LangChain docs set it up."""
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.folder.mkdir(parents=True, exist_ok=True)
        return Chroma(
            collection_name="baseline",
            embedding_function=self.embeddings,
            persist_directory=str(self.folder),
            client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True),
        )

    def split(self, articles: Sequence[Article]) -> list[tuple[str, dict[str, str]]]:
        """Return ``(chunk text, metadata)`` for every chunk of the articles."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter
        from transformers import AutoTokenizer

        from vectorstore.embeddings import load_tokenizer, resolve_model

        limit = load_tokenizer(self.model)
        tokenizer = AutoTokenizer.from_pretrained(resolve_model(self.model))
        # The splitter counts tokens without [CLS]/[SEP]; the model's limit counts them.
        splitter = RecursiveCharacterTextSplitter.from_huggingface_tokenizer(
            tokenizer, chunk_size=limit.max_tokens - limit.special_tokens, chunk_overlap=self.overlap
        )
        chunks: list[tuple[str, dict[str, str]]] = []
        for article in articles:
            meta = {"article_id": article.id, "title": article.title, "source": article.source or ""}
            chunks.extend((text, meta) for text in splitter.split_text(article.body))
        return chunks

    def build(self, articles: Sequence[Article], progress: Callable[[int, int], None] | None = None) -> int:
        """Split, embed and store the articles; return the number of chunks."""
        chunks = self.split(articles)
        for offset in range(0, len(chunks), _BATCH):
            batch = chunks[offset : offset + _BATCH]
            self.store.add_texts(
                [text for text, _ in batch],
                metadatas=[meta for _, meta in batch],
                ids=[f"b{offset + n:06d}" for n in range(len(batch))],
            )
            if progress:
                progress(offset + len(batch), len(chunks))
        return len(chunks)

    def count(self) -> int:
        """Return the number of stored chunks."""
        return int(self.store._collection.count())

    def retrieve(self, question: str, k: int) -> list[str]:
        """Return the texts of the ``k`` chunks most similar to the question, best first."""
        return [document.page_content for document in self.store.similarity_search(question, k=k)]
