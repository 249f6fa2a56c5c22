"""The short answer: the name, place, date, number or amount that answers the question.

spaCy reads the best candidate sentences only (a few milliseconds each: never whole passages
at question time). Each span of the kind asked for (`assistant.answering.asked`) that the
question does not name already collects the scores of the sentences it appears in; the
forms of one name ("Sam Bankman-Fried", "Bankman-Fried", "Bankman-Fried's") count as one;
and a name found in more of the retrieved articles weighs more, since the answer to a
question is what its evidence is about. The winner must stand clearly ahead of the next
(`MARGIN`), or there is no short answer: a guess would mislead more than it helps.

The span is always cut from a sentence that is quoted, so the reader sees it in its source.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.answering.asked import NAMES, Asked
from assistant.answering.quotes import BACKGROUND, Candidate, relation, standalone
from assistant.retrieval.sentences import Scored, analyse
from ingest.text.entities import Entity, entities_of
from ingest.text.terms import terms
from vectorstore.base import Passage

DEPTH = 12
"""Best candidate sentences read by spaCy for spans."""
MARGIN = 1.2
"""How far ahead of the runner-up (score ratio) a span must be to be given as the answer."""
OTHER_LABEL = 0.5
"""Weight of a name spaCy labels otherwise than asked (its labels are often wrong: it takes
"Bankman-Fried" for an organisation)."""
SUPPORT = 3.0
"""Weight of the number of retrieved articles that mention the span."""
SPEAKER = 0.3
"""Weight of a mention as the one speaking ("Esper said ..."): news names its sources as it
quotes them, and a source is rarely what a question asks for."""

_NAME_KINDS = frozenset({"person", "who", "organisation", "name", "place"})


@dataclass(frozen=True)
class Span:
    """A span answering the question, in the quote it is taken from."""

    text: str
    candidate: Candidate
    """The quote holding the span (its sentence may lean on the one before: then the quote starts there)."""
    start: int
    """Offset of the span in the candidate's passage."""


def short_answer(
    asked: Asked,
    question: str,
    pool: Sequence[Candidate],
    ranked: Sequence[Scored],
    passages: Sequence[Passage],
) -> Span | None:
    """Return the span that clearly answers the question, quoted from a sentence that holds it, or None."""
    if asked.kind is None:
        return None
    top = [candidate for candidate in pool[:DEPTH] if candidate.score > 0]
    if not top:
        return None
    asked_terms = set(terms(question))
    outlets = {p.chunk.source for p in passages if p.chunk.source}
    weights = _relation_scores(question, top)
    mentions: list[tuple[str, float, float, int]] = []  # form, label weight, evidence, sentence
    for index, found in enumerate(entities_of([c.sentence for c in top])):
        for entity in found:
            weight = _weight(asked, entity)
            form = clean(entity.text)
            if weight == 0 or not _fresh(form, asked_terms, outlets):
                continue
            evidence = weights[index]
            if _speaks(
                top[index].passage.text,
                top[index].sentence_start + entity.start,
                top[index].sentence_start + entity.end,
            ):
                evidence *= SPEAKER
            mentions.append((form, weight, evidence, index))
    if not mentions:
        return None
    heads = _clusters(mention[0] for mention in mentions)
    kinds = _name_weights(asked, heads, mentions, ranked)
    # Each sentence counts once per name, however many forms of it it holds.
    scores: dict[str, float] = {}
    counted: set[tuple[str, int]] = set()
    for form, _, evidence, index in mentions:
        if (heads[form], index) not in counted:
            counted.add((heads[form], index))
            scores[heads[form]] = scores.get(heads[form], 0.0) + kinds[heads[form]] * evidence
    articles: dict[str, list[str]] = {}
    for passage in passages:
        articles.setdefault(passage.chunk.article_id, []).append(passage.text)
    final = {}
    for head, score in scores.items():
        patterns = [_word(form) for form, its_head in heads.items() if its_head == head]
        support = sum(
            1 for texts in articles.values() if any(p.search(text) for text in texts for p in patterns)
        )
        final[head] = score * (1.0 + SUPPORT * math.log1p(support))
    ordered = sorted(final, key=lambda head: (-final[head], head))
    if len(ordered) > 1 and final[ordered[0]] < MARGIN * final[ordered[1]]:
        return None
    best = ordered[0]
    forms = sorted((form for form, head in heads.items() if head == best), key=len, reverse=True)
    if asked.kind in _NAME_KINDS:
        forms = [*_longer_forms(best, ranked), *forms]
    return _quoted(forms, top, ranked)


