"""The bodies several routers share: the filters of a question, and an answer with its citations.

`AnswerOut` is exactly the object ``python -m assistant ask --json`` prints.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.followup import Turn
from assistant.answering.records import Answer
from assistant.retrieval.time_words import Basis


class Body(BaseModel):
    """A body whose fields' docstrings describe them in the OpenAPI docs."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class Filters(Body):
    """What a question's retrieval keeps to, as ``--source``, ``--since`` and ``--until`` do."""

    source: list[str] | str | None = Field(
        None, description="Only these outlets (one name or a list; any case).", examples=[["Fast News"]]
    )
    since: str | None = Field(
        None, description="Only articles published on or after this day (YYYY-MM or YYYY-MM-DD).",
        examples=["2020-03"],
    )  # fmt: skip
    until: str | None = Field(None, description="Only articles published on or before this day.")


class HistoryTurn(Body):
    """One earlier exchange: a question and the answer's text. A whole earlier `/v1/ask` answer fits."""

    model_config = ConfigDict(extra="ignore", use_attribute_docstrings=True)

    question: str
    answer: str
    standalone_question: str | None = Field(
        None, description="The question as rewritten then, if it was (an earlier answer carries it)."
    )

    def turn(self) -> Turn:
        """Return the turn the assistant's follow-up rewriting reads."""
        return Turn(self.standalone_question or self.question, self.answer)


class CitationOut(Body):
    """A passage the answer cites as ``[n]``, with the sentence it quotes from it."""

    n: int
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    passage: str
    quote: str
    quote_start: int
    verified: bool
    suspicious: bool = Field(
        False,
        description='The passage holds text aimed at an AI model ("ignore previous instructions"): '
        "read it with care.",
    )


class SentenceOut(Body):
    """How one sentence of a generated answer stands against the passages it cites."""

    sentence: str
    cites: list[int]
    status: Literal["supported", "unsupported", "uncited", "note", "suspicious"]
    missing: list[str]
    doubtful: list[int]


class ShortAnswerOut(Body):
    """The name, place, date, number or amount that answers the question, as a quote states it."""

    text: str = Field(description="The span, word for word as the cited sentence has it.")
    n: int = Field(description="The citation whose quote holds it.")
    start: int = Field(description="Its offset in that citation's passage.")
    kind: str = Field(
        description="What was asked for: person, organisation, place, date, number, amount, name."
    )


class OutletOut(Body):
    """One outlet the question names, with the citations quoting it (none: no passage of it answers)."""

    outlet: str
    cites: list[int]
    found: bool
    text: str = Field(description="This outlet's part of the answer text.")


class ReadAgainstOut(Body):
    """The date a question's time words ("this week", "recently", "last month") were read against."""

    date: str = Field(description="ISO date, e.g. 2023-12-25.")
    basis: Basis = Field(
        description="Why that date: the question's own (the end of its date filter), the newest "
        "article in the index, or today when the index has no dated article."
    )


class AnswerOut(Body):
    """An answer: its text with ``[n]`` markers and the citations they point to."""

    question: str
    answer: str
    abstained: bool
    citations: list[CitationOut]
    answerer: str
    note: str | None = Field(
        description="What to know about how the answer came about, e.g. that the language model failed "
        "and this is the extractive answer in its place."
    )
    standalone_question: str | None
    verified: bool
    sentences: list[SentenceOut]
    short_answer: ShortAnswerOut | None = Field(
        None,
        description="For a who / where / when / how many / how much question, the span that answers "
        "it; the answer text opens with it. None when no quote clearly states one.",
    )
    outlets: list[OutletOut] = Field(
        default_factory=list, description="The outlets the question names, side by side."
    )
    read_against: ReadAgainstOut | None = Field(
        None, description="Set when the question has time words: the date they were read against."
    )

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        """Return the answer as the API gives it."""
        return cls.model_validate(answer.to_dict())
