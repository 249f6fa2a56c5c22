"""A large index from a small one: every chunk copied under new ids, its vector reused.

Embedding 100,000 chunks would take the better part of an hour here; retrieval cost depends
on how many chunks there are, not on where they came from. Each copy is a new article (ids
suffixed ``~n``) and its vector gets a tiny random nudge (then is normalised again), so the
HNSW graph is not built over thousands of identical points. Vectors go straight into Chroma
and texts into the keyword index, as `NewsStore.add` would put them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from assistant.settings import Settings
from ingest.records import Chunk

NUDGE = 0.01


def build_scaled(source: Path, target: Path, chunks: int) -> dict[str, Any]:
    """Write copies of the chunks in the store ``source`` into ``target`` until it holds ``chunks``."""
    import numpy as np

    from vectorstore.chroma import EMBEDDER_KEY, persistent_client
    from vectorstore.hybrid import write_local
    from vectorstore.keyword import KeywordIndex
    from vectorstore.outlet_vectors import OutletVectors
    from vectorstore.sqlite_file import SqliteFile

    settings = Settings(store_dir=source)
    stored = persistent_client(source).get_collection(settings.collection)
    everything = stored.get(include=["embeddings", "documents", "metadatas"])
    ids, texts, metas = everything["ids"], everything["documents"] or [], everything["metadatas"] or []
    vectors = np.asarray(everything["embeddings"], dtype=np.float32)
    originals = [Chunk.from_metadata(i, t, dict(m)) for i, t, m in zip(ids, texts, metas, strict=True)]
    client = persistent_client(target)
    collection = client.create_collection(
        settings.collection,
        configuration={"hnsw": {"space": "cosine"}},
        metadata={EMBEDDER_KEY: (stored.metadata or {}).get(EMBEDDER_KEY, "")},
    )
    local = SqliteFile(Settings(store_dir=target).paths.keywords)
    keywords = KeywordIndex(local, common_share=settings.keyword_common_share)
    OutletVectors(local)  # its tables, marked complete: every chunk below comes with its vector
    batch = min(5000, client.get_max_batch_size())
    rng = np.random.default_rng(7)
    copies = -(-chunks // len(originals))
    for copy in range(copies):
        renamed = [_renamed(chunk, copy) for chunk in originals]
        nudged = vectors + rng.normal(0.0, NUDGE, vectors.shape).astype(np.float32)
        nudged /= np.linalg.norm(nudged, axis=1, keepdims=True)
        for offset in range(0, len(renamed), batch):
            part = renamed[offset : offset + batch]
            collection.add(
                ids=[chunk.id for chunk in part],
                embeddings=nudged[offset : offset + batch],
                documents=[chunk.text for chunk in part],
                metadatas=[chunk.metadata() for chunk in part],
            )
        write_local(keywords, renamed, cast("Sequence[Sequence[float]]", nudged))
    local.close()
    return {"chunks": collection.count(), "copies": copies, "source_chunks": len(originals)}


def _renamed(chunk: Chunk, copy: int) -> Chunk:
    """Return the chunk as part of the ``copy``-th copy of its article (the first keeps its ids)."""
    if copy == 0:
        return chunk
    return dataclasses.replace(chunk, id=f"{chunk.id}~{copy}", article_id=f"{chunk.article_id}~{copy}")
