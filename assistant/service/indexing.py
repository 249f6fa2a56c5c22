"""``POST /v1/index`` (a job, answered at once) and ``GET /v1/index/{job}`` (its progress, then its report).

Local paths must lie inside ``NEWSQA_INDEX_ROOTS`` (`Settings.allowed_roots`): a request
naming one outside them is refused whole, with a 403 naming the roots. Uploaded files are
saved under safe names in the store's upload folder, as the chat saves them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError
from starlette.datastructures import UploadFile

from assistant.errors import FieldError
from assistant.service.deps import Editor, ServiceDep
from assistant.service.errors import ERRORS
from assistant.service.schemas import Body
from ingest.feeds import is_url
from ingest.pipeline import Failure
from ingest.uploads import MAX_UPLOAD_BYTES, UploadError, check_size, save_uploads

router = APIRouter(prefix="/v1", tags=["index"], dependencies=[Editor], responses=ERRORS)

_MAX_FILES = 1000
_TRUE = {"1", "true", "yes", "on"}


class IndexRequest(Body):
    """What to index: folders or files on the service's machine, and feed URLs."""

    paths: list[str] = Field(default_factory=list, examples=[["/srv/news/incoming"]])
    """Folders (read recursively) or files, inside NEWSQA_INDEX_ROOTS."""
    urls: list[str] = Field(default_factory=list, examples=[["https://example.com/rss.xml"]])
    """RSS or Atom feed URLs."""
    sync: bool = False
    """Also remove the articles of files gone from the given folders."""
    reindex: bool = False
    """Read again the upload folder and every folder and feed indexed before (the chat's Re-index)."""


class FailureOut(Body):
    """A file, record (``file:line``) or URL not indexed (or indexed with a warning), and why."""

    path: str
    reason: str


class ReportOut(Body):
    """What the run did, as ``python -m ingest --json`` prints it (articles counted)."""

    added: int
    updated: int
    removed: int
    unchanged: int
    failed: list[FailureOut]
    chunks: int
    """Passages embedded and written by the run."""
    warnings: list[FailureOut]
    skipped: list[FailureOut]


class ProgressOut(Body):
    """How far the run is: files read (``reading``), then passages embedded (``embedding``)."""

    stage: str | None
    done: int
    total: int


class JobOut(Body):
    """An indexing job: its progress while it runs, then its report."""

    id: str
    state: Literal["queued", "running", "done", "failed"]
    sources: list[str]
    """What it reads: folders, files (uploads are saved in the store's upload folder) and feeds."""
    sync: bool
    reindex: bool
    progress: ProgressOut
    waiting: str | None
    """Set while it waits for another indexing run on the store to finish."""
    refused: list[FailureOut]
    """Parts of the request not indexed, and why (a missing folder, an upload of the wrong kind)."""
    submitted: str
    started: str | None
    finished: str | None
    report: ReportOut | None
    """What it did, once done."""
    error: str | None
    """Why it failed, if it did."""


_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {"schema": IndexRequest.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "paths": {"type": "array", "items": {"type": "string"}},
                    "urls": {"type": "array", "items": {"type": "string"}},
                    "sync": {"type": "boolean"},
                },
            }
        },
    },
}


@router.post(
    "/index",
    status_code=202,
    summary="Index folders, files, feeds or uploads, as a job (editors)",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def index(request: Request, service: ServiceDep) -> JobOut:
    """Start an indexing job and return it at once (``queued``); follow it at ``/v1/index/{id}``.

    Send JSON (`IndexRequest`), or a multipart form with ``files`` (uploads: .txt, .md,
    .html, .htm, .json, .jsonl, up to 50 MB each) and, if wanted, ``paths``, ``urls`` and
    ``sync`` fields. Jobs run one at a time; questions are answered meanwhile.
    """
    body, uploads = await _read(request)
    roots = service.settings.allowed_roots()
    sources: list[str] = []
    remember: list[str] = []
    refused: list[Failure] = []
    for entry in body.paths:
        real = roots.check(entry)  # outside the roots: the whole request is refused (403)
        if not real.exists():
            refused.append(Failure(entry, "no such file or folder on the machine running the service"))
            continue
        sources.append(str(real))
        remember.append(str(real))
    for url in body.urls:
        if not is_url(url):
            refused.append(Failure(url, "not a feed URL: give an http:// or https:// address"))
            continue
        sources.append(url)
        remember.append(url)
    if uploads:
        saved, bad = await run_in_threadpool(_save, service.settings.paths.uploads, uploads)
        sources.extend(str(path) for path in saved)
        refused.extend(bad)
    if not sources and not body.reindex:
        reasons = "; ".join(f"{failure.path}: {failure.reason}" for failure in refused)
        raise FieldError(
            f"Nothing to index: {reasons}" if reasons else "Nothing to index: give paths, urls or files.",
            field="files" if uploads else "paths",
        )
    job = service.jobs.submit(
        sources, sync=body.sync, reindex=body.reindex, refused=refused, remember=remember
    )
    return JobOut.model_validate(job)


@router.get(
    "/index/{job_id}",
    summary="An indexing job's progress, then its report (editors)",
    responses={404: {"description": "No such job (or finished long ago and forgotten)"}},
)
def job(job_id: str, service: ServiceDep) -> JobOut:
    """Return the job: ``queued``, ``running`` (with its progress), then ``done`` with its report
    or ``failed`` with the reason."""
    described = service.jobs.describe(job_id)
    if described is None:
        raise HTTPException(404, f"There is no indexing job {job_id!r} (finished jobs are kept a while).")
    return JobOut.model_validate(described)


async def _read(request: Request) -> tuple[IndexRequest, list[UploadFile]]:
    """Return the request's JSON body, or its form's fields and uploaded files."""
    kind = request.headers.get("content-type", "")
    try:
        if kind.startswith("multipart/form-data") or kind.startswith("application/x-www-form-urlencoded"):
            form = await request.form(max_files=_MAX_FILES, max_fields=_MAX_FILES)
            uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile)]
            fields = {
                "paths": [item for item in form.getlist("paths") if isinstance(item, str) and item],
                "urls": [item for item in form.getlist("urls") if isinstance(item, str) and item],
                "sync": str(form.get("sync") or "").strip().lower() in _TRUE,
                "reindex": str(form.get("reindex") or "").strip().lower() in _TRUE,
            }
            return IndexRequest.model_validate(fields), uploads
        return IndexRequest.model_validate_json(await request.body() or b"{}"), []
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_input=False)) from None


def _save(folder: Path, uploads: list[UploadFile]) -> tuple[list[Path], list[Failure]]:
    """Save the uploads that fit into ``folder``; return their paths, and the refused ones with why."""
    refused: list[Failure] = []
    fitting: list[UploadFile] = []
    for upload in uploads:
        try:
            check_size(upload.filename or "upload", upload.size or 0)
            fitting.append(upload)
        except UploadError as exc:
            refused.append(Failure(exc.name, exc.reason))
    # Read one file at a time, as it is saved; never more than the limit (plus a byte to tell).
    files = ((upload.filename or "upload", upload.file.read(MAX_UPLOAD_BYTES + 1)) for upload in fitting)
    saved, bad = save_uploads(folder, files)
    return saved, refused + bad
