"""Indexing files into a chunk store: read, chunk, skip what is stored, embed the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunking import Chunker
from ingest.readers import Problem, iter_files, read_file
from ingest.records import Article, Chunk
from vectorstore.base import ChunkStore

OnProgress = Callable[[str, int, int], None]
"""Called as ``(stage, done, total)``; stages are ``reading`` (files) and ``embedding`` (chunks)."""


@dataclass(frozen=True)
class Failure:
    """A file (or ``file:line``) that was not indexed, or indexed with a warning, and why."""

    path: str
    reason: str


@dataclass
class IndexReport:
    """What one indexing run did. ``added`` and ``unchanged`` count articles."""

    added: int = 0
    unchanged: int = 0
    chunks: int = 0
    """Chunks embedded and written by this run."""
    failed: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    """Files in the given folders that are not of a supported type."""
    added_articles: list[tuple[str, str]] = field(default_factory=list)
    """``(path, title)`` of each article added, for per-file listings."""

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        """Return the report as the JSON object the CLI prints."""
        return {
            "added": self.added,
            "unchanged": self.unchanged,
            "failed": [asdict(failure) for failure in self.failed],
            "chunks": self.chunks,
            "warnings": [asdict(warning) for warning in self.warnings],
            "skipped": [asdict(skip) for skip in self.skipped],
        }


def index_paths(
    paths: Iterable[str | Path],
    store: ChunkStore,
    chunker: Chunker,
    on_progress: OnProgress | None = None,
) -> IndexReport:
    """Index every article under ``paths``; a bad file is reported and the rest go in.

    Chunk ids are deterministic, so chunks already in the store are neither embedded nor
    written again: indexing the same articles twice adds nothing.
    """
    report = IndexReport()
    files = list(iter_files(Path(path) for path in paths))
    articles: dict[str, Article] = {}
    for done, (path, readable) in enumerate(files, start=1):
        if not readable:
            report.skipped.append(Failure(str(path), f"not an article file ({path.suffix or 'no suffix'})"))
            continue
        result = read_file(path)
        for problem in result.problems:
            _record(report, problem)
        for article in result.articles:
            first = articles.get(article.id)
            if first is not None:
                report.warnings.append(
                    Failure(article.path, f"the same article as {first.path}; indexed once")
                )
                continue
            articles[article.id] = article
        if on_progress:
            on_progress("reading", done, len(files))

    pending: list[Chunk] = []
    new_articles: list[Article] = []
    chunked = [(article, chunker.chunk(article)) for article in articles.values()]
    missing = store.missing([chunk.id for _, chunks in chunked for chunk in chunks])
    for article, chunks in chunked:
        fresh = [chunk for chunk in chunks if chunk.id in missing]
        if fresh:
            pending.extend(fresh)
            new_articles.append(article)
        else:
            report.unchanged += 1

    done_chunks = 0

    def advance(count: int) -> None:
        nonlocal done_chunks
        done_chunks += count
        if on_progress:
            on_progress("embedding", done_chunks, len(pending))

    if pending:
        report.chunks = store.add(pending, progress=advance)
    report.added = len(new_articles)
    report.added_articles = [(article.path, article.title) for article in new_articles]
    return report


def _record(report: IndexReport, problem: Problem) -> None:
    target = report.failed if problem.fatal else report.warnings
    target.append(Failure(problem.path, problem.reason))
