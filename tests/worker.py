"""A real newsqa process with the fast fake embedder, for crash, server and concurrency tests.

``python -m tests.worker index STORE [--sync] SOURCE...`` prints the report as JSON (a run that
waits for another's lock says so on stderr);
``ask STORE QUESTION N`` asks N times and prints one JSON answer per line;
``state STORE`` prints the ids in Chroma, the keyword index, the records and the journal;
``ask-later STORE QUESTION`` opens the store, prints ``opened``, and asks once a line comes on stdin;
``cli ARG...`` runs ``python -m ingest ARG...`` itself, as a user would, with the fake embedder;
``ask-cli ARG...`` runs ``python -m assistant ARG...`` the same way, and ``serve ARG...``
``python -m assistant serve ARG...``.
Settings come from the environment (``NEWSQA_*``) as for the real commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assistant import NewsAssistant, Settings
from tests.fakes import BagOfWordsEmbeddings, simple_token_spans


def fake_assistant(store: str | Path, **overrides: Any) -> NewsAssistant:
    """Return an assistant with the fake embedder and tokenizer the test fixtures use."""
    values = {"chunk_tokens": 60, "chunk_overlap_tokens": 12, **overrides}
    return NewsAssistant(
        store_dir=store, embeddings=BagOfWordsEmbeddings(), token_spans=simple_token_spans, **values
    )


def state(bot: NewsAssistant) -> dict[str, Any]:
    """Return every id each index holds, and each stored chunk's metadata, for comparisons."""
    store = bot.store
    vectors = store.vectors  # type: ignore[attr-defined]
    keywords = store.keywords  # type: ignore[attr-defined]
    chroma = sorted(vectors.ids())
    got = vectors._collection.get(ids=chroma, include=["metadatas", "documents"]) if chroma else None
    metadata = {}
    if got:
        for chunk_id, meta, text in zip(got["ids"], got["metadatas"], got["documents"], strict=True):
            metadata[chunk_id] = {**meta, "text": text}
    return {
        "chroma": chroma,
        "keywords": sorted(keywords.ids()),
        "sentences": sorted(keywords.sentence_vectors(chroma)),
        "records": sorted(bot.ledger.keys()),
        "journal": sorted(bot.ledger.journal.list_keys()),
        "metadata": metadata,
    }


def fake_from_settings(settings: Settings) -> NewsAssistant:
    """Return what `open_assistant` returns, with the fake embedder and tokenizer instead."""
    return NewsAssistant(
        settings=settings,
        embeddings=BagOfWordsEmbeddings(),
        token_spans=simple_token_spans,
        chunk_tokens=60,
        chunk_overlap_tokens=12,
    )


def run_ingest_cli(args: list[str]) -> None:
    """Run the real ``python -m ingest`` command line, handed the fake-embedder assistant."""
    from assistant.cli import run
    from ingest.__main__ import main

    run(lambda: main(args, open_assistant=fake_from_settings))


def run_serve_cli(args: list[str]) -> None:
    """Run the real ``python -m assistant serve`` command line, handed the fake-embedder assistant."""
    from assistant.__main__ import main as assistant_main
    from assistant.cli import run

    run(lambda: assistant_main(["serve", *args], open_assistant=fake_from_settings))


def main(argv: list[str]) -> int:
    if argv[0] == "cli":
        run_ingest_cli(argv[1:])
    if argv[0] == "ask-cli":  # python -m assistant ARG..., with the fake embedder
        from assistant.__main__ import main as assistant_main
        from assistant.cli import run

        run(lambda: assistant_main(argv[1:], open_assistant=fake_from_settings))
    if argv[0] == "serve":
        run_serve_cli(argv[1:])
    command, store, *rest = argv
    bot = fake_assistant(store)
    if command == "index":
        sync = "--sync" in rest
        say = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
        report = bot.index([r for r in rest if r != "--sync"], sync=sync, on_wait=say)
        print(json.dumps(report.to_dict()), flush=True)
        return 0 if report.ok else 1
    if command == "ask":
        question, times = rest[0], int(rest[1])
        for _ in range(times):
            answer = bot.ask(question)
            cited = [[c.n, c.article_id, c.quote] for c in answer.citations]
            print(
                json.dumps({"answer": answer.text, "abstained": answer.abstained, "citations": cited}),
                flush=True,
            )
        return 0
    if command == "ask-later":
        bot.stats()  # the store is open, as in a chat started before anything was indexed
        print("opened", flush=True)
        sys.stdin.readline()
        try:
            answer = bot.ask(rest[0])
        except Exception as exc:  # the test reads what went wrong
            print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
            return 1
        print(json.dumps({"answer": answer.text, "abstained": answer.abstained}), flush=True)
        return 0
    if command == "state":
        print(json.dumps(state(bot)))
        return 0
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
