"""Content terms of English text: lower-cased, stop words dropped, Snowball-stemmed."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because
    been before being below between both but by can can't could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's
    i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own
    same shan't she she'd she'll she's should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're
    they've this those through to too under until up very was wasn't we we'd we'll we're
    we've were weren't what what's when when's where where's which while who who's whom why
    why's will with won't would wouldn't you you'd you'll you're you've your yours yourself
    yourselves s t
    """.split()
)

_stemmer = Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Return the lower-cased words of the text, apostrophes normalised."""
    return [word.replace("’", "'") for word in _WORD.findall(text.lower())]


def terms(text: str) -> list[str]:
    """Return the stemmed content terms of the text, in order, repeats kept."""
    return [_stem(word) for word in words(text) if word not in STOP_WORDS]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    return str(_stemmer.stemWord(word))


QUESTION_FRAMING = frozenset(
    terms("article report reported according news story published write wrote said says")
)
"""Words that frame a news question ("according to the article") rather than say what it is about."""
CLAIM_FRAMING = frozenset(
    terms("according passage passages article articles report reported reports say says said source sources")
)
"""Words that frame a claim ("the passage says") rather than make it."""
