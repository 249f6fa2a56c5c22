"""Measuring newsqa on a MultiHop-RAG style benchmark: `harness.evaluate` indexes a corpus and
asks every question through the normal path; `metrics` are the benchmark's own; `baseline`
is the plain LangChain pipeline it is compared with; `cli` is ``python -m assistant eval``."""
