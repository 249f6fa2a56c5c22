"""Writes overlapped with embedding: in order, reported once written, and errors still surface."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ingest.records import Chunk
from tests.fakes import BagOfWordsEmbeddings
from vectorstore.chroma import WRITE_BATCH, ChromaStore, persistent_client


def chunks(count: int, prefix: str = "Rockets") -> list[Chunk]:
    found = []
    for n in range(count):
        text = f"{prefix} hit the base, report {n}, " + "more words " * (n % 7)
        fields = {"title": f"T{n}", "source": "Wire", "published": None, "date_from": None, "date_to": None}
        found.append(
            Chunk(
                id=f"c{n}", article_id=f"a{n // 5}", index=n % 5, text=text, start=0, end=len(text), **fields
            )
        )
    return found


@pytest.mark.parametrize("overlap", [True, False])
def test_every_batch_is_written_before_progress_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlap: bool
) -> None:
    monkeypatch.setattr(ChromaStore, "overlap_writes", overlap)
    embeddings = BagOfWordsEmbeddings()
    store = ChromaStore(persistent_client(tmp_path / "db"), embeddings, "news")
    given = chunks(3 * WRITE_BATCH + 10)
    reported: list[tuple[int, int, bool]] = []

    def progress(count: int) -> None:
        # Told from the caller's thread (the chat's progress bar needs that), after the write.
        reported.append((count, store.count(), threading.current_thread() is threading.main_thread()))

    embedded = store.embed_and_add(given, progress)
    assert embedded.vectors == embeddings.embed_documents([chunk.text for chunk in given])  # order given
    assert len(embedded.sentences) == len(given) and all(embedded.sentences)  # each chunk's, in order
    assert [count for count, _, _ in reported] == [WRITE_BATCH] * 3 + [10]
    totals = [WRITE_BATCH, 2 * WRITE_BATCH, 3 * WRITE_BATCH, len(given)]
    assert [stored for _, stored, _ in reported] == totals
    assert all(main for _, _, main in reported)
    assert store.ids() == {chunk.id for chunk in given}


class BrokenAfter(BagOfWordsEmbeddings):
    """Gives vectors of the wrong size from the ``calls``-th call on: Chroma refuses to write them."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.calls_left = calls

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls_left -= 1
        vectors = super().embed_documents(texts)
        return vectors if self.calls_left >= 0 else [vector[:3] for vector in vectors]


def test_a_failed_write_raises_and_nothing_after_it_is_written(tmp_path: Path) -> None:
    store = ChromaStore(persistent_client(tmp_path / "db"), BrokenAfter(calls=2), "news")
    reported: list[int] = []
    with pytest.raises(Exception, match="dimension"):
        store.embed_and_add(chunks(5 * WRITE_BATCH), reported.append)
    assert reported == [WRITE_BATCH, WRITE_BATCH]
    assert store.count() == 2 * WRITE_BATCH
