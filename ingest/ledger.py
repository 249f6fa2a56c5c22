"""What is indexed: LangChain's SQL record manager beside the store, plus a write lock and a journal.

Record keys are our chunk ids, so the record manager, Chroma and the keyword index hold the
same ids. Each record's group names the article it belongs to, as a `Group`: where it was
read (a file path or feed URL), its id, and a fingerprint of everything that goes into its
chunks. An article whose group is recorded is indexed, complete and current: the record
manager writes a whole batch of articles' keys in one transaction, after their chunks are
stored. So re-indexing decides "unchanged" from the groups alone, without chunking or
embedding anything.

A second namespace is a journal of chunk ids whose write or removal is under way. After a
crash (even SIGKILL) `recover` removes those chunks, and every article they belong to, from
both indexes and the records, so the next run writes them again whole: nothing doubled,
nothing half-written, nothing left behind that no record points to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.faults import crash_point
from ingest.locking import FileLock, WriterLock, holding
from ingest.store import ChunkWriter

if TYPE_CHECKING:
    from langchain_classic.indexes import SQLRecordManager
    from sqlalchemy.engine import Engine

_BATCH = 500


@dataclass(frozen=True)
class Group:
    """One article as indexed: where it was read, its id, and a fingerprint of its content."""

    scope: str
    """The file (absolute path) or feed URL it came from."""
    article_id: str
    fingerprint: str

    @property
    def key(self) -> str:
        """The group id stored with each of the article's chunk records."""
        return json.dumps([self.scope, self.article_id, self.fingerprint], ensure_ascii=False)

    @classmethod
    def parse(cls, key: str) -> Group | None:
        """Return the group a stored group id names, or None for one not written by newsqa."""
        try:
            scope, article_id, fingerprint = json.loads(key)
        except (TypeError, ValueError):
            return None
        return cls(str(scope), str(article_id), str(fingerprint))


