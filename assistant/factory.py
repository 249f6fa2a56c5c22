"""The one place that reads `Settings` and builds the real parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.extractive import ExtractiveAnswerer
from assistant.retrieval import DenseRetriever, HybridRetriever, Retriever
from assistant.settings import Settings
from ingest.chunking import Chunker, TokenSpans, indexed_text
from vectorstore.base import ChunkStore
from vectorstore.embeddings import LazyEmbeddings, load_embeddings, load_tokenizer
from vectorstore.hybrid import NewsStore
from vectorstore.keyword import KeywordIndex

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


def make_embeddings(settings: Settings) -> Embeddings:
    """Return the configured embedder; its weights load on the first embedding."""
    return LazyEmbeddings(lambda: load_embeddings(settings.embedding_model, settings.embedding_batch_size))


def make_chunker(settings: Settings, token_spans: TokenSpans | None = None) -> Chunker:
    """Return a chunker that keeps every chunk within the model's input limit.

    With ``token_spans`` given (tests), ``chunk_tokens`` is taken as the budget as it is.
    """
    if token_spans is not None:
        limit = settings.chunk_tokens if settings.enrich_chunks else None
        return Chunker(token_spans, settings.chunk_tokens, settings.chunk_overlap_tokens, limit)
    tokenizer = load_tokenizer(settings.embedding_model)
    budget = min(settings.chunk_tokens, tokenizer.max_tokens) - tokenizer.special_tokens
    limit = tokenizer.max_tokens - tokenizer.special_tokens if settings.enrich_chunks else None
    return Chunker(tokenizer.token_spans, budget, settings.chunk_overlap_tokens, limit)


KEYWORD_INDEX_FILE = "keywords.sqlite3"


def make_store(settings: Settings, embeddings: Embeddings) -> NewsStore:
    """Return the embedded, persistent Chroma store in ``settings.store_dir``, with its keyword index."""
    from vectorstore.chroma import ChromaStore, persistent_client

    embedded_text = indexed_text if settings.enrich_chunks else None
    vectors = ChromaStore(
        persistent_client(settings.store_dir), embeddings, settings.collection, embedded_text
    )
    keywords = KeywordIndex(settings.store_dir / f"{settings.collection}-{KEYWORD_INDEX_FILE}")
    return NewsStore(vectors, keywords)


def make_retriever(settings: Settings, store: ChunkStore) -> Retriever:
    """Return the retriever answers are drawn from: hybrid over a `NewsStore`, else dense."""
    if settings.retrieval == "hybrid" and isinstance(store, NewsStore):
        return HybridRetriever(store, settings.per_article)
    return DenseRetriever(store)


def make_answerer(settings: Settings) -> ExtractiveAnswerer:
    """Return the offline extractive answerer."""
    return ExtractiveAnswerer(settings.answer_sentences, settings.min_support, settings.abstain_names)
