"""Sentence vectors pooled from a chunk's own embedding run, kept beside the chunk and read back."""

from __future__ import annotations

import numpy as np
import pytest

from ingest.records import Chunk
from ingest.text.sentences import sentence_spans
from tests.stores import keyword_index
from vectorstore.sentence_vectors import pack, pool, unpack


def chunk(n: int, text: str) -> Chunk:
    return Chunk(
        id=f"c{n}", article_id=f"a{n}", index=0, text=text, start=0, end=len(text), title="Report",
        source="Wire", published="2024-01-01", date_from=20240101, date_to=20240101,
    )  # fmt: skip


def test_each_sentence_is_the_mean_of_the_tokens_starting_in_it_without_special_tokens() -> None:
    tokens = np.array([[9, 9], [1, 0], [3, 0], [0, 2], [9, 9]], dtype=np.float32)  # [CLS] a b c [SEP]
    offsets = [(0, 0), (0, 3), (4, 7), (8, 12), (0, 0)]
    rows = pool(tokens, offsets, [(0, 7), (8, 12), (13, 20)])
    assert rows.tolist() == [[2, 0], [0, 2], [0, 0]]  # the last sentence was cut off: zeros


def test_packing_keeps_each_direction_in_one_byte_a_dimension() -> None:
    rows = np.random.default_rng(7).normal(size=(5, 384)).astype(np.float32)
    rows[3] = 0
    data = pack(rows)
    assert len(data) == 2 + 5 * 384
    back = unpack(data)
    units = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    cosines = (back * units).sum(axis=1)
    assert np.all(np.delete(cosines, 3) > 0.999)
    assert not back[3].any()


def test_the_keyword_index_keeps_them_with_the_chunk_and_drops_them_with_it() -> None:
    keywords = keyword_index()
    first, second = chunk(1, "The council met. It voted."), chunk(2, "Storm news.")
    keywords.write([first, second], [[1.0, 0.0], [0.0, 1.0]], [b"\x01\x02", None])
    assert keywords.sentence_vectors(["c1", "c2", "c3"]) == {"c1": b"\x01\x02"}
    keywords.write([first], [[1.0, 0.0]], [b"\x05\x06"])  # written again: replaced
    assert keywords.sentence_vectors(["c1"]) == {"c1": b"\x05\x06"}
    keywords.delete(["c1"])
    assert keywords.sentence_vectors(["c1"]) == {}
    with keywords.file.locked() as db:
        assert db.execute("SELECT count(*) FROM chunk_sentences").fetchone()[0] == 0


@pytest.mark.model
def test_the_encoder_gives_the_same_chunk_vector_and_each_sentence_its_own_meaning() -> None:
    from assistant.factory import make_embeddings
    from assistant.settings import DEFAULTS

    embeddings = make_embeddings(DEFAULTS)
    text = (
        "The city council approved the harbour budget on Monday after a long vote. "
        "Meanwhile, the football club signed a striker from Lisbon for a record fee."
    )
    spans = sentence_spans(text)
    vectors, sentences = embeddings.embed_with_sentences([text], [spans])  # type: ignore[attr-defined]
    assert np.allclose(vectors[0], embeddings.embed_documents([text])[0], atol=1e-6)
    assert sentences[0] is not None
    council, football = unpack(sentences[0])
    budget = np.asarray(embeddings.embed_query("Did the council pass the budget?"))
    transfer = np.asarray(embeddings.embed_query("Which player did the club buy?"))
    assert council @ budget > football @ budget
    assert football @ transfer > council @ transfer


def test_chunks_without_them_are_listed_page_by_page_until_given_them() -> None:
    keywords = keyword_index()
    chunks = [chunk(n, f"Story {n}. It goes on.") for n in range(1, 5)]
    keywords.write(chunks, [[1.0, 0.0]] * 4, [b"\x01", None, None, None])
    assert keywords.count_lacking_sentence_vectors() == 3
    first = keywords.lacking_sentence_vectors(0, 2)
    assert [c.id for _, c in first] == ["c2", "c3"] and first[0][1] == chunks[1]
    assert [c.id for _, c in keywords.lacking_sentence_vectors(first[-1][0], 10)] == ["c4"]
    keywords.keep_sentence_vectors([("c2", b"\x02"), ("c3", b"\x03"), ("c4", b"\x04"), ("c9", b"\x09")])
    assert keywords.lacking_sentence_vectors(0, 10) == []
    assert keywords.count_lacking_sentence_vectors() == 0
    assert keywords.sentence_vectors(["c1", "c4", "c9"]) == {"c1": b"\x01", "c4": b"\x04"}
