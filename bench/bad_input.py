"""``python -m bench.bad_input``: peak memory and report size of indexing a file of bad lines.

    python -m bench.bad_input [--lines 3000000] [--work /tmp/newsqa-bad] [--repo DIR] [--json]

Writes a JSON Lines file of ``--lines`` lines that are not valid JSON (once, in ``--work``,
never in the repository), runs ``python -m ingest FILE --store EMPTY_STORE`` on it as a
process of its own from ``--repo`` (this checkout by default: give another checkout to
compare with it), and prints the process's peak memory (``ru_maxrss``, read from the
kernel when it ends), the size of the report it printed, its wall time and exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BAD_LINE = b'{"title": "A record cut short", "body": \n'


def bad_file(work: Path, lines: int) -> Path:
    """Return a JSON Lines file of ``lines`` invalid lines, written once."""
    path = work / f"bad-{lines}.jsonl"
    if not path.exists() or path.stat().st_size != lines * len(BAD_LINE):
        work.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            for _ in range(lines // 10_000):
                out.write(BAD_LINE * 10_000)
            out.write(BAD_LINE * (lines % 10_000))
    return path


def measure(repo: Path, data: Path, work: Path, as_json: bool) -> dict[str, Any]:
    """Run ``python -m ingest`` on the file from ``repo``; return its peak memory and report size."""
    store = work / "store"
    shutil.rmtree(store, ignore_errors=True)
    report = work / "report.txt"
    command = [sys.executable, "-m", "ingest", str(data), "--store", str(store)]
    if as_json:
        command.append("--json")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with report.open("wb") as out:
        process = subprocess.Popen(command, cwd=repo, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
    return {
        "command": " ".join(["python", *command[1:]]),
        "repo": str(repo),
        "exit_status": os.waitstatus_to_exitcode(status),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "report_bytes": report.stat().st_size,
        "report_lines": sum(1 for _ in report.open("rb")),
        "wall_seconds": round(time.perf_counter() - started, 1),
        "load_before": round(load, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> None:
    """Parse the options, write the file if needed, measure, print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.bad_input", description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsqa-bad"), help="outside the repo")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose code runs")
    parser.add_argument("--json", action="store_true", help="measure `python -m ingest --json`")
    args = parser.parse_args(argv)
    data = bad_file(args.work, args.lines)
    result = measure(args.repo.resolve(), data, args.work, args.json)
    print(json.dumps({"lines": args.lines, "file_bytes": data.stat().st_size, **result}, indent=2))


if __name__ == "__main__":
    main()
