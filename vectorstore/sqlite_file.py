"""One SQLite file shared by the local indexes kept in it (BM25 keywords, outlet vectors).

Both indexes are written in the same transactions (`write`), so they never disagree, and
searched through one connection per thread (`read`), so searches run side by side: SQLite
lets the GIL go while it works, and WAL lets readers run beside a writer.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from ingest.errors import NewsQAError


class ReadOnlyError(NewsQAError):
    """The index is in a folder this process may not write: it can be searched, not changed."""


class SqliteFile:
    """A SQLite database in ``path`` (created if missing), or in memory when ``path`` is None.

    A file in a folder this process may not write (a read-only mount, another user's folder)
    is opened read-only and as immutable, the one way SQLite reads a WAL database there:
    searches work, writes raise `ReadOnlyError`.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.read_only = path is not None and path.parent.is_dir() and not os.access(path.parent, os.W_OK)
        if path is not None and not self.read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = self._connect()
        self._lock = threading.Lock()
        self._readers = threading.local()
        self._writes = 0
        if not self.read_only:
            with self._lock, self._db:
                self._db.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        if self.path is None:
            return sqlite3.connect(":memory:", check_same_thread=False, timeout=30)
        if self.read_only:
            if not self.path.exists():
                raise ReadOnlyError(
                    f"{self.path} does not exist, and its folder is read-only: index into a folder "
                    "this process may write first (NEWSQA_STORE_DIR)."
                )
            uri = f"file:{quote(str(self.path))}?mode=ro&immutable=1"
            return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        return sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Yield the connection inside one transaction, committed on success, rolled back on error."""
        if self.read_only:
            raise ReadOnlyError(
                f"the index in {self.path.parent if self.path else 'memory'} is read-only here: it can be "
                "searched, not changed. Index from an account that may write that folder."
            )
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
            reader = self._connect()
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
