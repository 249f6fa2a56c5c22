"""The benchmark's measurements, each run in a process of its own (``python -m bench.tasks``).

A fresh process per measurement makes its peak memory its own (the runner reads it from the
kernel when the process ends) and keeps one measurement's warm caches out of the next. Each
task prints one JSON object on its last line of stdout.

    python -m bench.tasks ingest --corpus FILE --store DIR [--sequential-writes]
    python -m bench.tasks baseline --corpus FILE --store DIR
    python -m bench.tasks encoder --corpus FILE [--backend torch|onnx|onnx-int8]
    python -m bench.tasks encoders --corpus FILE --store DIR [--count GROUPS]
    python -m bench.tasks ceiling --corpus FILE --store DIR
    python -m bench.tasks queries --store DIR --questions FILE --count N
    python -m bench.tasks scale --source DIR --store DIR --chunks N
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings


class CountingEmbeddings(Embeddings):
    """Counts the calls and texts that reach the real embedder."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.calls = 0
        self.texts = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, counting them."""
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed a question, counting it."""
        self.calls += 1
        self.texts += 1
        return self.inner.embed_query(text)


def ingest(corpus: Path, store: Path, overlap: bool = True) -> dict[str, Any]:
    """Index the corpus into an empty store with `NewsAssistant.index`, then re-index it unchanged.

    ``overlap=False`` writes each batch to Chroma before embedding the next, as before issue 16.
    """
    from assistant import NewsAssistant
    from assistant.factory import make_embeddings
    from vectorstore.chroma import ChromaStore

    ChromaStore.overlap_writes = overlap
    settings = NewsAssistant(store_dir=store).settings
    counter = CountingEmbeddings(make_embeddings(settings))
    bot = NewsAssistant(settings=settings, embeddings=counter)
    counter.inner.embed_query("load the model before the clock starts, as for the baseline")
    started = time.perf_counter()
    first = bot.index([corpus])
    seconds = time.perf_counter() - started
    calls = counter.calls
    counter.calls = 0
    started = time.perf_counter()
    again = bot.index([corpus])
    reindex = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "articles": first.added,
        "chunks": first.chunks,
        "failed": len(first.failed),
        "embedding_calls": calls,
        "backend": settings.embedding_backend,
        "overlap_writes": overlap,
        "reindex_seconds": round(reindex, 3),
        "reindex_unchanged": again.unchanged,
        "reindex_chunks": again.chunks,
        "reindex_embedding_calls": counter.calls,
    }


def baseline(corpus: Path, store: Path) -> dict[str, Any]:
    """Read, split, embed (float32) and store the corpus as the plain LangChain baseline does."""
    from assistant.evaluation.baseline import LangChainBaseline
    from assistant.settings import Settings
    from ingest.readers import read_file
    from vectorstore.embeddings import load_embeddings

    settings = Settings()
    # What the LangChain docs lead to: HuggingFaceEmbeddings, sentence-transformers' batches of 32.
    embeddings = load_embeddings(settings.embedding_model, 32, "torch")
    embeddings.embed_query("load the model before the clock starts")
    started = time.perf_counter()
    articles = read_file(corpus).articles
    chunks = LangChainBaseline(
        store, embeddings, settings.embedding_model, settings.chunk_overlap_tokens
    ).build(articles)
    return {"seconds": round(time.perf_counter() - started, 2), "articles": len(articles), "chunks": chunks}


def chunk_texts(corpus: Path) -> list[str]:
    """Return the texts of our chunks of the corpus, with the default settings."""
    from assistant.factory import make_chunker
    from assistant.settings import Settings
    from ingest.readers import read_file

    chunker = make_chunker(Settings())
    return [chunk.text for article in read_file(corpus).articles for chunk in chunker.chunk(article)]


