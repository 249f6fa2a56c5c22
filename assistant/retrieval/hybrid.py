"""Hybrid retrieval, the default. `HybridRetriever` embeds the question once and fuses, by reciprocal rank,
embedding similarity with BM25 keyword search, over the whole index and again within each
outlet the question names (so evidence from every named outlet reaches the top). The best
candidates are ranked once more by their best single sentence (how much of the question one
sentence covers: evidence is usually one sentence, not a whole chunk), and that ranking joins
the fusion. Articles from a day the question names rank higher, and one article can fill only
a few places.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Protocol

from assistant.retrieval.query import OutletMatcher, QueryPlan, parse
from assistant.retrieval.sentences import best_sentence_coverage
from vectorstore.base import IndexStats, Passage, SearchFilter

# Reciprocal-rank fusion constant: lower than the usual 60, so the top of each list counts more
# (measured on half of the MultiHop-RAG dev set: mrr@10 0.607 -> 0.627).
RRF_K = 10
# How deep each search goes before fusion, at least.
DEPTH = 40
# Weight of the searches within one named outlet, against the whole-index searches.
OUTLET_WEIGHT = 1.0
# Weight of the keyword rankings against the embedding rankings: news questions are full of
# names, which BM25 matches exactly and MiniLM only roughly (measured: 1 -> 2 lifts mrr@10 0.58 -> 0.61).
KEYWORD_WEIGHT = 2.0
# Weight and depth of the ranking by best sentence (measured on even dev ids: weight 0 -> 4
# lifts mrr@10 0.638 -> 0.718 and evidence_recall@10 0.684 -> 0.722; 8 trades recall for mrr).
SENTENCE_WEIGHT = 4.0
SENTENCE_POOL = 30
# Score factor for chunks of an article from a day (or span) the question names.
DATE_BOOST = 1.5
# Threads running a question's keyword searches beside its vector searches (2 cores here).
SEARCH_THREADS = 2


class HybridStore(Protocol):
    """What hybrid retrieval needs from a store (`vectorstore.hybrid.NewsStore` has it)."""

    def embed_query(self, query: str) -> list[float]:
        """Return the query's vector."""
        ...

    def search_by_vector(
        self, vector: Sequence[float], k: int, where: SearchFilter | None = None
    ) -> list[Passage]:
        """Return up to ``k`` passages by similarity to the vector."""
        ...

    def keyword_search(self, query: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages by BM25."""
        ...

    def count(self) -> int:
        """Return the number of stored chunks."""
        ...

    def stats(self) -> IndexStats:
        """Return what the index holds."""
        ...


class HybridRetriever:
    """BM25 and embedding search fused, news-aware: named outlets and dates steer the ranking."""

    def __init__(self, store: HybridStore, per_article: int) -> None:
        self.store = store
        self.per_article = per_article
        self._matcher: tuple[int, OutletMatcher] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="newsqa-keywords")

    def retrieve(self, question: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages, best first, at most ``per_article`` from one article."""
        count = self.store.count()
        if count == 0:
            return []
        plan = parse(question, self._outlets(count))
        depth = max(DEPTH, 4 * k)
        scopes = [where] + [
            scoped for outlets in plan.outlet_groups() if (scoped := _narrow(where, outlets)) is not None
        ]
        # Keyword searches run in other threads (SQLite lets the GIL go) while the question is
        # embedded and searched by vector here; the rankings are fused in a fixed order.
        keyword_jobs = [
            self._pool.submit(
                self.store.keyword_search, plan.without_names() if n else question, depth, scope
            )
            for n, scope in enumerate(scopes)
        ]
        vector = self.store.embed_query(question)
        dense = [self.store.search_by_vector(vector, depth, scope) for scope in scopes]
        rankings: list[tuple[float, list[Passage]]] = []
        for n, (by_vector, by_keyword) in enumerate(zip(dense, keyword_jobs, strict=True)):
            weight = 1.0 if n == 0 else OUTLET_WEIGHT
            rankings += [(weight, by_vector), (weight * KEYWORD_WEIGHT, by_keyword.result())]
        fused = _fuse(rankings)
        top = sorted(fused.values(), key=lambda item: -item[0])[:SENTENCE_POOL]
        coverage = best_sentence_coverage(question, [passage for _, passage in top])
        by_sentence = sorted(coverage, key=lambda chunk_id: -coverage[chunk_id])
        for rank, chunk_id in enumerate(by_sentence, start=1):
            score, passage = fused[chunk_id]
            fused[chunk_id] = (score + SENTENCE_WEIGHT / (RRF_K + rank), passage)
        if plan.dates:
            fused = {
                key: (score * _date_factor(passage, plan), passage) for key, (score, passage) in fused.items()
            }
        ranked = sorted(fused.values(), key=lambda item: item[0], reverse=True)
        return _diverse([replace(passage, score=score) for score, passage in ranked], k, self.per_article)

    def _outlets(self, count: int) -> OutletMatcher:
        """Return the matcher for the outlets in the index, rebuilt when the index changes."""
        with self._lock:
            if self._matcher is None or self._matcher[0] != count:
                self._matcher = (count, OutletMatcher(self.store.stats().sources))
            return self._matcher[1]


def _narrow(where: SearchFilter | None, outlets: tuple[str, ...]) -> SearchFilter | None:
    """Return the filter restricted to the outlets, or None if the user's filter excludes them all."""
    if where is None:
        return SearchFilter(sources=outlets)
    if where.sources is not None:
        outlets = tuple(outlet for outlet in outlets if outlet in where.sources)
        if not outlets:
            return None
    return replace(where, sources=outlets)


def _fuse(rankings: Sequence[tuple[float, Sequence[Passage]]]) -> dict[str, tuple[float, Passage]]:
    """Return each chunk's weighted reciprocal-rank score summed over the rankings."""
    fused: dict[str, tuple[float, Passage]] = {}
    for weight, ranking in rankings:
        for rank, passage in enumerate(ranking, start=1):
            score, first = fused.get(passage.chunk.id, (0.0, passage))
            fused[passage.chunk.id] = (score + weight / (RRF_K + rank), first)
    return fused


def _date_factor(passage: Passage, plan: QueryPlan) -> float:
    """Return the boost for a passage whose article date fits a date the question names."""
    first, last = passage.chunk.date_from, passage.chunk.date_to
    if first is None or last is None:
        return 1.0
    for mention in plan.dates:
        low, high = mention.first, mention.last
        if low < 10000:  # no year given: compare month and day
            low, high = first // 10000 * 10000 + low, last // 10000 * 10000 + high
        if mention.relation == "on" and first <= high and last >= low:
            return DATE_BOOST
        if mention.relation == "before" and first < low:
            return DATE_BOOST
        if mention.relation == "after" and last > high:
            return DATE_BOOST
    return 1.0


def _diverse(ranked: Sequence[Passage], k: int, per_article: int) -> list[Passage]:
    """Return the first ``k`` passages, skipping any beyond ``per_article`` from one article."""
    chosen: list[Passage] = []
    taken: dict[str, int] = {}
    for passage in ranked:
        article = passage.chunk.article_id
        if taken.get(article, 0) >= per_article:
            continue
        taken[article] = taken.get(article, 0) + 1
        chosen.append(passage)
        if len(chosen) == k:
            break
    return chosen
