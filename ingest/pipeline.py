"""Indexing, incrementally: new and changed articles in, gone ones out, the rest untouched.

Files and feeds are read as a stream. Each article's group (where from, id, fingerprint;
see `ingest.ledger`) is looked up in the record manager: a recorded one is unchanged and
costs no chunking and no embedding. The others are chunked and written in batches through
`langchain_core.indexing.index` (record manager + `StoreAdapter` over our store), so memory
holds one batch at a time. Old versions of changed articles, articles gone from a file, and
with ``sync`` files gone from the given folders, are removed at the end, after the new
versions are in, so that questions asked meanwhile always find an article.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.faults import crash_point
from ingest.feeds import FeedItem, load_item, read_feed
from ingest.fetching import AllowList, FeedError, FetchPolicy, FetchStopped, is_url
from ingest.ledger import Group, Ledger, scope_exists
from ingest.locking import Stopped
from ingest.readers import Problem, iter_file, iter_files
from ingest.records import Article, short_hash
from ingest.store import ChunkWriter

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from ingest.chunking import Chunker

Refuse = Callable[[Path], str | None]
"""Says why a file may not be read, or returns None when it may."""
OnProgress = Callable[[str, int, int], None]
"""Called as ``(stage, done, total)``; stages are ``reading`` (files) and ``embedding`` (chunks)."""

PROBLEMS_PER_FILE = 100
"""Problems of one file reported in full; the rest are counted in one line, so that a file of
millions of bad lines costs neither memory nor a report of hundreds of megabytes."""


@dataclass(frozen=True)
class Failure:
    """A file (or ``file:line``, or URL) that was not indexed, or indexed with a warning, and why."""

    path: str
    reason: str


@dataclass
class IndexReport:
    """What one indexing run did; ``added`` ... ``unchanged`` count articles."""

    added: int = 0
    updated: int = 0
    """Articles whose new version replaced the old one."""
    removed: int = 0
    """Articles taken out: gone from their file, or (with sync) their file gone."""
    unchanged: int = 0
    chunks: int = 0
    """Chunks embedded and written by this run."""
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    """Files in the given folders that are not of a supported type."""
    added_articles: list[tuple[str, str]] = field(default_factory=list)
    """``(path, title)`` of each article added or updated, for per-file listings."""
    stopped: bool = False
    """The caller stopped the run (``should_stop``): what it wrote is kept, the rest not read."""

    @property
    def ok(self) -> bool:
        """True when nothing failed and the run was not stopped."""
        return not self.failed and not self.stopped

    def to_dict(self) -> dict[str, Any]:
        """Return the report as the JSON object the CLI prints."""
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "failed": [asdict(failure) for failure in self.failed],
            "chunks": self.chunks,
            "warnings": [asdict(warning) for warning in self.warnings],
            "skipped": [asdict(skip) for skip in self.skipped],
        }


def fingerprint(article: Article, config: str = "") -> str:
    """Return a hash of everything that goes into the article's chunks (and the chunker's setup)."""
    return short_hash(
        config, article.title, article.body, article.source or "", article.published or "",
        article.url or "", article.path, length=24,
    )  # fmt: skip


def index_paths(
    paths: Iterable[str | Path],
    store: ChunkWriter,
    chunker: Chunker | Callable[[], Chunker],
    on_progress: OnProgress | None = None,
    *,
    ledger: Ledger,
    sync: bool = False,
    config: str,
    batch_chunks: int,
    feed_timeout: float,
    on_wait: Callable[[str], None] | None = None,
    feed_allow_hosts: str | Iterable[str] = "",
    lock_timeout: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    refuse: Refuse | None = None,
) -> IndexReport:
    """Bring the index up to date with these files, folders and feed URLs; never raises for bad input.

    ``chunker`` may be a callable that builds it, so a run with nothing new never loads the
    tokenizer. ``config`` names the chunking setup: changing it re-indexes every article.
    ``feed_timeout`` bounds each whole fetch of a feed or page; ``feed_allow_hosts`` lists
    the hosts and address ranges fetched although not public. A run that must wait for
    another's writer lock tells ``on_wait`` who holds it and raises `ingest.locking.LockTimeout`
    after ``lock_timeout`` seconds (None: no limit). ``should_stop`` is asked between files,
    records, feed items and batches, and during downloads (from a helper thread: it must be
    thread-safe, as `threading.Event.is_set` is); once it returns True the run ends, keeping
    what it fully wrote, releases the lock and returns a report with ``stopped`` set.
    ``refuse`` says why a file may not be read (the chat's folders), or None when it may.
    """
    policy = FetchPolicy(feed_timeout, AllowList.parse(feed_allow_hosts), should_stop)
    run = _Run(store, chunker, ledger, on_progress, config, batch_chunks, policy)
    run.refuse = refuse
    try:
        with ledger.writing(on_wait, timeout=lock_timeout, should_stop=should_stop):
            ledger.recover(store)
            try:
                run.execute([str(p) for p in paths], sync)
            except (Stopped, FetchStopped):
                run.stop()
    except Stopped:  # while waiting for the lock: nothing was done
        run.report.stopped = True
    return run.report


class _Run:
    """One indexing run: decisions per article, batched writes, removals at the end."""

    def __init__(
        self,
        store: ChunkWriter,
        chunker: Chunker | Callable[[], Chunker],
        ledger: Ledger,
        on_progress: OnProgress | None,
        config: str,
        batch_chunks: int,
        policy: FetchPolicy,
    ) -> None:
        from ingest.adapter import StoreAdapter

        self.report = IndexReport()
        self.refuse: Refuse | None = None
        self.store = store
        self.ledger = ledger
        self._chunker_source = chunker
        self._chunker: Chunker | None = None
        self.on_progress = on_progress
        self.config = config
        self.batch_chunks = batch_chunks
        self.policy = policy
        self.adapter = StoreAdapter(store, ledger, progress=self._advance)
        self.known: dict[str, Group] = {}
        self.by_article: dict[str, list[Group]] = defaultdict(list)
        self.seen_ids: dict[str, str] = {}
        """Article id -> path of its first occurrence in this run."""
        self.seen_groups: set[str] = set()
        self.run_scopes: set[str] = set()
        self.read_scopes: set[str] = set()
        """Files read this run (not failed with an I/O error): their other articles are stale."""
        self.replaced: dict[str, Group] = {}
        self.replacing: dict[str, list[Group]] = {}
        """New group key -> the old versions it replaces, for a stopped run's clean-up."""
        self.pending: list[tuple[str, tuple[str, str]]] = []
        """``("added" or "updated", (path, title))`` of the articles queued and not yet written."""
        self.flushed: set[str] = set()
        self.written_per_scope: dict[str, int] = defaultdict(int)
        self.articles_per_scope: dict[str, int] = defaultdict(int)
        self.batch: list[Document] = []
        self.queued = 0
        self.embedded = 0

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            from ingest.chunking import Chunker

            source = self._chunker_source
            self._chunker = source if isinstance(source, Chunker) else source()
        return self._chunker

    def execute(self, sources: list[str], sync: bool) -> None:
        for group in self.ledger.groups():
            self.known[group.key] = group
            self.by_article[group.article_id].append(group)
        feeds = [s for s in sources if is_url(s)]
        roots: list[Path] = []
        for source in sources:
            if is_url(source):
                continue
            if "://" in source and not os.path.exists(source):
                scheme = source.split("://", 1)[0]
                self.report.failed.append(
                    Failure(source, f"not read: only http and https feeds are fetched, not {scheme}")
                )
                continue
            roots.append(Path(os.path.abspath(source)))
        files = list(iter_files(roots))
        self.run_scopes = {str(path) for path, _ in files} | set(feeds)
        for done, (path, readable) in enumerate(files, start=1):
            self._check_stop()
            if readable:
                self._read_file(path)
            else:
                self.report.skipped.append(
                    Failure(str(path), f"not an article file ({path.suffix or 'no suffix'})")
                )
            if self.on_progress:
                self.on_progress("reading", done, len(files))
        for url in feeds:
            self._check_stop()
            self._read_feed(url)
        self._flush()
        self._check_stop()
        self._remove_stale(roots if sync else [])

    def stop(self) -> None:
        """End a stopped run cleanly: drop the unwritten batch, and the old versions of what was written."""
        self.report.stopped = True
        self.batch = []
        for kind, listed in self.pending:
            if kind == "added":
                self.report.added -= 1
            else:
                self.report.updated -= 1
            if listed in self.report.added_articles:
                self.report.added_articles.remove(listed)
        self.pending = []
        # A feed item's new version is in: its old one must go now, as no later run would see it.
        outdated = {
            old.key: old
            for new, olds in self.replacing.items()
            if new in self.flushed
            for old in olds
            if old.key not in self.seen_groups
        }
        if outdated:
            self.ledger.remove(list(outdated.values()), self.store)

    def _check_stop(self) -> None:
        if self.policy.should_stop is not None and self.policy.should_stop():
            raise Stopped

    def _read_file(self, path: Path) -> None:
        scope = str(path)
        refusal = self.refuse(path) if self.refuse is not None else None
        if refusal:
            self.report.failed.append(Failure(scope, refusal))
            return
        read = True
        problems = unlisted = unlisted_failures = 0
        items = iter_file(path)
        while True:
            self._check_stop()
            try:
                item = next(items, None)
            except Exception as exc:  # a reader's bug costs this file, never the whole run
                self._problem(Problem(scope, _unexpected(exc)))
                read = False  # keep what was indexed from it before
                break
            if item is None:
                break
            if isinstance(item, Problem):
                if item.path == scope and item.reason.startswith("cannot be read"):
                    read = False  # an I/O error may pass: keep what was indexed from it
                problems += 1
                if problems <= PROBLEMS_PER_FILE:
                    self._problem(item)
                else:  # counted, not kept
                    unlisted += 1
                    unlisted_failures += item.fatal
            else:
                # Stored under the file's name alone: a record's line number is for messages,
                # and must not make every later record look changed when a line is removed.
                stored = item if item.path == scope else dataclasses.replace(item, path=scope)
                self._consider(scope, item.id, fingerprint(stored, self.config), item.path, _loaded(stored))
        if unlisted:
            more = f"... and {unlisted} more problems in {scope}"
            self._problem(Problem(scope, more, fatal=unlisted_failures > 0))
        if read:
            self.read_scopes.add(scope)

    def _read_feed(self, url: str) -> None:
        try:
            items = read_feed(url, self.policy)
        except FeedError as exc:
            self.report.failed.append(Failure(url, str(exc)))
            return
        except FetchStopped:
            raise
        except Exception as exc:  # a parser's bug costs this feed, never the whole run
            self.report.failed.append(Failure(url, _unexpected(exc)))
            return
        for item in items:
            self._check_stop()
            fp = short_hash(self.config, item.fingerprint, length=24)
            self._consider(url, item.article_id, fp, item.path, functools.partial(self._load_item, item))

    def _load_item(self, item: FeedItem) -> tuple[Article | None, list[Problem]]:
        try:
            return load_item(item, self.policy)
        except FetchStopped:
            raise
        except Exception as exc:  # a page that breaks the extractor costs this item only
            return None, [Problem(item.path, _unexpected(exc))]

    def _consider(
        self,
        scope: str,
        article_id: str,
        fp: str,
        path: str,
        load: Load,
    ) -> None:
        """Decide what to do with one article: skip it as unchanged or a duplicate, or write it."""
        first = self.seen_ids.get(article_id)
        if first is not None:
            self.report.warnings.append(Failure(path, f"the same article as {first}; indexed once"))
            return
        self.seen_ids[article_id] = path
        self.articles_per_scope[scope] += 1
        group = Group(scope, article_id, fp)
        self.seen_groups.add(group.key)
        if group.key in self.known:
            self.report.unchanged += 1
            return
        previous = self.by_article.get(article_id, [])
        for other in previous:
            if other.scope != scope and other.scope not in self.run_scopes and scope_exists(other.scope):
                self.seen_groups.add(other.key)
                self.report.warnings.append(
                    Failure(path, f"the same article as {other.scope}, already indexed; indexed once")
                )
                return
        article, problems = load()
        for problem in problems:
            self._problem(problem)
        if article is None:
            return
        for other in previous:
            self.replaced[other.key] = other
        self.replacing[group.key] = previous
        if any(other.scope == scope for other in previous):
            self.report.updated += 1
            kind = "updated"
        else:
            self.report.added += 1
            self.written_per_scope[scope] += 1
            kind = "added"
        self.report.added_articles.append((path, article.title))
        self.pending.append((kind, (path, article.title)))
        self._queue(article, group)

    def _queue(self, article: Article, group: Group) -> None:
        from ingest.adapter import to_document

        chunks = self.chunker.chunk(article)
        self.batch.extend(to_document(chunk, group.key) for chunk in chunks)
        self.queued += len(chunks)
        if len(self.batch) >= self.batch_chunks:
            self._flush()

    def _flush(self) -> None:
        """Write the batch: stored in both indexes, then recorded in one transaction."""
        if not self.batch:
            return
        self._check_stop()
        from langchain_core.indexing import index

        from ingest.adapter import GROUP

        docs, self.batch = self.batch, []
        index(
            docs,
            self.ledger.records,
            self.adapter,
            batch_size=len(docs),
            cleanup=None,
            source_id_key=lambda doc: str(doc.metadata[GROUP]),
            key_encoder=lambda doc: str(doc.id),
            # Only new or changed articles get here: a chunk id already recorded belongs to
            # the old version of the same article, and its metadata must be rewritten.
            force_update=True,
        )
        crash_point("recorded")
        self.ledger.done([str(doc.id) for doc in docs])
        self.report.chunks += len(docs)
        self.flushed.update(str(doc.metadata[GROUP]) for doc in docs)
        self.pending = []

    def _advance(self, count: int) -> None:
        self.embedded += count
        if self.on_progress:
            self.on_progress("embedding", self.embedded, max(self.queued, self.embedded))

    def _remove_stale(self, sync_roots: list[Path]) -> None:
        """Remove old versions, articles gone from the files read, and (sync) gone files."""
        stale: dict[str, Group] = {
            key: group for key, group in self.replaced.items() if key not in self.seen_groups
        }
        for key, group in self.known.items():
            if key in self.seen_groups:
                continue
            if group.scope in self.read_scopes or (
                "://" not in group.scope
                and group.scope not in self.run_scopes
                and any(_under(group.scope, root) for root in sync_roots)
            ):
                stale[key] = group
        if not stale:
            return
        removed = self.ledger.remove(list(stale.values()), self.store)
        removed_per_scope: dict[str, int] = defaultdict(int)
        for group in removed:
            if group.key not in self.replaced:
                removed_per_scope[group.scope] += 1
        for scope, count in removed_per_scope.items():
            # A one-article file whose article changed (and so got a new id) was updated.
            if count == 1 and self.written_per_scope.get(scope) == 1 == self.articles_per_scope.get(scope):
                self.report.added -= 1
                self.report.updated += 1
            else:
                self.report.removed += count

    def _problem(self, problem: Problem) -> None:
        target = self.report.failed if problem.fatal else self.report.warnings
        target.append(Failure(problem.path, problem.reason))


Load = Callable[[], tuple[Article | None, list[Problem]]]


def _loaded(article: Article) -> Load:
    return lambda: (article, [])


def _unexpected(exc: Exception) -> str:
    return f"could not be read: unexpected {type(exc).__name__}: {exc}; please report it"


def _under(scope: str, root: Path) -> bool:
    text = str(root)
    return scope == text or scope.startswith(text.rstrip(os.sep) + os.sep)
