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
3,000 chunks) leaving the common words out cost 0.02 of evidence_recall@10. The same file keeps each chunk's
vector for searches within outlets (`vectorstore.outlet_vectors`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import Stemmer

from ingest.records import Chunk
from ingest.terms import STOP_WORDS, words
from vectorstore import outlet_vectors
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


class KeywordIndex:
    """BM25 search over chunk text (and titles), with the same filters as the vector store."""

    def __init__(
        self, path: Path | None = None, common_share: float = 1.0, common_from: int = COMMON_FROM_CHUNKS
    ) -> None:
        """Open the index in ``path`` (a SQLite file, created if missing), or in memory.

        Once it holds ``common_from`` chunks or more, query words found in more than
        ``common_share`` (0-1) of them are left out of searches; 1 keeps every word.
        """
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        self._readers = threading.local()
        self.common_share = common_share
        self.common_from = common_from
        self._writes = 0
        self._frequencies: tuple[tuple[int, int], int, dict[str, int]] | None = None
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
            self._db.executescript(_SCHEMA + outlet_vectors.SCHEMA)
            if not self._db.execute("SELECT 1 FROM index_state").fetchone():
                # A new index starts complete; one from before vectors were kept here does not.
                empty = self._db.execute("SELECT 1 FROM chunk LIMIT 1").fetchone() is None
                outlet_vectors.mark(self._db, empty)
            self._db.execute(_VOCABULARY)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection to search with: one per thread, so searches run side by side.

        SQLite lets the GIL go while it works and WAL lets readers run beside a writer. An
        in-memory index has one connection only, used under the lock.
        """
        if self._path is None:
            with self._lock:
                yield self._db
            return
        reader = getattr(self._readers, "db", None)
        if reader is None:
            reader = sqlite3.connect(str(self._path), check_same_thread=False, timeout=30)
            self._readers.db = reader
        yield reader

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

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]] | None = None) -> None:
        """Insert or replace the chunks (and their vectors, for outlet searches) in one transaction."""
        if not chunks:
            return
        with self._lock, self._db:
            self._writes += 1
            self._delete(self._db, [chunk.id for chunk in chunks])
            if vectors is None and any(chunk.source is not None for chunk in chunks):
                outlet_vectors.mark(self._db, False)
            for n, chunk in enumerate(chunks):
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
                if vectors is not None and cursor.lastrowid is not None:
                    outlet_vectors.insert(self._db, cursor.lastrowid, chunk, vectors[n])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove the chunks with these ids, if present, in one transaction."""
        if ids:
            with self._lock, self._db:
                self._writes += 1
                self._delete(self._db, list(ids))

    def count(self) -> int:
        """Return the number of chunks in the index."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM chunk").fetchone()[0])

    def ids(self) -> set[str]:
        """Return every chunk id in the index."""
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM chunk")}

    def version(self) -> tuple[int, int]:
        """Return a value that changes whenever the index is written, by this process or another."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._writes

    def vectors_complete(self) -> bool:
        """Return True when every chunk with an outlet has its vector here (see `vector_search`)."""
        with self._lock:
            return outlet_vectors.is_complete(self._db)

    def backfill(self, vectors: Iterable[Sequence[tuple[str, Sequence[float]]]]) -> None:
        """Store ``(chunk id, vector)`` pairs, batch by batch, then record the vectors as complete."""
        for batch in vectors:
            with self._lock, self._db:
                outlet_vectors.insert_by_id(self._db, batch)
        with self._lock, self._db:
            outlet_vectors.mark(self._db, True)

    def vector_search(self, vector: Sequence[float], k: int, where: SearchFilter) -> list[Passage]:
        """Return up to ``k`` passages of the filter's outlets by cosine similarity, exactly."""
        with self._reading() as db:
            best = outlet_vectors.search(db, vector, k, where)
            if not best:
                return []
            marks = ",".join("?" * len(best))
            rows = db.execute(
                f"SELECT rowid, id, text, meta FROM chunk WHERE rowid IN ({marks})", [row for row, _ in best]
            ).fetchall()
        found = {rowid: (chunk_id, text, meta) for rowid, chunk_id, text, meta in rows}
        return [
            Passage(chunk=Chunk.from_metadata(found[r][0], found[r][1], json.loads(found[r][2])), score=score)
            for r, score in best
            if r in found
        ]

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
        with self._reading() as db:
            rows = db.execute(sql, params).fetchall()
        return [
            Passage(chunk=Chunk.from_metadata(chunk_id, text, json.loads(meta)), score=float(score))
            for chunk_id, text, meta, score in rows
        ]

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def _common(self, query: str) -> set[str]:
        """Return the query's words found in more than ``common_share`` of the chunks.

        Empty when every word is that common: a query needs words to match.
        """
        if self.common_share >= 1.0:
            return set()
        content = {word for word in words(query) if word not in STOP_WORDS}
        version = self.version()
        with self._lock:
            if self._frequencies is None or self._frequencies[0] != version:
                total = int(self._db.execute("SELECT count(*) FROM chunk").fetchone()[0])
                self._frequencies = (version, total, {})
            _, total, known = self._frequencies
            if total < self.common_from:
                return set()
            for word in content - known.keys():
                token = _fts_token(word)
                row = None
                if token is not None:
                    row = self._db.execute(
                        "SELECT doc FROM temp.chunk_vocab WHERE term = ?", (token,)
                    ).fetchone()
                known[word] = int(row[0]) if row else 0
            common = {word for word in content if known[word] > self.common_share * total}
        return common if content - common else set()

    @staticmethod
    def _delete(db: sqlite3.Connection, ids: list[str]) -> None:
        for offset in range(0, len(ids), 500):
            batch = ids[offset : offset + 500]
            marks = ",".join("?" * len(batch))
            found = db.execute(f"SELECT rowid, source FROM chunk WHERE id IN ({marks})", batch).fetchall()
            outlet_vectors.delete(db, found)
            rowids = [row[0] for row in found]
            if rowids:
                row_marks = ",".join("?" * len(rowids))
                db.execute(f"DELETE FROM chunk_fts WHERE rowid IN ({row_marks})", rowids)
                db.execute(f"DELETE FROM chunk WHERE rowid IN ({row_marks})", rowids)


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
