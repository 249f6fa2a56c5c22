"""``python -m ingest SOURCE... [--sync] [--watch] [--json]``, and ``--stats``: keep the index current."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.cli import add_store_flag, run, settings_from
from ingest.pipeline import IndexReport
from vectorstore.base import IndexStats

if TYPE_CHECKING:
    from assistant import NewsAssistant, Settings

_LISTED = 20


def main(
    argv: list[str] | None = None, open_assistant: Callable[[Settings], NewsAssistant] | None = None
) -> int:
    """Index the given sources (or describe the index); return 1 if anything failed, else 0.

    ``open_assistant`` builds the assistant from the settings (tests pass one with other parts).
    """
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Index news articles for newsqa: files or folders (searched recursively) and "
        "RSS/Atom feed URLs. Unchanged articles are skipped, changed ones replaced.",
        epilog="Reads .txt/.md (with or without a ' date YYYY-MM Outlet' header), .html/.htm, "
        ".jsonl and .json. Exit status 1 when anything failed.",
    )
    parser.add_argument(
        "sources", nargs="*", metavar="PATH|FEED_URL", help="article files, folders or feed URLs"
    )
    add_store_flag(parser)
    parser.add_argument(
        "--sync", action="store_true", help="also remove articles whose files are gone from the given folders"
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep running: index files as they appear or change (Ctrl-C stops)",
    )
    parser.add_argument("--stats", action="store_true", help="describe the index instead of indexing")
    parser.add_argument(
        "--reindex",
        action="store_true",
        help="read again the upload folder and the folders and feeds added from the chat (as its "
        "Re-index button): new and changed articles in, those whose files are gone out",
    )
    parser.add_argument(
        "--migrate-to",
        metavar="DATABASE_URL",
        help="copy the embedded store in --store (keyword index, records, articles, vectors) into this "
        "PostgreSQL database and the Chroma server of NEWSQA_CHROMA_HOST/PORT, embedding nothing",
    )
    parser.add_argument(
        "--sentence-vectors",
        action="store_true",
        help="give the chunks of an index written before sentence vectors were kept theirs, so that "
        "answers embed nothing but the question (embeds those chunks again, as long as indexing them)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    alone = args.stats + args.reindex + bool(args.migrate_to) + args.sentence_vectors
    if alone + bool(args.sources) != 1:
        parser.error(
            "give PATHs or FEED_URLs to index, or --stats (alone) to describe the index, "
            "or --reindex (alone) to read the chat's sources again, or --migrate-to DATABASE_URL (alone), "
            "or --sentence-vectors (alone)"
        )
    if alone and (args.sync or args.watch):
        parser.error("--stats, --reindex, --migrate-to and --sentence-vectors take no --sync or --watch")

    from assistant.core import open_assistant as default

    if args.migrate_to:
        return _migrate(settings_from(args), args.migrate_to, args.json, open_assistant or default)
    bot = (open_assistant or default)(settings_from(args))
    if args.stats:
        stats = bot.stats()
        print(
            json.dumps(stats_dict(stats), ensure_ascii=False, indent=2)
            if args.json
            else describe_stats(stats, bot)
        )
        return 0
    if args.sentence_vectors:
        return _sentence_vectors(bot, args.json)
    if args.watch:
        return _watch(bot, args.sources, args.sync, args.json)
    if args.reindex:
        from assistant.progress import ProgressBars

        with ProgressBars() as bars:
            report = bot.reindex(on_progress=bars, on_wait=_say)
    else:
        report = _index(bot, args.sources, args.sync)
    _print(report, bot, args.json)
    return 0 if report.ok else 1


def _migrate(
    settings: Settings, url: str, as_json: bool, open_assistant: Callable[[Settings], NewsAssistant]
) -> int:
    """Copy the embedded store of ``settings`` into the engines: PostgreSQL at ``url``, the Chroma server."""
    from pydantic import SecretStr

    from assistant import factory
    from assistant.sources import SourceList
    from ingest.ledger import Ledger
    from vectorstore.chroma import StoreError, persistent_client
    from vectorstore.keyword import KeywordIndex
    from vectorstore.migration import migrate
    from vectorstore.sqlite_file import SqliteFile

    embedded = settings.model_copy(update={"database_url": None, "chroma_host": ""})
    paths = embedded.paths
    if not (paths.chroma / "chroma.sqlite3").exists():
        raise StoreError(f"there is no embedded store in {settings.store_dir} to migrate (give --store DIR).")
    shared = settings.model_copy(update={"database_url": SecretStr(url)})
    if not shared.chroma_host:
        raise StoreError(
            "--migrate-to copies the vectors to a Chroma server: set NEWSQA_CHROMA_HOST (and "
            "NEWSQA_CHROMA_PORT) to it."
        )
    target = open_assistant(shared)  # the tests' assistant, or the real one: nothing is embedded
    store = target.store
    from vectorstore.hybrid import NewsStore

    assert isinstance(store, NewsStore)
    report = migrate(
        persistent_client(paths.chroma),
        Ledger(paths.records, embedded.collection),
        SourceList(paths.remembered_sources).load(),
        store,
        target.ledger,
        target.remember_source,
        embedded.collection,
        on_wait=_say,
        source_sentences=KeywordIndex(SqliteFile(paths.keywords), common_share=1.0).sentence_vectors,
    )
    where = factory.describe_store(shared)
    if as_json:
        print(json.dumps(report.to_dict()))
    else:
        print(
            f"Migrated {settings.store_dir} into {where}: {report.chunks} chunks of {report.articles} "
            f"article(s), {report.records} records, {report.sources} remembered source(s); nothing was "
            "embedded again."
        )
    return 0


def _sentence_vectors(bot: NewsAssistant, as_json: bool) -> int:
    """Give the chunks kept without sentence vectors theirs, and say how many."""
    from assistant import factory
    from assistant.progress import ProgressBars

    with ProgressBars() as bars:
        filled = bot.add_sentence_vectors(on_progress=bars, on_wait=_say)
    if as_json:
        print(json.dumps({"chunks": filled}))
    elif filled:
        print(f"Added sentence vectors to {filled} chunk(s) in {factory.describe_store(bot.settings)}.")
    else:
        print(
            f"Every chunk in {factory.describe_store(bot.settings)} has its sentence vectors already "
            "(or NEWSQA_EMBEDDING_BACKEND=torch, which gives none): nothing to do."
        )
    return 0


def _index(bot: NewsAssistant, sources: list[str], sync: bool) -> IndexReport:
    from assistant.progress import ProgressBars

    with ProgressBars() as bars:
        return bot.index(sources, sync=sync, on_progress=bars, on_wait=_say)


def _watch(bot: NewsAssistant, sources: list[str], sync: bool, as_json: bool) -> int:
    from ingest.watch import Watcher

    passes = 0

    def show(report: IndexReport) -> None:
        nonlocal passes
        passes += 1  # the first pass is always shown; later ones only when they did something
        _print(report, bot, as_json, quiet_when_idle=passes > 1)

    watcher = Watcher(
        sources,
        lambda some: _index(bot, some, sync),
        show,
        feed_interval=bot.settings.watch_feed_minutes * 60,
        ignore=[bot.settings.store_dir],
    )
    _say(f"Watching {', '.join(sources)} (Ctrl-C to stop).")
    try:
        watcher.run()
    except KeyboardInterrupt:
        _say("Stopped watching.")
    return 0


def _print(
    report: IndexReport, bot: NewsAssistant, as_json: bool, quiet_when_idle: bool | None = None
) -> None:
    """Print the report; in watch mode (``quiet_when_idle`` not None) JSON goes on one line."""
    idle = not (report.added or report.updated or report.removed or report.failed or report.warnings)
    if quiet_when_idle and idle:
        return
    if as_json:
        indent = 2 if quiet_when_idle is None else None
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=indent), flush=True)
    else:
        print(describe(report, _where(bot)), flush=True)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _where(bot: NewsAssistant) -> str:
    from assistant.factory import describe_store

    return describe_store(bot.settings)


def describe(report: IndexReport, store: str) -> str:
    """Return the report as lines for a person: what was added, updated, removed, skipped and failed."""
    lines = [
        f"Indexed into {store}: {report.added} article(s) added, {report.updated} updated, "
        f"{report.removed} removed ({report.chunks} chunks written), {report.unchanged} unchanged, "
        f"{len(report.failed)} failed."
    ]
    for path, title in report.added_articles[:_LISTED]:
        lines.append(f"  indexed    {path}  ({title})")
    if len(report.added_articles) > _LISTED:
        lines.append(f"  ... and {len(report.added_articles) - _LISTED} more indexed")
    for item in report.skipped:
        lines.append(f"  skipped    {item.path}: {item.reason}")
    for item in report.warnings:
        lines.append(f"  warning    {item.path}: {item.reason}")
    for item in report.failed:
        lines.append(f"  FAILED     {item.path}: {item.reason}")
    return "\n".join(lines)


def stats_dict(stats: IndexStats) -> dict[str, object]:
    """Return the index description as the JSON object ``--stats --json`` prints."""
    return {
        "articles": stats.articles,
        "chunks": stats.chunks,
        "sources": stats.sources,
        "first_published": stats.first_published,
        "last_published": stats.last_published,
    }


def describe_stats(stats: IndexStats, bot: NewsAssistant) -> str:
    """Return the index description as lines for a person."""
    lines = [f"Index in {_where(bot)}: {stats.articles} article(s), {stats.chunks} chunks."]
    if stats.first_published or stats.last_published:
        lines.append(f"Published: {stats.first_published or '?'} to {stats.last_published or '?'}")
    if stats.sources:
        lines.append("Outlets (articles):")
        lines.extend(f"  {count:6d}  {name}" for name, count in stats.sources.items())
    return "\n".join(lines)


def entry() -> None:
    """Console-script entry point."""
    run(lambda: main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
