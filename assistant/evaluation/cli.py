"""``python -m assistant eval``: run the MultiHop-RAG evaluation and print its report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import RETRIEVAL_KEYS
from assistant.settings import LLM_CHOICES

DEFAULT_STORE = Path("eval-stores")


def add_eval_command(commands: Any) -> None:
    """Register the ``eval`` subcommand on the CLI's subparsers."""
    parser = commands.add_parser(
        "eval",
        help="measure retrieval and answers on a MultiHop-RAG style benchmark",
        description=(
            "Index the corpus (reusing the index when it already holds exactly this corpus), run every "
            "question through retrieval and answering, and report the benchmark's metrics."
        ),
    )
    parser.add_argument("--corpus", required=True, type=Path, metavar="FILE.jsonl", help="the articles")
    parser.add_argument(
        "--questions", required=True, type=Path, metavar="FILE.jsonl", help="questions with gold evidence"
    )
    parser.add_argument(
        "--store",
        type=Path,
        metavar="DIR",
        help=f"folder for the evaluation's indexes (default: {DEFAULT_STORE}/CORPUS-NAME)",
    )
    parser.add_argument("--k", type=int, default=10, metavar="N", help="passages retrieved per question")
    parser.add_argument("--baseline", action="store_true", help="also run plain LangChain retrieval")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--half",
        choices=("even", "odd"),
        help="only the questions with an even (odd) number in their id: tune on one, check on the other",
    )
    parser.add_argument(
        "--details", type=Path, metavar="FILE", help="write per-question results (JSON Lines)"
    )
    parser.add_argument(
        "--llm",
        choices=LLM_CHOICES,
        help="who writes the answers (default NEWSQA_LLM or extractive): measure a language model's accuracy",
    )
    parser.add_argument(
        "--model", metavar="NAME", help="the language model's name (default NEWSQA_LLM_MODEL)"
    )


def run_eval(args: argparse.Namespace) -> int:
    """Run the evaluation the parsed arguments describe; print the report."""
    from assistant.errors import NewsQAError
    from assistant.evaluation.harness import evaluate

    if args.k < 1:
        raise NewsQAError("--k must be at least 1")
    for path, flag in ((args.corpus, "--corpus"), (args.questions, "--questions")):
        if not path.is_file():
            raise NewsQAError(f"{flag} {path}: no such file")
    from assistant.settings import Settings

    store = args.store or DEFAULT_STORE / args.corpus.stem
    chosen = {key: value for key, value in (("llm", args.llm), ("llm_model", args.model)) if value}
    settings = Settings(**chosen)
    report = evaluate(
        args.corpus,
        args.questions,
        store,
        k=args.k,
        baseline=args.baseline,
        settings=settings,
        half=args.half,
    )
    details = report.pop("details")
    if args.details:
        args.details.write_text("".join(json.dumps(row) + "\n" for row in details), encoding="utf-8")
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


def render(report: dict[str, Any]) -> str:
    """Return the report as a plain-text table: ours beside the baseline, overall and per type."""
    ours = report["retrieval"]
    base = report.get("baseline", {}).get("retrieval")
    header = f"{'':<32}{'newsqa':>10}" + (f"{'baseline':>10}" if base else "")
    lines = [f"questions: {ours['questions']} with evidence (null_query excluded), k={report['k']}", header]

    def row(label: str, mine: dict[str, Any], theirs: dict[str, Any] | None) -> None:
        for key in RETRIEVAL_KEYS:
            cells = f"{mine[key]:>10.4f}" + (f"{theirs[key]:>10.4f}" if theirs else "")
            lines.append(f"{label + ' ' + key:<32}{cells}")

    row("all", ours, base)
    for kind, values in ours["by_type"].items():
        row(kind.removesuffix("_query"), values, base["by_type"].get(kind) if base else None)
    lines.append("")
    lines.append(f"answers by {report.get('answerer', 'extractive')}")
    for key, value in report["answers"].items():
        if isinstance(value, dict):
            for kind, number in value.items():
                lines.append(f"{key + ' ' + kind.removesuffix('_query'):<32}{number:>10.4f}")
        else:
            lines.append(f"{key:<32}{value:>10.4f}")
    latency = report["latency_ms"]
    line = f"{'latency_ms p50 / p95':<32}{latency['p50']:>10.1f} / {latency['p95']:.1f}"
    if base:
        theirs = report["baseline"]["latency_ms"]
        line += f"   (baseline {theirs['p50']:.1f} / {theirs['p95']:.1f})"
    lines.append(line)
    reused = " (index reused)" if report["index_reused"] else ""
    line = f"{'index_seconds':<32}{report['index_seconds']:>10.1f}{reused}"
    if base:
        line += f"   (baseline {report['baseline']['index_seconds']:.1f})"
    lines.append(line)
    return "\n".join(lines)