def _relation_scores(question: str, top: Sequence[Candidate]) -> list[float]:
    """Return how well each sentence states the question's relation, its names aside: the share
    of the relation's words it holds (weighted by rarity among these sentences) and its meaning,
    each against the best. The names place a sentence in the story; the relation ("was blamed
    for") is what makes it hold the answer."""
    wanted = set(terms(relation(question)))
    held = [set(analyse(c.passage.text).sentence_terms[_index(c)]) & wanted if wanted else set() for c in top]
    counts = {term: sum(term in h for h in held) for term in wanted}
    weight = {term: math.log1p((len(top) + 1) / (counts[term] + 0.5)) for term in wanted}
    covered = [math.fsum(weight[t] for t in h) for h in held]
    best_words = max(covered, default=0.0) or 1.0
    best_meaning = max((c.meaning for c in top), default=0.0) or 1.0
    return [
        (words / best_words + max(c.meaning, 0.0) / best_meaning) / 2 * (BACKGROUND if c.background else 1.0)
        for words, c in zip(covered, top, strict=True)
    ]


def _index(candidate: Candidate) -> int:
    spans = analyse(candidate.passage.text).spans
    return next(i for i, (start, _) in enumerate(spans) if start == candidate.sentence_start)


_SAYS_AFTER = re.compile(
    r"[\s,]*(?:(?:also|then|later|previously|has|had)\s+)?(?:said|says|told|tells|added|adds|noted|notes|wrote|writes"
    r"|explained|argued|stated|asked|replied|tweeted|posted)\b",
    re.IGNORECASE,
)
_SAYS_BEFORE = re.compile(r"\b(?:said|says|according\s+to|told)\s+$", re.IGNORECASE)


def _speaks(text: str, start: int, end: int) -> bool:
    """True when the name at ``text[start:end]`` is the one speaking: "X said", "said X", "according to X"."""
    return bool(_SAYS_AFTER.match(text, end) or _SAYS_BEFORE.search(text, max(0, start - 20), start))


def clean(text: str) -> str:
    """Return an entity's text without a leading article, a possessive or stray punctuation."""
    text = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.sub(r"['’]s?$", "", text)
    return text.strip(" .,;:\"'‘’“”()[]")


def _weight(asked: Asked, entity: Entity) -> float:
    """How much a span of this label can answer the question: fully when spaCy labels it as asked;
    less when it labels it as another kind of name (it takes people for organisations and back);
    never a place or a nationality for a who question."""
    if entity.label in asked.labels:
        return 1.0
    if asked.kind in ("who", "person"):
        return OTHER_LABEL if entity.label in ("PERSON", "ORG") else 0.0
    if asked.kind in _NAME_KINDS and entity.label in NAMES:
        return OTHER_LABEL
    return 0.0


def _name_weights(
    asked: Asked,
    heads: dict[str, str],
    mentions: Sequence[tuple[str, float, float, int]],
    ranked: Sequence[Scored],
) -> dict[str, float]:
    """Return each name's `_weight`, decided by all its forms: spaCy labels one name differently
    from sentence to sentence ("Bankman-Fried" an organisation, "Sam Bankman-Fried" a person), so
    a name counts as the kind asked for when any of its forms does, or its fuller form in the
    ranked sentences (`_longer_entity`)."""
    weights: dict[str, float] = {}
    for form, weight, _, _ in mentions:
        weights[heads[form]] = max(weights.get(heads[form], 0.0), weight)
    for head, weight in weights.items():
        if weight < 1.0:
            fuller = _longer_entity(head, ranked)
            if fuller is not None and fuller.label in asked.labels:
                weights[head] = 1.0
    return weights


