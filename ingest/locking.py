"""One indexing run at a time: the lock the write path needs, whatever holds the store.

`WriterLock` is the seam. The embedded store's lock is an ``flock`` on a file beside its records
(`FileLock`); a store whose state is in PostgreSQL uses a ``pg_advisory_lock``
(`vectorstore.postgres.lock.AdvisoryLock`), which serialises writers on every machine that
reaches the database. Both are released by their owner when its holder dies, however it dies:
the kernel closes the file, PostgreSQL ends the session. `holding` is the one waiting loop for
both: it tells the waiting run who holds the lock, gives up after a timeout, and stops when
asked to.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ingest.errors import NewsQAError

LOCK_TIMEOUT_SETTING = "NEWSQA_LOCK_TIMEOUT"
_POLL = 0.2
_NAME_GRACE = 1.0
"""Seconds a waiter gives a new holder to write its name before saying it doesn't know it."""
_COMMAND_CHARS = 300
_SINCE = ", running since "


class LockTimeout(NewsQAError):
    """Another indexing run held the store's writer lock for longer than the wait allowed."""


class Stopped(Exception):
    """The caller asked for the run to stop while it waited (``should_stop``)."""


class WriterLock(Protocol):
    """What the write path needs from a lock: try it, release it, and say who holds it."""

    where: str
    """The lock, for messages: ``lock /srv/news/news-records.sqlite3.lock``."""

    def try_acquire(self) -> bool:
        """Take the lock if it is free (recording who holds it); return whether it was taken."""
        ...

    def release(self) -> None:
        """Release the lock taken by `try_acquire`."""
        ...

    def holder(self) -> str:
        """Describe the run holding the lock (process, host, command, start), or '' if none says."""
        ...


@contextmanager
def holding(
    lock: WriterLock,
    on_wait: Callable[[str], None] | None = None,
    *,
    timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[None]:
    """Hold ``lock`` for the block, waiting for it if another run has it.

    A run that must wait tells ``on_wait`` who holds the lock (again when the holder changes),
    raises `LockTimeout` after ``timeout`` seconds (None: no limit; 0: at once), and `Stopped`
    as soon as ``should_stop()`` says so.
    """
    started = time.monotonic()
    told: str | None = None
    while not lock.try_acquire():
        waited = time.monotonic() - started
        holder = lock.holder()
        who = holder.split(_SINCE)[0]  # the same run, however long it has run since
        # The holder records its name just after taking the lock: give it a moment.
        if on_wait and timeout != 0 and who != told and (holder or waited >= _NAME_GRACE):
            told = who
            limit = "" if timeout is None else f"; giving up after {timeout:g} s ({LOCK_TIMEOUT_SETTING})"
            on_wait(
                "waiting for another indexing run on this store to finish: "
                f"{holder or 'a run that has not said who it is'} ({lock.where}){limit}"
            )
        if should_stop is not None and should_stop():
            raise Stopped("stopped while waiting for the store's writer lock")
        if timeout is not None and waited >= timeout:
            raise LockTimeout(
                f"gave up after waiting {timeout:g} s ({LOCK_TIMEOUT_SETTING}) for another indexing "
                f"run on this store to finish: {holder or 'a run that did not say who it is'} "
                f"({lock.where}). Let it finish and try again, stop it, or raise {LOCK_TIMEOUT_SETTING}."
            )
        time.sleep(_POLL if timeout is None else min(_POLL, max(timeout - waited, 0.01)))
    try:
        yield
    finally:
        lock.release()


class FileLock:
    """An ``flock`` on a file, which holds the holder's description while it is held."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"lock {path}"
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock if no other process has it, and write who we are into the file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(this_process()).encode("utf-8"), 0)
        self._fd = fd
        return True

    def release(self) -> None:
        """Forget the holder's name (a later waiter must not name a run that is over) and unlock."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def holder(self) -> str:
        """Describe the run holding the lock, from what it wrote into the file."""
        try:
            return describe_holder(self.path.read_text(encoding="utf-8"))
        except OSError:
            return ""


def this_process() -> dict[str, Any]:
    """Who this process is, as a lock records its holder: pid, host, command and start time."""
    argv = list(getattr(sys, "orig_argv", None) or [sys.executable])
    command = shlex.join([os.path.basename(argv[0]), *argv[1:]])
    if len(command) > _COMMAND_CHARS:
        command = command[: _COMMAND_CHARS - 1] + "…"
    return {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "started": time.time()}


def describe_holder(record: str) -> str:
    """Return a holder's JSON record (`this_process`) as words, or '' if it isn't one."""
    try:
        info = json.loads(record or "null")
    except ValueError:  # being written just now
        return ""
    if not isinstance(info, dict):
        return ""
    started = info.get("started")
    since = ""
    if isinstance(started, int | float):
        since = f"{_SINCE}{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(started))}"
        since += f" ({_duration(time.time() - started)})"
    return f"process {info.get('pid')} on {info.get('host')}, `{info.get('command')}`{since}"


def _duration(seconds: float) -> str:
    seconds = max(seconds, 0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
