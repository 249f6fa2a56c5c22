"""Benchmarks that write docs/benchmarks.md: ``python -m bench`` (speed), ``bench/reindex.py``."""
