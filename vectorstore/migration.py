"""Moving an embedded store into the engines: ``python -m ingest --migrate-to DATABASE_URL``.

The embedded store (Chroma, the SQLite keyword index and records in ``NEWSQA_STORE_DIR``) is
copied as it is: every chunk's vector, text and metadata into the Chroma server's collection,
its text and its sentences' vectors into PostgreSQL's keyword index and article table, the
record manager's records (with their groups and times, so nothing looks changed to the next
indexing run) and the chat's remembered sources into the database. Nothing is embedded again.
Both stores' writer locks are held meanwhile; a copy cut short is completed by running it again
(every write is an upsert).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ingest.ledger import Ledger
from ingest.locking import holding
from ingest.records import Chunk

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

    from vectorstore.hybrid import NewsStore

BATCH = 1000


@dataclass
class MigrationReport:
    """What the migration copied."""

    chunks: int = 0
    articles: int = 0
    records: int = 0
    sources: int = 0

    def to_dict(self) -> dict[str, int]:
        """Return the report as the JSON object the CLI prints."""
        return {
            "chunks": self.chunks,
            "articles": self.articles,
            "records": self.records,
            "sources": self.sources,
        }


def migrate(
    source_client: ClientAPI,
    source_ledger: Ledger,
    source_sources: list[str],
    target: NewsStore,
    target_ledger: Ledger,
    remember: Callable[[str], None],
    collection: str,
    on_progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    source_sentences: Callable[[Sequence[str]], dict[str, bytes]] | None = None,
) -> MigrationReport:
    """Copy the embedded store (its Chroma ``collection`` and its ledger) into ``target``.

    ``target`` is the store on the engines (its keyword index in PostgreSQL, its vectors on the
    Chroma server); ``remember`` stores one remembered source there. ``source_sentences`` reads
    the embedded store's sentence vectors by chunk id (`vectorstore.sentence_vectors`), copied too.
    """
    from vectorstore.chroma import EMBEDDER_KEY

    report = MigrationReport()
    with (
        holding(source_ledger.lock, on_wait),
        holding(target_ledger.lock, on_wait),
    ):
        journal = source_ledger.journal.list_keys()
        if journal:
            from vectorstore.chroma import StoreError

            raise StoreError(
                f"the store has {len(journal)} chunk(s) of an indexing run that did not finish: run "
                "`python -m ingest` on it once (it undoes them), then migrate."
            )
        source = source_client.get_collection(collection)
        embedder = (source.metadata or {}).get(EMBEDDER_KEY)
        vectors = target.vectors
        if embedder:
            vectors._collection.modify(
                metadata={**(vectors._collection.metadata or {}), EMBEDDER_KEY: embedder}
            )
        total = source.count()
        for offset in range(0, total, BATCH):
            got = source.get(include=["embeddings", "documents", "metadatas"], limit=BATCH, offset=offset)
            ids, texts, metas = got["ids"], got["documents"] or [], got["metadatas"] or []
            embeddings: Any = got["embeddings"]
            if not ids:
                continue
            vectors._collection.upsert(ids=ids, embeddings=embeddings, documents=texts, metadatas=metas)
            chunks = [Chunk.from_metadata(i, t, dict(m)) for i, t, m in zip(ids, texts, metas, strict=True)]
            kept = source_sentences(ids) if source_sentences is not None else {}
            target.keywords.write(chunks, [], [kept.get(i) for i in ids])
            report.chunks += len(chunks)
            if on_progress:
                on_progress(report.chunks, total)
        report.records = _copy_records(source_ledger, target_ledger)
        for source_entry in source_sources:
            remember(source_entry)
        report.sources = len(source_sources)
        report.articles = target.stats().articles
    return report


def _copy_records(source: Ledger, target: Ledger) -> int:
    """Copy the record manager's rows (keys, groups, times) of the chunks namespace."""
    from sqlalchemy import text

    namespace = source.records.namespace
    select = text("SELECT key, group_id, updated_at FROM upsertion_record WHERE namespace = :ns ORDER BY key")
    upsert = text(
        "INSERT INTO upsertion_record (uuid, key, namespace, group_id, updated_at) "
        "VALUES (gen_random_uuid()::text, :key, :ns, :group_id, :updated_at) "
        "ON CONFLICT (key, namespace) DO UPDATE SET group_id = excluded.group_id, "
        "updated_at = excluded.updated_at"
    )
    copied = 0
    with source.engine.connect() as reading, target.engine.begin() as writing:
        rows = reading.execute(select, {"ns": namespace})
        while batch := rows.fetchmany(BATCH):
            writing.execute(
                upsert,
                [
                    {"key": k, "ns": target.records.namespace, "group_id": g, "updated_at": u}
                    for k, g, u in batch
                ],
            )
            copied += len(batch)
    return copied
