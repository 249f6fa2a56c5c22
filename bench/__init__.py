"""Benchmarks that write docs/benchmarks.md: ``python -m bench`` (speed and re-indexing)."""

import sys


def say(message: str) -> None:
    """Report a benchmark's progress on stderr (stdout carries its results)."""
    print(message, file=sys.stderr, flush=True)
