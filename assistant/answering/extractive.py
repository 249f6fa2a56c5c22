"""The offline answerer: the answer first, then the quotes that carry it, each with its outlet and date.

No language model is involved. Every sentence of the retrieved passages is ranked by the
question words it covers (`assistant.retrieval.sentences`); the best are scored again for
meaning (`assistant.answering.quotes`). Then:

- a who / which / where / when / how many question gets a short answer first: the span that
  answers it, cut from a quoted sentence (`assistant.answering.spans`), with its ``[n]``;
- the quotes follow, only those scoring close to the best, each introduced by its outlet and
  date; a sentence leaning on the one before ("It ...") is quoted with that one;
- a question naming two or more outlets is answered outlet by outlet, saying which has no
  passage that answers; a yes/no question gets the evidence, not a verdict, unless it asks
  which report came first and the publication dates settle it.

It abstains instead of guessing when the passages are plainly not about what was asked
(`assistant.answering.abstention`): when the question cites an outlet none of the passages
comes from, when a name it gives is in none of the passages, or when no sentence covers
enough of the question.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from assistant.answering.abstention import unknown_names, unknown_outlets
from assistant.answering.asked import Asked, order_asked, read_question
from assistant.answering.compose import Draft, order_note
from assistant.answering.followup import own_question
from assistant.answering.quotes import Candidate, candidates, standalone
from assistant.answering.records import ABSTAIN_TEXT, Answer, AnswerEvent, Done, ShortAnswer, TextDelta
from assistant.answering.spans import Span, alias, short_answer
from assistant.retrieval.query import OutletMatcher
from assistant.retrieval.sentences import Scored, rank_sentences
from vectorstore.base import IndexStats, Passage

if TYPE_CHECKING:
    from assistant.retrieval.semantic import SentenceSimilarity

RATIO = 0.8
"""A sentence is quoted only when its score is at least this share of the best one's."""
PER_OUTLET = 3
"""Best sentences of each named outlet scored for meaning, whatever their rank overall."""
YES_NO = "This answer quotes the evidence on each side and does not decide yes or no."


class Outlets(Protocol):
    """Where the indexed outlets come from (a store): read again only when the index changes."""

    def count(self) -> int:
        """Return the number of stored chunks."""
        ...

    def stats(self) -> IndexStats:
        """Return what the index holds, its outlets among it."""
        ...


@dataclass(frozen=True)
class _Named:
    """An outlet (or the outlets one name stands for) the question names, where it names it."""

    name: str
    outlets: tuple[str, ...]
    start: int
    end: int