class Ledger:
    """The record manager of one collection, its in-flight journal, and the writers' lock.

    By default all three live beside the embedded store: the records in the SQLite file
    ``path``, the lock an ``flock`` on a file beside it. Given an ``engine`` (PostgreSQL's, for
    a store shared by several machines) and a ``lock`` (`ingest.locking.WriterLock`), the
    records and the journal live in that database and ``path`` is not used.
    """

    def __init__(
        self,
        path: Path | None,
        namespace: str,
        *,
        engine: Engine | None = None,
        lock: WriterLock | None = None,
    ) -> None:
        from langchain_classic.indexes import SQLRecordManager
        from sqlalchemy import create_engine

        if engine is None or lock is None:
            if path is None:
                raise ValueError("a Ledger needs a path, or an engine and a lock")
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        if engine is None:
            engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})
        self._engine = engine
        self.lock: WriterLock = lock or FileLock(Path(f"{path}.lock"))
        self.records: SQLRecordManager = SQLRecordManager(f"{namespace}/chunks", engine=self._engine)
        self.journal: SQLRecordManager = SQLRecordManager(f"{namespace}/in-flight", engine=self._engine)
        self.records.create_schema()

    @contextmanager
    def writing(
        self,
        on_wait: Callable[[str], None] | None = None,
        *,
        timeout: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[None]:
        """Hold the writers' lock: one indexing run at a time per store (readers never wait).

        The lock is released by its owner when its holder dies, however it dies (the kernel
        for an ``flock``, PostgreSQL for an advisory lock). A run that must wait tells
        ``on_wait`` who holds it, and raises `ingest.locking.LockTimeout` after ``timeout``
        seconds (None: no limit), or `ingest.locking.Stopped` once ``should_stop()`` says so.
        """
        with holding(self.lock, on_wait, timeout=timeout, should_stop=should_stop):
            yield

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine of the records' database."""
        return self._engine

    def groups(self) -> list[Group]:
        """Return every article recorded as indexed."""
        rows = self._query(_GROUPS_OF_NAMESPACE, ns=self.records.namespace)
        return [group for (key,) in rows if key and (group := Group.parse(key)) is not None]

    def keys(self) -> set[str]:
        """Return every recorded chunk id."""
        return set(self.records.list_keys())

    def begin(self, keys: Sequence[str], groups: Sequence[str | None] | None = None) -> None:
        """Note that these chunks are about to be written or removed."""
        for offset in range(0, len(keys), _BATCH):
            part = list(keys[offset : offset + _BATCH])
            self.journal.update(part, group_ids=None if groups is None else groups[offset : offset + _BATCH])

    def done(self, keys: Sequence[str]) -> None:
        """Note that the write or removal of these chunks is complete and recorded."""
        for offset in range(0, len(keys), _BATCH):
            self.journal.delete_keys(list(keys[offset : offset + _BATCH]))

    def remove(self, groups: Collection[Group], store: ChunkWriter) -> list[Group]:
        """Remove these articles' chunks from the store and the records; return those that had any."""
        removed: list[Group] = []
        wanted = [group.key for group in groups]
        for offset in range(0, len(wanted), _BATCH):
            keyed = self._keys_of_groups(wanted[offset : offset + _BATCH])
            keys = [key for key, _ in keyed]
            if not keys:
                continue
            self.begin(keys, [group for _, group in keyed])
            store.delete(keys)
            crash_point("deleted")
            self.records.delete_keys(keys)
            self.done(keys)
            for key in dict.fromkeys(group for _, group in keyed):
                parsed = Group.parse(key)
                if parsed is not None:
                    removed.append(parsed)
        return removed

    def recover(self, store: ChunkWriter) -> int:
        """Undo whatever a crashed run left half-done; return how many chunks were removed."""
        keys = self.journal.list_keys()
        if not keys:
            return 0
        groups = {key for (key,) in self._query(_GROUPS_OF_NAMESPACE, ns=self.journal.namespace) if key}
        for offset in range(0, len(keys), _BATCH):
            part = keys[offset : offset + _BATCH]
            groups.update(group for _, group in self._groups_of_keys(part))
        doomed = set(keys)
        group_list = sorted(groups)
        for offset in range(0, len(group_list), _BATCH):
            doomed.update(key for key, _ in self._keys_of_groups(group_list[offset : offset + _BATCH]))
        ordered = sorted(doomed)
        for offset in range(0, len(ordered), _BATCH):
            part = ordered[offset : offset + _BATCH]
            store.delete(part)
            self.records.delete_keys(part)
        self.done(keys)
        return len(ordered)

    def last_update(self) -> float | None:
        """Return when an article was last written to the index (Unix time), or None if never."""
        rows = self._query(_LAST_UPDATE, ns=self.records.namespace)
        newest = rows[0][0] if rows else None
        return float(newest) if newest is not None else None

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def _keys_of_groups(self, groups: Sequence[str]) -> list[tuple[str, str]]:
        if not groups:
            return []
        marks = ", ".join(f":g{i}" for i in range(len(groups)))
        sql = f"SELECT key, group_id FROM upsertion_record WHERE namespace = :ns AND group_id IN ({marks})"
        params = {f"g{i}": group for i, group in enumerate(groups)}
        return [(key, group) for key, group in self._query(sql, ns=self.records.namespace, **params)]

    def _groups_of_keys(self, keys: Sequence[str]) -> list[tuple[str, str]]:
        marks = ", ".join(f":k{i}" for i in range(len(keys)))
        sql = f"SELECT key, group_id FROM upsertion_record WHERE namespace = :ns AND key IN ({marks})"
        params = {f"k{i}": key for i, key in enumerate(keys)}
        return [(k, g) for k, g in self._query(sql, ns=self.records.namespace, **params) if g]

    def _query(self, sql: str, **params: str) -> list[tuple[Any, ...]]:
        from sqlalchemy import text

        with self._engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]


_GROUPS_OF_NAMESPACE = "SELECT DISTINCT group_id FROM upsertion_record WHERE namespace = :ns"
_LAST_UPDATE = "SELECT MAX(updated_at) FROM upsertion_record WHERE namespace = :ns"


def scope_exists(scope: str) -> bool:
    """Return True if a recorded scope is still there: a file on disk, or any feed URL."""
    return "://" in scope or os.path.lexists(scope)
