from __future__ import annotations

from assistant.answer import ABSTAIN_TEXT
from assistant.extractive import ExtractiveAnswerer
from ingest.records import Chunk
from vectorstore.base import Passage

TAJI = (
    "Rockets hit Camp Taji on Wednesday. Esper said all options are on the table. "
    "Officials blamed Kataib Hezbollah, an Iranian-backed militia, for the attack. "
    "Tensions have played out on Iraqi soil."
)


def passage(text: str, n: int = 1, start: int = 0) -> Passage:
    chunk = Chunk(
        id=f"c{n}",
        article_id="a1",
        index=n,
        text=text,
        start=start,
        end=start + len(text),
        title="Rockets",
        source="Fast News",
        published="2020-03",
        url="https://x.test",
    )
    return Passage(chunk=chunk, score=0.5)


def test_answer_quotes_the_best_sentence_with_a_marker_and_exact_citation() -> None:
    answer = ExtractiveAnswerer().answer("Who was blamed for the Camp Taji attack?", [passage(TAJI)])
    assert not answer.abstained
    first = answer.citations[0]
    assert "Kataib Hezbollah" in first.quote
    assert first.passage[first.quote_start : first.quote_start + len(first.quote)] == first.quote
    assert answer.text.startswith(first.quote + " [1]")
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text and citation.quote in answer.text
    assert (first.source, first.published, first.title) == ("Fast News", "2020-03", "Rockets")


def test_abstains_when_no_sentence_covers_the_question() -> None:
    answer = ExtractiveAnswerer().answer("What is the capital of Australia?", [passage(TAJI)])
    assert answer.abstained and answer.text == ABSTAIN_TEXT and answer.citations == []
    assert ExtractiveAnswerer().answer("Who was blamed?", []).abstained


def test_a_sentence_repeated_by_overlapping_chunks_is_quoted_once() -> None:
    # The second chunk starts at the third sentence of the first (chunk overlap).
    offset = TAJI.index("Officials")
    overlap = passage(TAJI[offset:], n=2, start=offset)
    answer = ExtractiveAnswerer(max_sentences=3).answer(
        "Who was blamed for the attack?", [passage(TAJI), overlap]
    )
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))
