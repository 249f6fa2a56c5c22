"""The records of the answering stage: an `Answer`, the `Citation`s it rests on, and the
events `NewsAssistant.stream` yields while an answer is being written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from vectorstore.base import Passage

ABSTAIN_TEXT = "I couldn't find this in the indexed articles."


@dataclass(frozen=True)
class Citation:
    """One passage an answer cites, with the exact sentence it quotes from it."""

    n: int
    """The number of the ``[n]`` marker in the answer text."""
    article_id: str
    title: str
    source: str | None
    published: str | None
    url: str | None
    passage: str
    """The chunk's text, exactly as it stands in the article."""
    quote: str
    """The cited sentence; always ``passage[quote_start:quote_start + len(quote)]``."""
    quote_start: int
    chunk_id: str
    verified: bool = True
    """False when some sentence citing this passage is not supported by it (generated
    answers only: an extractive answer quotes the passage itself, so its citations hold).
    `SentenceCheck.doubtful` says which sentences."""

    @classmethod
    def from_passage(
        cls, n: int, passage: Passage, start: int, end: int, *, verified: bool = True
    ) -> Citation:
        """Cite ``passage.text[start:end]`` of a retrieved passage as citation ``n``."""
        chunk = passage.chunk
        return cls(
            n=n,
            article_id=chunk.article_id,
            title=chunk.title,
            source=chunk.source,
            published=chunk.published,
            url=chunk.url,
            passage=chunk.text,
            quote=chunk.text[start:end],
            quote_start=start,
            chunk_id=chunk.id,
            verified=verified,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the citation as the JSON object the CLI prints."""
        return {
            "n": self.n,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "url": self.url,
            "passage": self.passage,
            "quote": self.quote,
            "quote_start": self.quote_start,
            "verified": self.verified,
        }


SentenceStatus = Literal["supported", "unsupported", "uncited", "note"]


@dataclass(frozen=True)
class SentenceCheck:
    """How one sentence of a generated answer stands against the passages it cites."""

    start: int
    """Offset of the sentence (with its ``[n]`` markers) in `Answer.text`."""
    end: int
    cites: tuple[int, ...]
    """The citation numbers the sentence carries."""
    status: SentenceStatus
    """``supported``: its cited passages hold its words, names and numbers; ``unsupported``:
    they don't; ``uncited``: a claim with no citation; ``note``: says something about the
    passages themselves (that they disagree, or lack the answer)."""
    missing: tuple[str, ...] = ()
    """Names and numbers of the sentence that no cited passage contains."""
    doubtful: tuple[int, ...] = ()
    """Citations of this sentence whose passage does not support it (a wrong source)."""

    @property
    def flagged(self) -> bool:
        """True when the UI should mark the sentence as not backed by a source."""
        return self.status in ("unsupported", "uncited")

    def to_dict(self, text: str) -> dict[str, Any]:
        """Return the check as a JSON object, with the sentence cut from the answer ``text``."""
        return {
            "sentence": text[self.start : self.end],
            "cites": list(self.cites),
            "status": self.status,
            "missing": list(self.missing),
            "doubtful": list(self.doubtful),
        }


@dataclass(frozen=True)
class Answer:
    """An answer to one question: its text with ``[n]`` markers, and what they cite."""

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    """Every passage retrieved for the question, best first (cited or not)."""
    answerer: str = "extractive"
    """Who wrote the text: ``extractive``, or the language model backend and model."""
    note: str | None = None
    """What the reader should know about how this answer came about, e.g. that the
    language model failed and this is the extractive answer in its place."""
    sentences: list[SentenceCheck] = field(default_factory=list)
    """Per-sentence citation checks of a generated answer (empty for extractive ones)."""
    standalone_question: str | None = None
    """The question as rewritten from the conversation, when it was a follow-up."""

    @property
    def verified(self) -> bool:
        """True when every citation holds and no sentence is flagged."""
        return all(c.verified for c in self.citations) and not any(s.flagged for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """Return the answer as the JSON object ``python -m assistant ask --json`` prints."""
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [citation.to_dict() for citation in self.citations],
            "answerer": self.answerer,
            "note": self.note,
            "standalone_question": self.standalone_question,
            "verified": self.verified,
            "sentences": [check.to_dict(self.text) for check in self.sentences],
        }


@dataclass(frozen=True)
class Rewritten:
    """The follow-up question was rewritten into this standalone one before retrieval."""

    question: str


@dataclass(frozen=True)
class TextDelta:
    """The next piece of the answer text, as the language model writes it."""

    text: str


@dataclass(frozen=True)
class Done:
    """The final, checked answer: its text may differ from the streamed pieces (invalid
    ``[n]`` markers removed, citations renumbered, or the extractive answer instead)."""

    answer: Answer


AnswerEvent = Rewritten | TextDelta | Done
"""What `NewsAssistant.stream` yields: a `Rewritten` if the question was, `TextDelta`s, then one `Done`."""


class Answerer(Protocol):
    """Turns a question and its retrieved passages into an `Answer`, handed out as it is written."""

    @property
    def label(self) -> str:
        """Who writes the answers: ``extractive``, or the language model and where it runs."""
        ...

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Return the answer, citing the passages it rests on."""
        ...

    def stream(
        self, question: str, passages: Sequence[Passage], failure: str | None = None
    ) -> Iterator[AnswerEvent]:
        """Yield `TextDelta`s as the answer is written, then one `Done`.

        ``failure`` is the language model's failure earlier in this turn, if any: the answer
        is then given without waiting on the model again.
        """
        ...
