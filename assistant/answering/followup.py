"""Follow-up questions: "And who did Trump blame?" rewritten to stand alone before retrieval.

Retrieval sees one question at a time, so a follow-up that leans on the conversation
("he", "that attack", "and what about Iran?") must first be made standalone. With a
language model configured, the model rewrites it from the conversation; otherwise (and
whenever the model's rewrite fails or drifts from the question) a simple rule carries the
previous question along as context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.answering.prompts import rewrite_messages
from assistant.answering.records import Answer
from assistant.llm import LanguageModel
from ingest.text.terms import terms


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation."""

    question: str
    answer: str


History = Sequence[Turn | Answer | tuple[str, str]]
"""Earlier turns, oldest first: `Turn`s, the `Answer`s `ask` returned, or (question, answer) pairs."""

# How many earlier turns the model sees when rewriting.
_TURNS = 3
_CONNECTIVE = re.compile(
    r"^\s*(?:and|but|also|so|then|ok(?:ay)?|what about|how about|and what about|what else)\b[\s,]*", re.I
)
_BACK_REFERENCE = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|it|its|this|that|these|those|there|the same)\b", re.I
)
_CONTEXT = " (following up on: "
_PREFIX = re.compile(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", re.I)


def as_turns(history: History | None) -> list[Turn]:
    """Return the history as `Turn`s; an `Answer` counts with the question it answered."""
    turns = []
    for item in history or ():
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, Answer):
            turns.append(Turn(item.standalone_question or item.question, item.text))
        else:
            asked, answered = item
            turns.append(Turn(str(asked), str(answered)))
    return turns


class FollowUpRewriter(Protocol):
    """Makes a question understandable without the conversation before it."""

    def rewrite(self, question: str, turns: Sequence[Turn]) -> str:
        """Return the standalone question (the question itself when it already stands alone)."""
        ...


class RuleRewriter:
    """Carries the previous question along when the new one looks like a follow-up.

    A follow-up opens with "and", "what about" and the like, refers back ("he", "that"), or
    has fewer than two content words. Retrieval then sees both questions' words.
    """

    def rewrite(self, question: str, turns: Sequence[Turn]) -> str:
        """Return ``question``, or it with the previous question as context when it follows up."""
        if not turns:
            return question
        connective = _CONNECTIVE.match(question)
        if not (connective or _BACK_REFERENCE.search(question) or len(terms(question)) < 2):
            return question
        body = question[connective.end() :] if connective else question.strip()
        body = (body[:1].upper() + body[1:]) or question
        previous, earlier = _split(turns[-1].question)
        context = "; ".join([previous, *earlier[:1]])
        return f"{body}{_CONTEXT}{context})"


class ModelRewriter:
    """Asks the language model for the standalone question; falls back to `RuleRewriter`
    when the model's reply is empty, rambling, or drops the question's own words."""

    def __init__(self, llm: LanguageModel, rule: RuleRewriter) -> None:
        self.llm = llm
        self.rule = rule

    def rewrite(self, question: str, turns: Sequence[Turn]) -> str:
        """Return the model's standalone question; raises `LLMBackendError` if the model fails."""
        if not turns:
            return question
        pairs = [(turn.question, turn.answer) for turn in turns[-_TURNS:]]
        reply = self.llm.invoke(rewrite_messages(question, pairs))
        rewritten = _first_line(reply)
        own = set(terms(_CONNECTIVE.sub("", question)))
        kept = own & set(terms(rewritten))
        if not rewritten or len(rewritten) > 3 * len(question) + 300 or len(kept) * 2 < len(own):
            return self.rule.rewrite(question, turns)
        return rewritten


def _first_line(reply: str) -> str:
    for line in reply.splitlines():
        line = _PREFIX.sub("", line).strip().strip("\"'“”*` ").strip()
        if line:
            return line
    return ""


def own_question(question: str) -> str:
    """Return a rule-rewritten follow-up without the earlier questions it carries as context
    ("Who did Trump blame?" of "Who did Trump blame? (following up on: ...)")."""
    return _split(question)[0]


def _split(question: str) -> tuple[str, list[str]]:
    """Split a rule-rewritten question into its own text and the context it carries."""
    if question.endswith(")") and _CONTEXT in question:
        body, context = question[:-1].split(_CONTEXT, 1)
        return body, context.split("; ")
    return question, []