class ExtractiveAnswerer:
    """Answers by quoting whole sentences of the passages, the answer first, or abstains."""

    label = "extractive"

    def __init__(
        self,
        max_sentences: int,
        min_support: float,
        unknown_names: int,
        similarity: SentenceSimilarity | None = None,
        outlets: Outlets | None = None,
    ) -> None:
        """Quote at most ``max_sentences``; abstain below ``min_support`` coverage, or when at least
        ``unknown_names`` of the question's names are in no passage (0: never for names).

        ``similarity`` scores sentences for meaning (words alone without it); ``outlets`` tells
        which outlets the index holds, so that a question naming one is answered outlet by
        outlet (without it, only the passages' outlets are known).
        """
        self.max_sentences = max_sentences
        self.min_support = min_support
        self.unknown_names = unknown_names
        self.similarity = similarity
        self.outlets = outlets
        self._matcher: tuple[int, OutletMatcher] | None = None
        self._lock = threading.Lock()

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Return the answer: a short answer when one is clearly supported, then the quotes that carry it."""
        ranked = rank_sentences(question, passages)
        if self._abstains(question, passages, ranked):
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=list(passages))
        # A follow-up rewritten by rule carries the earlier questions for retrieval and word
        # matching; what it asks for (and the relation the meaning is measured on) is its own.
        own = own_question(question)
        asked = read_question(own)
        named = self._named(question, passages)
        extra = [s for group in named for s in _best_of(ranked, group.outlets)]
        pool = candidates(own, ranked, self.similarity, extra=extra)
        if not pool:
            return Answer(question=question, text=ABSTAIN_TEXT, abstained=True, passages=list(passages))
        span = short_answer(asked, own, pool, ranked, passages)
        draft = Draft()
        short = None
        if span is not None:
            n = draft.cite(span.candidate)
            draft.say(f"{span.text} [{n}].")
            short = ShortAnswer(span.text, n, span.start, asked.label)
        if len(named) >= 2:
            self._side_by_side(draft, question, asked, named, pool, span)
        else:
            if asked.yes_no:
                draft.say(YES_NO)
            for candidate in self._quotes(pool, asked, span):
                draft.quote(candidate)
        draft.spread()
        return Answer(
            question=question,
            text=draft.text,
            abstained=False,
            citations=draft.citations,
            passages=list(passages),
            short_answer=short,
            outlets=draft.sides,
        )

    def stream(
        self, question: str, passages: Sequence[Passage], failure: str | None = None
    ) -> Iterator[AnswerEvent]:
        """Yield the whole answer as one piece, then `Done` (no language model: ``failure`` can't apply)."""
        answer = self.answer(question, passages)
        yield TextDelta(answer.text)
        yield Done(answer)

    def _abstains(self, question: str, passages: Sequence[Passage], ranked: Sequence[Scored]) -> bool:
        return (
            not ranked
            or max(s.coverage for s in ranked) < self.min_support
            or 0 < self.unknown_names <= len(unknown_names(question, passages))
            or bool(unknown_outlets(question, passages))
        )

    def _quotes(self, pool: Sequence[Candidate], asked: Asked, span: Span | None) -> list[Candidate]:
        """Return the quotes that carry the answer: the short answer's first, then those close to the best."""
        chosen: list[Candidate] = [span.candidate] if span is not None else []
        best = pool[0].score
        for candidate in pool:
            if len(chosen) >= self.max_sentences or candidate.score < RATIO * best:
                break
            quote = standalone(candidate)
            if quote is None or any(_overlaps(quote, other) for other in chosen):
                continue
            # Evidence for each side of a yes/no question: one quote per article.
            if asked.yes_no and any(
                o.passage.chunk.article_id == quote.passage.chunk.article_id for o in chosen
            ):
                continue
            chosen.append(quote)
        return chosen

    def _side_by_side(
        self,
        draft: Draft,
        question: str,
        asked: Asked,
        named: Sequence[_Named],
        pool: Sequence[Candidate],
        span: Span | None,
    ) -> None:
        """Write the answer outlet by outlet: each named outlet's best quote, or that it has none."""
        best: dict[str, Candidate | None] = {}
        for group in named:
            own = [c for c in pool if c.outlet in group.outlets]
            pick = _pick(own, span, self.min_support)
            best[group.name] = pick
        order = None
        if asked.yes_no and len(named) >= 2:
            order = order_asked(question, named[0].end, named[1].start)
        first, second = best.get(named[0].name), best.get(named[1].name)
        settled, note = False, None
        if order is not None and first is not None and second is not None:
            settled, note = order_note(
                order, (named[0].name, first.passage.chunk), (named[1].name, second.passage.chunk)
            )
        if settled:
            draft.say(str(note))
            note = None
        elif asked.yes_no:
            draft.say(YES_NO)
        sided = {id(c) for c in best.values() if c is not None}
        if span is not None and id(span.candidate) not in sided:
            draft.quote(span.candidate)
        for group in named:
            pick = best[group.name]
            draft.side(group.name, [pick] if pick is not None else [])
        if note is not None:
            draft.say(note)

    def _named(self, question: str, passages: Sequence[Passage]) -> list[_Named]:
        """Return the outlets the question names, each group once, in the order first named."""
        matcher = self._outlet_matcher(passages)
        seen: dict[tuple[str, ...], _Named] = {}
        for mention in matcher.find(question):
            if mention.outlets not in seen:
                name = (
                    mention.outlets[0] if len(mention.outlets) == 1 else question[mention.start : mention.end]
                )
                seen[mention.outlets] = _Named(name, mention.outlets, mention.start, mention.end)
        return list(seen.values())

    def _outlet_matcher(self, passages: Sequence[Passage]) -> OutletMatcher:
        if self.outlets is None:
            return OutletMatcher({p.chunk.source for p in passages if p.chunk.source})
        count = self.outlets.count()
        with self._lock:
            if self._matcher is None or self._matcher[0] != count:
                self._matcher = (count, OutletMatcher(self.outlets.stats().sources))
            return self._matcher[1]


def _best_of(ranked: Sequence[Scored], outlets: tuple[str, ...]) -> list[Scored]:
    """Return the best few sentences (by words) of the passages from these outlets."""
    found: list[Scored] = []
    for sentence in ranked:
        if sentence.passage.chunk.source in outlets:
            found.append(sentence)
            if len(found) == PER_OUTLET:
                break
    return found


def _pick(own: Sequence[Candidate], span: Span | None, min_support: float) -> Candidate | None:
    """Return an outlet's quote: the short answer's own sentence if it is this outlet's, else the
    best sentence naming the short answer (when close to the best), else its best sentence."""
    quotable = [q for c in own if c.coverage >= min_support and (q := standalone(c)) is not None]
    if not quotable:
        return None
    if span is not None:
        for quote in quotable:
            if quote.key == span.candidate.key:
                return span.candidate
        naming = [q for q in quotable if _names(q, span.text) and q.score >= 0.5 * quotable[0].score]
        if naming:
            return naming[0]
    return quotable[0]


def _names(candidate: Candidate, name: str) -> bool:
    """True when the sentence names the short answer in any of its forms (its last word at least)."""
    sentence = candidate.sentence
    return name in sentence or any(alias(part, name) and part in sentence for part in name.split()[-1:])


def _overlaps(a: Candidate, b: Candidate) -> bool:
    if a.passage.chunk.article_id != b.passage.chunk.article_id:
        return False
    a_start, a_end = a.passage.chunk.start + a.start, a.passage.chunk.start + a.end
    b_start, b_end = b.passage.chunk.start + b.start, b.passage.chunk.start + b.end
    return a_start < b_end and b_start < a_end
