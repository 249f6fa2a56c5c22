"""``python -m bench``: ingest and query speed, side by side, written into docs/benchmarks.md.

    python -m bench [--corpus FILE] [--questions FILE] [--work DIR] [--articles N]
                    [--queries N] [--scale-chunks N] [--cold-runs N] [--write]
    python -m bench --encoders-only [--groups N] [--work DIR] [--write]

In one run, on the MultiHop-RAG corpus (all 609 articles unless ``--articles``): our ingest
(`NewsAssistant.index`) and the plain LangChain baseline's, the bare encoder in float32
(the reference) and int8, re-indexing the unchanged corpus, warm query latency at the
corpus's size and at ``--scale-chunks`` chunks, peak memory of each process, and cold start
(a new ``python -m assistant ask`` process to its answer). Every measurement runs in a
process of its own (`bench.tasks`). ``--write`` replaces this benchmark's part of
docs/benchmarks.md, between its markers. ``--encoders-only`` runs only the encoder's variants
side by side and its ceiling (`bench.ceiling`), and replaces only their part.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import say, service
from bench.report import ENCODERS_END, ENCODERS_HEADING, ENCODERS_START, encoders_markdown, markdown, write

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a command as a new process; return its wall time, peak RSS and (for tasks) its JSON."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise RuntimeError(f"{shlex.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    result: dict[str, Any] = {}
    lines = stdout.strip().splitlines()
    try:
        result = json.loads(stdout)  # `--json` commands print one object
    except json.JSONDecodeError:
        if lines and lines[-1].startswith("{"):
            result = json.loads(lines[-1])  # tasks print theirs last
    if not isinstance(result, dict):
        result = {}
    # ru_maxrss is in KiB on Linux.
    result.update(
        wall_seconds=round(seconds, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        load_before=round(load, 2),
        load_after=round(os.getloadavg()[0], 2),
    )
    return result


def task(name: str, *args: str) -> dict[str, Any]:
    """Run one `bench.tasks` task in a new process."""
    return measure([sys.executable, "-m", "bench.tasks", name, *args])


def subset(corpus: Path, articles: int | None, work: Path) -> Path:
    """Return the corpus, or a file of its first ``articles`` lines."""
    if articles is None:
        return corpus
    target = work / f"{corpus.stem}-{articles}.jsonl"
    with corpus.open(encoding="utf-8") as source:
        lines = [line for line in source if line.strip()][:articles]
    target.write_text("".join(lines), encoding="utf-8")
    return target


def header(args: argparse.Namespace) -> dict[str, Any]:
    """Return what every run records first: its command, corpus, machine, load and time."""
    return {
        "command": "python -m bench " + shlex.join(sys.argv[1:]),
        "corpus": str(args.corpus),
        "articles_option": args.articles,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "started": time.strftime("%Y-%m-%d %H:%M"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement in order and return the results."""
    work: Path = args.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    corpus = subset(args.corpus, args.articles, work)
    results = header(args)
    store, scaled = work / "newsqa", work / "scaled"
    if args.small_articles and (args.articles is None or args.articles > args.small_articles):
        small = subset(args.corpus, args.small_articles, work)
        compare_ingest(small, work / "small", results, "_small", say)
    compare_ingest(corpus, work, results, "", say)
    for backend in ("torch", "onnx-int8"):
        say(f"encoder alone: {backend} ...")
        results[f"encoder_{backend}"] = task("encoder", "--corpus", str(corpus), "--backend", backend)
        say(f"  {results[f'encoder_{backend}']}")
    encoder_variants(corpus, work, args.groups, results, say)
    say("re-index through the command line ...")
    results["reindex_command"] = measure(
        [sys.executable, "-m", "ingest", str(corpus), "--store", str(store), "--json"]
    )
    count = str(args.queries)
    say("queries (warm) ...")
    results["queries"] = task(
        "queries", "--store", str(store), "--questions", str(args.questions), "--count", count
    )
    say(f"  {results['queries']}")
    results["cold"] = cold_starts(store, args.questions, args.cold_runs)
    say(f"  cold: {results['cold']}")
    say("the HTTP service against the same questions in-process ...")
    results["service"] = service.measure(store, args.questions, args.queries, [1, 4, 16], results["command"])
    say(f"scaled store of {args.scale_chunks} chunks ...")
    results["scale"] = task(
        "scale", "--source", str(store), "--store", str(scaled), "--chunks", str(args.scale_chunks)
    )
    say(f"  {results['scale']}")
    results["scaled_queries"] = task(
        "queries", "--store", str(scaled), "--questions", str(args.questions), "--count", count
    )
    say(f"  {results['scaled_queries']}")
    results["scaled_cold"] = cold_starts(scaled, args.questions, args.cold_runs)
    say(f"  cold: {results['scaled_cold']}")
    results["load_end"] = [round(x, 2) for x in os.getloadavg()]
    return results


def encoder_variants(
    corpus: Path, work: Path, groups: int, results: dict[str, Any], say: Callable[[str], None]
) -> None:
    """Time every encoder variant side by side, then the encoder's ceiling, into ``results``."""
    say("encoder variants, side by side ...")
    results["encoders"] = task(
        "encoders", "--corpus", str(corpus), "--store", str(work / "encoders"), "--count", str(groups)
    )
    say(f"  {results['encoders']}")
    say("the encoder's ceiling: its matrix products alone ...")
    results["ceiling"] = task("ceiling", "--corpus", str(corpus), "--store", str(work / "ceiling"))
    say(f"  {results['ceiling']['ceiling_chunks_per_second']} chunks/s at most")


