"""Benchmarks that write docs/benchmarks.md: ``python -m bench`` (speed and re-indexing)."""
