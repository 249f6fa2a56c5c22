"""``python -m assistant ask "QUESTION" [...]``: answer a question from the index;
``python -m assistant serve``: the HTTP service."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.answering.records import Answer
from assistant.cli import add_store_flag, run, settings_from
from assistant.evaluation.cli import add_eval_command, run_eval
from assistant.settings import LLM_CHOICES

if TYPE_CHECKING:
    from assistant.core import NewsAssistant
    from assistant.settings import Settings


def main(
    argv: list[str] | None = None, open_assistant: Callable[[Settings], NewsAssistant] | None = None
) -> int:
    """Run a subcommand; return its exit status. ``open_assistant`` builds the assistant (tests: theirs)."""
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
    ask.add_argument(
        "--llm",
        choices=LLM_CHOICES,
        help="who writes the answer (default NEWSQA_LLM or extractive)",
    )
    ask.add_argument("--model", metavar="NAME", help="the language model's name (default NEWSQA_LLM_MODEL)")
    add_eval_command(commands)
    serve = commands.add_parser("serve", help="serve the HTTP API (REST and the OpenAI chat protocol)")
    add_store_flag(serve)
    serve.add_argument("--host", help="address to listen on (default NEWSQA_API_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default NEWSQA_API_PORT or 8000)")
    args = parser.parse_args(argv)
    if args.command == "eval":
        return run_eval(args)
    if args.command == "serve":
        return _serve(args, open_assistant)
    from assistant.core import open_assistant as default

    return _ask(args, open_assistant or default)


def _ask(args: argparse.Namespace, open_assistant: Callable[[Settings], NewsAssistant]) -> int:
    bot = open_assistant(settings_from(args, llm=args.llm, llm_model=args.model))
    answer = bot.ask(args.question, k=args.k, source=args.source, since=args.since, until=args.until)
    if answer.note:
        # The user still got an answer (the extractive one): a note, not an error.
        print(f"note: {answer.note}", file=sys.stderr)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(answer))
        if answer.read_against is not None:
            print(f"\nTime words read against {answer.read_against.describe()}.")
    return 0


def _serve(args: argparse.Namespace, open_assistant: Callable[[Settings], NewsAssistant] | None) -> int:
    """Run the HTTP service under uvicorn until interrupted; refuse to expose it without keys."""
    import logging

    import uvicorn

    from assistant.service import check_exposure, create_app

    settings = settings_from(args, api_host=args.host, api_port=args.port)
    check_exposure(settings.api_host, settings.service_keys())
    service_log = logging.getLogger("newsqa")
    if not service_log.handlers:  # the service's own warnings, beside uvicorn's lines
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        service_log.addHandler(handler)
        service_log.setLevel(logging.INFO)
        service_log.propagate = False
    app = create_app(settings, open_assistant)
    # The access log prints each request's method, path and status, never its headers (the keys).
    uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_level="info")
    return 0


def render(answer: Answer) -> str:
    """Return the answer and its sources as plain text for a terminal; the short answer that
    opens it in bold (``**Kataib Hezbollah** [1]``)."""
    text = answer.text
    short = answer.short_answer
    if short is not None and text.startswith(short.text):
        text = f"**{short.text}**{text[len(short.text) :]}"
    lines = [text]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
    for citation in answer.citations:
        meta = ", ".join(part for part in (citation.source, citation.published) if part)
        flag = "" if citation.verified else "  [unverified: does not clearly support what cites it]"
        if citation.suspicious:
            flag += "  [suspicious: the passage holds instructions aimed at an AI model]"
        lines.append(f"[{citation.n}] {citation.title}" + (f" ({meta})" if meta else "") + flag)
        if citation.url:
            lines.append(f"    {citation.url}")
        lines.append(f"    “{citation.quote}”")
    for status, heading in (
        ("unsupported", "Not supported by the passages cited"),
        ("uncited", "No source cited"),
        ("suspicious", "Repeats an instruction that a passage aims at an AI model"),
    ):
        flagged = [check for check in answer.sentences if check.status == status]
        if flagged:
            lines.extend(["", f"{heading}:"])
        for check in flagged:
            missing = f" (not in them: {', '.join(check.missing)})" if check.missing else ""
            lines.append(f"  - “{answer.text[check.start : check.end]}”{missing}")
    if answer.answerer != "extractive":
        lines.extend(["", f"Answered by {answer.answerer}."])
    return "\n".join(lines)


def entry() -> None:
    """Console-script entry point."""
    run(lambda: main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
