"""`NewsAssistant`: the Python API that the CLIs and the chat are thin edges over."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import factory
from assistant.access import IndexRoots
from assistant.answering.followup import History, RuleRewriter, Turn, as_turns
from assistant.answering.records import Answer, AnswerEvent, Done, Rewritten
from assistant.errors import EmptyIndexError, EmptyQuestionError, FieldError, NewsQAError, UnknownArticleError
from assistant.llm import LanguageModel, LLMBackendError
from assistant.settings import Settings
from assistant.sources import RememberedSources
from ingest.feeds import is_url
from ingest.pipeline import Failure, IndexReport, OnProgress, index_paths
from ingest.text.dates import DateError, parse_bound
from vectorstore.base import ArticleInfo, IndexStats, Passage, SearchFilter
from vectorstore.chroma import read_only
from vectorstore.hybrid import NewsStore

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from assistant.answering.followup import FollowUpRewriter
    from assistant.answering.records import Answerer
    from assistant.retrieval import Retriever
    from assistant.retrieval.semantic import SentenceSimilarity
    from assistant.retrieval.time_words import AsOf
    from ingest.chunking import Chunker, TokenSpans
    from ingest.ledger import Ledger
    from vectorstore.base import ChunkStore

DateLike = str | date | None
Sources = str | Sequence[str] | None


@dataclass(frozen=True)
class ArticlePage:
    """One page of the indexed articles, newest first, and how many there are in all."""

    total: int
    """Articles matching the listing's filter, on every page."""
    offset: int
    items: list[ArticleInfo]


