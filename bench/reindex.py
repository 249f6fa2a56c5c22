"""Benchmark: re-indexing an unchanged corpus makes no embedding call and takes seconds.

    .venv/bin/python bench/reindex.py [--corpus FILE] [--store DIR] [--write]

The first run builds the index in ``--store`` (several minutes of CPU for the 609-article
MultiHop-RAG corpus; keep the folder outside the repo); later runs reuse it. Then it times
``NewsAssistant.index`` over the unchanged corpus, counting calls to the embedder, and the
whole ``python -m ingest`` command too. ``--write`` puts the figures in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import NewsAssistant  # noqa: E402
from assistant.factory import make_embeddings  # noqa: E402
from bench.tasks import CountingEmbeddings  # noqa: E402

HEADING = "## Issue 4: re-indexing an unchanged corpus"


def measure(corpus: Path, store: Path) -> dict[str, object]:
    """Build the index if needed, then time re-indexing the unchanged corpus."""
    results: dict[str, object] = {}
    settings_bot = NewsAssistant(store_dir=store)
    counter = CountingEmbeddings(make_embeddings(settings_bot.settings))
    bot = NewsAssistant(store_dir=store, embeddings=counter)
    started = time.perf_counter()
    first = bot.index([corpus])
    results["first_run"] = {
        "seconds": round(time.perf_counter() - started, 1),
        "added": first.added,
        "chunks": first.chunks,
        "embedding_calls": counter.calls,
    }
    counter.calls = counter.texts = 0
    started = time.perf_counter()
    again = bot.index([corpus])
    results["reindex"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "unchanged": again.unchanged,
        "added": again.added,
        "updated": again.updated,
        "chunks": again.chunks,
        "embedding_calls": counter.calls,
    }
    started = time.perf_counter()
    command = subprocess.run(
        [sys.executable, "-m", "ingest", str(corpus), "--store", str(store), "--json"],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    report = json.loads(command.stdout)
    results["command"] = {
        "seconds": round(time.perf_counter() - started, 2),
        "unchanged": report["unchanged"],
        "chunks": report["chunks"],
    }
    results["index"] = {"articles": bot.stats().articles, "chunks": bot.store.count()}
    return results


def markdown(results: dict[str, object], corpus: Path, store: Path) -> str:
    """Return the benchmark section for docs/benchmarks.md."""
    r = results["reindex"]
    c = results["command"]
    f = results["first_run"]
    i = results["index"]
    assert isinstance(r, dict) and isinstance(c, dict) and isinstance(f, dict) and isinstance(i, dict)
    first_kind = "the first build" if f["added"] else "already built: nothing to do"
    return f"""{HEADING}

Command: `.venv/bin/python bench/reindex.py --corpus {corpus} --store {store} --write`
(machine: {platform.machine()}, 2 shared CPU cores; the store folder is outside the repo).

| what | figure |
|---|---|
| index | {i["articles"]} articles, {i["chunks"]} chunks |
| re-index of the unchanged corpus, `NewsAssistant.index` (store open) | **{r["seconds"]} s**, \
{r["unchanged"]} unchanged, {r["added"]} added, {r["updated"]} updated, {r["chunks"]} chunks written |
| embedding calls during that re-index | **{r["embedding_calls"]}** |
| whole `python -m ingest CORPUS` command, unchanged corpus (Python start, imports, \
opening Chroma included) | {c["seconds"]} s, {c["unchanged"]} unchanged, {c["chunks"]} chunks written |
| the run before the re-index, in the same process ({first_kind}) | {f["seconds"]} s, \
{f["added"]} added, {f["chunks"]} chunks, {f["embedding_calls"]} embedding calls |

Unchanged articles are recognised from their record-manager group (path, id, content
fingerprint) alone: no chunking, no tokenizer load, no embedding.
"""


def write(section: str) -> None:
    """Replace (or add) this benchmark's section in docs/benchmarks.md."""
    path = REPO / "docs" / "benchmarks.md"
    path.parent.mkdir(exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if HEADING in text:
        start = text.index(HEADING)
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    """Run the benchmark and print (and with --write, record) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "eval" / "news_corpus.jsonl")
    parser.add_argument("--store", type=Path, default=Path("/tmp/newsqa-bench-reindex"))
    parser.add_argument("--write", action="store_true", help="record the figures in docs/benchmarks.md")
    args = parser.parse_args()
    results = measure(args.corpus, args.store)
    print(json.dumps(results, indent=2))
    section = markdown(results, args.corpus, args.store)
    if args.write:
        write(section)
    print(section)


if __name__ == "__main__":
    main()
