from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest.records import Chunk
from tests.conftest import REPO
from tests.fakes import BagOfWordsEmbeddings
from vectorstore.base import Place, SearchFilter
from vectorstore.chroma import OPEN_LOCK, ChromaStore, StoreError, persistent_client


def chunk(n: int, text: str, source: str, published: str | None, span: tuple[int, int] | None) -> Chunk:
    return Chunk(
        id=f"c{n}",
        article_id=f"a{n}",
        index=0,
        text=text,
        start=0,
        end=len(text),
        title=f"T{n}",
        source=source,
        published=published,
        date_from=span[0] if span else None,
        date_to=span[1] if span else None,
    )


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    store = ChromaStore(persistent_client(tmp_path / "db"), BagOfWordsEmbeddings(), "news")
    store.add(
        [
            chunk(1, "Rockets hit the base in March.", "Fast News", "2020-03", (20200301, 20200331)),
            chunk(
                2, "Rockets hit the base on the fifth of April.", "Wire", "2020-04-05", (20200405, 20200405)
            ),
            chunk(3, "Rockets and the base, undated.", "Wire", None, None),
        ]
    )
    return store


def test_search_ranks_by_similarity_and_returns_chunks_intact(store: ChromaStore) -> None:
    passages = store.search("rockets base March", k=3)
    assert passages[0].chunk.id == "c1"
    top = passages[0]
    assert top.text == "Rockets hit the base in March." and top.chunk.source == "Fast News"
    assert top.chunk.published == "2020-03" and top.score > passages[-1].score


def test_filters_on_outlet_and_on_dates_with_month_precision(store: ChromaStore) -> None:
    ids = lambda where: {p.chunk.id for p in store.search("rockets", 5, where)}  # noqa: E731
    assert ids(SearchFilter(sources=("Wire",))) == {"c2", "c3"}
    # A March article may be from any day of March, so it matches since 2020-03-20 ...
    assert ids(SearchFilter(since=20200320)) == {"c1", "c2"}
    # ... and until 2020-03-02; undated articles never match a date filter.
    assert ids(SearchFilter(until=20200302)) == {"c1"}
    assert ids(SearchFilter(sources=("Wire",), since=20200401, until=20200430)) == {"c2"}


def test_missing_and_stats(store: ChromaStore) -> None:
    assert store.missing(["c1", "c9"]) == {"c9"}
    stats = store.stats()
    assert (stats.articles, stats.chunks) == (3, 3)
    assert stats.sources == {"Wire": 2, "Fast News": 1}
    assert (stats.first_published, stats.last_published) == ("2020-03", "2020-04-05")


def test_the_collection_has_no_chroma_embedding_function(store: ChromaStore) -> None:
    # Chroma's default embedding function downloads a model; ours must never be used.
    assert store._collection._embedding_function is None


def test_an_unusable_store_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="NEWSQA_STORE_DIR"):
        persistent_client(blocker / "db")


OPENER = """
import sys, time
from pathlib import Path
from vectorstore.chroma import persistent_client
print("ready", flush=True)
persistent_client(Path(sys.argv[1])).heartbeat()
print(time.time(), flush=True)
"""