class NewsAssistant:
    """Indexes news articles and answers questions from them, citing every passage used.

    Parts are built from `Settings` on first use; pass any of them to replace it (tests
    pass a fake embedder and tokenizer). Keyword overrides set `Settings` fields::

        bot = NewsAssistant(store_dir="data", top_k=5)
    """

    def __init__(
        self,
        store_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embeddings: Embeddings | None = None,
        token_spans: TokenSpans | None = None,
        store: ChunkStore | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        language_model: LanguageModel | None = None,
        rewriter: FollowUpRewriter | None = None,
        **overrides: Any,
    ) -> None:
        values = (settings or Settings()).model_dump()
        values.update(overrides)
        if store_dir is not None:
            values["store_dir"] = Path(store_dir)
        self.settings = Settings.model_validate(values)
        self._embeddings = embeddings
        self._token_spans = token_spans
        if store is not None:
            self.store = store
        if retriever is not None:
            self.retriever = retriever
        if language_model is not None:
            self.language_model = language_model
        if answerer is not None:
            self.answerer = answerer
        if rewriter is not None:
            self.rewriter = rewriter

    @cached_property
    def embeddings(self) -> Embeddings:
        """The embedder (its model loads on the first embedding)."""
        return self._embeddings or factory.make_embeddings(self.settings)

    @cached_property
    def store(self) -> ChunkStore:
        """The chunk store."""
        return factory.make_store(self.settings, self.embeddings)

    @cached_property
    def chunker(self) -> Chunker:
        """The chunker, bound to the embedding model's tokenizer."""
        return factory.make_chunker(self.settings, self._token_spans)

    @cached_property
    def retriever(self) -> Retriever:
        """The retriever."""
        return factory.make_retriever(self.settings, self.store, self.similarity)

    @cached_property
    def language_model(self) -> LanguageModel | None:
        """The language model ``NEWSQA_LLM`` names, or None for extractive answers."""
        return factory.make_language_model(self.settings)

    @cached_property
    def similarity(self) -> SentenceSimilarity:
        """How close sentences are in meaning to a question, under `embeddings` (vectors cached)."""
        return factory.make_similarity(self.settings, self.embeddings, self.store)

    @cached_property
    def answerer(self) -> Answerer:
        """The answerer: generative over `language_model` when there is one, else extractive."""
        return factory.make_answerer(self.settings, self.language_model, self.similarity, self.store)

    @cached_property
    def rewriter(self) -> FollowUpRewriter:
        """What makes follow-up questions standalone before retrieval."""
        return factory.make_rewriter(self.settings, self.language_model)

    @property
    def answerer_label(self) -> str:
        """Who writes the answers, e.g. ``extractive`` or ``ollama llama3.2 at http://…``."""
        return self.answerer.label

    @cached_property
    def ledger(self) -> Ledger:
        """The record manager of what is indexed, beside the store."""
        return factory.make_ledger(self.settings)

    def index(
        self,
        paths: Iterable[str | Path] | str | Path,
        sync: bool = False,
        on_progress: OnProgress | None = None,
        *,
        on_wait: Callable[[str], None] | None = None,
        confine: IndexRoots | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> IndexReport:
        """Bring the index up to date with these files, folders and feed URLs.

        New and changed articles are written, unchanged ones skipped without embedding, and
        old versions replaced; with ``sync``, articles whose files are gone from the given
        folders are removed. See `IndexReport` for the outcome. ``on_wait`` is told who holds
        the store when another indexing run does; after `lock_timeout` seconds of waiting,
        `ingest.locking.LockTimeout` (a `NewsQAError` naming that run) is raised.
        ``should_stop`` is asked as the run goes (between files, records, feed items and
        batches, and during downloads, where a helper thread asks: pass something
        thread-safe such as `threading.Event.is_set`); once it returns True, the run ends,
        keeping what it fully wrote, and returns a report with ``stopped`` set. With
        ``confine`` (the chat and the service: `Settings.allowed_roots`), a file outside those
        folders, or a link leading out of them, is refused and reported, never read.
        """
        if isinstance(paths, str | Path):
            paths = [paths]
        settings = self.settings
        self._check_writable()
        return index_paths(
            paths,
            self.store,
            lambda: self.chunker,
            on_progress,
            ledger=self.ledger,
            sync=sync,
            config=factory.index_identity(settings).config,
            batch_chunks=settings.index_batch_chunks,
            feed_timeout=settings.feed_timeout,
            on_wait=on_wait,
            feed_allow_hosts=settings.feed_allow_hosts,
            lock_timeout=settings.lock_timeout,
            should_stop=should_stop,
            refuse=confine.refusal if confine is not None else None,
        )

    def add_sentence_vectors(
        self, on_progress: OnProgress | None = None, *, on_wait: Callable[[str], None] | None = None
    ) -> int:
        """Give the chunks of an index written before sentence vectors were kept
        (`vectorstore.sentence_vectors`) theirs, so that answers need not embed sentences;
        return how many chunks got them (0 when all have them, or the embedder cannot pool).

        It embeds those chunks again (about as long as indexing them), leaves their vectors as
        they are, and takes the writers' lock, waiting for an indexing run to finish.
        """
        self._check_writable()
        store = self.store
        if not isinstance(store, NewsStore):
            return 0
        done, total = 0, 0

        def progress(count: int) -> None:
            nonlocal done
            done += count
            if on_progress:
                on_progress("embedding", done, total)

        with self.ledger.writing(on_wait):
            total = store.count_lacking_sentence_vectors()  # the chunks it will embed, not all
            return store.fill_sentence_vectors(progress)

    def _check_writable(self) -> None:
        """Raise `NewsQAError` when the store's folder can be searched here but not written."""
        store_dir = self.settings.store_dir
        if read_only(store_dir):
            raise NewsQAError(
                f"the index in {store_dir} is read-only here: it can be searched, not written. "
                "Index from an account that may write that folder, or set NEWSQA_STORE_DIR to another one."
            )

    def remember_source(self, source: str | Path) -> None:
        """Remember a folder, file or feed URL so that `reindex` reads it again (the chat's list)."""
        self._sources.remember(str(source))

    def remembered_sources(self) -> list[str]:
        """Return the folders, files and feed URLs `reindex` reads again, besides the upload folder."""
        return self._sources.load()

    def reindex(
        self,
        on_progress: OnProgress | None = None,
        *,
        on_wait: Callable[[str], None] | None = None,
        confine: IndexRoots | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> IndexReport:
        """Read again the upload folder and every remembered source, and bring the index in line.

        New and changed articles are indexed; those whose files are gone from those folders
        are removed. A remembered folder that is gone altogether is reported as failed, and
        its articles are kept (it may be a drive not mounted now). ``on_wait`` and
        ``should_stop`` are as for `index`.
        """
        uploads = self.settings.paths.uploads
        paths: list[str] = [str(uploads)] if uploads.exists() else []
        gone: list[Failure] = []
        for source in self.remembered_sources():
            refusal = confine.refusal(source) if confine is not None and not is_url(source) else None
            if refusal:
                gone.append(Failure(source, refusal))
            elif is_url(source) or Path(source).exists():
                paths.append(source)
            else:
                gone.append(Failure(source, "is gone; its articles were kept"))
        report = IndexReport()
        if paths:
            report = self.index(
                paths,
                sync=True,
                on_progress=on_progress,
                on_wait=on_wait,
                confine=confine,
                should_stop=should_stop,
            )
        report.failed[:0] = gone
        return report

    @cached_property
    def _sources(self) -> RememberedSources:
        return factory.make_sources(self.settings)

    def stats(self) -> IndexStats:
        """Return what the index holds: articles, chunks, outlets and dates covered."""
        return self.store.stats()

    def articles(self) -> list[ArticleInfo]:
        """Return one record per indexed article: title, outlet, publication date, link."""
        return self.store.articles()

    def articles_page(self, offset: int = 0, limit: int = 50, source: Sources = None) -> ArticlePage:
        """Return ``limit`` articles from ``offset``, newest first (undated ones last), by title
        within a day; ``source`` keeps to one or more outlets, named in any case."""
        wanted = self._resolve_sources(source)
        found = [info for info in self.store.articles() if wanted is None or info.source in wanted]
        found.sort(key=lambda info: (info.title.casefold(), info.article_id))
        found.sort(key=lambda info: (info.date_to or 0, info.date_from or 0), reverse=True)
        offset = max(offset, 0)
        return ArticlePage(total=len(found), offset=offset, items=found[offset : offset + max(limit, 0)])

    def remove(self, article_id: str, *, on_wait: Callable[[str], None] | None = None) -> int:
        """Remove an article from every index (vectors, keywords, records); return how many
        versions of it were indexed (from different files or feeds), or raise `UnknownArticleError`.

        It takes the writers' lock, so it waits for an indexing run on the store to finish.
        Its file, if still in a folder that is indexed again, brings it back.
        """
        ledger = self.ledger
        with ledger.writing(on_wait):
            ledger.recover(self.store)
            groups = [group for group in ledger.groups() if group.article_id == article_id]
            removed = ledger.remove(groups, self.store) if groups else []
        if not removed:
            raise UnknownArticleError(f"No article with the id {article_id!r} is indexed.")
        return len(removed)

    def last_updated(self) -> datetime | None:
        """Return when an article was last written to the index (local time), or None if never."""
        stamp = self.ledger.last_update()
        return datetime.fromtimestamp(stamp).astimezone() if stamp is not None else None

    def retrieve(
        self,
        question: str,
        k: int = 10,
        source: Sources = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> list[Passage]:
        """Return the ranked passages for a question, best first, as `ask` answers from them.

        ``source`` names one outlet or several (any case); ``since`` and ``until`` are ISO
        dates (``2020-03`` or ``2020-03-11``) or `date`s, both ends included.
        """
        question = self._ready(question)
        k = _passages(k)
        first, last = _bound(since, "since", end=False), _bound(until, "until", end=True)
        if first is not None and last is not None and first > last:
            raise FieldError(
                f"since ({since}) is after until ({until}): no article can match. "
                "Swap them, or leave one out.",
                field="since",
            )
        where = SearchFilter(sources=self._resolve_sources(source), since=first, until=last)
        return self.retriever.retrieve(question, k, None if where.is_empty() else where)

    def read_against(self, question: str, until: DateLike = None) -> AsOf | None:
        """Return the date the question's time words ("this week", "recently") are read against.

        None when the question has none (or retrieval is not hybrid). The date is ``until``
        when given, else the newest article in the index, else today.
        """
        from assistant.retrieval.hybrid import HybridRetriever

        if not isinstance(self.retriever, HybridRetriever):
            return None
        bound = _bound(until, "until", end=True)
        where = None if bound is None else SearchFilter(until=bound)
        return self.retriever.read(question.strip(), where)[0].as_of

    def ask(
        self,
        question: str,
        k: int | None = None,
        source: Sources = None,
        since: DateLike = None,
        until: DateLike = None,
        history: History | None = None,
    ) -> Answer:
        """Answer a question from the indexed articles, citing each passage it quotes.

        When the passages don't answer it, the answer says so (``abstained`` is True).
        ``history`` holds the earlier turns (e.g. the `Answer`s returned before): a follow-up
        question is rewritten with it into a standalone one before retrieval. Raises
        `NewsQAError` with a message for the user for an empty question or index, an unknown
        outlet or a malformed date; a failing language model is not an error but a `note` on
        the extractive answer given in its place.
        """
        answer: Answer | None = None
        for event in self.stream(question, history, k, source, since, until):
            if isinstance(event, Done):
                answer = event.answer
        assert answer is not None  # stream always ends with Done
        return answer

    def stream(
        self,
        question: str,
        history: History | None = None,
        k: int | None = None,
        source: Sources = None,
        since: DateLike = None,
        until: DateLike = None,
    ) -> Iterator[AnswerEvent]:
        """Answer like `ask`, yielding the answer while it is written.

        Yields `Rewritten` when a follow-up was rewritten, `TextDelta`s as the text is
        generated (one, for the extractive answerer), then `Done` with the checked answer,
        whose text and numbering may differ from the pieces streamed before it.
        """
        question = self._ready(question)
        turns = as_turns(history)
        standalone, failure = self._standalone(question, turns)
        if standalone != question:
            yield Rewritten(standalone)
        passages = self.retrieve(standalone, self.settings.top_k if k is None else k, source, since, until)
        for event in self._answer(standalone, passages, failure):
            if isinstance(event, Done):
                rewritten = standalone if standalone != question else None
                event = Done(
                    replace(
                        event.answer,
                        question=question,
                        standalone_question=rewritten,
                        read_against=self.read_against(standalone, until),
                    )
                )
            yield event

    def _standalone(self, question: str, turns: list[Turn]) -> tuple[str, LLMBackendError | None]:
        """Return the question made standalone, and the language model's failure if it failed."""
        if not turns:
            return question, None
        try:
            return self.rewriter.rewrite(question, turns), None
        except LLMBackendError as exc:
            return RuleRewriter().rewrite(question, turns), exc

    def _answer(
        self, question: str, passages: list[Passage], failure: LLMBackendError | None
    ) -> Iterator[AnswerEvent]:
        # A model that just failed to rewrite the question is not waited on a second time.
        yield from self.answerer.stream(question, passages, str(failure) if failure else None)

    def _ready(self, question: str) -> str:
        """Return the question stripped, once sure there is a question and an index to ask."""
        question = question.strip() if isinstance(question, str) else ""
        if not question:
            raise EmptyQuestionError("The question is empty: ask something about the indexed articles.")
        if self.store.count() == 0:
            raise EmptyIndexError(
                f"The index in {factory.describe_store(self.settings)} is empty. Add articles first: "
                "`python -m ingest PATH`, or the chat's sidebar."
            )
        return question

    def _resolve_sources(self, source: Sources) -> tuple[str, ...] | None:
        """Map outlet names given in any case to the names stored in the index."""
        if source is None or source == "" or source == []:
            return None
        wanted = [source] if isinstance(source, str) else list(source)
        known = {name.casefold(): name for name in self.store.stats().sources}
        resolved: list[str] = []
        unknown: list[str] = []
        for name in wanted:
            match = known.get(name.strip().casefold())
            (resolved if match else unknown).append(match or name)
        if unknown:
            listing = ", ".join(sorted(known.values())) or "none"
            raise FieldError(
                f"No articles from {', '.join(repr(u) for u in unknown)} in the index. "
                f"Outlets indexed: {listing}.",
                field="source",
            )
        return tuple(resolved)


MAX_PASSAGES = 100
"""Most passages one question may draw on (``k``)."""


def _passages(k: object) -> int:
    """Return ``k`` if it is a number of passages an answer can draw on, else raise `NewsQAError`."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PASSAGES:
        raise FieldError(
            f"k (how many passages to draw on) must be a whole number from 1 to {MAX_PASSAGES}, not {k!r}.",
            field="k",
        )
    return k


def _bound(value: DateLike, name: str, *, end: bool) -> int | None:
    if value is not None and not isinstance(value, str | date):
        raise FieldError(
            f"{name}: expected a date such as 2020-03 or 2020-03-11 (or a datetime.date), not {value!r}.",
            field=name,
        )
    try:
        return parse_bound(value, end=end)
    except DateError as exc:
        raise FieldError(f"{name}: {exc}", field=name) from None


def open_assistant(settings: Settings) -> NewsAssistant:
    """Return the assistant the command lines and the chat work with, built from ``settings``.

    They take this function as a parameter, so tests hand them an assistant with other parts.
    """
    return NewsAssistant(settings=settings)
