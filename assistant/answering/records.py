"""The records of the answering stage: an `Answer`, the `Citation`s it rests on, and the
events `NewsAssistant.stream` yields while an answer is being written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from assistant.retrieval.time_words import AsOf
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
    suspicious: bool = False
    """True when the passage holds text that reads as instructions to an AI model ("Ignore
    previous instructions..."): article text should never say that, so read it with care."""

    @classmethod
    def from_passage(
        cls,
        n: int,
        passage: Passage,
        start: int,
        end: int,
        *,
        verified: bool = True,
        suspicious: bool = False,
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
            suspicious=suspicious,
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
            "suspicious": self.suspicious,
        }


@dataclass(frozen=True)
class ShortAnswer:
    """The name, place, date, number or amount that answers the question, as a quote states it."""

    text: str
    """The span, exactly as it stands in the quoted sentence."""
    n: int
    """The citation whose quote holds the span."""
    start: int
    """Offset of the span in that citation's passage: ``passage[start:start + len(text)] == text``."""
    kind: str
    """What was asked for: ``person``, ``organisation``, ``place``, ``date``, ``number``,
    ``amount`` or ``name``."""

    def to_dict(self) -> dict[str, Any]:
        """Return the short answer as the JSON object the CLI prints."""
        return {"text": self.text, "n": self.n, "start": self.start, "kind": self.kind}


@dataclass(frozen=True)
class OutletSide:
    """One outlet the question names, and the citations that quote it (none: no passage of
    that outlet answers)."""

    outlet: str
    cites: tuple[int, ...] = ()
    start: int = 0
    """Offset of this side's part in `Answer.text` (its quotes, or the sentence saying it has none)."""
    end: int = 0

    @property
    def found(self) -> bool:
        """True when a passage of this outlet is quoted."""
        return bool(self.cites)

    def to_dict(self, text: str) -> dict[str, Any]:
        """Return the side as a JSON object, with its part cut from the answer ``text``."""
        return {
            "outlet": self.outlet,
            "cites": list(self.cites),
            "found": self.found,
            "text": text[self.start : self.end],
        }


SentenceStatus = Literal["supported", "unsupported", "uncited", "note", "suspicious"]


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
    passages themselves (that they disagree, or lack the answer); ``suspicious``: it repeats
    an instruction aimed at an AI model that a cited passage holds."""
    missing: tuple[str, ...] = ()
    """Names and numbers of the sentence that no cited passage contains."""
    doubtful: tuple[int, ...] = ()
    """Citations of this sentence whose passage does not support it (a wrong source)."""

    @property
    def flagged(self) -> bool:
        """True when the UI should mark the sentence as not backed by a source."""
        return self.status in ("unsupported", "uncited", "suspicious")

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
    short_answer: ShortAnswer | None = None
    """The span that answers a who / which / where / when / how many / how much question,
    when a quote clearly states one; the text then opens with it."""
    outlets: list[OutletSide] = field(default_factory=list)
    """The outlets the question names, side by side, each with the citations quoting it."""
    read_against: AsOf | None = None
    """The date the question's time words ("this week", "recently") were read against, and
    why that date; None when it has none."""

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
            "short_answer": self.short_answer.to_dict() if self.short_answer else None,
            "outlets": [side.to_dict(self.text) for side in self.outlets],
            "read_against": self.read_against.to_dict() if self.read_against else None,
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