def _fresh(form: str, asked_terms: set[str], outlets: set[str]) -> bool:
    """True when the span says something the question doesn't: not its own words, not an outlet."""
    own = set(terms(form))
    if not own or own <= asked_terms:
        return False
    return not any(form in outlet or outlet in form for outlet in outlets)


def _clusters(forms: Iterable[str]) -> dict[str, str]:
    """Map each form to the longest form of the same name ("Bankman-Fried" -> "Sam Bankman-Fried")."""
    ordered = sorted(set(forms), key=lambda form: (-len(form), form))
    heads: dict[str, str] = {}
    for form in ordered:
        heads[form] = next(
            (h for h in ordered if len(h) > len(form) and heads.get(h) == h and alias(form, h)), form
        )
    return heads


def alias(short: str, long: str) -> bool:
    """True when ``short`` is a way of writing the name ``long``: a part of it ("Altman"), its
    initials ("FTC"), or its first word cut short ("Fed")."""
    if _word(short).search(long):
        return True
    words = long.split()
    if len(words) < 2:
        return False
    if short.isupper() and short == "".join(word[0] for word in words if word[:1].isupper()):
        return True
    return len(short) >= 3 and " " not in short and words[0].startswith(short)


def _longer_forms(name: str, ranked: Sequence[Scored]) -> list[str]:
    """Return a fuller form of the name ("Sam" before "Bankman-Fried"): the one the ranked
    sentences write most often, as spaCy reads it (`_longer_entity`)."""
    fuller = _longer_entity(name, ranked)
    return [clean(fuller.text)] if fuller is not None else []


def _longer_entity(name: str, ranked: Sequence[Scored]) -> Entity | None:
    """Return the entity spaCy finds for a fuller form of the name (`_longer_forms`): the form
    the ranked sentences write most often ("Sam Bankman-Fried" over his father's "Gabe
    Bankman-Fried"), read in the best sentence that writes it; or None."""
    fuller = re.compile(r"(?:[A-Z][\w'’.-]*\s+){1,2}" + re.escape(name) + r"(?![\w-])")
    written: dict[str, list[str]] = {}  # each form written, and the sentences writing it, best first
    for sentence in ranked:
        text = sentence.passage.text[sentence.start : sentence.end]
        for match in fuller.finditer(text):
            written.setdefault(match.group(), []).append(text)
    if not written:
        return None
    form = max(written, key=lambda form: len(written[form]))  # on a tie, the one written first
    found = entities_of([written[form][0]])[0]
    return next((e for e in found if len(clean(e.text)) > len(name) and alias(name, clean(e.text))), None)


def _quoted(forms: Sequence[str], top: Sequence[Candidate], ranked: Sequence[Scored]) -> Span | None:
    """Return the fullest form found in a quotable sentence: the best candidate holding it, else
    the best sentence of all."""
    for form in forms:
        pattern = _word(form)
        holders = [*top, *(_candidate(s) for s in ranked)]
        for holder in holders:
            found = pattern.search(holder.passage.text, holder.sentence_start, holder.end)
            if not found:
                continue
            quote = standalone(holder)
            if quote is not None:
                return Span(form, quote, found.start())
    return None


def _candidate(sentence: Scored) -> Candidate:
    return Candidate(
        passage=sentence.passage,
        start=sentence.start,
        end=sentence.end,
        sentence_start=sentence.start,
        coverage=sentence.coverage,
        words=sentence.score,
        meaning=0.0,
    )


def _word(form: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])" + re.escape(form) + r"(?![\w-])")
