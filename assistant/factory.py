"""The one place that reads `Settings` and builds the real parts, the language model included.

Every other constructor takes its values as arguments; `NewsAssistant` asks here for each
part it was not handed, on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.answering.extractive import ExtractiveAnswerer
from assistant.retrieval import DenseRetriever, Retriever
from assistant.retrieval.hybrid import HybridRetriever
from assistant.settings import Settings
from ingest.chunking import Chunker, TokenSpans, indexed_text
from vectorstore.base import ChunkStore
from vectorstore.embeddings import LazyEmbeddings, embedder_id, load_embeddings, load_tokenizer
from vectorstore.hybrid import NewsStore

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.answering.extractive import Outlets
    from assistant.answering.followup import FollowUpRewriter
    from assistant.answering.records import Answerer
    from assistant.llm import LanguageModel
    from assistant.retrieval.semantic import SentenceSimilarity
    from assistant.sources import RememberedSources
    from ingest.ledger import Ledger
    from vectorstore.postgres.database import Database


@dataclass(frozen=True)
class IndexIdentity:
    """What makes one index's vectors and chunks what they are: its embedder and its chunking."""

    embedder: str
    """Names the vectors (model and backend); a store refuses vectors of another."""
    config: str
    """Names the chunking and embedding setup in the record manager's fingerprints: changing it
    makes every article look changed."""
    fields: dict[str, Any]
    """The settings behind both, by name (the evaluation records them beside its index)."""


def index_identity(settings: Settings) -> IndexIdentity:
    """Return the identity of the index these settings build.

    The float32 torch backend adds nothing to ``config`` or ``fields``: stores recorded before
    there was a choice of backend keep their records.
    """
    config = f"{settings.embedding_model}/{settings.chunk_tokens}/{settings.chunk_overlap_tokens}"
    if settings.enrich_chunks:
        config += "/headers"
    names = ("embedding_model", "chunk_tokens", "chunk_overlap_tokens", "enrich_chunks", "collection")
    fields: dict[str, Any] = {name: getattr(settings, name) for name in names}
    if settings.embedding_backend != "torch":
        config += f"/{settings.embedding_backend}"
        fields["embedding_backend"] = settings.embedding_backend
    return IndexIdentity(embedder_id(settings.embedding_model, settings.embedding_backend), config, fields)


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


def make_store(settings: Settings, embeddings: Embeddings) -> NewsStore:
    """Return the Chroma store with its keyword index.

    Chroma is the embedded, persistent store in ``store_dir``, or the server at
    ``chroma_host``/``chroma_port`` when a host is set. The keyword index (and the outlet
    vectors) is a SQLite file in ``store_dir``, or, with ``database_url``, tables in that
    PostgreSQL database, with an article table for stats and listings; searches within outlets
    then use Chroma's own filter.
    """
    from vectorstore.chroma import ChromaStore, http_client, persistent_client

    paths = settings.paths
    db = shared_database(settings)  # checked first: it says when the settings don't fit together
    server = bool(settings.chroma_host)
    if server:
        client = http_client(settings.chroma_host, settings.chroma_port)
        place = f"{settings.chroma_host}:{settings.chroma_port}"
    else:
        client = persistent_client(paths.chroma)
        place = str(paths.chroma)
    vectors = ChromaStore(
        client,
        embeddings,
        settings.collection,
        indexed_text if settings.enrich_chunks else None,
        embedder=index_identity(settings).embedder,
        # Stores from before the backend setting hold float32 torch vectors.
        legacy_embedder=embedder_id(settings.embedding_model, "torch"),
        place=place,
        reopen=None if server else lambda: persistent_client(paths.chroma),
        server=server,
    )
    if db is not None:
        from vectorstore.postgres.articles import PgArticles
        from vectorstore.postgres.database import table_prefix
        from vectorstore.postgres.keywords import PgKeywordIndex

        prefix = table_prefix(settings.collection)
        articles = PgArticles(db, prefix)
        keywords = PgKeywordIndex(
            db,
            prefix,
            articles,
            common_share=settings.keyword_common_share,
            ranking=settings.keyword_ranking,
            word_postings=settings.keyword_word_postings,
        )
        return NewsStore(vectors, keywords, None, articles)
    from vectorstore.keyword import KeywordIndex
    from vectorstore.outlet_vectors import OutletVectors
    from vectorstore.sqlite_file import SqliteFile

    local = SqliteFile(paths.keywords)
    return NewsStore(
        vectors, KeywordIndex(local, common_share=settings.keyword_common_share), OutletVectors(local)
    )


