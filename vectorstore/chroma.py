"""Chroma behind the `ChunkStore` seam, through ``langchain-chroma``.

The collection is created with no embedding function of Chroma's own: every vector comes
from the embedder passed in, so Chroma's default model (which downloads) is never used.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import NewsQAError
from ingest.records import Chunk
from ingest.text.sentences import sentence_spans
from vectorstore.base import ArticleInfo, ChunkTable, Embedded, IndexStats, Passage, Progress, SearchFilter
from vectorstore.sentence_vectors import SentenceEmbedder

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

WRITE_BATCH = 64
EMBEDDER_KEY = "newsqa_embedder"
"""Collection metadata naming the embedder (model and backend) its vectors were made with."""
OVERFETCH = 10
"""A filtered vector search first looks for its ``k`` results among the ``OVERFETCH * k`` nearest."""
TABLE_OVERFETCH = 50
"""The same with a `ChunkTable` to read outlets from (ids alone from Chroma). Measured at a million
chunks, outlet searches of 200 dev questions: 36% found fewer than 40 among the 400 nearest,
13% among 2,000, 7% among 4,000; Chroma took 12-18, 22-38 and 38-65 ms to give those ids, and
PostgreSQL 32 ms to give the outlets of 4,000 (docs/benchmarks.md, Issue 15)."""
AMONG_LIMIT = 250_000
"""Most chunk ids a search within outlets asks Chroma to search among; more, and its where
filter searches. Measured at a million chunks on a server (warm): 4,104 to 184,338 ids took
0.03-0.4 s, plus 0.01-0.17 s to list them, against 0.9-2.4 s for the where filter."""
_ALL = ("documents", "metadatas", "distances")
OPEN_LOCK = ".newsqa-open.lock"
"""The file in an embedded store's folder that processes opening the store take turns on."""


class StoreError(NewsQAError, RuntimeError):
    """The store cannot be opened or used; the message names the folder or server."""


class EmbedderMismatchError(StoreError):
    """The store's vectors were made by another embedder than the one configured."""


