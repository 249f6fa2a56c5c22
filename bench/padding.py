"""Padding left in the encoder's batches, as indexing makes them and as other orders would.

    .venv/bin/python -m bench.padding [--corpus FILE] [--overlap-tokens N]

Chunks our corpus (default settings), then follows the path of an indexing run: batches of
at least ``NEWSQA_INDEX_BATCH_CHUNKS`` chunks (whole articles), each sorted by characters
and cut into Chroma writes of 64 (`vectorstore.chroma.WRITE_BATCH`), each of those sorted by
tokens and cut into model calls of ``NEWSQA_EMBEDDING_BATCH_SIZE``. A model call costs every
row the longest row's tokens; the attention costs the square. Prints, for that path and for
other orders, the share of tokens and of attention work spent on padding. Nothing is timed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bench.run import SHARED_EVAL


def by_tokens(groups: Sequence[Sequence[int]], size: int, lengths: Sequence[int]) -> list[list[int]]:
    """Sort each group by token count and cut it into calls of ``size``."""
    calls = []
    for group in groups:
        ordered = sorted(group, key=lambda i: lengths[i])
        calls += [ordered[start : start + size] for start in range(0, len(ordered), size)]
    return calls


def waste(calls: Sequence[Sequence[int]], lengths: Sequence[int]) -> tuple[float, float]:
    """Return the share of padded tokens and of padded attention work (tokens squared)."""
    tokens = sum(lengths[i] for call in calls for i in call)
    padded = sum(max(lengths[i] for i in call) * len(call) for call in calls)
    square = sum(lengths[i] ** 2 for call in calls for i in call)
    padded_square = sum(max(lengths[i] for i in call) ** 2 * len(call) for call in calls)
    return 1 - tokens / padded, 1 - square / padded_square


def main(argv: list[str] | None = None) -> None:
    """Chunk the corpus and print the padding of each way of batching it."""
    from assistant.factory import make_chunker
    from assistant.settings import Settings
    from ingest.readers import read_file
    from vectorstore.chroma import WRITE_BATCH
    from vectorstore.embeddings import load_tokenizer

    parser = argparse.ArgumentParser(prog="python -m bench.padding", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=SHARED_EVAL / "news_corpus.jsonl")
    parser.add_argument(
        "--overlap-tokens", type=int, help="NEWSQA_CHUNK_OVERLAP_TOKENS (default: the setting)"
    )
    args = parser.parse_args(argv)
    settings = Settings()
    if args.overlap_tokens is not None:
        settings = settings.model_copy(update={"chunk_overlap_tokens": args.overlap_tokens})
    chunker, tokenizer = make_chunker(settings), load_tokenizer(settings.embedding_model)
    texts: list[str] = []
    batches: list[list[int]] = [[]]
    for article in read_file(args.corpus).articles:
        for chunk in chunker.chunk(article):
            batches[-1].append(len(texts))
            texts.append(chunk.text)
        if len(batches[-1]) >= settings.index_batch_chunks:  # as `ingest.pipeline` flushes
            batches.append([])
    lengths = [len(tokenizer.token_spans(text)) + tokenizer.special_tokens for text in texts]
    size = settings.embedding_batch_size
    writes = []
    for batch in batches:
        ordered = sorted(batch, key=lambda i: len(texts[i]))
        writes += [ordered[start : start + WRITE_BATCH] for start in range(0, len(ordered), WRITE_BATCH)]
    in_order = [list(range(start, min(start + size, len(texts)))) for start in range(0, len(texts), size)]
    orders = {
        "no sorting, calls in chunk order": in_order,
        "as indexing does it (index batch by characters, writes of 64 by tokens)": by_tokens(
            writes, size, lengths
        ),
        "each index batch sorted by tokens as a whole": by_tokens(batches, size, lengths),
        "the whole corpus sorted by tokens (needs every chunk at once)": by_tokens(
            [list(range(len(texts)))], size, lengths
        ),
    }
    print(
        f"{len(texts)} chunks, {sum(lengths)} tokens (mean {sum(lengths) / len(texts):.1f}); "
        f"model calls of {size}; index batches of >= {settings.index_batch_chunks} chunks"
    )
    print("| order | padded tokens | padded attention work |")
    print("|---|---:|---:|")
    for name, calls in orders.items():
        tokens, attention = waste(calls, lengths)
        print(f"| {name} | {tokens:.1%} | {attention:.1%} |")


if __name__ == "__main__":
    main()