_DATABASES: dict[str, Database] = {}


def shared_database(settings: Settings) -> Database | None:
    """Return the PostgreSQL database ``database_url`` names (one per process and URL, checked to
    answer), or None for the embedded store. Raises `StoreError` naming its host and port."""
    if settings.database_url is None or not settings.database_url.get_secret_value().strip():
        return None
    from vectorstore.chroma import StoreError
    from vectorstore.postgres.database import Database, DatabaseAddress

    if not settings.chroma_host:
        raise StoreError(
            "NEWSQA_DATABASE_URL is set but NEWSQA_CHROMA_HOST is not: with the state in PostgreSQL "
            "the vectors must be on a Chroma server too (`chroma run`), or the processes sharing the "
            "database would each keep vectors of their own. Set NEWSQA_CHROMA_HOST and "
            "NEWSQA_CHROMA_PORT, or unset NEWSQA_DATABASE_URL."
        )
    url = settings.database_url.get_secret_value()
    db = _DATABASES.get(url)
    if db is None:
        db = Database(DatabaseAddress.parse(url))
        db.check()
        _DATABASES[url] = db
    return db


def describe_store(settings: Settings) -> str:
    """Return where the index is, for messages: the folder, or the servers (host and port only)."""
    db = settings.database_url is not None and settings.database_url.get_secret_value().strip()
    if settings.chroma_host and db:
        from vectorstore.postgres.database import DatabaseAddress

        try:
            database = DatabaseAddress.parse(settings.database_url.get_secret_value()).place  # type: ignore[union-attr]
        except Exception:  # reported where the store is opened
            database = "?"
        return f"Chroma at {settings.chroma_host}:{settings.chroma_port} and PostgreSQL at {database}"
    if settings.chroma_host:
        return f"Chroma at {settings.chroma_host}:{settings.chroma_port} (records in {settings.store_dir})"
    return str(settings.store_dir)


def make_ledger(settings: Settings) -> Ledger:
    """Return the record manager of what is indexed, with the writers' lock.

    Beside the embedded store in ``store_dir`` (SQLite, ``flock``), or, with ``database_url``,
    LangChain's `SQLRecordManager` on that PostgreSQL database and a ``pg_advisory_lock``.
    """
    from ingest.ledger import Ledger

    db = shared_database(settings)
    if db is None:
        return Ledger(settings.paths.records, settings.collection)
    from sqlalchemy.exc import SQLAlchemyError

    from vectorstore.postgres.database import describe_failure
    from vectorstore.postgres.lock import AdvisoryLock

    lock = AdvisoryLock(db, settings.collection)
    try:
        with db.schema_lock():  # two replicas starting at once must not both create the tables
            return Ledger(None, settings.collection, engine=db.engine(), lock=lock)
    except SQLAlchemyError as exc:
        raise describe_failure(db.address, exc) from None


def make_sources(settings: Settings) -> RememberedSources:
    """Return where the chat's sources are remembered: a file in ``store_dir``, or a table of
    ``database_url``."""
    from assistant.sources import SharedSourceList, SourceList

    db = shared_database(settings)
    if db is None:
        return SourceList(settings.paths.remembered_sources)
    from vectorstore.postgres.database import table_prefix
    from vectorstore.postgres.sources import PgSourceList

    return SharedSourceList(PgSourceList(db, table_prefix(settings.collection)))


