"""Exact embedding search within named outlets, from vectors kept beside the keyword index.

A question naming an outlet ("according to TechCrunch") is searched again within that outlet.
Chroma answers such a filtered query by checking the filter in its metadata tables first, and
at 105,536 chunks that took a median 70 ms per outlet here (docs/benchmarks.md). So each
chunk's vector is also written, as float32, into the keyword index's SQLite file, in a table
clustered by outlet: one outlet's vectors are read in one range scan and scored exactly with
numpy (a median 27 ms). Rows are written and deleted in the same transactions as
the keyword rows (`vectorstore.hybrid.NewsStore` writes both), so the two never disagree.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from vectorstore.base import Passage, SearchFilter
from vectorstore.sqlite_file import SqliteFile

if TYPE_CHECKING:
    from ingest.records import Chunk

TABLES = """
CREATE TABLE IF NOT EXISTS chunk_vector (
    source TEXT NOT NULL,
    chunk_rowid INTEGER NOT NULL,
    date_from INTEGER,
    date_to INTEGER,
    vec BLOB NOT NULL,
    PRIMARY KEY (source, chunk_rowid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
"""Created by the keyword index too (`vectorstore.keyword.KeywordIndex`), which writes them."""
COMPLETE = "outlet_vectors_complete"
"""`index_state` key: "1" when every chunk with an outlet has its vector here."""


def encode(vector: Sequence[float]) -> bytes:
    """Return the vector as float32 bytes (float16 halves the disk but costs a conversion per search)."""
    import numpy as np

    return np.asarray(vector, dtype=np.float32).tobytes()


def insert(db: sqlite3.Connection, rowid: int, chunk: Chunk, vector: Sequence[float]) -> None:
    """Store the vector of a chunk (already in the chunk table under ``rowid``), if it has an outlet."""
    if chunk.source is not None:
        db.execute(
            "INSERT OR REPLACE INTO chunk_vector VALUES (?, ?, ?, ?, ?)",
            (chunk.source, rowid, chunk.date_from, chunk.date_to, encode(vector)),
        )


def insert_by_id(db: sqlite3.Connection, pairs: Sequence[tuple[str, Sequence[float]]]) -> None:
    """Store vectors of chunks given by id (those not in the chunk table are skipped)."""
    db.executemany(
        "INSERT OR REPLACE INTO chunk_vector SELECT source, rowid, date_from, date_to, ? FROM chunk "
        "WHERE id = ? AND source IS NOT NULL",
        [(encode(vector), chunk_id) for chunk_id, vector in pairs],
    )


def delete(db: sqlite3.Connection, rows: Sequence[tuple[int, str | None]]) -> None:
    """Remove the vectors of these ``(rowid, source)`` chunks."""
    db.executemany(
        "DELETE FROM chunk_vector WHERE source = ? AND chunk_rowid = ?",
        [(source, rowid) for rowid, source in rows if source is not None],
    )


def is_complete(db: sqlite3.Connection) -> bool:
    """Return True when every chunk with an outlet has its vector in the table."""
    row = db.execute("SELECT value FROM index_state WHERE key = ?", (COMPLETE,)).fetchone()
    return row is not None and row[0] == "1"


def mark(db: sqlite3.Connection, complete: bool) -> None:
    """Record whether the table covers every chunk with an outlet."""
    db.execute("INSERT OR REPLACE INTO index_state VALUES (?, ?)", (COMPLETE, "1" if complete else "0"))


def search(
    db: sqlite3.Connection, vector: Sequence[float], k: int, where: SearchFilter
) -> list[tuple[int, float]]:
    """Return ``(chunk rowid, cosine similarity)`` of the ``k`` best chunks of the filter's outlets."""
    import numpy as np

    sources = where.sources or ()
    sql = f"SELECT chunk_rowid, vec FROM chunk_vector WHERE source IN ({','.join('?' * len(sources))})"
    params: list[object] = list(sources)
    if where.since is not None:
        sql += " AND date_to >= ?"
        params.append(where.since)
    if where.until is not None:
        sql += " AND date_from <= ?"
        params.append(where.until)
    rows = db.execute(sql, params).fetchall()
    if not rows:
        return []
    query = np.asarray(vector, dtype=np.float32)
    matrix = np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), -1)
    scores = matrix @ query
    best = np.argsort(-scores)[:k] if len(rows) <= k else np.argpartition(-scores, k)[:k]
    best = best[np.argsort(-scores[best])]
    return [(int(rows[i][0]), float(scores[i])) for i in best]


class OutletVectors:
    """The chunks' vectors, clustered by outlet, in the keyword index's SQLite file."""

    def __init__(self, file: SqliteFile) -> None:
        self.file = file
        if file.read_only:  # searched as it is
            return
        with file.write() as db:
            db.executescript(TABLES)
            if not db.execute("SELECT 1 FROM index_state").fetchone():
                # A new index starts complete; one from before vectors were kept here does not.
                empty = db.execute("SELECT 1 FROM chunk LIMIT 1").fetchone() is None
                mark(db, empty)

    def complete(self) -> bool:
        """Return True when every chunk with an outlet has its vector here."""
        with self.file.locked() as db:
            return is_complete(db)

    def backfill(self, vectors: Iterable[Sequence[tuple[str, Sequence[float]]]]) -> None:
        """Store ``(chunk id, vector)`` pairs, batch by batch, then record the vectors as complete."""
        for batch in vectors:
            with self.file.write() as db:
                insert_by_id(db, batch)
        with self.file.write() as db:
            mark(db, True)

    def search(self, vector: Sequence[float], k: int, where: SearchFilter) -> list[tuple[int, float]]:
        """Return ``(chunk rowid, cosine similarity)`` of the ``k`` best chunks of the filter's outlets."""
        with self.file.read() as db:
            return search(db, vector, k, where)

    def search_passages(self, vector: Sequence[float], k: int, where: SearchFilter) -> list[Passage]:
        """Return the ``k`` chunks of the filter's outlets most similar to the vector, best first."""
        from vectorstore.keyword import read_passages

        with self.file.read() as db:
            return read_passages(db, search(db, vector, k, where))
