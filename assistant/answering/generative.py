"""The generative answerer: a language model writes the answer, its citations are checked.

The model sees only the numbered, fenced passages (`assistant.answering.prompts`). Its
reply streams out as it is written; then `CitationChecker` removes markers that point at no
passage and flags sentences their passages don't support. When nothing of the reply holds
(no valid citation, or no supported sentence), or the backend fails, the extractive answer
takes its place with a note saying why, so the reader always gets an answer grounded in
the articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from assistant.answering.check import CitationChecker
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.prompts import answer_messages
from assistant.answering.records import ABSTAIN_TEXT, Answer, AnswerEvent, Done, TextDelta
from assistant.llm import LanguageModel, LLMBackendError
from vectorstore.base import Passage

# A reply saying the passages lack the answer, in the words models tend to use.
_ABSTAINS = re.compile(
    r"couldn['’]?t find|could not find|cannot find|can['’]?t find"
    r"|(do|does)(n['’]?t| not) (contain|say|mention|include)|no information|not (mentioned|stated)",
    re.I,
)
NO_CITATION = (
    "The language model's answer cited none of the passages, so this is the extractive answer instead."
)
NOT_SUPPORTED = (
    "None of the language model's sentences was supported by the passage it cited, "
    "so this is the extractive answer instead."
)
INSTEAD = "Showing the extractive answer instead."


class GenerativeAnswerer:
    """Answers with a language model from the retrieved passages, then checks every citation."""

    def __init__(self, llm: LanguageModel, fallback: ExtractiveAnswerer, checker: CitationChecker) -> None:
        self.llm = llm
        self.fallback = fallback
        self.checker = checker

    @property
    def label(self) -> str:
        """Which model answers, for the UI and `Answer.answerer`."""
        return self.llm.backend.label

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Return the checked answer (or the extractive one, with a note saying why)."""
        final: Answer | None = None
        for event in self.stream(question, passages):
            if isinstance(event, Done):
                final = event.answer
        assert final is not None  # stream always ends with Done
        return final

    def stream(
        self, question: str, passages: Sequence[Passage], failure: str | None = None
    ) -> Iterator[AnswerEvent]:
        """Yield the reply as it is generated, then `Done` with the checked answer.

        When the model already failed this turn (``failure``: rewriting a follow-up), the
        extractive answer is given at once, with a note, instead of waiting on it again.
        """
        if failure is not None:
            yield Done(self.instead(question, passages, f"{failure} {INSTEAD}"))
            return
        if not passages:
            yield Done(self.fallback.answer(question, passages))
            return
        pieces: list[str] = []
        try:
            for piece in self.llm.stream(answer_messages(question, passages)):
                pieces.append(piece)
                yield TextDelta(piece)
        except LLMBackendError as exc:
            yield Done(self.instead(question, passages, f"{exc} {INSTEAD}"))
            return
        yield Done(self.finish(question, "".join(pieces), passages))

    def finish(self, question: str, reply: str, passages: Sequence[Passage]) -> Answer:
        """Return the answer a complete reply makes, once its citations are checked."""
        checked = self.checker.check(reply, passages)
        if not checked.citations:
            if _ABSTAINS.search(reply):
                return Answer(question, ABSTAIN_TEXT, True, passages=list(passages), answerer=self.label)
            return self.instead(question, passages, NO_CITATION)
        if not checked.supported:
            return self.instead(question, passages, NOT_SUPPORTED)
        return Answer(
            question=question,
            text=checked.text,
            abstained=False,
            citations=checked.citations,
            passages=list(passages),
            answerer=self.label,
            sentences=checked.sentences,
        )

    def instead(self, question: str, passages: Sequence[Passage], note: str) -> Answer:
        """Return the extractive answer, with a note saying why it stands in."""
        return replace(self.fallback.answer(question, passages), note=note)
