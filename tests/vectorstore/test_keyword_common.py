"""Common words are left out of keyword searches, so large indexes stay fast."""

from __future__ import annotations

from ingest.records import Chunk
from tests.stores import keyword_index
from vectorstore.keyword import KeywordIndex


def chunk(n: int, text: str) -> Chunk:
    return Chunk(id=f"c{n}", article_id=f"a{n}", index=0, text=text, start=0, end=len(text), title="")


def filled(common_share: float) -> KeywordIndex:
    index = keyword_index(common_share=common_share, common_from=0)
    index.add([chunk(n, f"The report says item {n} was sold.") for n in range(18)])
    index.add([chunk(18, "The report says Tesla sold cars."), chunk(19, "Tesla shares rose.")])
    return index


def test_words_in_most_chunks_no_longer_pull_in_every_chunk() -> None:
    everything = filled(1.0)
    assert len(everything.search("report on Tesla", 50)) == 20
    pruned = filled(0.5)
    assert {p.chunk.id for p in pruned.search("report on Tesla", 50)} == {"c18", "c19"}


def test_a_question_of_common_words_only_keeps_them() -> None:
    assert len(filled(0.5).search("the report says", 50)) == 19  # all but "Tesla shares rose."


def test_frequencies_follow_the_index_as_it_changes() -> None:
    index = filled(0.5)
    assert {p.chunk.id for p in index.search("report on Tesla", 50)} == {"c18", "c19"}
    index.delete([f"c{n}" for n in range(18)])  # "report" is now in 1 of 2 chunks: not common
    index.add([chunk(30, "An unrelated text."), chunk(31, "Another one.")])
    assert {p.chunk.id for p in index.search("report", 50)} == {"c18"}
    assert {p.chunk.id for p in index.search("report on Tesla", 50)} == {"c18", "c19"}


def test_a_small_index_keeps_every_word() -> None:
    index = keyword_index(common_share=0.5, common_from=21)  # 20 chunks: below the size it starts at
    index.add([chunk(n, f"The report says item {n} was sold.") for n in range(18)])
    index.add([chunk(18, "The report says Tesla sold cars."), chunk(19, "Tesla shares rose.")])
    assert len(index.search("report on Tesla", 50)) == 20
    index.add([chunk(20, "A report.")])  # 21 chunks: "report" (in 20) is now left out
    assert {p.chunk.id for p in index.search("report on Tesla", 50)} == {"c18", "c19"}
