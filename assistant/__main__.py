"""``python -m assistant ask "QUESTION" [...]``: answer a question from the index."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.answer import Answer
from assistant.cli import add_store_flag, run, settings_from
from assistant.eval_cli import add_eval_command, run_eval


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m assistant", description="newsqa: ask the indexed news.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question, citing the passages it rests on")
    ask.add_argument("question", help="the question, in quotes")
    add_store_flag(ask)
    ask.add_argument("--k", type=int, metavar="N", help="how many passages to draw on (default 8)")
    ask.add_argument("--source", action="append", metavar="NAME", help="only this outlet (repeatable)")
    ask.add_argument(
        "--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM[-DD])"
    )
    ask.add_argument("--until", metavar="DATE", help="only articles published on or before DATE")
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    add_eval_command(commands)
    args = parser.parse_args(argv)
    return run_eval(args) if args.command == "eval" else _ask(args)


def _ask(args: argparse.Namespace) -> int:
    from assistant import NewsAssistant

    bot = NewsAssistant(settings=settings_from(args, top_k=args.k))
    answer = bot.ask(args.question, source=args.source, since=args.since, until=args.until)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(answer))
    return 0


def render(answer: Answer) -> str:
    """Return the answer and its sources as plain text for a terminal."""
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for citation in answer.citations:
        meta = ", ".join(part for part in (citation.source, citation.published) if part)
        lines.append(f"[{citation.n}] {citation.title}" + (f" ({meta})" if meta else ""))
        if citation.url:
            lines.append(f"    {citation.url}")
        lines.append(f"    “{citation.quote}”")
    return "\n".join(lines)


def entry() -> None:
    """Console-script entry point."""
    run(lambda: main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
