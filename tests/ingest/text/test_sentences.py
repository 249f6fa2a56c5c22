from __future__ import annotations

from ingest.text.sentences import sentence_spans


def sentences(text: str) -> list[str]:
    spans = sentence_spans(text)
    return [text[start:end] for start, end in spans]


def test_splits_sentences_and_keeps_exact_offsets() -> None:
    text = "Rockets hit the base.  Two died! Who fired them? Nobody knows."
    assert sentences(text) == ["Rockets hit the base.", "Two died!", "Who fired them?", "Nobody knows."]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence() -> None:
    text = "Mr. Esper met Gen. Milley in the U.S. on Tuesday. J. K. Rowling paid 3.5 million."
    assert sentences(text) == [
        "Mr. Esper met Gen. Milley in the U.S. on Tuesday.",
        "J. K. Rowling paid 3.5 million.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = "“We will respond,” he said. “You don't get away with it.” Then he left."
    assert sentences(text) == [
        "“We will respond,” he said.",
        "“You don't get away with it.”",
        "Then he left.",
    ]


def test_paragraphs_and_headings_are_boundaries_but_wrapped_lines_are_not() -> None:
    wrapped = (
        "This is a long line of hard-wrapped prose that goes on and on past sixty\ncharacters and ends here."
    )
    text = f"Breaking News\nFirst paragraph.\n\n{wrapped}"
    assert sentences(text) == ["Breaking News", "First paragraph.", wrapped]
