"""MultiHop-RAG's retrieval and answer metrics, as pure functions of texts.

The retrieval metrics follow the benchmark's own script (``retrieval_evaluate.py`` in
github.com/yixuantt/MultiHop-RAG): a retrieved chunk is relevant when any gold evidence
text, with every space and newline removed, is a substring of the chunk's text with its
spaces and newlines removed. MAP there credits each gold text once, at the first rank that
holds it, and divides by ``min(len(gold), 10)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

RETRIEVAL_KEYS = ("hits@4", "hits@10", "map@10", "mrr@10", "evidence_recall@10")


def squeeze(text: str) -> str:
    """Return the text with every space and newline removed (the benchmark's normal form)."""
    return text.replace(" ", "").replace("\n", "")


def is_relevant(chunk_text: str, gold: Iterable[str]) -> bool:
    """Return True when any gold evidence text, squeezed, is inside the squeezed chunk text."""
    chunk = squeeze(chunk_text)
    return any(squeeze(item) in chunk for item in gold)


@dataclass(frozen=True)
class RetrievalScore:
    """One question's retrieval metrics over its ranked chunks."""

    hits_at_4: float
    hits_at_10: float
    map_at_10: float
    mrr_at_10: float
    evidence_recall_at_10: float

    def as_dict(self) -> dict[str, float]:
        """Return the metrics under their report names (``hits@4``, ...)."""
        values = asdict(self)
        return {key: values[key.replace("@", "_at_")] for key in RETRIEVAL_KEYS}


def score_retrieval(retrieved: Sequence[str], gold: Sequence[str], cutoff: int = 10) -> RetrievalScore:
    """Return the benchmark's metrics for one question: ``retrieved`` texts best first, ``gold`` evidence."""
    golds = [squeeze(item) for item in gold]
    chunks = [squeeze(text) for text in retrieved[:cutoff]]
    first_rank: int | None = None
    hit_at_4 = False
    precision_sum = 0.0
    found: list[str] = []
    for rank, chunk in enumerate(chunks, start=1):
        if not any(item in chunk for item in golds):
            continue
        if first_rank is None:
            first_rank = rank
        hit_at_4 = hit_at_4 or rank <= 4
        new = 0
        for item in golds:
            if item in chunk and item not in found:
                new += 1
                found.append(item)
        precision_sum += new / rank
    recalled = sum(1 for item in golds if any(item in chunk for chunk in chunks))
    return RetrievalScore(
        hits_at_4=float(hit_at_4),
        hits_at_10=float(first_rank is not None),
        map_at_10=precision_sum / min(len(golds), 10) if golds else 0.0,
        mrr_at_10=1.0 / first_rank if first_rank else 0.0,
        evidence_recall_at_10=recalled / len(golds) if golds else 0.0,
    )


def mean_scores(scores: Sequence[RetrievalScore]) -> dict[str, float]:
    """Return each metric averaged over the questions (zeros when there are none)."""
    if not scores:
        return dict.fromkeys(RETRIEVAL_KEYS, 0.0)
    rows = [score.as_dict() for score in scores]
    return {key: sum(row[key] for row in rows) / len(rows) for key in RETRIEVAL_KEYS}


def answer_found(gold_answer: str, answer_text: str, quotes: Sequence[str]) -> bool:
    """Return True when the gold answer, ignoring case, is in the answer text or one of the quotes."""
    wanted = gold_answer.casefold().strip()
    return bool(wanted) and any(wanted in text.casefold() for text in (answer_text, *quotes))


def _bare(answer: str) -> str:
    """Return a gold answer as a span would hold it: no leading article or closing period, case folded."""
    return re.sub(r"^(?:the|a|an)\s+", "", answer.strip().rstrip("."), flags=re.IGNORECASE).casefold()


def short_answer_found(gold_answer: str, short_answer: str | None) -> bool:
    """Return True when the gold answer (leading "The" aside) is inside the short answer."""
    wanted = _bare(gold_answer)
    return bool(wanted and short_answer) and wanted in str(short_answer).casefold()


def in_first_sentence(gold_answer: str, first_sentence: str) -> bool:
    """Return True when the gold answer, ignoring case, is in the answer's first sentence."""
    wanted = gold_answer.casefold().strip()
    return bool(wanted) and wanted in first_sentence.casefold()


_YES_NO = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


def accurate(gold_answer: str, reply: str, abstained: bool, null: bool) -> bool:
    """Return True when the reply holds the gold answer, as the MultiHop-RAG paper scores replies.

    A question the corpus can't answer is answered right by abstaining; a yes/no question by
    the reply's first yes or no; any other by the gold answer inside the reply (case aside).
    """
    if null:
        return abstained
    if abstained:
        return False
    gold = gold_answer.strip().rstrip(".").casefold()
    if gold in ("yes", "no"):
        said = _YES_NO.search(reply)
        return said is not None and said.group(1).casefold() == gold
    return bool(gold) and gold in reply.casefold()


def share(flags: Iterable[bool]) -> float:
    """Return the share of True values (0 for none)."""
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def by_type(types: Sequence[str], scores: Sequence[RetrievalScore]) -> dict[str, dict[str, float]]:
    """Return the mean metrics of each question type, with its question count, types sorted."""
    grouped: dict[str, list[RetrievalScore]] = {}
    for kind, score in zip(types, scores, strict=True):
        grouped.setdefault(kind, []).append(score)
    return {kind: {**mean_scores(group), "questions": len(group)} for kind, group in sorted(grouped.items())}


def rounded(values: Mapping[str, float], digits: int = 4) -> dict[str, float]:
    """Return the mapping with float values rounded for reports."""
    return {key: round(value, digits) if isinstance(value, float) else value for key, value in values.items()}