def persistent_client(path: Path) -> ClientAPI:
    """Open (creating if needed) an embedded Chroma store in ``path``, telemetry off.

    Chroma can't open a folder it may not write (it updates its database on opening): a store
    on a read-only folder is opened from a private copy of its database file, its vector
    segments read in place, so it can still be searched.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if read_only(path):
            return chromadb.PersistentClient(path=str(_searchable_copy(path)), settings=settings)
        path.mkdir(parents=True, exist_ok=True)
        # Opening creates Chroma's tables in a new folder; two processes doing it at once
        # both try, and one fails ("table collections already exists"). Take turns. The file is
        # opened for reading, which is all flock needs, so another user's lock file will do.
        lock = os.open(path / OPEN_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            with contextlib.suppress(OSError):  # no locks on this file system: open as before
                fcntl.flock(lock, fcntl.LOCK_EX)
            return chromadb.PersistentClient(path=str(path), settings=settings)
        finally:
            os.close(lock)  # and with it the lock
    except Exception as exc:  # chromadb raises many kinds; all mean the same to a user
        raise StoreError(
            f"cannot open the Chroma store in {path}: {exc}. Check the folder is writable, "
            "or set NEWSQA_STORE_DIR to another one."
        ) from None


def read_only(path: Path) -> bool:
    """Return True for an existing folder this process may not write (read-only mount, another user's)."""
    return path.is_dir() and not os.access(path, os.W_OK)


def _searchable_copy(path: Path) -> Path:
    """Return a folder Chroma can open that reads the store in ``path``: its database copied,
    its segment folders (the vectors, read in place) linked."""
    import shutil
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="newsqa-read-only-"))
    for entry in path.iterdir():
        if entry.name.startswith("chroma.sqlite3"):
            shutil.copy2(entry, copy / entry.name)
        elif entry.is_dir():
            (copy / entry.name).symlink_to(entry)
    return copy


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

    overlap_writes = True
    """Write each batch while the next is embedded (issue 16); the benchmark turns it off to compare."""

    def __init__(
        self,
        client: ClientAPI,
        embeddings: Embeddings,
        collection: str,
        embedded_text: Callable[[Chunk], str] | None = None,
        embedder: str | None = None,
        legacy_embedder: str | None = None,
        place: str = "",
        reopen: Callable[[], ClientAPI] | None = None,
        server: bool = False,
    ) -> None:
        """``reopen`` opens the embedded store afresh (see `_call`); ``server`` says ``place`` is a
        Chroma server's ``host:port``, named when it can't be reached."""
        self._embeddings = embeddings
        self._embedded_text = embedded_text or (lambda chunk: chunk.text)
        self._name = collection
        self._reopen = reopen
        self._server = server
        self._open(client)
        self._embedder = embedder
        self._legacy_embedder = legacy_embedder
        self._place = place or f"the collection {collection!r}"
        self._checked = embedder is None

    def _open(self, client: ClientAPI) -> None:
        from langchain_chroma import Chroma

        self._client = client
        self._vectors: Chroma = Chroma(
            client=client,
            collection_name=self._name,
            embedding_function=self._embeddings,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        self._collection = self._vectors._collection

    def _call(self, method: str, **arguments: Any) -> Any:
        """Call a method of the collection (see `_guard`)."""
        return self._guard(lambda: getattr(self._collection, method)(**arguments))

    def _guard(self, action: Callable[[], Any]) -> Any:
        """Run an action on the store, turning an unreachable server into a `StoreError`.

        Embedded Chroma keeps what it read of its folder's segments in memory: when another
        process (``python -m ingest`` while the chat is open) wrote the first vectors, this
        process can't read them ("Nothing found on disk") until the store is opened afresh,
        which is done here once.
        """
        try:
            return action()
        except Exception as exc:  # chromadb and httpx raise many kinds; only these two are ours
            if self._server and _unreachable(exc):
                raise StoreError(
                    f"cannot reach the Chroma server at {self._place} ({_reason(exc)}): is it running? "
                    "Check NEWSQA_CHROMA_HOST and NEWSQA_CHROMA_PORT, then run the command again "
                    "(an indexing run cut short is completed by the next one)."
                ) from None
            if self._reopen is None or "Nothing found on disk" not in str(exc):
                raise
        close = getattr(self._client, "close", None)  # the embedded client has it; ClientAPI doesn't say
        if close is not None:
            close()
        self._open(self._reopen())
        return action()

    def check_embedder(self, writing: bool = False) -> None:
        """Raise `EmbedderMismatchError` if the stored vectors come from another embedder.

        Before the first write, record ours in the (empty) collection.
        """
        if self._checked:
            return
        metadata = dict(self._collection.metadata or {})
        stored = metadata.get(EMBEDDER_KEY)
        if stored is None:
            # The collection's metadata was read when it was opened: another process (an ingest
            # while the chat was open, or a second first ingest) may have recorded its embedder since.
            metadata = dict(self._guard(lambda: self._client.get_collection(self._name)).metadata or {})
            stored = metadata.get(EMBEDDER_KEY)
        if stored is None and self._call("count") > 0:
            stored = self._legacy_embedder
        if stored is None:
            if not writing:
                return  # empty: nothing to mismatch yet
            metadata[EMBEDDER_KEY] = self._embedder
            self._call("modify", metadata=metadata)
        elif stored != self._embedder:
            from vectorstore.embeddings import mismatch_remedy

            raise EmbedderMismatchError(
                f"the index in {self._place} was built with the {stored} embeddings, and this run "
                f"is set up for {self._embedder}: vectors of one can't be searched with the other. "
                + mismatch_remedy(str(stored), str(self._embedder))
            )
        self._checked = True

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not stored yet."""
        wanted = set(ids)
        found: set[str] = set()
        unique = list(dict.fromkeys(ids))
        for offset in range(0, len(unique), 1000):
            batch = unique[offset : offset + 1000]
            found.update(self._call("get", ids=batch, include=[])["ids"])
        return wanted - found

    def add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> int:
        """Embed and upsert the chunks in batches; return how many were written."""
        return len(self.embed_and_add(chunks, progress))

    def embed_and_add(self, chunks: Sequence[Chunk], progress: Progress | None = None) -> Embedded:
        """Embed and upsert the chunks in batches; return their vectors, in the order given, and,
        when the embedder gives them, their sentences' vectors (`vectorstore.sentence_vectors`).

        With ``overlap_writes``, each batch is written by a second thread while the next one is
        embedded (the encoder releases the GIL); writes stay one at a time and in order, and
        ``progress`` is told of a batch, from this thread, once it is written.
        """
        self.check_embedder(writing=True)
        given = list(chunks)
        found: dict[str, list[float]] = {}
        sentences: dict[str, bytes | None] = {}
        # Texts of like length in one model call pad little: most chunks fill the budget, the
        # last of each article is shorter.
        texts = {chunk.id: self._embedded_text(chunk) for chunk in chunks}
        ordered = sorted(chunks, key=lambda chunk: len(texts[chunk.id]))
        batches = [ordered[offset : offset + WRITE_BATCH] for offset in range(0, len(ordered), WRITE_BATCH)]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsqa-chroma-write") as writer:
            pending: tuple[Future[None], int] | None = None
            for batch in batches:
                vectors, pooled = self._embed(batch, texts)
                found.update(zip([chunk.id for chunk in batch], vectors, strict=True))
                sentences.update(zip([chunk.id for chunk in batch], pooled, strict=True))
                if pending is not None:
                    self._written(*pending, progress)
                if self.overlap_writes:
                    pending = (writer.submit(self._upsert, batch, vectors), len(batch))
                else:
                    self._upsert(batch, vectors)
                    if progress:
                        progress(len(batch))
            if pending is not None:
                self._written(*pending, progress)
        return Embedded([found[chunk.id] for chunk in given], [sentences[chunk.id] for chunk in given])

    def embed_sentences(self, chunks: Sequence[Chunk]) -> list[bytes | None]:
        """Return the chunks' sentences' vectors, packed (None for each, embedding nothing, when
        the embedder cannot pool them), from the embedder that wrote the store."""
        self.check_embedder()
        if not isinstance(self._embeddings, SentenceEmbedder):
            return [None] * len(chunks)
        return self._embed(chunks, {chunk.id: self._embedded_text(chunk) for chunk in chunks})[1]

    def _embed(
        self, batch: Sequence[Chunk], texts: dict[str, str]
    ) -> tuple[list[list[float]], list[bytes | None]]:
        """Embed the chunks' texts; with an embedder that can, also pool their sentences' vectors."""
        embedded = [texts[chunk.id] for chunk in batch]
        embedder = self._embeddings
        if not isinstance(embedder, SentenceEmbedder):
            return embedder.embed_documents(embedded), [None] * len(batch)
        # A header the chunk is embedded after (`ingest.chunking.indexed_text`) shifts its sentences.
        spans = [
            [(start + shift, end + shift) for start, end in sentence_spans(chunk.text)]
            for chunk, text in zip(batch, embedded, strict=True)
            for shift in [len(text) - len(chunk.text)]
        ]
        return embedder.embed_with_sentences(embedded, spans)

    def _upsert(self, batch: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        self._call(
            "upsert",
            ids=[chunk.id for chunk in batch],
            embeddings=vectors,
            documents=[chunk.text for chunk in batch],
            metadatas=[chunk.metadata() for chunk in batch],
        )

    @staticmethod
    def _written(write: Future[None], count: int, progress: Progress | None) -> None:
        write.result()  # raises the write's error here
        if progress:
            progress(count)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present."""
        if ids:
            self._call("delete", ids=list(ids))

    def embed_query(self, query: str) -> list[float]:
        """Return the query's vector, to search with it several times."""
        self.check_embedder()
        return self._embeddings.embed_query(query)

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by cosine similarity, best first."""
        if self._call("count") == 0:
            return []
        return self.search_by_vector(self.embed_query(query), k, where)

    def search_by_vector(
        self,
        vector: Sequence[float],
        k: int,
        where: SearchFilter | None = None,
        table: ChunkTable | None = None,
    ) -> list[Passage]:
        """Return up to ``k`` passages by cosine similarity to an embedded query, best first
        (`search_scopes` with one filter)."""
        return self.search_scopes(vector, k, [where], table)[0]

    def search_scopes(
        self,
        vector: Sequence[float],
        k: int,
        scopes: Sequence[SearchFilter | None],
        table: ChunkTable | None = None,
    ) -> list[list[Passage]]:
        """Return, for each filter (None: the whole index), up to ``k`` passages by cosine
        similarity to an embedded query, best first.

        A filtered search first looks among the nearest chunks unfiltered (read once, however
        many filters are searched) for those the filter admits: when ``k`` of them pass, they
        are its answer. Only when fewer pass does Chroma search with the filter, which on a
        large collection is far slower (docs/benchmarks.md, Issue 15).

        With a ``table`` (PostgreSQL's chunk table), Chroma gives ids and distances alone, and
        the table gives the outlets and dates the filters are checked against, then the text of
        what is kept (reading metadata from Chroma took 86 ms for 400 chunks at a million, ids
        11 ms), so the nearest can be read deeper: ``TABLE_OVERFETCH * k``. When too few pass,
        the search is restricted to the ids of every chunk the filter admits, which Chroma
        answers without its metadata filter, unless there are more than `AMONG_LIMIT`.
        """
        self.check_embedder()
        if table is not None:
            return self._search_with_table(vector, k, scopes, table)
        found = []
        near: list[Passage] | None = None
        for where in scopes:
            if where is None or where.is_empty():
                found.append(self._nearest(vector, k, None))
                continue
            if near is None:
                near = self._nearest(vector, k * OVERFETCH, None, ("metadatas", "distances"))
            kept = [passage for passage in near if where.admits(passage.chunk)]
            enough = len(kept) >= k or len(near) < k * OVERFETCH  # or the whole collection was read
            found.append(self._with_text(kept[:k]) if enough else self._nearest(vector, k, where))
        return found

    def _search_with_table(
        self, vector: Sequence[float], k: int, scopes: Sequence[SearchFilter | None], table: ChunkTable
    ) -> list[list[Passage]]:
        """`search_scopes` with the chunks' outlets, dates and text read from ``table``."""
        filtered = any(where is not None and not where.is_empty() for where in scopes)
        depth = k * TABLE_OVERFETCH if filtered else k
        near = self._nearest(vector, depth, None, ("distances",))
        places = table.places([passage.chunk.id for passage in near]) if filtered else {}
        found: list[list[Passage]] = []
        for where in scopes:
            if where is None or where.is_empty():
                found.append(near[:k])
                continue
            kept = [p for p in near if (place := places.get(p.chunk.id)) is not None and where.admits(place)]
            enough = len(kept) >= k or len(near) < depth
            found.append(kept[:k] if enough else self._nearest_admitted(vector, k, where, table))
        textless = {p.chunk.id: None for passages in found for p in passages if not p.chunk.text}
        texts = table.chunks(list(textless))
        return [
            [
                passage if passage.chunk.text else replace(passage, chunk=texts[passage.chunk.id])
                for passage in passages
                if passage.chunk.text or passage.chunk.id in texts  # (not yet or no longer in the table)
            ]
            for passages in found
        ]

    def _nearest_admitted(
        self, vector: Sequence[float], k: int, where: SearchFilter, table: ChunkTable
    ) -> list[Passage]:
        """Return the ``k`` nearest chunks ``where`` admits: among the ids the table lists for
        it (without their text), or by Chroma's where filter when there are too many."""
        from chromadb.errors import ChromaError

        ids = table.chunk_ids(where, AMONG_LIMIT)
        if ids is not None:
            if not ids:
                return []
            try:
                return self._nearest(vector, min(k, len(ids)), None, ("distances",), ids)
            except ChromaError:  # an id not (or no longer) in Chroma: a write under way
                pass
        return self._nearest(vector, k, where)

    def _with_text(self, passages: list[Passage]) -> list[Passage]:
        """Return the passages (read without their text) with it, read by id."""
        if not passages:
            return passages
        got = self._call("get", ids=[passage.chunk.id for passage in passages], include=["documents"])
        texts = dict(zip(got["ids"], got["documents"] or [], strict=True))
        return [
            replace(passage, chunk=replace(passage.chunk, text=texts.get(passage.chunk.id) or ""))
            for passage in passages
        ]

    def _nearest(
        self,
        vector: Sequence[float],
        k: int,
        where: SearchFilter | None,
        include: tuple[str, ...] = _ALL,
        ids: list[str] | None = None,
    ) -> list[Passage]:
        """Return the ``k`` nearest chunks the filter admits (among ``ids`` when given), with
        what ``include`` names (a deep read leaves the text out: half the time on a server at a
        million chunks)."""
        results = self._call(
            "query",
            query_embeddings=[list(vector)],
            n_results=k,
            where=_where(where) if where else None,
            ids=ids,
            include=list(include),
        )
        return _passages(results)

    def count(self) -> int:
        """Return the number of stored chunks."""
        return int(self._call("count"))

    def all_vectors(self, batch: int = 2000) -> Iterator[list[tuple[str, list[float]]]]:
        """Yield every stored ``(id, vector)``, a batch at a time."""
        total = self._call("count")
        for offset in range(0, total, batch):
            got = self._call("get", include=["embeddings"], limit=batch, offset=offset)
            embeddings = got["embeddings"]
            if embeddings is None:
                continue
            yield [(chunk_id, list(vector)) for chunk_id, vector in zip(got["ids"], embeddings, strict=True)]

    def ids(self) -> set[str]:
        """Return every stored chunk id (for consistency checks)."""
        found: set[str] = set()
        total = self._call("count")
        for offset in range(0, total, 5000):
            found.update(self._call("get", include=[], limit=5000, offset=offset)["ids"])
        return found

    def stats(self) -> IndexStats:
        """Return counts and date coverage, read from each article's first chunk."""
        chunks = self._call("count")
        if chunks == 0:
            return IndexStats()
        firsts = self._call("get", where={"chunk_index": 0}, include=["metadatas"])
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
        if self._call("count") == 0:
            return []
        firsts = self._call("get", where={"chunk_index": 0}, include=["metadatas"])
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


def _passages(results: Any) -> list[Passage]:
    """Return the passages of a Chroma query's first (only) query."""
    ids = results["ids"][0]
    documents = (results["documents"] or [[""] * len(ids)])[0]
    metadatas = (results["metadatas"] or [[{}] * len(ids)])[0]
    distances = (results["distances"] or [[]])[0]
    return [
        Passage(chunk=Chunk.from_metadata(chunk_id, text or "", dict(meta or {})), score=1.0 - float(d))
        for chunk_id, text, meta, d in zip(ids, documents, metadatas, distances, strict=True)
    ]


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


def _unreachable(exc: BaseException) -> bool:
    """Return True when the error (or its cause) says the server could not be reached or went away."""
    import httpx

    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, httpx.TransportError | ConnectionError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
