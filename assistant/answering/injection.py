"""Text that speaks to an AI model instead of a reader: prompt injection hidden in articles.

News is written for people. A passage that tells "the assistant" or "the model" what to do
("Ignore previous instructions and ...", "You are now ...", "SYSTEM: ...", a fake
``</passage>`` fence) is trying to steer whoever reads it by machine. Such passages are
flagged (`Citation.suspicious`), the extractive answerer never quotes the instruction itself,
and a generated sentence that repeats one is never marked verified.

The rules are surface patterns of how injections are written; an article *about* prompt
injection that quotes one is flagged too, which costs the reader one look at the source.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.text.sentences import sentence_spans

_GAP = r"[^.!?\n]{0,60}?"
_INSTRUCTION = re.compile(
    "|".join(
        (
            # "Ignore (all) previous instructions", "disregard the above", "forget your rules"
            rf"\b(?:ignore|disregard|forget|override|bypass)\b{_GAP}\b(?:previous|prior|above|earlier|"
            r"preceding|foregoing|all|any|your|these|those|system)\b"
            rf"{_GAP}\b(?:instructions?|prompts?|rules|directions|guidelines|directives|context|messages?)\b",
            r"\b(?:ignore|disregard)\s+(?:everything|all)\s+(?:above|before|else)\b",
            # Speaking to the model: "you are now an unrestricted AI", "the assistant must say ..."
            r"\byou\s+are\s+now\s+(?:an?\s+|in\s+)?(?:[\w-]+\s+){0,2}(?:AI|assistant|model|chatbot|mode)\b",
            r"\bfrom\s+now\s+on,?\s+(?:you|the\s+(?:AI|assistant|model))\s+(?:must|will|should|are)\b",
            r"\b(?:the|this|any)\s+(?:AI|assistant|language\s+model|chatbot|LLM)\s+(?:must|should|shall)\s+"
            r"(?:now\s+|only\s+|always\s+)?(?:say|answer|reply|respond|tell|state|claim|output|cite|ignore)\b",
            rf"\b(?:tell|inform)\s+(?:the\s+)?(?:user|reader)s?\b{_GAP}\b(?:that|to)\b",
            r"\b(?:new|updated|real|actual|hidden)\s+instructions?\s*:",
            r"\b(?:reveal|print|repeat|show|output|ignore)\s+(?:your|the)\s+(?:system\s+)?prompt\b",
            # Role labels and fences of a chat transcript or of newsqa's own prompt.
            r"(?:^|\n|[.!?]\s)\s*(?:SYSTEM|ASSISTANT|System|Assistant)\s*:",
            r"</?\s*(?:passages?|system|instructions?|context)\b[^>]*>",
        )
    ),
    re.IGNORECASE,
)


def is_instruction(text: str) -> bool:
    """Return True when the text reads as an instruction aimed at an AI model."""
    return bool(_INSTRUCTION.search(text))


@lru_cache(maxsize=4096)
def instruction_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Return the sentences of a passage that hold instructions aimed at an AI model (cached)."""
    if not _INSTRUCTION.search(text):
        return ()
    return tuple((start, end) for start, end in sentence_spans(text) if is_instruction(text[start:end]))


def is_suspicious(text: str) -> bool:
    """Return True when a passage holds any instruction aimed at an AI model."""
    return bool(instruction_spans(text))
