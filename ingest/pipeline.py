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
from ingest.feeds import FeedError, is_url, load_item, read_feed
from ingest.ledger import Group, Ledger, scope_exists
from ingest.readers import Problem, iter_file, iter_files
from ingest.records import Article, short_hash
from ingest.store import ChunkWriter

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from ingest.chunking import Chunker

OnProgress = Callable[[str, int, int], None]
"""Called as ``(stage, done, total)``; stages are ``reading`` (files) and ``embedding`` (chunks)."""


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

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

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
    lock_timeout: float | None = None,
) -> IndexReport:
    """Bring the index up to date with these files, folders and feed URLs; never raises for bad input.

    ``chunker`` may be a callable that builds it, so a run with nothing new never loads the
    tokenizer. ``config`` names the chunking setup: changing it re-indexes every article.
    A run that must wait for another's writer lock tells ``on_wait`` who holds it and raises
    `ingest.locking.LockTimeout` after ``lock_timeout`` seconds (None: no limit).
    """
    run = _Run(store, chunker, ledger, on_progress, config, batch_chunks, feed_timeout)
    with ledger.writing(on_wait, timeout=lock_timeout):
        ledger.recover(store)
        run.execute([str(p) for p in paths], sync)
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
        feed_timeout: float,
    ) -> None:
        from ingest.adapter import StoreAdapter

        self.report = IndexReport()
        self.store = store
        self.ledger = ledger
        self._chunker_source = chunker
        self._chunker: Chunker | None = None
        self.on_progress = on_progress
        self.config = config
        self.batch_chunks = batch_chunks
        self.feed_timeout = feed_timeout
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
        roots = [Path(os.path.abspath(s)) for s in sources if not is_url(s)]
        files = list(iter_files(roots))
        self.run_scopes = {str(path) for path, _ in files} | set(feeds)
        for done, (path, readable) in enumerate(files, start=1):
            if readable:
                self._read_file(path)
            else:
                self.report.skipped.append(
                    Failure(str(path), f"not an article file ({path.suffix or 'no suffix'})")
                )
            if self.on_progress:
                self.on_progress("reading", done, len(files))
        for url in feeds:
            self._read_feed(url)
        self._flush()
        self._remove_stale(roots if sync else [])

    def _read_file(self, path: Path) -> None:
        scope = str(path)
        read = True
        for item in iter_file(path):
            if isinstance(item, Problem):
                if item.path == scope and item.reason.startswith("cannot be read"):
                    read = False  # an I/O error may pass: keep what was indexed from it
                self._problem(item)
            else:
                # Stored under the file's name alone: a record's line number is for messages,
                # and must not make every later record look changed when a line is removed.
                stored = item if item.path == scope else dataclasses.replace(item, path=scope)
                self._consider(scope, item.id, fingerprint(stored, self.config), item.path, _loaded(stored))
        if read:
            self.read_scopes.add(scope)

    def _read_feed(self, url: str) -> None:
        try:
            items = read_feed(url, self.feed_timeout)
        except FeedError as exc:
            self.report.failed.append(Failure(url, str(exc)))
            return
        timeout = self.feed_timeout
        for item in items:
            fp = short_hash(self.config, item.fingerprint, length=24)
            self._consider(url, item.article_id, fp, item.path, functools.partial(load_item, item, timeout))

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
        if any(other.scope == scope for other in previous):
            self.report.updated += 1
        else:
            self.report.added += 1
            self.written_per_scope[scope] += 1
        self.report.added_articles.append((path, article.title))
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


def _under(scope: str, root: Path) -> bool:
    text = str(root)
    return scope == text or scope.startswith(text.rstrip(os.sep) + os.sep)