@pytest.mark.slow
def test_a_process_opening_a_new_store_waits_while_another_creates_it(tmp_path: Path) -> None:
    # Two first opens of one folder at once both created Chroma's tables, and one failed
    # ("table collections already exists"): a first ingest lost to a chat opened beside it.
    folder = tmp_path / "db"
    folder.mkdir()
    with open(folder / OPEN_LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a process in the middle of creating the store
        opener = subprocess.Popen(
            [sys.executable, "-c", OPENER, str(folder)], cwd=REPO, text=True, stdout=subprocess.PIPE
        )  # fmt: skip
        assert opener.stdout is not None
        assert opener.stdout.readline().strip() == "ready"
        time.sleep(1.5)  # far longer than opening takes once imported
        released = time.time()
    out, _ = opener.communicate(timeout=60)
    assert opener.returncode == 0
    assert float(out) >= released
    assert persistent_client(folder).list_collections() == []


def test_a_store_refuses_an_embedder_other_than_the_one_that_built_it(tmp_path: Path) -> None:
    from vectorstore.chroma import EmbedderMismatchError

    client = persistent_client(tmp_path / "db")
    built = ChromaStore(client, BagOfWordsEmbeddings(), "news", embedder="MiniLM (torch)")
    built.add([chunk(1, "Rockets hit the base.", "Wire", None, None)])
    other = ChromaStore(client, BagOfWordsEmbeddings(), "news", embedder="MiniLM (onnx-int8)")
    with pytest.raises(EmbedderMismatchError, match=r"MiniLM \(torch\).*NEWSQA_EMBEDDING_BACKEND"):
        other.search("rockets", 1)
    with pytest.raises(EmbedderMismatchError):
        other.add([chunk(2, "More rockets.", "Wire", None, None)])
    assert other.count() == 1  # nothing was written with the wrong vectors
    same = ChromaStore(client, BagOfWordsEmbeddings(), "news", embedder="MiniLM (torch)")
    assert [p.chunk.id for p in same.search("rockets", 1)] == ["c1"]


def test_a_store_from_before_embedders_were_recorded_counts_as_the_legacy_one(tmp_path: Path) -> None:
    from vectorstore.chroma import EmbedderMismatchError

    client = persistent_client(tmp_path / "db")
    ChromaStore(client, BagOfWordsEmbeddings(), "news").add(
        [chunk(1, "Rockets hit the base.", "Wire", None, None)]
    )
    legacy = "MiniLM (torch)"
    assert ChromaStore(
        client, BagOfWordsEmbeddings(), "news", embedder=legacy, legacy_embedder=legacy
    ).search("rockets", 1)
    new = ChromaStore(
        client, BagOfWordsEmbeddings(), "news", embedder="MiniLM (onnx-int8)", legacy_embedder=legacy
    )
    with pytest.raises(EmbedderMismatchError):
        new.search("rockets", 1)


def test_a_filtered_search_finds_the_nearest_admitted_chunks_however_few_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filtered searches first look among the nearest chunks unfiltered (fast on a large
    collection); whether enough pass there or not, the answer is the filter's own nearest."""
    import random

    words = "rocket base strike militia vote mayor bridge storm court market".split()
    rng = random.Random(5)
    chunks = []
    for n in range(300):
        text = " ".join(rng.sample(words, 4)) + f" item{n}"
        source = "Rare Times" if n % 60 == 0 else ("Wire" if n % 2 else "Daily")
        day = 20200101 + (n % 28)
        chunks.append(chunk(n, text, source, str(day), (day, day)))
    texts = {c.id: c.text for c in chunks}
    embeddings = BagOfWordsEmbeddings()
    store = ChromaStore(persistent_client(tmp_path / "db"), embeddings, "news")
    store.add(chunks)
    vector = embeddings.embed_query("rocket strike on the base")
    vectors = dict(
        zip([c.id for c in chunks], embeddings.embed_documents([c.text for c in chunks]), strict=True)
    )

    def nearest_scores(where: SearchFilter, k: int) -> list[float]:
        admitted = [c for c in chunks if where.admits(c)]
        cosine = [sum(a * b for a, b in zip(vector, vectors[c.id], strict=True)) for c in admitted]
        return [round(score, 4) for score in sorted(cosine, reverse=True)[:k]]

    filtered: list[object] = []  # the queries Chroma's own (slow) where filter answered
    depths: list[object] = []  # how many nearest each query asked for
    call = store._call

    def counting(name: str, **kwargs: object) -> object:
        if name == "query" and kwargs.get("where") is not None:
            filtered.append(kwargs["where"])
        depths.append(kwargs.get("n_results"))
        return call(name, **kwargs)

    store._call = counting  # type: ignore[method-assign]
    for where, chroma_filtered in (
        (SearchFilter(sources=("Wire",)), 0),  # half the chunks: found among the 40 nearest
        (SearchFilter(sources=("Rare Times",)), 1),  # 5 chunks: too few there
        (SearchFilter(sources=("Daily", "Rare Times"), since=20200110, until=20200115), None),
        (SearchFilter(sources=("Rare Times",), until=20200101), 1),  # one chunk
    ):
        filtered.clear()
        found = store.search_by_vector(vector, 4, where)
        assert all(where.admits(passage.chunk) for passage in found), where
        assert [round(passage.score, 4) for passage in found] == nearest_scores(where, 4), where
        assert all(passage.chunk.text == texts[passage.chunk.id] for passage in found), where
        if chroma_filtered is not None:  # (the third may or may not find 4 among the 40 nearest)
            assert len(filtered) == chroma_filtered, where
    assert len(store.search_by_vector(vector, 10, SearchFilter(sources=("Rare Times",)))) == 5

    # With a table of the chunks beside the vectors (PostgreSQL's chunk table), the nearest are
    # read as ids alone and the table says which pass; when too few do, the search is restricted
    # to the ids of every chunk the filter admits, not left to Chroma's where filter...
    table = Table(chunks)
    monkeypatch.setattr("vectorstore.chroma.TABLE_OVERFETCH", 10)  # 40 of the 300, as without a table
    scopes = [
        SearchFilter(sources=("Wire",)),
        rare := SearchFilter(sources=("Rare Times",)),
        SearchFilter(sources=("Rare Times",), until=20200101),
        SearchFilter(sources=("Daily", "Rare Times"), since=20200110, until=20200115),
    ]
    for where in scopes:
        filtered.clear()
        table.asked.clear()
        found = store.search_by_vector(vector, 4, where, table)
        assert [round(passage.score, 4) for passage in found] == nearest_scores(where, 4), where
        assert all(passage.chunk.text == texts[passage.chunk.id] for passage in found), where
        assert filtered == [] and table.asked[0] == ("places", None)
        if where.sources in (("Wire",), ("Rare Times",)):  # (the last may or may not find 4 near)
            assert (("listed", where) in table.asked) == (where.sources == ("Rare Times",)), where
    # Several filters at once (a question naming outlets) read the nearest once, and the table
    # once for their outlets and once for the text of what they keep.
    table.asked.clear()
    depths.clear()
    together = store.search_scopes(vector, 4, [None, *scopes], table)
    assert [[round(p.score, 4) for p in found] for found in together[1:]] == [
        nearest_scores(where, 4) for where in scopes
    ]
    assert [round(p.score, 4) for p in together[0]] == nearest_scores(SearchFilter(), 4)
    assert all(p.chunk.text == texts[p.chunk.id] for found in together for p in found)
    assert [name for name, _ in table.asked].count("places") == 1
    assert [name for name, _ in table.asked].count("chunks") == 1
    assert depths.count(40) == 1  # the deep read, shared
    # ...and an id Chroma doesn't hold (deleted a moment ago) leaves the search to its where filter.
    table.extra = ["gone-1"]
    found = store.search_by_vector(vector, 4, rare, table)
    assert [round(passage.score, 4) for passage in found] == nearest_scores(rare, 4)
    assert len(filtered) == 1


class Table:
    """An in-memory `ChunkTable` over a list of chunks, recording what it was asked."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.rows = {c.id: c for c in chunks}
        self.asked: list[tuple[str, SearchFilter | None]] = []
        self.extra: list[str] = []

    def chunk_ids(self, where: SearchFilter, limit: int) -> list[str] | None:
        self.asked.append(("listed", where))
        return [c.id for c in self.rows.values() if where.admits(c)] + self.extra

    def places(self, ids: Sequence[str]) -> dict[str, Place]:
        self.asked.append(("places", None))
        return {i: Place(c.source, c.date_from, c.date_to) for i in ids if (c := self.rows.get(i))}

    def chunks(self, ids: Sequence[str]) -> dict[str, Chunk]:
        self.asked.append(("chunks", None))
        return {i: self.rows[i] for i in ids if i in self.rows}
