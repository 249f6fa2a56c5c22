"""The bodies several routers share: the filters of a question, and an answer with its citations.

`AnswerOut` is exactly the object ``python -m assistant ask --json`` prints.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.followup import Turn
from assistant.answering.records import Answer


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


class SentenceOut(Body):
    """How one sentence of a generated answer stands against the passages it cites."""

    sentence: str
    cites: list[int]
    status: Literal["supported", "unsupported", "uncited", "note"]
    missing: list[str]
    doubtful: list[int]


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

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        """Return the answer as the API gives it."""
        return cls.model_validate(answer.to_dict())
