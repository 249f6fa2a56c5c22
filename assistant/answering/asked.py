"""What a question asks for: a kind of span (a person, an organisation, a place, a date, a
number, an amount), a yes or a no, or the order of two reports.

The kind decides which of spaCy's entity labels can answer it (`Asked.labels`): "who" is
answered by a person or a group, "which company" by an organisation, "how many" by a
number. The question's words are read, not parsed: its interrogative word (at its start or
after a comma: "Considering ..., which company ...?") and the noun it asks about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

PERSON = frozenset({"PERSON"})
GROUP = frozenset({"ORG", "NORP"})
PLACE = frozenset({"GPE", "LOC", "FAC"})
THING = frozenset({"PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
NAMES = PERSON | GROUP | PLACE | THING
"""spaCy labels of named things (not dates or numbers)."""
DATES = frozenset({"DATE", "TIME"})
NUMBERS = frozenset({"CARDINAL", "QUANTITY", "PERCENT", "MONEY"})
AMOUNTS = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})

# Nouns that say what kind of thing a "which ..." or "what ..." question wants (singular;
# plurals are matched too).
_NOUNS: dict[str, frozenset[str]] = {
    kind: frozenset(words.split())
    for kind, words in (
        (
            "person",
            """person people individual man woman men women player athlete executive ceo founder
            co-founder cofounder leader politician actor actress singer artist author writer journalist
            reporter coach manager quarterback president official director celebrity entrepreneur investor
            billionaire minister candidate judge lawyer scientist researcher rapper musician comedian host
            chef designer owner employee whistleblower suspect victim chairman chairwoman chair senator
            governor mayor star spokesperson spokesman spokeswoman boss king queen prince princess pitcher
            striker forward defender goalkeeper batter batsman bowler driver golfer boxer fighter wrestler
            rookie captain referee analyst economist professor doctor footballer cricketer receiver""",
        ),
        (
            "organisation",
            """company firm organisation organization institution entity group team club agency
            business startup start-up corporation bank brand network outlet publication newspaper university
            school college party union band studio retailer manufacturer maker developer regulator authority
            body government court league department ministry exchange fund conglomerate operator provider
            carrier airline publisher broadcaster channel charity nonprofit militia franchise lab laboratory
            service platform giant rival competitor partner insurer watchdog""",
        ),
        (
            "place",
            """country city state nation place location region town province area venue stadium arena
            continent capital territory county island village neighbourhood neighborhood district airport""",
        ),
        ("date", "date day year month time week season decade century"),
        ("amount", "price amount cost sum fee salary revenue value valuation budget fine"),
        ("number", "number percentage percent share rate score total count"),
        (
            "name",
            """product device phone app tool software console car vehicle chatbot smartphone gadget model
            game film movie show series book song album novel event tournament competition war festival
            conference award law bill act character drug vaccine feature""",
        ),
    )
}
_LABELS: dict[str, frozenset[str]] = {
    "person": PERSON,
    "who": PERSON | frozenset({"ORG"}),
    "organisation": GROUP | frozenset({"GPE", "PRODUCT"}),
    "place": PLACE,
    "date": DATES,
    "number": frozenset({"CARDINAL", "QUANTITY", "PERCENT"}),
    "amount": AMOUNTS,
    "name": NAMES,
}
# The interrogative word: at the start, or after a comma, colon or "and" ("Considering ..., which").
_WH = re.compile(
    r"(?:^|[,;:]\s*|\b(?:and|but|then)\s+)[\"'“‘]?(?P<wh>who|whom|whose|which|what|where|when"
    r"|how\s+(?P<how>many|much|long|old|far|big|large|often))\b",
    re.IGNORECASE,
)
_NAME_OF = re.compile(
    r"^\s+(?:is|was|are|were)?\s*(?:the\s+)?(?:name|type|kind|sort|identity)\s+of\s+(?:the\s+|a\s+|an\s+)?(?P<rest>.*)",
    re.IGNORECASE,
)
_YES_NO = re.compile(
    r"(?:^|[,;:]\s+)(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might"
    r"|must|isn['’]t|aren['’]t|wasn['’]t|weren['’]t|doesn['’]t|didn['’]t|hasn['’]t|haven['’]t)\b",
    re.IGNORECASE,
)
_ORDER = re.compile(r"\b(?P<word>before|after|earlier than|later than|prior to|preceded|followed)\b", re.I)
_COMPARE = re.compile(
    r"\b(?:differ|different|difference|differently|compare[sd]?|comparison|contrast|agree|disagree"
    r"|consistent|inconsistent|consistency|align|both|each)\b",
    re.IGNORECASE,
)

Kind = Literal["person", "who", "organisation", "place", "date", "number", "amount", "name"]


@dataclass(frozen=True)
class Asked:
    """What the question asks for."""

    kind: Kind | None = None
    """The kind of span that answers it, or None (a why, a what-happened, a yes/no)."""
    yes_no: bool = False
    """It is answered yes or no ("Did ...?", "Considering ..., is ...?")."""
    compares: bool = False
    """It asks how reports compare (differ, agree, are consistent)."""

    @property
    def labels(self) -> frozenset[str]:
        """The spaCy entity labels a span answering it may have (empty: none is asked for)."""
        return _LABELS[self.kind] if self.kind else frozenset()

    @property
    def label(self) -> str:
        """The kind in words, for `ShortAnswer.kind` (``who`` reads as ``name``)."""
        return "name" if self.kind in (None, "who") else str(self.kind)


@lru_cache(maxsize=1024)
def read_question(question: str) -> Asked:
    """Return what the question asks for."""
    compares = bool(_COMPARE.search(question))
    wh = _WH.search(question)
    yes_no = _YES_NO.search(question)
    if yes_no and (wh is None or yes_no.start() < wh.start()):
        return Asked(None, yes_no=True, compares=compares)
    if wh is None:
        return Asked(None, compares=compares)
    word = wh["wh"].lower().split()[0]
    if word in ("who", "whom", "whose"):
        return Asked(_noun_kind(question[wh.end() :]) or "who", compares=compares)
    if word == "where":
        return Asked("place", compares=compares)
    if word == "when":
        return Asked("date", compares=compares)
    if word == "how":
        how = (wh["how"] or "").lower()
        if how == "many":
            return Asked("number", compares=compares)
        if how in ("much", "big", "large", "far"):
            return Asked("amount", compares=compares)
        if how in ("long", "old"):
            return Asked("date" if how == "long" else "number", compares=compares)
        return Asked(None, compares=compares)
    return Asked(_noun_kind(question[wh.end() :]), compares=compares)


def _noun_kind(rest: str) -> Kind | None:
    """Return the kind the noun after "which"/"what"/"who is the" names, if one does."""
    named = _NAME_OF.match(rest)
    if named:
        rest = " " + named["rest"]
    elif re.match(r"^\s+(?:is|was|are|were)\s+(?:the|a|an)\s", rest, re.I):
        rest = re.sub(r"^\s+(?:is|was|are|were)\s+", " ", rest, flags=re.I)
    for word in re.findall(r"[\w&'’-]+", rest.lower())[:4]:
        forms = {word, word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("ies") + "y"}
        for kind, nouns in _NOUNS.items():
            if forms & nouns:
                return kind  # type: ignore[return-value]
    return None


def order_asked(question: str, first: int, second: int) -> str | None:
    """Return ``before`` or ``after`` when the question asks whether the report named at
    ``first`` came before or after the one named at ``second`` (offsets of the two mentions)."""
    between = question[first:second]
    found = _ORDER.search(between)
    if not found:
        return None
    word = found["word"].lower()
    return "before" if word in ("before", "earlier than", "prior to", "preceded") else "after"
