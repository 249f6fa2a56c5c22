"""Searches within one outlet: Chroma's filtered query against the outlet vectors.

    .venv/bin/python -m bench.outlet_search STORE [--outlets N] [--repeat N]

On a store built by ``python -m bench`` (its scaled store is ``/tmp/newsqa-bench/scaled``),
times one embedding search within each of the ``N`` largest outlets, both ways, and prints
the milliseconds per search. A question naming an outlet makes one such search.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from assistant import NewsAssistant
from vectorstore.base import SearchFilter
from vectorstore.hybrid import NewsStore

QUESTION = "Who was blamed for the attack, according to TechCrunch?"


def main(argv: list[str] | None = None) -> None:
    """Time both ways of searching within an outlet and print the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.outlet_search", description=__doc__.splitlines()[0]
    )
    parser.add_argument("store", type=Path)
    parser.add_argument("--outlets", type=int, default=8, help="the largest N outlets")
    parser.add_argument("--repeat", type=int, default=3, help="searches timed per outlet")
    args = parser.parse_args(argv)
    store = NewsAssistant(store_dir=args.store).store
    if not isinstance(store, NewsStore):
        parser.error("this needs the default store (Chroma with its keyword index)")
    outlets = list(store.stats().sources)[: args.outlets]
    vector = store.embed_query(QUESTION)
    print(f"{store.count()} chunks; outlets: {', '.join(outlets)}")
    for name, search in (
        ("Chroma's filtered query", store.vectors.search_by_vector),
        ("outlet vectors", store.search_by_vector),
    ):
        times = []
        for outlet in outlets:
            where = SearchFilter(sources=(outlet,))
            search(vector, 40, where)  # warm
            started = time.perf_counter()
            for _ in range(args.repeat):
                search(vector, 40, where)
            times.append((time.perf_counter() - started) / args.repeat * 1000)
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{name}: ms per search, largest outlet first: {shown}; median {statistics.median(times):.1f}")


if __name__ == "__main__":
    main()
