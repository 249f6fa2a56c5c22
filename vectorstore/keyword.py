"""A BM25 keyword index of chunks in SQLite FTS5: persisted, updated in place, transactional.

FTS5 ranks with Okapi BM25 (``bm25()``) and its ``porter`` tokenizer stems English. Unlike
``bm25s`` or ``rank_bm25``, which build their matrices in one go, it takes additions and
deletions one chunk at a time inside a transaction, so it never needs rebuilding: not per
query, not per process start, not after a crash (a transaction either happened or not).

Besides the chunk's text, each row indexes its article's title and outlet in columns of their
own, weighted in the BM25 score: a question naming a headline's words or an outlet finds it.

Speed at 100,000+ chunks (docs/benchmarks.md): a question's words are OR-ed, and the words
found in a large share of all chunks ("report", "state", "year") make FTS5 score most of
the index for little gain in ranking. Words in more than ``common_share`` of the chunks are
left out of the query (all kept if all are common) once the index holds `COMMON_FROM_CHUNKS`
or more; the share is read from FTS5's own vocabulary table and cached until the index
changes. Smaller indexes keep every word: they are fast anyway, and on MultiHop-RAG (about
3,000 chunks) leaving the common words out cost 0.02 of evidence_recall@10. The same SQLite
file (`vectorstore.sqlite_file`) keeps each chunk's vector for searches within outlets
(`vectorstore.outlet_vectors`), written in the same transactions.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any

import Stemmer

from ingest.records import Chunk
from ingest.text.terms import STOP_WORDS, words
from vectorstore import outlet_vectors
from vectorstore.base import Passage, SearchFilter
from vectorstore.sqlite_file import SqliteFile

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
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_rowid INTEGER PRIMARY KEY,
    vectors BLOB NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(
    body, title, source, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""
# FTS5's own vocabulary (document counts per term), per connection: nothing is stored for it.
_VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunk_vocab USING fts5vocab(main, chunk_fts, 'row')"
# Bumped whenever the FTS columns change; an older index is re-built from its chunk table.
SCHEMA_VERSION = 2
# Index size (chunks) from which the common words of a question are left out of its query.
COMMON_FROM_CHUNKS = 20_000
# How much a title or outlet word counts against a body word in the BM25 score.
TITLE_WEIGHT = 2.0
SOURCE_WEIGHT = 1.0
_MAX_QUERY_WORDS = 64
_LACKING = "NOT EXISTS (SELECT 1 FROM chunk_sentences s WHERE s.chunk_rowid = c.rowid)"
"""The chunk ``c`` has no sentence vectors kept (it was indexed before they were)."""


class KeywordIndex:
    """BM25 search over chunk text (and titles), with the same filters as the vector store."""

    def __init__(
        self, file: SqliteFile, *, common_share: float, common_from: int = COMMON_FROM_CHUNKS
    ) -> None:
        """Keep the index in ``file``.

        Once it holds ``common_from`` chunks or more, query words found in more than
        ``common_share`` (0-1) of them are left out of searches; 1 keeps every word.
        """
        self.file = file
        self.common_share = common_share
        self.common_from = common_from
        self._frequencies: tuple[tuple[int, int], int, dict[str, int]] | None = None
        if file.read_only:  # searched as it is: nothing to create or migrate
            with file.locked() as db:
                db.execute(_VOCABULARY)
            return
        with file.write() as db:
            self._migrate(db)
            db.executescript(_SCHEMA)
            db.executescript(outlet_vectors.TABLES)
            db.execute(_VOCABULARY)

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Re-build the FTS table of an index written by an older version, from its chunk rows."""
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version >= SCHEMA_VERSION:
            return
        had_fts = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_fts'").fetchone()
        db.execute("DROP TABLE IF EXISTS chunk_fts")
        db.executescript(_SCHEMA)
        if had_fts:
            rows = db.execute("SELECT rowid, text, meta, source FROM chunk").fetchall()
            for rowid, text, meta, source in rows:
                title = json.loads(meta).get("title", "")
                db.execute(
                    "INSERT INTO chunk_fts (rowid, body, title, source) VALUES (?, ?, ?, ?)",
                    (rowid, text, title, source),
                )
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def missing(self, ids: Sequence[str]) -> set[str]:
        """Return the ids among ``ids`` that are not in the index."""
        wanted = set(ids)
        with self.file.locked() as db:
            found = {
                row[0] for row in _by_ids(db, "SELECT id FROM chunk WHERE id IN ({marks})", list(wanted))
            }
        return wanted - found

    def add(self, chunks: Sequence[Chunk]) -> None:
        """Insert or replace the chunks in one transaction."""
        if chunks:
            with self.file.write() as db:
                self.remove(db, [chunk.id for chunk in chunks])
                self.insert(db, chunks)

    def write(
        self,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        sentences: Sequence[bytes | None] | None = None,
    ) -> None:
        """Index the chunks' words, and keep their vectors by outlet (`vectorstore.outlet_vectors`)
        and their sentences' vectors (`vectorstore.sentence_vectors`), in one transaction of the
        file, replacing chunks with the same ids."""
        if not chunks:
            return
        with self.file.write() as db:
            outlet_vectors.delete(db, self.remove(db, [chunk.id for chunk in chunks]))
            rowids = self.insert(db, chunks)
            for rowid, chunk, vector in zip(rowids, chunks, vectors, strict=True):
                outlet_vectors.insert(db, rowid, chunk, vector)
            if sentences is not None:
                db.executemany(
                    "INSERT INTO chunk_sentences (chunk_rowid, vectors) VALUES (?, ?)",
                    [(rowid, data) for rowid, data in zip(rowids, sentences, strict=True) if data],
                )

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, bytes]:
        """Return the packed sentence vectors kept for the chunks with these ids, by id (none for
        chunks written without them, or by a version that did not keep them)."""
        query = (
            "SELECT c.id, s.vectors FROM chunk c JOIN chunk_sentences s "
            "ON s.chunk_rowid = c.rowid WHERE c.id IN ({marks})"
        )
        try:
            with self.file.read() as db:
                return {row[0]: bytes(row[1]) for row in _by_ids(db, query, list(dict.fromkeys(ids)))}
        except sqlite3.OperationalError:  # a read-only index from before the table
            return {}

    def lacking_sentence_vectors(self, after: int, limit: int) -> list[tuple[int, Chunk]]:
        """Return up to ``limit`` chunks kept without sentence vectors, with their rowids, those
        past rowid ``after`` in rowid order (to page through)."""
        with self.file.read() as db:
            rows = db.execute(
                "SELECT c.rowid, c.id, c.text, c.meta FROM chunk c "
                f"WHERE c.rowid > ? AND {_LACKING} ORDER BY c.rowid LIMIT ?",
                (after, limit),
            ).fetchall()
        return [(row[0], Chunk.from_metadata(row[1], row[2], json.loads(row[3]))) for row in rows]

    def count_lacking_sentence_vectors(self) -> int:
        """Return how many chunks are kept without sentence vectors."""
        with self.file.read() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM chunk c WHERE {_LACKING}").fetchone()[0])

    def keep_sentence_vectors(self, pairs: Sequence[tuple[str, bytes]]) -> None:
        """Keep these packed sentence vectors for the chunks with these ids (if still indexed)."""
        with self.file.write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO chunk_sentences SELECT rowid, ? FROM chunk WHERE id = ?",
                [(data, chunk_id) for chunk_id, data in pairs],
            )

    def insert(self, db: sqlite3.Connection, chunks: Sequence[Chunk]) -> list[int]:
        """Insert the chunks (not stored yet) within the caller's transaction; return their rowids."""
        rowids = []
        for chunk in chunks:
            cursor = db.execute(
                "INSERT INTO chunk (id, source, date_from, date_to, text, meta) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    chunk.id,
                    chunk.source,
                    chunk.date_from,
                    chunk.date_to,
                    chunk.text,
                    json.dumps(chunk.metadata(), ensure_ascii=False),
                ),
            )
            assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
            db.execute(
                "INSERT INTO chunk_fts (rowid, body, title, source) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, chunk.text, chunk.title, chunk.source),
            )
            rowids.append(cursor.lastrowid)
        return rowids

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids (and their outlet vectors), if present, in one transaction."""
        if ids:
            with self.file.write() as db:
                outlet_vectors.delete(db, self.remove(db, list(ids)))

    @staticmethod
    def remove(db: sqlite3.Connection, ids: Sequence[str]) -> list[tuple[int, str | None]]:
        """Remove the chunks within the caller's transaction; return the ``(rowid, source)`` removed."""
        removed: list[tuple[int, str | None]] = []
        for offset in range(0, len(ids), 500):
            batch = list(ids[offset : offset + 500])
            marks = ",".join("?" * len(batch))
            found = db.execute(f"SELECT rowid, source FROM chunk WHERE id IN ({marks})", batch).fetchall()
            rowids = [row[0] for row in found]
            if rowids:
                row_marks = ",".join("?" * len(rowids))
                db.execute(f"DELETE FROM chunk_fts WHERE rowid IN ({row_marks})", rowids)
                db.execute(f"DELETE FROM chunk_sentences WHERE chunk_rowid IN ({row_marks})", rowids)
                db.execute(f"DELETE FROM chunk WHERE rowid IN ({row_marks})", rowids)
            removed.extend(found)
        return removed

    def count(self) -> int:
        """Return the number of chunks in the index."""
        with self.file.locked() as db:
            return int(db.execute("SELECT count(*) FROM chunk").fetchone()[0])

    def ids(self) -> set[str]:
        """Return every chunk id in the index."""
        with self.file.locked() as db:
            return {row[0] for row in db.execute("SELECT id FROM chunk")}

    def version(self) -> tuple[int, int]:
        """Return a value that changes whenever the index is written, by this process or another."""
        return self.file.version()

    def passages(self, scored: Sequence[tuple[int, float]]) -> list[Passage]:
        """Return the chunks of these ``(rowid, score)`` pairs as passages, in the order given."""
        with self.file.read() as db:
            return read_passages(db, scored)

    def search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by BM25 score (higher is better), best first."""
        expression = match_expression(query, self._common(query))
        if not expression:
            return []
        source_weight = SOURCE_WEIGHT
        if where is not None and where.sources:
            # FTS5 finds the outlets' rows itself, rather than scoring every match and filtering
            # (the SQL filter below stays, for exactness); within the outlets their name column
            # adds the same to every row, so it is given no weight.
            outlets = " OR ".join(_phrase(source) for source in where.sources)
            expression = f"source : ({outlets}) AND ({expression})"
            source_weight = 0.0
        # The best k are chosen on rowids and scores alone; only they are joined to their text,
        # so a query matching most of a large index doesn't read every match's text.
        inner = "SELECT chunk_fts.rowid AS rowid, -bm25(chunk_fts, 1.0, ?, ?) AS score FROM chunk_fts"
        params: list[object] = [TITLE_WEIGHT, source_weight]
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
        with self.file.read() as db:
            rows = db.execute(sql, params).fetchall()
        return [
            Passage(chunk=Chunk.from_metadata(chunk_id, text, json.loads(meta)), score=float(score))
            for chunk_id, text, meta, score in rows
        ]

    def _common(self, query: str) -> set[str]:
        """Return the query's words found in more than ``common_share`` of the chunks.

        Empty when every word is that common: a query needs words to match.
        """
        if self.common_share >= 1.0:
            return set()
        content = {word for word in words(query) if word not in STOP_WORDS}
        version = self.version()
        with self.file.locked() as db:
            if self._frequencies is None or self._frequencies[0] != version:
                total = int(db.execute("SELECT count(*) FROM chunk").fetchone()[0])
                self._frequencies = (version, total, {})
            _, total, known = self._frequencies
            if total < self.common_from:
                return set()
            for word in content - known.keys():
                token = _fts_token(word)
                row = None
                if token is not None:
                    row = db.execute("SELECT doc FROM temp.chunk_vocab WHERE term = ?", (token,)).fetchone()
                known[word] = int(row[0]) if row else 0
            common = {word for word in content if known[word] > self.common_share * total}
        return common if content - common else set()


def _by_ids(db: sqlite3.Connection, query: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """Return the rows of ``query`` (its ``{marks}`` an ``IN`` list) for every id, 500 ids a statement."""
    rows: list[tuple[Any, ...]] = []
    for offset in range(0, len(ids), 500):
        batch = list(ids[offset : offset + 500])
        rows += db.execute(query.format(marks=",".join("?" * len(batch))), batch).fetchall()
    return rows


def read_passages(db: sqlite3.Connection, scored: Sequence[tuple[int, float]]) -> list[Passage]:
    """Return the chunks of these ``(rowid, score)`` pairs as passages, in the order given."""
    if not scored:
        return []
    marks = ",".join("?" * len(scored))
    rows = db.execute(
        f"SELECT rowid, id, text, meta FROM chunk WHERE rowid IN ({marks})", [row for row, _ in scored]
    ).fetchall()
    found = {rowid: (chunk_id, text, meta) for rowid, chunk_id, text, meta in rows}
    return [
        Passage(chunk=Chunk.from_metadata(found[r][0], found[r][1], json.loads(found[r][2])), score=score)
        for r, score in scored
        if r in found
    ]


def match_expression(query: str, leave_out: set[str] | frozenset[str] = frozenset()) -> str:
    """Return an FTS5 query matching any content word of ``query`` (each quoted, so safe)."""
    seen: dict[str, None] = {}
    for word in words(query):
        if word not in STOP_WORDS and word not in leave_out and len(seen) < _MAX_QUERY_WORDS:
            seen[word.replace('"', "")] = None
    return " OR ".join(f'"{word}"' for word in seen if word)


def _phrase(text: str) -> str:
    """Return the text as one quoted FTS5 phrase."""
    return '"' + text.replace('"', '""') + '"'


_PORTER = Stemmer.Stemmer("porter")


def _fts_token(word: str) -> str | None:
    """Return the term FTS5's ``porter unicode61`` tokenizer makes of a word, or None if several."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))
    if not plain.isalnum():
        return None  # "william's" is two FTS5 tokens: left in the query
    return str(_PORTER.stemWord(plain))