def make_retriever(
    settings: Settings, store: ChunkStore, similarity: SentenceSimilarity | None = None
) -> Retriever:
    """Return the retriever answers are drawn from: hybrid over a `NewsStore`, else dense.

    ``similarity`` lets hybrid retrieval rank its best candidates by meaning as well as words,
    when ``NEWSQA_MEANING_RANKING`` asks for it (it embeds their sentences at question time).
    """
    if settings.retrieval == "hybrid" and isinstance(store, NewsStore):
        return HybridRetriever(store, settings.per_article, similarity if settings.meaning_ranking else None)
    return DenseRetriever(store)


def make_language_model(settings: Settings) -> LanguageModel | None:
    """Return the language model ``NEWSQA_LLM`` names (its chat model built on first use), or
    None for the extractive answerer."""
    from assistant.llm import Backend, LanguageModel
    from assistant.llm import chat_models as chat

    temperature, max_tokens, timeout = settings.llm_temperature, settings.llm_max_tokens, settings.llm_timeout
    if settings.llm == "ollama":
        backend = Backend("ollama", settings.llm_name(), settings.llm_url(), timeout)
        return LanguageModel(
            backend, lambda: chat.ollama_chat(backend.model, backend.url, temperature, max_tokens, timeout)
        )
    if settings.llm == "openai":
        secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        backend = Backend("openai", settings.llm_name(), settings.llm_url(), timeout)
        return LanguageModel(
            backend,
            lambda: chat.openai_chat(backend.model, backend.url, secret, temperature, max_tokens, timeout),
            secret,
        )
    if settings.llm == "llamacpp":
        path = settings.llm_gguf_path
        name = os.path.basename(path) if path else "gemma3-270m"
        backend = Backend("llamacpp", name, path or "the bundled Gemma 3 GGUF", timeout)
        return LanguageModel(
            backend,
            lambda: chat.llamacpp_chat(
                path, settings.llm_chat_format, settings.llm_context_tokens, temperature, max_tokens, timeout
            ),
        )
    return None


def make_similarity(
    settings: Settings, embeddings: Embeddings, store: ChunkStore | None = None
) -> SentenceSimilarity:
    """Return the question-sentence similarity under the index's own embedder (vectors cached by
    text), reading the sentence vectors ``store`` kept at index time where it has them, unless
    ``kept_sentence_vectors`` is off."""
    from assistant.retrieval.semantic import SentenceSimilarity

    if settings.kept_sentence_vectors and isinstance(store, NewsStore):
        return SentenceSimilarity(embeddings, stored=store.sentence_vectors)
    return SentenceSimilarity(embeddings)


def make_answerer(
    settings: Settings,
    llm: LanguageModel | None = None,
    similarity: SentenceSimilarity | None = None,
    outlets: Outlets | None = None,
) -> Answerer:
    """Return the generative answerer over ``llm``, or the offline extractive one without it.

    The extractive answerer also stands in whenever the language model fails. ``similarity``
    lets it choose sentences for meaning as well as words; ``outlets`` (the store) tells it
    which outlets the index holds.
    """
    extractive = ExtractiveAnswerer(
        settings.answer_sentences, settings.min_support, settings.abstain_names, similarity, outlets
    )
    if llm is None:
        return extractive
    from assistant.answering.check import CitationChecker
    from assistant.answering.generative import GenerativeAnswerer

    return GenerativeAnswerer(llm, extractive, CitationChecker(settings.citation_min_overlap))


def make_rewriter(settings: Settings, llm: LanguageModel | None = None) -> FollowUpRewriter:
    """Return what makes follow-up questions standalone: the language model, or a rule."""
    from assistant.answering.followup import ModelRewriter, RuleRewriter

    return ModelRewriter(llm, RuleRewriter()) if llm is not None else RuleRewriter()
