"""One SQLite file shared by the local indexes kept in it (BM25 keywords, outlet vectors).

Both indexes are written in the same transactions (`write`), so they never disagree, and
searched through one connection per thread (`read`), so searches run side by side: SQLite
lets the GIL go while it works, and WAL lets readers run beside a writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteFile:
    """A SQLite database in ``path`` (created if missing), or in memory when ``path`` is None."""

    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False, timeout=30)
        self._lock = threading.Lock()
        self._readers = threading.local()
        self._writes = 0
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Yield the connection inside one transaction, committed on success, rolled back on error."""
        with self._lock, self._db:
            self._writes += 1
            yield self._db

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        """Yield the main connection for a short query (counts, lookups), outside any write."""
        with self._lock:
            yield self._db

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Yield a connection to search with: one per thread. In memory there is one, used under the lock."""
        if self.path is None:
            with self._lock:
                yield self._db
            return
        reader = getattr(self._readers, "db", None)
        if reader is None:
            reader = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
            self._readers.db = reader
        yield reader

    def version(self) -> tuple[int, int]:
        """Return a value that changes whenever the file is written, by this process or another."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0]), self._writes

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
