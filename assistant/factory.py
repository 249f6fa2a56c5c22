"""The one place that reads `Settings` and builds the real parts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.extractive import ExtractiveAnswerer
from assistant.retrieval import DenseRetriever, HybridRetriever, Retriever
from assistant.settings import Settings
from ingest.chunking import Chunker, TokenSpans, indexed_text
from vectorstore.base import ChunkStore
from vectorstore.embeddings import LazyEmbeddings, embedder_id, load_embeddings, load_tokenizer
from vectorstore.hybrid import NewsStore
from vectorstore.keyword import KeywordIndex

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.answer import Answerer
    from assistant.followup import FollowUpRewriter
    from assistant.llm import LanguageModel
    from ingest.ledger import Ledger


def make_embeddings(settings: Settings) -> Embeddings:
    """Return the configured embedder; its weights load on the first embedding."""
    return LazyEmbeddings(
        lambda: load_embeddings(
            settings.embedding_model,
            settings.embedding_batch_size,
            settings.embedding_backend,
            settings.model_cache_dir,
        )
    )


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
    """Return the Chroma store, with its keyword index in ``settings.store_dir``.

    Chroma is the embedded, persistent store in ``store_dir``, or the server at
    ``chroma_host``/``chroma_port`` when a host is set.
    """
    from vectorstore.chroma import ChromaStore, http_client, persistent_client

    if settings.chroma_host:
        client = http_client(settings.chroma_host, settings.chroma_port)
    else:
        client = persistent_client(settings.store_dir)
    embedded_text = indexed_text if settings.enrich_chunks else None
    place = (
        f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(settings.store_dir)
    )
    vectors = ChromaStore(
        client,
        embeddings,
        settings.collection,
        embedded_text,
        embedder=embedder_id(settings.embedding_model, settings.embedding_backend),
        # Stores from before the backend setting hold float32 torch vectors.
        legacy_embedder=embedder_id(settings.embedding_model, "torch"),
        place=place,
    )
    keywords = KeywordIndex(
        settings.store_dir / f"{settings.collection}-{KEYWORD_INDEX_FILE}", settings.keyword_common_share
    )
    return NewsStore(vectors, keywords)


def make_ledger(settings: Settings) -> Ledger:
    """Return the record manager of what is indexed, kept beside the store in ``store_dir``."""
    from ingest.ledger import Ledger, records_path

    return Ledger(records_path(settings.store_dir, settings.collection), settings.collection)


def make_retriever(settings: Settings, store: ChunkStore) -> Retriever:
    """Return the retriever answers are drawn from: hybrid over a `NewsStore`, else dense."""
    if settings.retrieval == "hybrid" and isinstance(store, NewsStore):
        return HybridRetriever(store, settings.per_article)
    return DenseRetriever(store)


def make_language_model(settings: Settings) -> LanguageModel | None:
    """Return the language model ``NEWSQA_LLM`` names (built on first use), or None for extractive."""
    from assistant.llm import make_language_model as make

    return make(settings)


def make_answerer(settings: Settings, llm: LanguageModel | None = None) -> Answerer:
    """Return the generative answerer over ``llm``, or the offline extractive one without it.

    The extractive answerer also stands in whenever the language model fails.
    """
    extractive = ExtractiveAnswerer(settings.answer_sentences, settings.min_support, settings.abstain_names)
    if llm is None:
        return extractive
    from assistant.generative import GenerativeAnswerer
    from assistant.generative_check import CitationChecker

    return GenerativeAnswerer(llm, extractive, CitationChecker(settings.citation_min_overlap))


def make_rewriter(settings: Settings, llm: LanguageModel | None = None) -> FollowUpRewriter:
    """Return what makes follow-up questions standalone: the language model, or a rule."""
    from assistant.followup import ModelRewriter, RuleRewriter

    return ModelRewriter(llm) if llm is not None else RuleRewriter()
