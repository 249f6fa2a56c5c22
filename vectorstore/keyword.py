"""A BM25 keyword index of chunks in SQLite FTS5: persisted, updated in place, transactional.

FTS5 ranks with Okapi BM25 (``bm25()``) and its ``porter`` tokenizer stems English. Unlike
``bm25s`` or ``rank_bm25``, which build their matrices in one go, it takes additions and
deletions one chunk at a time inside a transaction, so it never needs rebuilding: not per
query, not per process start, not after a crash (a transaction either happened or not).

Besides the chunk's text, each row indexes its article's title and outlet in columns of their
own, weighted in the BM25 score: a question naming a headline's words or an outlet finds it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from ingest.records import Chunk
from ingest.terms import STOP_WORDS, words
from vectorstore.base import Passage, SearchFilter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT,
    date_from INTEGER,
    date_to INTEGER,
    text TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_source ON chunk(source);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    body, title, source, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
# Bumped whenever the FTS columns change; an older index is re-built from its chunk table.
SCHEMA_VERSION = 2
# How much a title or outlet word counts against a body word in the BM25 score.
TITLE_WEIGHT = 2.0
SOURCE_WEIGHT = 1.0
_MAX_QUERY_WORDS = 64


class KeywordIndex:
    """BM25 search over chunk text (and titles), with the same filters as the vector store."""

    def __init__(self, path: Path | None = None) -> None:
        """Open the index in ``path`` (a SQLite file, created if missing), or in memory."""
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
            self._db.executescript(_SCHEMA)

    def _migrate(self) -> None:
        """Re-build the FTS table of an index written by an older version, from its chunk rows."""
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version >= SCHEMA_VERSION:
            return
        had_fts = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_fts'").fetchone()
        self._db.execute("DROP TABLE IF EXISTS chunk_fts")
        self._db.executescript(_SCHEMA)
        if had_fts:
            rows = self._db.execute("SELECT rowid, text, meta, source FROM chunk").fetchall()
            for rowid, text, meta, source in rows:
                title = json.loads(meta).get("title", "")
                self._db.execute(
                    "INSERT INTO chunk_fts (rowid, body, title, source) VALUES (?, ?, ?, ?)",
                    (rowid, text, title, source),
                )
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not in the index."""
        wanted = set(ids)
        found: set[str] = set()
        unique = list(wanted)
        with self._lock:
            for offset in range(0, len(unique), 500):
                batch = unique[offset : offset + 500]
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(f"SELECT id FROM chunk WHERE id IN ({marks})", batch)
                found.update(row[0] for row in rows)
        return wanted - found

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Insert or replace the chunks, all in one transaction."""
        if not chunks:
            return
        with self._lock, self._db:
            self._delete(self._db, [chunk.id for chunk in chunks])
            for chunk in chunks:
                cursor = self._db.execute(
                    "INSERT INTO chunk (id, source, date_from, date_to, text, meta) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        chunk.id,
                        chunk.source,
                        chunk.date_from,
                        chunk.date_to,
                        chunk.text,
                        json.dumps(chunk.metadata(), ensure_ascii=False),
                    ),
                )
                self._db.execute(
                    "INSERT INTO chunk_fts (rowid, body, title, source) VALUES (?, ?, ?, ?)",
                    (cursor.lastrowid, chunk.text, chunk.title, chunk.source),
                )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present, in one transaction."""
        if ids:
            with self._lock, self._db:
                self._delete(self._db, list(ids))

    def count(self) -> int:
        """Return the number of chunks in the index."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunk").fetchone()[0])

    def ids(self) -> set[str]:
        """Return every chunk id in the index."""
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM chunk")}

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by BM25 score (higher is better), best first."""
        expression = match_expression(query)
        if not expression:
            return []
        # The best k are chosen on rowids and scores alone; only they are joined to their text,
        # so a query matching most of a large index doesn't read every match's text.
        inner = "SELECT chunk_fts.rowid AS rowid, -bm25(chunk_fts, 1.0, ?, ?) AS score FROM chunk_fts"
        params: list[object] = [TITLE_WEIGHT, SOURCE_WEIGHT]
        conditions = ["chunk_fts MATCH ?"]
        params.append(expression)
        if where is not None and not where.is_empty():
            inner += " JOIN chunk k ON k.rowid = chunk_fts.rowid"
            if where.sources is not None:
                conditions.append(f"k.source IN ({','.join('?' * len(where.sources))})")
                params.extend(where.sources)
            if where.since is not None:
                conditions.append("k.date_to >= ?")
                params.append(where.since)
            if where.until is not None:
                conditions.append("k.date_from <= ?")
                params.append(where.until)
        inner += " WHERE " + " AND ".join(conditions) + " ORDER BY score DESC LIMIT ?"
        params.append(k)
        sql = (
            f"SELECT c.id, c.text, c.meta, top.score FROM ({inner}) top "
            "JOIN chunk c ON c.rowid = top.rowid ORDER BY top.score DESC"
        )
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            Passage(chunk=Chunk.from_metadata(chunk_id, text, json.loads(meta)), score=float(score))
            for chunk_id, text, meta, score in rows
        ]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    @staticmethod
    def _delete(db: sqlite3.Connection, ids: list[str]) -> None:
        for offset in range(0, len(ids), 500):
            batch = ids[offset : offset + 500]
            marks = ",".join("?" * len(batch))
            rowids = [row[0] for row in db.execute(f"SELECT rowid FROM chunk WHERE id IN ({marks})", batch)]
            if rowids:
                row_marks = ",".join("?" * len(rowids))
                db.execute(f"DELETE FROM chunk_fts WHERE rowid IN ({row_marks})", rowids)
                db.execute(f"DELETE FROM chunk WHERE rowid IN ({row_marks})", rowids)


def match_expression(query: str) -> str:
    """Return an FTS5 query matching any content word of ``query`` (each quoted, so safe)."""
    seen: dict[str, None] = {}
    for word in words(query):
        if word not in STOP_WORDS and len(seen) < _MAX_QUERY_WORDS:
            seen[word.replace('"', "")] = None
    return " OR ".join(f'"{word}"' for word in seen if word)