def compare_ingest(
    corpus: Path, work: Path, results: dict[str, Any], suffix: str, say: Callable[[str], None]
) -> None:
    """Index the corpus three ways, one after the other: our command, ours in process, the baseline.

    The in-process store is kept in ``work / "newsqa"`` for the measurements that follow.
    """
    work.mkdir(parents=True, exist_ok=True)
    say(f"ingest{suffix}: python -m ingest ...")
    results[f"ingest_command{suffix}"] = measure(
        [sys.executable, "-m", "ingest", str(corpus), "--store", str(work / "command"), "--json"]
    )
    say(f"  {results[f'ingest_command{suffix}']}")
    say(f"ingest{suffix}: newsqa (NewsAssistant.index) ...")
    results[f"ingest{suffix}"] = task("ingest", "--corpus", str(corpus), "--store", str(work / "newsqa"))
    say(f"  {results[f'ingest{suffix}']}")
    say(f"ingest{suffix}: newsqa, writes not overlapped ...")
    results[f"ingest_sequential{suffix}"] = task(
        "ingest", "--corpus", str(corpus), "--store", str(work / "sequential"), "--sequential-writes"
    )
    say(f"  {results[f'ingest_sequential{suffix}']}")
    say(f"ingest{suffix}: LangChain baseline ...")
    results[f"baseline{suffix}"] = task(
        "baseline", "--corpus", str(corpus), "--store", str(work / "baseline")
    )
    say(f"  {results[f'baseline{suffix}']}")


def cold_starts(store: Path, questions: Path, runs: int) -> dict[str, Any]:
    """Time new ``python -m assistant ask`` processes from start to printed answer."""
    from assistant.evaluation.harness import load_questions

    asked = [q.question for q in load_questions(questions)]
    timings = [
        measure([sys.executable, "-m", "assistant", "ask", asked[n % len(asked)], "--store", str(store)])
        for n in range(runs)
    ]
    seconds = [t["wall_seconds"] for t in timings]
    return {
        "runs": runs,
        "median_seconds": round(statistics.median(seconds), 2),
        "max_seconds": max(seconds),
        "peak_rss_mb": max(t["peak_rss_mb"] for t in timings),
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run the benchmark, print (and with --write, record) the results."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED_EVAL / "news_corpus.jsonl")
    parser.add_argument("--questions", type=Path, default=SHARED_EVAL / "questions_dev.jsonl")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "newsqa-bench",
        help="scratch folder for the stores (emptied first; keep it outside the repo)",
    )  # fmt: skip
    parser.add_argument("--articles", type=int, help="only the first N articles (a quick run)")
    parser.add_argument(
        "--small-articles", type=int, default=200,
        help="also compare the ingest on the first N articles (0: don't)",
    )  # fmt: skip
    parser.add_argument(
        "--groups", type=int, default=8, help="groups of 256 chunks each encoder variant embeds"
    )
    parser.add_argument("--queries", type=int, default=200, help="questions timed per store")
    parser.add_argument("--scale-chunks", type=int, default=100_000, help="size of the large store")
    parser.add_argument("--cold-runs", type=int, default=3, help="new processes timed per store")
    parser.add_argument(
        "--encoders-only", action="store_true",
        help="only the encoder variants side by side and the encoder's ceiling (a few minutes)",
    )  # fmt: skip
    parser.add_argument("--write", action="store_true", help="record the results in docs/benchmarks.md")
    parser.add_argument(
        "--engines", action="store_true",
        help="instead: the index at --scale-chunks in PostgreSQL and a Chroma server, beside the embedded "
        "store at --embedded-chunks (bench/shared.py; --work is kept and reused)",
    )  # fmt: skip
    parser.add_argument("--embedded-chunks", type=int, default=105_536, help="with --engines")
    parser.add_argument(
        "--source", type=Path, default=REPO.parent / "eval-stores" / "main" / "newsqa",
        help="with --engines: the embedded store whose chunks and vectors are copied",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for path in (args.corpus, args.questions):
        if not path.is_file():
            parser.error(f"{path}: no such file (give --corpus and --questions)")
    if args.engines:
        from bench import shared

        found = shared.run_engines(args, say)
        (args.work / "engines-results.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
        table = shared.markdown(found)
        if args.write:
            shared.write(REPO / "docs" / "benchmarks.md", table)
        print(table)
        return
    if args.encoders_only:
        results = header(args)
        args.work.mkdir(parents=True, exist_ok=True)
        encoder_variants(args.corpus, args.work, args.groups, results, say)
        results["load_end"] = [round(x, 2) for x in os.getloadavg()]
        variants = encoders_markdown(results)
        if args.write:
            write(REPO / "docs" / "benchmarks.md", variants, ENCODERS_HEADING, ENCODERS_START, ENCODERS_END)
        print(variants)
        return
    results = run(args)
    (args.work / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    section, variants = markdown(results), encoders_markdown(results)
    if args.write:
        target = REPO / "docs" / "benchmarks.md"
        write(target, section)
        write(target, variants, ENCODERS_HEADING, ENCODERS_START, ENCODERS_END)
        service.write(target, service.markdown(results["service"]))
    print(section, variants, sep="\n\n")
