"""``python -m ingest PATH... [--store DIR] [--json]``: index article files and folders."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.cli import add_store_flag, run, settings_from
from ingest.pipeline import IndexReport

_LISTED = 20


def main(argv: list[str] | None = None) -> int:
    """Index the given paths; return 1 if any file failed, else 0."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Index news articles (files or folders, searched recursively) for newsqa.",
        epilog="Reads .txt/.md (with or without a ' date YYYY-MM Outlet' header), "
        ".jsonl and .json. Exit status 1 when any file failed.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders")
    add_store_flag(parser)
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)

    from assistant import NewsAssistant
    from assistant.progress import ProgressBars

    bot = NewsAssistant(settings=settings_from(args))
    with ProgressBars() as bars:
        report = bot.index(args.paths, on_progress=bars)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(describe(report, str(bot.settings.store_dir)))
    return 0 if report.ok else 1


def describe(report: IndexReport, store: str) -> str:
    """Return the report as lines for a person: what was added, skipped and failed."""
    lines = [
        f"Indexed into {store}: {report.added} article(s) added ({report.chunks} chunks), "
        f"{report.unchanged} unchanged, {len(report.failed)} failed."
    ]
    for path, title in report.added_articles[:_LISTED]:
        lines.append(f"  added      {path}  ({title})")
    if len(report.added_articles) > _LISTED:
        lines.append(f"  ... and {len(report.added_articles) - _LISTED} more added")
    for item in report.skipped:
        lines.append(f"  skipped    {item.path}: {item.reason}")
    for item in report.warnings:
        lines.append(f"  warning    {item.path}: {item.reason}")
    for item in report.failed:
        lines.append(f"  FAILED     {item.path}: {item.reason}")
    return "\n".join(lines)


def entry() -> None:
    """Console-script entry point."""
    run(lambda: main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
