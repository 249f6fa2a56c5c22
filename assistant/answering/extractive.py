"""The offline answerer: quotes the retrieved sentences that best answer the question.

No language model is involved. Each sentence of the retrieved passages is ranked
(`assistant.retrieval.sentences`: how much of the question it covers, discounted by its
passage's rank); the best sentences become the answer, each with a ``[n]`` marker.

It abstains instead of guessing when the passages are plainly not about what was asked
(`assistant.answering.abstention`): when the question cites an outlet none of the passages
comes from, when names it gives appear in none of the passages, or when no sentence covers
enough of the question.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from assistant.answering.abstention import unknown_names, unknown_outlets
from assistant.answering.records import ABSTAIN_TEXT, Answer, AnswerEvent, Citation, Done, TextDelta
from assistant.retrieval.sentences import Scored, rank_sentences
from vectorstore.base import Passage


class ExtractiveAnswerer:
    """Answers by quoting whole sentences of the passages, or abstains."""

    label = "extractive"

    def __init__(self, max_sentences: int, min_support: float, unknown_names: int) -> None:
        """Quote at most ``max_sentences``; abstain below ``min_support`` coverage, or when at least
        ``unknown_names`` of the question's names are in no passage (0: never for names)."""
        self.max_sentences = max_sentences
        self.min_support = min_support
        self.unknown_names = unknown_names

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Return an answer quoting up to ``max_sentences`` sentences, each cited."""
        ranked = rank_sentences(question, passages)
        if (
            not ranked
            or max(s.coverage for s in ranked) < self.min_support
            or 0 < self.unknown_names <= len(unknown_names(question, passages))
            or unknown_outlets(question, passages)
        ):
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=list(passages))
        chosen: list[Scored] = []
        seen: set[tuple[str, int]] = set()
        for sentence in ranked:
            if len(chosen) == self.max_sentences or sentence.score < ranked[0].score / 2:
                break
            # Overlapping chunks repeat sentences; quote each sentence of an article once.
            key = (sentence.passage.chunk.article_id, sentence.passage.chunk.start + sentence.start)
            if key in seen:
                continue
            seen.add(key)
            chosen.append(sentence)
        citations = [
            Citation.from_passage(n, s.passage, s.start, s.end) for n, s in enumerate(chosen, start=1)
        ]
        text = " ".join(f"{citation.quote} [{citation.n}]" for citation in citations)
        return Answer(
            question=question, text=text, abstained=False, citations=citations, passages=list(passages)
        )

    def stream(
        self, question: str, passages: Sequence[Passage], failure: str | None = None
    ) -> Iterator[AnswerEvent]:
        """Yield the whole answer as one piece, then `Done` (no language model: ``failure`` can't apply)."""
        answer = self.answer(question, passages)
        yield TextDelta(answer.text)
        yield Done(answer)
