"""Chroma behind the `ChunkStore` seam, through ``langchain-chroma``.

The collection is created with no embedding function of Chroma's own: every vector comes
from the embedder passed in, so Chroma's default model (which downloads) is never used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import NewsQAError
from ingest.records import Chunk
from vectorstore.base import ArticleInfo, IndexStats, Passage, Progress, SearchFilter

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

WRITE_BATCH = 64
EMBEDDER_KEY = "newsqa_embedder"
"""Collection metadata naming the embedder (model and backend) its vectors were made with."""


class StoreError(NewsQAError, RuntimeError):
    """The store cannot be opened or used; the message names the folder or server."""


class EmbedderMismatchError(StoreError):
    """The store's vectors were made by another embedder than the one configured."""


def persistent_client(path: Path) -> ClientAPI:
    """Open (creating if needed) an embedded Chroma store in ``path``, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
        raise StoreError(
            f"cannot open the Chroma store in {path}: {exc}. Check the folder is writable, "
            "or set NEWSQA_STORE_DIR to another one."
        ) from None


def http_client(host: str, port: int) -> ClientAPI:
    """Connect to a Chroma server (``chroma run``), telemetry off; raise `StoreError` naming it if down."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    try:
        return chromadb.HttpClient(host=host, port=port, settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # ValueError when nothing answers; others for odd addresses
        reason = str(exc).strip() or type(exc).__name__
        raise StoreError(
            f"cannot reach the Chroma server at {host}:{port} ({reason}). Start it with "
            f"`chroma run --path DIR --host {host} --port {port}`, check NEWSQA_CHROMA_HOST and "
            "NEWSQA_CHROMA_PORT, or unset NEWSQA_CHROMA_HOST to use the embedded store."
        ) from None


class ChromaStore:
    """One Chroma collection of chunks, embedded with the given LangChain embedder.

    ``embedded_text`` gives the text whose vector stands for a chunk (default: its text);
    Chroma's document is always the chunk's exact text. ``embedder`` names the embedder (see
    `vectorstore.embeddings.embedder_id`): the first write records it in the collection, and
    writing or searching with another raises `EmbedderMismatchError`, since vectors of one
    model or backend mean nothing to another. A collection holding chunks but no record was
    built before records were kept, and counts as ``legacy_embedder``'s.
    """

    def __init__(
        self,
        client: ClientAPI,
        embeddings: Embeddings,
        collection: str,
        embedded_text: Callable[[Chunk], str] | None = None,
        embedder: str | None = None,
        legacy_embedder: str | None = None,
        place: str = "",
    ) -> None:
        from langchain_chroma import Chroma

        self._embeddings = embeddings
        self._embedded_text = embedded_text or (lambda chunk: chunk.text)
        self._vectors: Chroma = Chroma(
            client=client,
            collection_name=collection,
            embedding_function=embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self._collection = self._vectors._collection
        self._client = client
        self._embedder = embedder
        self._legacy_embedder = legacy_embedder
        self._place = place or f"the collection {collection!r}"
        self._checked = embedder is None

    def check_embedder(self, writing: bool = False) -> None:
        """Raise `EmbedderMismatchError` if the stored vectors come from another embedder.

        Before the first write, record ours in the (empty) collection.
        """
        if self._checked:
            return
        metadata = dict(self._collection.metadata or {})
        if EMBEDDER_KEY not in metadata:
            # Read again: another process sharing the server may have recorded it since we opened it.
            self._collection = self._client.get_collection(self._collection.name)
            metadata = dict(self._collection.metadata or {})
        stored = metadata.get(EMBEDDER_KEY)
        if stored is None and self._collection.count() > 0:
            stored = self._legacy_embedder
        if stored is None:
            if not writing:
                return  # empty: nothing to mismatch yet
            metadata[EMBEDDER_KEY] = self._embedder
            self._collection.modify(metadata=metadata)
        elif stored != self._embedder:
            raise EmbedderMismatchError(
                f"the index in {self._place} was built with the {stored} embeddings, and this run "
                f"is set up for {self._embedder}: vectors of one can't be searched with the other. "
                "Set NEWSQA_EMBEDDING_BACKEND (and NEWSQA_EMBEDDING_MODEL) to what the index was "
                "built with, or index the articles into a fresh NEWSQA_STORE_DIR."
            )
        self._checked = True

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not stored yet."""
        wanted = set(ids)
        found: set[str] = set()
        unique = list(dict.fromkeys(ids))
        for offset in range(0, len(unique), 1000):
            batch = unique[offset : offset + 1000]
            found.update(self._collection.get(ids=batch, include=[])["ids"])
        return wanted - found

    def add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> int:
        """Embed and upsert the chunks in batches; return how many were written."""
        return len(self.embed_and_add(chunks, progress))

    def embed_and_add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> list[list[float]]:
        """Embed and upsert the chunks in batches; return their vectors, in the order given."""
        self.check_embedder(writing=True)
        given = list(chunks)
        found: dict[str, list[float]] = {}
        # Texts of like length in one model call pad little: most chunks fill the budget, the
        # last of each article is shorter.
        texts = {chunk.id: self._embedded_text(chunk) for chunk in chunks}
        chunks = sorted(chunks, key=lambda chunk: len(texts[chunk.id]))
        for offset in range(0, len(chunks), WRITE_BATCH):
            batch = chunks[offset : offset + WRITE_BATCH]
            vectors = self._embeddings.embed_documents([texts[chunk.id] for chunk in batch])
            self._collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=vectors,  # type: ignore[arg-type]
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata() for chunk in batch],
            )
            found.update(zip([chunk.id for chunk in batch], vectors, strict=True))
            if progress:
                progress(len(batch))
        return [found[chunk.id] for chunk in given]

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present."""
        if ids:
            self._collection.delete(ids=list(ids))

    def embed_query(self, query: str) -> list[float]:
        """Return the query's vector, to search with it several times."""
        self.check_embedder()
        return self._embeddings.embed_query(query)

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by cosine similarity, best first."""
        if self._collection.count() == 0:
            return []
        return self.search_by_vector(self.embed_query(query), k, where)

    def search_by_vector(
        self, vector: Sequence[float], k: int, where: SearchFilter | None = None
    ) -> list[Passage]:
        """Return up to ``k`` passages by cosine similarity to an embedded query, best first."""
        self.check_embedder()
        results = self._collection.query(
            query_embeddings=[list(vector)],  # type: ignore[arg-type]
            n_results=k,
            where=_where(where) if where else None,
            include=["documents", "metadatas", "distances"],
        )
        ids = results["ids"][0]
        documents = (results["documents"] or [[]])[0]
        metadatas = (results["metadatas"] or [[]])[0]
        distances = (results["distances"] or [[]])[0]
        return [
            Passage(chunk=Chunk.from_metadata(chunk_id, text or "", dict(meta or {})), score=1.0 - float(d))
            for chunk_id, text, meta, d in zip(ids, documents, metadatas, distances, strict=True)
        ]

    def count(self) -> int:
        """Return the number of stored chunks."""
        return int(self._collection.count())

    def all_vectors(self, batch: int = 2000) -> Iterator[list[tuple[str, list[float]]]]:
        """Yield every stored ``(id, vector)``, a batch at a time."""
        total = self._collection.count()
        for offset in range(0, total, batch):
            got = self._collection.get(include=["embeddings"], limit=batch, offset=offset)
            embeddings = got["embeddings"]
            if embeddings is None:
                continue
            yield [(chunk_id, list(vector)) for chunk_id, vector in zip(got["ids"], embeddings, strict=True)]

    def ids(self) -> set[str]:
        """Return every stored chunk id (for consistency checks)."""
        found: set[str] = set()
        total = self._collection.count()
        for offset in range(0, total, 5000):
            found.update(self._collection.get(include=[], limit=5000, offset=offset)["ids"])
        return found

    def stats(self) -> IndexStats:
        """Return counts and date coverage, read from each article's first chunk."""
        chunks = self._collection.count()
        if chunks == 0:
            return IndexStats()
        firsts = self._collection.get(where={"chunk_index": 0}, include=["metadatas"])
        metas = firsts["metadatas"] or []
        sources: dict[str, int] = {}
        dated: list[tuple[int, int, str]] = []
        articles = set()
        for meta in metas:
            articles.add(meta.get("article_id"))
            source = meta.get("source")
            if isinstance(source, str):
                sources[source] = sources.get(source, 0) + 1
            first, last, published = meta.get("date_from"), meta.get("date_to"), meta.get("published")
            if isinstance(first, int) and isinstance(last, int) and isinstance(published, str):
                dated.append((first, last, published))
        ordered = dict(sorted(sources.items(), key=lambda item: (-item[1], item[0])))
        return IndexStats(
            articles=len(articles),
            chunks=chunks,
            sources=ordered,
            first_published=min(dated)[2] if dated else None,
            last_published=max(dated, key=lambda d: (d[1], d[0], d[2]))[2] if dated else None,
        )

    def articles(self) -> list[ArticleInfo]:
        """Return one record per article, read from its first chunk (not from every chunk)."""
        if self._collection.count() == 0:
            return []
        firsts = self._collection.get(where={"chunk_index": 0}, include=["metadatas"])
        found: dict[str, ArticleInfo] = {}
        for meta in firsts["metadatas"] or []:
            article_id = str(meta.get("article_id", ""))
            first, last = meta.get("date_from"), meta.get("date_to")
            found[article_id] = ArticleInfo(
                article_id=article_id,
                title=str(meta.get("title", "")),
                source=_text_or_none(meta.get("source")),
                published=_text_or_none(meta.get("published")),
                url=_text_or_none(meta.get("url")),
                date_from=first if isinstance(first, int) else None,
                date_to=last if isinstance(last, int) else None,
            )
        return list(found.values())


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _where(where: SearchFilter) -> dict[str, Any] | None:
    """Translate a filter into Chroma's ``where`` syntax."""
    clauses: list[dict[str, Any]] = []
    if where.sources is not None:
        clauses.append({"source": {"$in": list(where.sources)}})
    if where.since is not None:
        clauses.append({"date_to": {"$gte": where.since}})
    if where.until is not None:
        clauses.append({"date_from": {"$lte": where.until}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
