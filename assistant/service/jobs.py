"""Indexing jobs, run off the request path: one worker thread, one job at a time.

``POST /v1/index`` hands a job to `IndexJobs` and answers at once with its id; the worker
runs `NewsAssistant.index` (or `reindex`), recording its progress, and then its report.
One writer at a time holds within this process (a single worker) and across processes
(the store's writer lock, which the indexing run takes). Questions go on meanwhile: they
take no lock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from assistant.errors import NewsQAError
from ingest.feeds import is_url
from ingest.pipeline import Failure, IndexReport

if TYPE_CHECKING:
    from assistant.core import NewsAssistant

log = logging.getLogger("newsqa.service")

JobState = Literal["queued", "running", "done", "failed"]
KEEP_FINISHED = 200
"""Finished jobs remembered for ``GET /v1/index/{job}``; older ones are forgotten."""


@dataclass
class Job:
    """One indexing job: what it reads, how far it got, and what it did."""

    id: str
    sources: list[str]
    sync: bool = False
    reindex: bool = False
    refused: list[Failure] = field(default_factory=list)
    """Entries of the request that were not indexed, and why (a missing folder, a bad upload)."""
    remember: list[str] = field(default_factory=list)
    """Folders and feeds to remember for re-indexing, once read (as the chat does)."""
    state: JobState = "queued"
    stage: str | None = None
    done: int = 0
    total: int = 0
    waiting: str | None = None
    """Set while the job waits for another indexing run on the store to finish."""
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    report: IndexReport | None = None
    error: str | None = None

    def describe(self) -> dict[str, Any]:
        """Return the job as ``GET /v1/index/{job}`` gives it."""
        return {
            "id": self.id,
            "state": self.state,
            "sources": list(self.sources),
            "sync": self.sync,
            "reindex": self.reindex,
            "progress": {"stage": self.stage, "done": self.done, "total": self.total},
            "waiting": self.waiting,
            "refused": [asdict(failure) for failure in self.refused],
            "submitted": _iso(self.submitted),
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "report": self.report.to_dict() if self.report else None,
            "error": self.error,
        }


class IndexJobs:
    """The indexing jobs of one service, run one at a time by a worker thread."""

    def __init__(self, bot: NewsAssistant, keep: int = KEEP_FINISHED) -> None:
        self.bot = bot
        self.keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()

    def submit(
        self,
        sources: list[str],
        *,
        sync: bool = False,
        reindex: bool = False,
        refused: list[Failure] | None = None,
        remember: list[str] | None = None,
    ) -> dict[str, Any]:
        """Queue a job; return its description (state ``queued``) at once."""
        job = Job(uuid.uuid4().hex, sources, sync, reindex, list(refused or []), list(remember or []))
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="newsqa-index-jobs", daemon=True)
                self._worker.start()
            described = job.describe()
        self._queue.put(job)
        return described

    def describe(self, job_id: str) -> dict[str, Any] | None:
        """Return the job's description, or None if there is no such job (or it was forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return job.describe() if job else None

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker: the job under way stops at its next batch, file or download piece,
        keeping what it fully wrote (waiting at most ``timeout`` seconds for it).

        A run cut short by the process ending is safe too: the next run undoes or completes it.
        """
        self._stopping.set()
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            self._run(job)

    def _run(self, job: Job) -> None:
        with self._lock:
            job.state, job.started = "running", time.time()

        def progress(stage: str, done: int, total: int) -> None:
            with self._lock:
                job.stage, job.done, job.total, job.waiting = stage, done, total, None

        def waiting(message: str) -> None:
            with self._lock:
                job.waiting = message

        report: IndexReport | None = None
        error: str | None = None
        try:
            # Local files only inside the allowed folders: a link in one that leads out is refused too.
            roots, stop = self.bot.settings.allowed_roots(), self._stopping.is_set
            if job.reindex:
                report = self.bot.reindex(progress, on_wait=waiting, confine=roots, should_stop=stop)
            else:
                report = self.bot.index(
                    job.sources,
                    sync=job.sync,
                    on_progress=progress,
                    on_wait=waiting,
                    confine=roots,
                    should_stop=stop,
                )
            self._remember(job, report)
        except NewsQAError as exc:
            error = str(exc)
        except Exception as exc:  # the job fails with the reason; the service goes on
            log.exception("indexing job %s failed", job.id)
            error = f"Indexing failed unexpectedly ({type(exc).__name__}); the service's log has the details."
        with self._lock:
            job.report, job.error = report, error
            job.state = "failed" if error else "done"
            job.finished = time.time()
            job.waiting = None

    def _remember(self, job: Job, report: IndexReport) -> None:
        """Remember the folders and feeds read, so that a re-index reads them again (the chat's list)."""
        unreadable = {failure.path for failure in report.failed}
        for source in job.remember:
            if not (is_url(source) and source in unreadable):
                self.bot.remember_source(source)

    def _forget_old(self) -> None:
        finished = [key for key, job in self._jobs.items() if job.state in ("done", "failed")]
        for key in finished[: max(len(finished) - self.keep, 0)]:
            del self._jobs[key]


def _iso(stamp: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(stamp)) if stamp is not None else None
