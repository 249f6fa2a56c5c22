"""Keep an index current: re-index watched folders when files appear or change, and poll feeds.

File events come from watchdog (inotify on Linux). A burst of events (a copy of many files,
an editor's save dance) settles for `SETTLE_SECONDS` before one indexing pass runs over the
watched paths; unchanged articles cost nothing in that pass, so it need not know which files
changed. Runs until interrupted (Ctrl-C), leaving the index as the last finished pass left it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingest.feeds import is_url
from ingest.pipeline import IndexReport
from ingest.readers import SUPPORTED_SUFFIXES

SETTLE_SECONDS = 1.0
_TICK = 0.2

Pass = Callable[[list[str]], IndexReport]
"""Indexes the given sources and returns the report."""


class Watcher:
    """Runs an indexing pass when watched files change, and over the feeds every so often."""

    def __init__(
        self,
        sources: Sequence[str],
        run_pass: Pass,
        on_report: Callable[[IndexReport], None],
        feed_interval: float = 900.0,
        settle: float = SETTLE_SECONDS,
        ignore: Sequence[Path] = (),
    ) -> None:
        self.paths = [s for s in sources if not is_url(s)]
        self.feeds = [s for s in sources if is_url(s)]
        self.run_pass = run_pass
        self.on_report = on_report
        self.feed_interval = feed_interval
        self.settle = settle
        self.ignore = [Path(i).absolute() for i in ignore]
        """Folders whose changes don't count (the store, when it lies inside a watched folder)."""
        self._changed_at: float | None = None
        self._lock = threading.Lock()
        self.stopped = threading.Event()

    def changed(self) -> None:
        """Note that something under a watched path changed (called from watchdog's thread)."""
        with self._lock:
            self._changed_at = time.monotonic()

    def run(self) -> None:
        """Index everything once, then keep watching until `stopped` is set or Ctrl-C."""
        from watchdog.observers import Observer

        observer = Observer()
        handler = _handler(self)
        for folder in sorted({_watch_folder(Path(p)) for p in self.paths}):
            observer.schedule(handler, str(folder), recursive=True)
        observer.start()
        try:
            self.on_report(self.run_pass([*self.paths, *self.feeds]))
            feeds_read = time.monotonic()
            while not self.stopped.wait(_TICK):
                if self._settled():
                    self.on_report(self.run_pass(self.paths))
                if self.feeds and time.monotonic() - feeds_read >= self.feed_interval:
                    self.on_report(self.run_pass(self.feeds))
                    feeds_read = time.monotonic()
        finally:
            observer.stop()
            observer.join(timeout=5)

    def _settled(self) -> bool:
        with self._lock:
            if self._changed_at is None or time.monotonic() - self._changed_at < self.settle:
                return False
            self._changed_at = None
            return True


def _watch_folder(path: Path) -> Path:
    """Return the folder to watch for a path: itself, or a file's folder (or nearest existing)."""
    path = path.absolute()
    if path.is_dir():
        return path
    parent = path.parent
    while not parent.is_dir() and parent != parent.parent:
        parent = parent.parent
    return parent


def _handler(watcher: Watcher) -> Any:
    from watchdog.events import FileSystemEventHandler

    class Handler(_Handler, FileSystemEventHandler):
        pass

    return Handler(watcher)


class _Handler:
    """A watchdog handler that passes on changes that can matter to the index.

    Those are changes to article files (by suffix, hidden ones aside) and folders created,
    moved or deleted; not reads, and not the store's own files (which a pass itself touches).
    """

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def dispatch(self, event: object) -> None:
        """Note the event if it can change what is indexed."""
        kind = getattr(event, "event_type", "")
        if kind in {"opened", "closed_no_write"}:
            return
        is_folder = bool(getattr(event, "is_directory", False))
        if is_folder and kind == "modified":
            return
        for raw in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
            if raw and self._matters(Path(os.fsdecode(raw)), is_folder):
                self.watcher.changed()
                return

    def _matters(self, path: Path, is_folder: bool) -> bool:
        if path.name.startswith(".") or any(path.is_relative_to(i) for i in self.watcher.ignore):
            return False
        return is_folder or path.suffix.lower() in SUPPORTED_SUFFIXES
