from __future__ import annotations

from assistant.answering.abstention import cited_outlets, unknown_names
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.records import ABSTAIN_TEXT
from assistant.retrieval.sentences import best_sentence_coverage
from assistant.settings import DEFAULTS
from ingest.records import Chunk
from vectorstore.base import Passage

TAJI = (
    "Rockets hit Camp Taji on Wednesday. Esper said all options are on the table. "
    "Officials blamed Kataib Hezbollah, an Iranian-backed militia, for the attack. "
    "Tensions have played out on Iraqi soil."
)


def extractive(**overrides: float) -> ExtractiveAnswerer:
    """The extractive answerer with the settings' defaults, some overridden."""
    values = {
        "max_sentences": DEFAULTS.answer_sentences,
        "min_support": DEFAULTS.min_support,
        "unknown_names": DEFAULTS.abstain_names,
        **overrides,
    }
    return ExtractiveAnswerer(**values)  # type: ignore[arg-type]


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
    answer = extractive().answer("Who was blamed for the Camp Taji attack?", [passage(TAJI)])
    assert not answer.abstained
    first = answer.citations[0]
    assert "Kataib Hezbollah" in first.quote
    assert first.passage[first.quote_start : first.quote_start + len(first.quote)] == first.quote
    assert answer.text.startswith(first.quote + " [1]")
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text and citation.quote in answer.text
    assert (first.source, first.published, first.title) == ("Fast News", "2020-03", "Rockets")


def test_abstains_when_no_sentence_covers_the_question() -> None:
    answer = extractive().answer("What is the capital of Australia?", [passage(TAJI)])
    assert answer.abstained and answer.text == ABSTAIN_TEXT and answer.citations == []
    assert extractive().answer("Who was blamed?", []).abstained


def test_a_sentence_repeated_by_overlapping_chunks_is_quoted_once() -> None:
    # The second chunk starts at the third sentence of the first (chunk overlap).
    offset = TAJI.index("Officials")
    overlap = passage(TAJI[offset:], n=2, start=offset)
    answer = extractive(max_sentences=3).answer("Who was blamed for the attack?", [passage(TAJI), overlap])
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes))


def test_abstains_when_the_question_cites_an_outlet_no_passage_comes_from() -> None:
    question = "According to a Daily Planet report, who was blamed for the Camp Taji attack?"
    assert extractive().answer(question, [passage(TAJI)]).abstained
    assert cited_outlets("an article by The Times of India and the Fast News report") == [
        "The Times of India",
        "Fast News",
    ]
    answered = extractive().answer("Who was blamed in the Fast News report on Camp Taji?", [passage(TAJI)])
    assert not answered.abstained and "Kataib Hezbollah" in answered.text


def test_abstains_when_several_names_of_the_question_are_in_no_passage() -> None:
    unknown = "Did Oleg Fomenko blame Kataib Hezbollah for the Camp Taji attack, as Zubair Qureshi said?"
    assert unknown_names(unknown, [passage(TAJI)]) == {"oleg", "fomenko", "zubair", "qureshi"}
    assert extractive().answer(unknown, [passage(TAJI)]).abstained
    # One unfamiliar name is not enough: questions often name something a passage words differently.
    one = "Who did Esper and the Pentagon blame for the Camp Taji attack?"
    assert unknown_names(one, [passage(TAJI)]) == {"pentagon"}
    assert not extractive().answer(one, [passage(TAJI)]).abstained


def test_best_sentence_coverage_prefers_one_sentence_that_says_it_all() -> None:
    scattered = passage("Kataib Hezbollah met. The attack was loud. Camp Taji is north of Baghdad.", n=1)
    whole = passage("Officials blamed Kataib Hezbollah for the attack on Camp Taji. Rain fell.", n=2)
    coverage = best_sentence_coverage(
        "Who blamed Kataib Hezbollah for the Camp Taji attack?", [scattered, whole]
    )
    assert coverage["c2"] > coverage["c1"] > 0
