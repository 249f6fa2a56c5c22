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

import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import NewsQAError
from ingest.faults import crash_point
from ingest.store import ChunkWriter

if TYPE_CHECKING:
    from langchain_classic.indexes import SQLRecordManager

_BATCH = 500
_POLL = 0.2
_NAME_GRACE = 1.0
"""Seconds a waiter gives a new holder to write its name before saying it doesn't know it."""
_COMMAND_CHARS = 300
LOCK_TIMEOUT_SETTING = "NEWSQA_LOCK_TIMEOUT"


class LockTimeout(NewsQAError):
    """Another indexing run held the store's writer lock for longer than `NEWSQA_LOCK_TIMEOUT`."""


class Stopped(Exception):
    """The caller asked for the run to stop (`index_paths`' ``should_stop``)."""


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
    """The record manager of one collection, its in-flight journal, and the writers' lock."""

    def __init__(self, path: Path, namespace: str) -> None:
        from langchain_classic.indexes import SQLRecordManager
        from sqlalchemy import create_engine

        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 60})
        self.records: SQLRecordManager = SQLRecordManager(f"{namespace}/chunks", engine=self._engine)
        self.journal: SQLRecordManager = SQLRecordManager(f"{namespace}/in-flight", engine=self._engine)
        self.records.create_schema()
        self._lock_path = path.with_name(path.name + ".lock")

    @contextmanager
    def writing(
        self,
        on_wait: Callable[[str], None] | None = None,
        *,
        timeout: float | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> Iterator[None]:
        """Hold the writers' lock: one indexing run at a time per store (readers never wait).

        The lock is an ``flock`` on a file beside the records, so the kernel releases it when
        its holder dies, however it dies. The holder writes who it is into the file; a run
        that must wait tells ``on_wait`` who holds it, and raises `LockTimeout` after
        ``timeout`` seconds (None: no limit), or `Stopped` as soon as ``should_stop()`` says so.
        """
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd, on_wait, timeout, should_stop)
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(_this_process()).encode("utf-8"), 0)
                yield
            finally:
                os.ftruncate(fd, 0)  # a later waiter must not name a run that is over
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _acquire(
        self,
        fd: int,
        on_wait: Callable[[str], None] | None,
        timeout: float | None,
        should_stop: Callable[[], bool] | None,
    ) -> None:
        """Take the lock, polling, so that the wait can tell who holds it, end, and be stopped."""
        started = time.monotonic()
        told: str | None = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            waited = time.monotonic() - started
            record = self._holder_record()
            holder = _describe_holder(record)
            # The holder writes its name just after taking the lock: give it a moment. A new
            # holder (another run got in first) is told again.
            if on_wait and timeout != 0 and record != told and (holder or waited >= _NAME_GRACE):
                told = record
                limit = "" if timeout is None else f"; giving up after {timeout:g} s ({LOCK_TIMEOUT_SETTING})"
                on_wait(
                    f"waiting for another indexing run on this store to finish: "
                    f"{holder or 'a run that has not said who it is'} (lock {self._lock_path}){limit}"
                )
            if should_stop is not None and should_stop():
                raise Stopped("stopped while waiting for the store's writer lock")
            if timeout is not None and waited >= timeout:
                raise LockTimeout(
                    f"gave up after waiting {timeout:g} s ({LOCK_TIMEOUT_SETTING}) for another indexing "
                    f"run on this store to finish: {holder or 'a run that did not say who it is'} "
                    f"(lock {self._lock_path}). Let it finish and try again, stop it, or raise "
                    f"{LOCK_TIMEOUT_SETTING}."
                )
            time.sleep(_POLL if timeout is None else min(_POLL, max(timeout - waited, 0.01)))

    def holder(self) -> str:
        """Describe the run holding the writers' lock (pid, host, command, start), or '' if none says."""
        return _describe_holder(self._holder_record())

    def _holder_record(self) -> str:
        try:
            return self._lock_path.read_text(encoding="utf-8")
        except OSError:
            return ""

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


def _this_process() -> dict[str, Any]:
    """Who holds the lock, as the lock file records it."""
    argv = list(sys.orig_argv) or [sys.executable]
    command = shlex.join([os.path.basename(argv[0]), *argv[1:]])
    if len(command) > _COMMAND_CHARS:
        command = command[: _COMMAND_CHARS - 1] + "…"
    return {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "started": time.time()}


def _describe_holder(record: str) -> str:
    try:
        info = json.loads(record or "null")
    except ValueError:  # being written just now
        return ""
    if not isinstance(info, dict):
        return ""
    started = info.get("started")
    since = ""
    if isinstance(started, int | float):
        since = f", running since {time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started))}"
        since += f" ({_duration(time.time() - started)})"
    return f"process {info.get('pid')} on {info.get('host')}, `{info.get('command')}`{since}"


def _duration(seconds: float) -> str:
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def scope_exists(scope: str) -> bool:
    """Return True if a recorded scope is still there: a file on disk, or any feed URL."""
    return "://" in scope or os.path.lexists(scope)
