"""Names and numbers in text: what a question gives, what a sentence claims, what a passage holds.

These are surface rules (capitals, digits, number words), shared by retrieval, the extractive
answerer and the citation check, so that each reads a name or a number the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.text.terms import STOP_WORDS, terms

# A name: a capitalised word, and the capitalised words joined to it ("Bank of England").
NAME = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*(?:\s+(?:of|the|de|al|bin|van|von|del)?\s*[A-Z][\w'’.-]*)*")
# A word that names something: a capital or a digit after its first letter, or a capital first.
NAME_WORD = re.compile(r"(?<![\w'’])[\w'’.&-]*[A-Z][\w'’.&-]*|(?<![\w'’])[A-Za-z]+\d[\w-]*|\d+[A-Za-z][\w-]*")
# A number written in digits: 1,200 or 3.5.
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
# Anything that states a quantity: digits or a number word.
QUANTITY = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)\b", re.I
)
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"dozen": "12"}
"""Number words and the digits they stand for."""
CALENDAR = (
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
CALENDAR_TERMS = frozenset(terms(CALENDAR))
"""Month and weekday names: capitalised, yet not names of anyone."""
# Anything that dates a sentence: a year, a month or weekday, "yesterday", "today".
DATE_WORD = re.compile(rf"\b(\d{{4}}|yesterday|today|{CALENDAR.replace(' ', '|')})\b", re.I)


def names(text: str) -> Iterator[str]:
    """Yield the names in the text, in order; a lone capitalised word opening it is just its first word."""
    lead = len(text) - len(text.lstrip())
    for match in NAME.finditer(text):
        name = match.group(0)
        if match.start() == lead and " " not in name:
            continue
        yield name


def given_names(question: str) -> set[str]:
    """Return the terms of the names a question gives (capitals that only open a sentence aside)."""
    found: set[str] = set()
    for match in NAME_WORD.finditer(question):
        before = question[: match.start()].rstrip()
        if not before or before.endswith((".", "?", "!", ":")):
            continue  # a capital that only starts a sentence
        if match.group(0).lower().strip(".'’") in STOP_WORDS:
            continue
        found.update(terms(match.group(0)))
    return {term for term in found if len(term) > 1} - CALENDAR_TERMS


def digit_numbers(text: str) -> set[str]:
    """Return the numbers the text writes in digits, normalised (``1,200`` -> ``1200``)."""
    return {normal_number(match.group(0)) for match in NUMBER.finditer(text)}


def numbers(text: str, text_terms: set[str] | frozenset[str]) -> set[str]:
    """Return every number the text states, in digits or words (``twelve`` -> ``12``).

    ``text_terms`` are the text's terms (`ingest.text.terms.terms`), computed once by the caller.
    """
    return digit_numbers(text) | {digits for word, digits in NUMBER_WORDS.items() if word in text_terms}


def normal_number(text: str) -> str:
    """Return a number written in digits without its thousands commas or a closing period."""
    return text.replace(",", "").rstrip(".")
