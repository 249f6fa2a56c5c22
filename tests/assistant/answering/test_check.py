from __future__ import annotations

from assistant.answering.check import CitationChecker, answer_sentences, renumber
from assistant.settings import DEFAULTS
from ingest.records import Chunk
from vectorstore.base import Passage

CHECKER = CitationChecker(DEFAULTS.citation_min_overlap)


def passage(text: str, n: int = 0) -> Passage:
    chunk = Chunk(id=f"c{n}", article_id=f"a{n}", index=0, text=text, start=0, end=len(text), title=f"T{n}")
    return Passage(chunk, 1.0)


TAJI = passage(
    "Rockets hit Camp Taji on Wednesday. Two US troops and one British service member were killed. "
    "Officials blamed Kataib Hezbollah.",
    1,
)
STORM = passage("A storm hit the coast. The weather service issued its warning late.", 2)


def test_markers_are_renumbered_by_first_use_and_invalid_ones_dropped() -> None:
    text, order = renumber("A [3]. B [Passage 1, 3][7]. C [0] and [2; 3].", 3)
    assert text == "A [1]. B [2][1]. C and [3][1]."
    assert order == [3, 1, 2]
    assert renumber("No markers here [citation needed].", 3) == ("No markers here [citation needed].", [])


def test_a_marker_after_the_full_stop_belongs_to_the_sentence_before() -> None:
    text = "Rockets hit the base. [1][2] Officials blamed the militia.[3] It was late."
    assert [text[s:e] for s, e in answer_sentences(text)] == [
        "Rockets hit the base. [1][2]",
        "Officials blamed the militia.[3]",
        "It was late.",
    ]


def test_numbers_in_words_and_digits_match_each_other() -> None:
    checked = CHECKER.check("2 US troops and 1 British service member were killed [1].", [TAJI])
    assert [s.status for s in checked.sentences] == ["supported"]
    wrong = CHECKER.check("3 US troops and 1 British service member were killed [1].", [TAJI])
    assert wrong.sentences[0].status == "unsupported" and wrong.sentences[0].missing == ("3",)


def test_a_name_the_passage_lacks_fails_the_check_even_with_its_words_present() -> None:
    checked = CHECKER.check("Officials blamed Hamas for the rockets at Camp Taji [1].", [TAJI])
    assert checked.sentences[0].status == "unsupported" and checked.sentences[0].missing == ("Hamas",)
    assert not checked.citations[0].verified


def test_each_citation_quotes_the_passage_sentence_that_best_supports_it() -> None:
    checked = CHECKER.check(
        "Kataib Hezbollah was blamed [1]. The weather service warned late [2].", [TAJI, STORM]
    )
    first, second = checked.citations
    assert first.quote == "Officials blamed Kataib Hezbollah." and first.verified
    assert second.quote == "The weather service issued its warning late." and second.verified
    for citation in checked.citations:
        assert (
            citation.passage[citation.quote_start : citation.quote_start + len(citation.quote)]
            == citation.quote
        )


def test_two_passages_together_can_support_one_sentence() -> None:
    checked = CHECKER.check(
        "Officials blamed Kataib Hezbollah, and the weather service issued its warning late [1][2].",
        [TAJI, STORM],
    )
    assert checked.sentences[0].status == "supported"
    assert [c.verified for c in checked.citations] == [True, True]


def test_a_wrong_second_citation_is_unverified_though_the_sentence_holds() -> None:
    checked = CHECKER.check("Officials blamed Kataib Hezbollah for Camp Taji [1][2].", [TAJI, STORM])
    assert checked.sentences[0].status == "supported" and checked.sentences[0].doubtful == (2,)
    assert [c.verified for c in checked.citations] == [True, False]


def test_sentences_about_the_passages_are_notes_not_claims() -> None:
    checked = CHECKER.check(
        "The passages disagree about the cause. Officials blamed Kataib Hezbollah [1]. "
        "The storm flooded Miami.",
        [TAJI, STORM],
    )
    assert [s.status for s in checked.sentences] == ["note", "supported", "uncited"]
