"""Indexing from the page: uploads, a folder, a feed URL, or everything again; with a progress bar.

Each run's outcome is kept in the session and shown after the page reloads (so the index
panel's counts are fresh): added, updated, removed and unchanged articles, and every file
that failed with its reason. All indexing is `NewsAssistant.index`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from assistant import NewsAssistant, NewsQAError
from ingest.feeds import is_url
from ingest.pipeline import Failure, IndexReport, OnProgress
from ui import state
from ui.render import markdown_text, text

_STAGES = {"reading": "Reading files", "embedding": "Embedding passages"}


Work = Callable[[OnProgress, Callable[[str], None], Callable[[], bool]], IndexReport]
"""An indexing run of `NewsAssistant`, given the progress and waiting callbacks and ``should_stop``."""


def run(
    bot: NewsAssistant, action: str, paths: Sequence[str | Path], refused: Sequence[Failure] = ()
) -> state.IndexRun:
    """Index ``paths`` with a progress bar and keep the outcome for after the rerun; return it."""
    chosen = list(paths)

    def work(progress: OnProgress, waiting: Callable[[str], None], stop: Callable[[], bool]) -> IndexReport:
        roots = bot.settings.allowed_roots()
        return bot.index(chosen, on_progress=progress, on_wait=waiting, confine=roots, should_stop=stop)

    return _with_progress(action, work if chosen else None, refused)


def _with_progress(action: str, work: Work | None, refused: Sequence[Failure] = ()) -> state.IndexRun:
    """Do ``work`` with a progress bar, keep the outcome for after the rerun, and return it."""
    outcome = state.IndexRun(action, refused=list(refused))
    if work is not None:
        bar = st.progress(0.0, text=f"{action}: starting…")

        def progress(stage: str, done: int, total: int) -> None:
            label = _STAGES.get(stage, stage)
            bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {done} of {total}")

        def waiting(message: str) -> None:
            bar.progress(0.0, text=markdown_text(message[:1].upper() + message[1:]))

        try:
            outcome.report = work(progress, waiting, abandoned())
        except NewsQAError as exc:
            outcome.error = str(exc)
        except Exception as exc:  # shown in the sidebar, never as a traceback
            outcome.error = f"Indexing failed: {type(exc).__name__}: {exc}"
        bar.empty()
    state.set_last_run(outcome)
    return outcome


def abandoned() -> Callable[[], bool]:
    """Return a test, safe from any thread, of whether the page gave up on this script run.

    Reloading or using the page asks Streamlit to stop or rerun the script; that request
    otherwise only lands at the next call of a Streamlit function, which a slow download
    doesn't make. An indexing run asked this stops at once and releases the store's lock.
    """
    context = get_script_run_ctx()
    requests = getattr(context, "script_requests", None)

    def given_up() -> bool:
        # ScriptRequests keeps the request in `_state` (CONTINUE until a stop or rerun is asked).
        state = getattr(requests, "_state", None)
        return state is not None and getattr(state, "name", "CONTINUE") != "CONTINUE"

    return given_up


def folder(bot: NewsAssistant, entry: str) -> None:
    """Index a folder or file on the server's machine, and remember it for re-indexing."""
    path = Path(entry.strip()).expanduser()
    refusal = bot.settings.allowed_roots().refusal(path)
    if refusal:
        run(bot, "Folder", [], [Failure(entry, refusal)])
        return
    if not path.exists():
        run(bot, "Folder", [], [Failure(entry, "no such file or folder on the machine running the chat")])
        return
    outcome = run(bot, "Folder", [path.resolve()])
    if outcome.error is None:
        bot.remember_source(path.resolve())


def feed(bot: NewsAssistant, url: str) -> None:
    """Index a feed URL, and remember it for re-indexing unless it could not be read at all."""
    url = url.strip()
    if not is_url(url):
        run(bot, "Feed", [], [Failure(url, "not a feed URL: give an http:// or https:// address")])
        return
    outcome = run(bot, "Feed", [url])
    report = outcome.report
    if report is not None and not any(failure.path == url for failure in report.failed):
        bot.remember_source(url)


def reindex(bot: NewsAssistant) -> None:
    """Index again the upload folder and every folder, file and feed added from the chat
    (`NewsAssistant.reindex`)."""
    roots = bot.settings.allowed_roots()

    def work(progress: OnProgress, waiting: Callable[[str], None], stop: Callable[[], bool]) -> IndexReport:
        return bot.reindex(progress, on_wait=waiting, confine=roots, should_stop=stop)

    _with_progress("Re-index", work)


def show_last_run() -> None:
    """Show what the last indexing run did: the counts, then each file that failed and why."""
    outcome = state.last_run()
    if outcome is None:
        return
    if outcome.error:
        st.error(markdown_text(outcome.error))
    report = outcome.report
    problems = list(outcome.refused) + (report.failed if report else [])
    if report is not None:
        summary = counts(report)
        if problems:
            st.warning(f"**{outcome.action}:** {summary}; {len(problems)} failed.")
        else:
            st.success(f"**{outcome.action}:** {summary}.")
    elif problems and not outcome.error:
        st.error(f"**{outcome.action}:** nothing indexed; {len(problems)} refused.")
    if problems:
        st.html(failure_list(problems, "nqa-failed"))
    if report is not None:
        details = [
            ("Written", [Failure(path, title) for path, title in report.added_articles]),
            ("Warnings", report.warnings),
            ("Skipped (not article files)", report.skipped),
        ]
        details = [(title, items) for title, items in details if items]
        if details:
            with st.expander("Details, file by file"):
                for title, items in details:
                    st.html(f"<b>{text(title)} ({len(items)})</b>{failure_list(items, 'nqa-detail')}")


def counts(report: IndexReport) -> str:
    """Return the report's counts in words, e.g. ``2 added · 0 updated · ... · 5 passages written``."""
    return (
        f"{report.added} added · {report.updated} updated · {report.removed} removed · "
        f"{report.unchanged} unchanged · {report.chunks} passages written"
    )


def failure_list(items: Sequence[Failure], kind: str) -> str:
    """Return an escaped HTML list of file names (full path on hover) and reasons."""
    rows = "".join(
        f'<li><span class="nqa-name" title="{text(item.path)}">{text(_short(item.path))}</span>: '
        f"{text(item.reason)}</li>"
        for item in items
    )
    return f'<ul class="nqa-list {text(kind)}">{rows}</ul>'


def _short(path: str) -> str:
    """Return a file's name (with a JSON Lines record's ``:line``), or a URL as it is."""
    return path if is_url(path) else Path(path).name or path
