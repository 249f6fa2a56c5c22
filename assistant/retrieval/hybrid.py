"""Hybrid retrieval, the default. `HybridRetriever` embeds the question once and fuses, by reciprocal rank,
embedding similarity with BM25 keyword search, over the whole index and again within each
outlet the question names (so evidence from every named outlet reaches the top). The best
candidates are ranked once more by their best single sentence (how much of the question one
sentence covers: evidence is usually one sentence, not a whole chunk), and with a
`SentenceSimilarity` also by their best sentence's similarity in meaning to the question;
those rankings join the fusion. Articles
from a day the question names rank higher ("last week" and "in March" read against the
question's date, the newest article, or today: `time_words`), newer ones when it asks for the
latest, and one article can fill only a few places.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Protocol

from assistant.retrieval.query import OutletMatcher, QueryPlan, parse
from assistant.retrieval.sentences import analyse, best_sentence_coverage
from assistant.retrieval.time_words import AsOf, read_time, reference
from ingest.text.dates import as_date
from vectorstore.base import IndexStats, Passage, SearchFilter

if TYPE_CHECKING:
    from assistant.retrieval.semantic import SentenceSimilarity

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
# Weight of the ranking by recency (newest article first) among the best candidates, for a
# question asking for the latest news ("recently", "the latest", "this week"). Measured on even
# dev ids: 0 -> 2 lifts mrr@10 0.7236 -> 0.7254, evidence_recall@10 0.7263 -> 0.7284.
RECENCY_WEIGHT = 2.0
# Weight and depth of the ranking by the best sentence's similarity in meaning to the question,
# under the index's own embedder (sentences embedded at question time, cached by text).
# Measured on even dev ids: 0 -> 1.5 lifts hits@10 0.9466 -> 0.9573, mrr@10 0.7254 -> 0.7262,
# evidence_recall@10 0.7284 -> 0.7358; 1 and 2 give more recall, less mrr.
SEMANTIC_WEIGHT = 1.5
SEMANTIC_POOL = SENTENCE_POOL
# Threads running a question's keyword searches beside its vector searches (2 cores here).
SEARCH_THREADS = 2


class HybridStore(Protocol):
    """What hybrid retrieval needs from a store (`vectorstore.hybrid.NewsStore` has it)."""

    def embed_query(self, query: str) -> list[float]:
        """Return the query's vector."""
        ...

    def search_scopes(
        self, vector: Sequence[float], k: int, scopes: Sequence[SearchFilter | None]
    ) -> list[list[Passage]]:
        """Return, for each filter (None: the whole index), up to ``k`` passages by similarity."""
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

    def __init__(
        self,
        store: HybridStore,
        per_article: int,
        similarity: SentenceSimilarity | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.per_article = per_article
        self.similarity = similarity
        self.today = today
        self._index: tuple[int, OutletMatcher, str | None] | None = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(SEARCH_THREADS, thread_name_prefix="newsqa-keywords")

    def retrieve(self, question: str, k: int, where: SearchFilter | None = None) -> list[Passage]:
        """Return up to ``k`` passages, best first, at most ``per_article`` from one article."""
        if self.store.count() == 0:
            return []
        plan, fused = self.candidates(question, k, where)
        return self.rank(plan, fused, k)

    def candidates(
        self, question: str, k: int, where: SearchFilter | None = None
    ) -> tuple[QueryPlan, dict[str, tuple[float, Passage]]]:
        """Return the question's plan and every candidate found, with its fused search score."""
        plan, _ = self.read(question, where)
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
        dense = self.store.search_scopes(vector, depth, scopes)
        rankings: list[tuple[float, list[Passage]]] = []
        for n, (by_vector, by_keyword) in enumerate(zip(dense, keyword_jobs, strict=True)):
            weight = 1.0 if n == 0 else OUTLET_WEIGHT
            rankings += [(weight, by_vector), (weight * KEYWORD_WEIGHT, by_keyword.result())]
        return plan, _fuse(rankings)

    def rank(self, plan: QueryPlan, fused: dict[str, tuple[float, Passage]], k: int) -> list[Passage]:
        """Return the best ``k`` candidates: ranked again by their best sentence, dates, diversity."""
        question = plan.question
        fused = dict(fused)
        top = sorted(fused.values(), key=lambda item: -item[0])[:SENTENCE_POOL]
        coverage = best_sentence_coverage(question, [passage for _, passage in top])
        by_sentence = sorted(coverage, key=lambda chunk_id: -coverage[chunk_id])
        _add_ranking(fused, by_sentence, SENTENCE_WEIGHT)
        if self.similarity is not None and SEMANTIC_WEIGHT:
            meaning = self._best_meaning(question, [passage for _, passage in top[:SEMANTIC_POOL]])
            _add_ranking(fused, sorted(meaning, key=lambda chunk_id: -meaning[chunk_id]), SEMANTIC_WEIGHT)
        if plan.recency:
            dated = [passage for _, passage in top if passage.chunk.date_to is not None]
            newest = sorted(dated, key=lambda passage: -(passage.chunk.date_to or 0))
            _add_ranking(fused, [passage.chunk.id for passage in newest], RECENCY_WEIGHT)
        if plan.dates:
            fused = {
                key: (score * _date_factor(passage, plan), passage) for key, (score, passage) in fused.items()
            }
        ranked = sorted(fused.values(), key=lambda item: item[0], reverse=True)
        return _diverse([replace(passage, score=score) for score, passage in ranked], k, self.per_article)

    def read(self, question: str, where: SearchFilter | None = None) -> tuple[QueryPlan, AsOf]:
        """Return the question's plan, its time words read against a date, and that date.

        The date is the question's own (the end of the user's date filter: an archive asked
        "as of" a day), else the newest article in the index, else today.
        """
        matcher, newest = self._index_facts(self.store.count())
        plan = parse(question, matcher)
        given = as_date(where.until) if where is not None and where.until is not None else None
        as_of = reference(given, newest, self.today())
        reading = read_time(question, as_of.day, skip=[(m.start, m.end) for m in plan.outlets])
        read = replace(plan, dates=reading.dates, recency=reading.recency)
        return (replace(read, as_of=as_of) if reading.relative else read), as_of

    def _index_facts(self, count: int) -> tuple[OutletMatcher, str | None]:
        """Return the index's outlet matcher and newest article date, worked out again when it changes."""
        with self._lock:
            if self._index is None or self._index[0] != count:
                stats = self.store.stats()
                self._index = (count, OutletMatcher(stats.sources), stats.last_published)
            return self._index[1], self._index[2]

    def _best_meaning(self, question: str, passages: Sequence[Passage]) -> dict[str, float]:
        """Return, per chunk id, its best sentence's similarity in meaning to the question."""
        assert self.similarity is not None
        self.similarity.load(passages)
        owners: list[str] = []
        sentences: list[str] = []
        for passage in passages:
            for start, end in analyse(passage.text).spans:
                owners.append(passage.chunk.id)
                sentences.append(passage.text[start:end])
        best: dict[str, float] = {}
        for owner, score in zip(owners, self.similarity.scores(question, sentences), strict=True):
            best[owner] = max(best.get(owner, -1.0), score)
        return best


def _add_ranking(fused: dict[str, tuple[float, Passage]], order: Sequence[str], weight: float) -> None:
    """Add each chunk's reciprocal-rank score in ``order`` (best first), times ``weight``, in place."""
    for rank, chunk_id in enumerate(order, start=1):
        score, passage = fused[chunk_id]
        fused[chunk_id] = (score + weight / (RRF_K + rank), passage)


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