def encoder(corpus: Path, backend: str) -> dict[str, Any]:
    """Embed our chunks of the corpus with the bare encoder: no store, no chunking on the clock.

    ``torch`` is plain sentence-transformers in float32 (its own length sorting, our batch
    size): the reference for what the cores can do in float32.
    """
    from assistant.settings import Settings
    from vectorstore.embeddings import load_embeddings, resolve_model

    settings = Settings()
    texts = chunk_texts(corpus)
    encode: Callable[[list[str]], object]
    if backend == "torch":
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(resolve_model(settings.embedding_model), device="cpu")

        def encode(batch: list[str]) -> object:
            return model.encode(batch, batch_size=settings.embedding_batch_size, normalize_embeddings=True)
    else:
        embeddings = load_embeddings(
            settings.embedding_model, settings.embedding_batch_size, backend, settings.model_cache_dir
        )
        encode = embeddings.embed_documents
    encode(texts[:4])
    started = time.perf_counter()
    encode(texts)
    seconds = time.perf_counter() - started
    return {
        "backend": backend,
        "chunks": len(texts),
        "seconds": round(seconds, 2),
        "batch_size": settings.embedding_batch_size,
    }


def encoders(corpus: Path, work: Path, groups: int) -> dict[str, Any]:
    """Embed the same groups of our chunks with every variant of the encoder in turn (`bench.encoders`)."""
    from assistant.settings import Settings
    from bench import say
    from bench.encoders import measure
    from vectorstore.embeddings import resolve_model

    location = Path(resolve_model(Settings().embedding_model))
    return measure(chunk_texts(corpus), location, work, groups, say)


def ceiling(corpus: Path, work: Path) -> dict[str, Any]:
    """Time the encoder's matrix products alone for a batch of our chunks (`bench.ceiling`)."""
    from assistant.settings import Settings
    from bench import say
    from bench.ceiling import measure
    from vectorstore.embeddings import resolve_model

    settings = Settings()
    location = Path(resolve_model(settings.embedding_model))
    return measure(chunk_texts(corpus), location, work, settings.embedding_batch_size, say)


def queries(store: Path, questions: Path, count: int, skip: int = 0) -> dict[str, Any]:
    """Time `NewsAssistant.ask` (retrieval + the default answer) per question, on a warm process:
    ``count`` questions after the first ``skip``."""
    from assistant import NewsAssistant
    from assistant.evaluation.harness import load_questions

    asked = [q.question for q in load_questions(questions)][skip : skip + count]
    bot = NewsAssistant(store_dir=store)
    started = time.perf_counter()
    bot.ask(asked[0])  # opens the store and loads the model: that is the cold start's business
    warmup = time.perf_counter() - started
    latencies = []
    for question in asked:
        started = time.perf_counter()
        bot.ask(question)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "questions": len(latencies),
        "chunks": bot.store.count(),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1),
        "max_ms": round(latencies[-1], 1),
        "first_ask_seconds": round(warmup, 2),
    }


def scale(source: Path, store: Path, chunks: int) -> dict[str, Any]:
    """Build a store of at least ``chunks`` chunks from copies of the source store's chunks."""
    from bench.scale import build_scaled

    started = time.perf_counter()
    built = build_scaled(source, store, chunks)
    return {"seconds": round(time.perf_counter() - started, 1), **built}


def main(argv: list[str] | None = None) -> None:
    """Run one task and print its result as JSON on the last line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    tasks = ["ingest", "baseline", "encoder", "encoders", "ceiling", "queries", "scale"]
    parser.add_argument("task", choices=tasks)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--source", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--skip", type=int, default=0, help="queries: leave out the first N questions")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--sequential-writes", action="store_true", help="ingest: don't overlap writes")
    args = parser.parse_args(argv)
    if args.task == "ingest":
        result = ingest(args.corpus, args.store, overlap=not args.sequential_writes)
    elif args.task == "baseline":
        result = baseline(args.corpus, args.store)
    elif args.task == "encoder":
        result = encoder(args.corpus, args.backend)
    elif args.task == "encoders":
        result = encoders(args.corpus, args.store, args.count)
    elif args.task == "ceiling":
        result = ceiling(args.corpus, args.store)
    elif args.task == "queries":
        result = queries(args.store, args.questions, args.count, args.skip)
    else:
        result = scale(args.source, args.store, args.chunks)
    sys.stdout.flush()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
