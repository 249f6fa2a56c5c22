"""Reading article files: the header format, plain text and Markdown, HTML, JSON Lines and JSON.

Every reader returns what it could read plus a `Problem` for each part it could not, so one
bad line or file never stops the rest.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ingest.records import Article
from ingest.text.dates import DateError, normalize

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSON_LINES_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIXES = JSON_LINES_SUFFIXES | {".json"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
"""Largest file read whole (one article, or a JSON array): far above any news article.
JSON Lines files are streamed line by line and may be of any size."""
MAX_LINE_BYTES = MAX_DOCUMENT_BYTES
_SNIFF_BYTES = 8192

# ` date 2020-03 Fast News`: optional leading space, the word date, a date, the outlet.
_HEADER = re.compile(r"^[ \t]?date[ \t]+(?P<date>\S+)[ \t]+(?P<source>\S.*?)\s*$", re.IGNORECASE)
_TITLE_CHARS = 120
_TOO_DEEP = "nested too deeply (arrays or objects inside each other, thousands of levels): not read"


@dataclass(frozen=True)
class Problem:
    """Something that went wrong reading one file or one line of it."""

    path: str
    reason: str
    fatal: bool = True
    """False for a warning: the article was still indexed (e.g. without its date)."""


@dataclass
class ReadResult:
    """The articles read from one file, and what could not be read."""

    articles: list[Article]
    problems: list[Problem]


def read_file(path: Path) -> ReadResult:
    """Read one file of any supported kind; never raises for bad content."""
    result = ReadResult([], [])
    for item in iter_file(path):
        if isinstance(item, Article):
            result.articles.append(item)
        else:
            result.problems.append(item)
    return result


def iter_file(path: Path) -> Iterator[Article | Problem]:
    """Yield the articles of one file, and a `Problem` for each part that can't be read.

    JSON Lines are streamed a line at a time, so a file of any size is read in bounded
    memory; other kinds are read whole, up to `MAX_DOCUMENT_BYTES`. Never raises for bad
    content or an unreadable path.
    """
    name = str(path)
    refusal = _refuse(path)
    if refusal:
        yield Problem(name, refusal)
        return
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
            if b"\x00" in head:
                yield Problem(name, "binary file, not text (expected .txt, .md, .html, .jsonl or .json)")
                return
            suffix = path.suffix.lower()
            size = path.stat().st_size
            if suffix in JSON_LINES_SUFFIXES or (
                suffix == ".json" and size > MAX_DOCUMENT_BYTES and not head.lstrip().startswith(b"[")
            ):
                yield from _iter_json_lines(name, head, stream)
                return
            if size > MAX_DOCUMENT_BYTES:
                yield Problem(name, _too_large(size, suffix))
                return
            data = head + stream.read(MAX_DOCUMENT_BYTES + 1 - len(head))
    except OSError as exc:
        yield Problem(name, f"cannot be read: {exc.strerror or exc}")
        return
    if len(data) > MAX_DOCUMENT_BYTES:  # a file that grew, or one whose size stat() can't tell
        yield Problem(name, _too_large(len(data), path.suffix.lower()))
        return
    if not data.strip():
        yield Problem(name, "the file is empty")
        return
    text = decode(data)
    suffix = path.suffix.lower()
    if suffix == ".json":
        result = _read_json(name, text)
    elif suffix in HTML_SUFFIXES:
        result = _read_html(name, text, path.stem)
    else:
        result = _read_text(name, text, path.stem)
    yield from result.problems
    yield from result.articles


def _refuse(path: Path) -> str | None:
    """Return why ``path`` can't be read as a file, without opening it (a FIFO would block)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"broken symbolic link: its target {os.readlink(path)} does not exist"
        return "cannot be read: no such file"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        return f"not a regular file ({kind}); only files are read"
    return None


def _too_large(size: int, suffix: str) -> str:
    limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
    hint = (
        "save the records as JSON Lines (.jsonl), one per line, which is read in a stream"
        if suffix == ".json"
        else "far larger than a news article; split it into one file per article, or use JSON Lines"
    )
    return f"the file is {size / (1024 * 1024):.0f} MB, over the {limit} MB limit for one document: {hint}"


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), else Windows-1252, else Latin-1: never drops text."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_text(name: str, text: str, stem: str) -> ReadResult:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    header = _HEADER.match(first)
    problems: list[Problem] = []
    if header:
        body = rest.strip()
        source = header["source"]
        published: str | None = None
        try:
            published = normalize(header["date"])
        except DateError as exc:
            problems.append(Problem(name, f"line 1: {exc}; indexed without a date", fatal=False))
        title = _title_from_body(body)
    else:
        body = text.strip()
        source = None
        published = None
        heading = first.strip().lstrip("#").strip()
        title = heading if 0 < len(heading) <= 200 else _title_from_stem(stem)
    if not body:
        return ReadResult([], [Problem(name, "no article text after the header")])
    article = Article(
        id=Article.make_id(body, source, published),
        title=title,
        body=body,
        source=source,
        published=published,
        path=name,
    )
    return ReadResult([article], problems)


def _iter_json_lines(name: str, head: bytes, stream: BinaryIO) -> Iterator[Article | Problem]:
    """Yield each line's article, or its problem; only one line is held in memory at a time."""
    records = 0
    number = 0
    for line in _lines(head, stream):
        number += 1
        if isinstance(line, int):
            records += 1
            yield Problem(f"{name}:{number}", f"line {number} is {line // (1024 * 1024)} MB long: not read")
            continue
        if not line.strip():
            continue
        records += 1
        where = f"{name}:{number}"
        try:
            record = json.loads(decode(line))
        except json.JSONDecodeError as exc:
            yield Problem(where, f"line {number} is not valid JSON: {exc.msg}")
            continue
        except RecursionError:  # json's parser recurses once per level of nesting
            yield Problem(where, f"line {number} is {_TOO_DEEP}")
            continue
        result = ReadResult([], [])
        _add_record(result, where, record)
        yield from result.problems
        yield from result.articles
    if records == 0:
        yield Problem(name, "the file is empty")


def _lines(head: bytes, stream: BinaryIO) -> Iterator[bytes | int]:
    """Yield the lines of ``head`` + ``stream``; a line over `MAX_LINE_BYTES` as its length."""
    pending = head
    while True:
        newline = pending.find(b"\n")
        if newline >= 0:
            yield pending[:newline]
            pending = pending[newline + 1 :]
            continue
        more = stream.readline(MAX_LINE_BYTES + 1 - len(pending))
        if not more:
            if pending:
                yield pending
            return
        pending += more
        if len(pending) > MAX_LINE_BYTES and not pending.endswith(b"\n"):
            length = len(pending)
            while True:  # skip the rest of the over-long line without holding it
                rest = stream.readline(1024 * 1024)
                length += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
            yield length
            pending = b""


def _read_json_lines(name: str, text: str) -> ReadResult:
    """Read JSON Lines held in memory (a small ``.json`` file of one record per line)."""
    result = ReadResult([], [])
    for item in _iter_json_lines(name, text.encode("utf-8"), io.BytesIO()):
        (result.articles if isinstance(item, Article) else result.problems).append(item)  # type: ignore[arg-type]
    return result


def _read_html(name: str, text: str, stem: str) -> ReadResult:
    from ingest.html import extract

    page = extract(text)
    if page is None:
        return ReadResult([], [Problem(name, "no article text found in the HTML")])
    article = Article(
        id=Article.make_id(page.text, page.site, page.published),
        title=page.title or _title_from_body(page.text) or _title_from_stem(stem),
        body=page.text,
        source=page.site,
        published=page.published,
        path=name,
    )
    return ReadResult([article], [])


def _read_json(name: str, text: str) -> ReadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # A .json file of one record per line is common enough to accept.
        if exc.msg == "Extra data":
            return _read_json_lines(name, text)
        return ReadResult([], [Problem(name, f"not valid JSON (line {exc.lineno}): {exc.msg}")])
    except RecursionError:
        return ReadResult([], [Problem(name, f"the JSON is {_TOO_DEEP}")])
    records = data if isinstance(data, list) else [data]
    result = ReadResult([], [])
    for number, record in enumerate(records, start=1):
        _add_record(result, f"{name}[{number}]", record)
    if not records:
        result.problems.append(Problem(name, "the file holds no records"))
    return result


def _add_record(result: ReadResult, where: str, record: Any) -> None:
    if not isinstance(record, dict):
        result.problems.append(Problem(where, "expected an object with a 'body' field"))
        return
    body = _first_text(record, ("body", "text", "content"))
    if not body:
        result.problems.append(Problem(where, "the record has no 'body' text"))
        return
    source = _first_text(record, ("source", "outlet", "publisher"))
    published = None
    raw_date = _first_text(record, ("published", "date", "published_at"))
    if raw_date:
        try:
            published = normalize(raw_date)
        except DateError as exc:
            result.problems.append(Problem(where, f"{exc}; indexed without a date", fatal=False))
    record_id = record.get("id")
    article_id = str(record_id) if record_id not in (None, "") else Article.make_id(body, source, published)
    result.articles.append(
        Article(
            id=article_id,
            title=_first_text(record, ("title", "headline")) or _title_from_body(body),
            body=body,
            source=source,
            published=published,
            url=_first_text(record, ("url", "link")),
            path=where,
        )
    )


def _first_text(record: dict[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _title_from_body(body: str) -> str:
    """Return the first sentence, shortened at a word boundary: header files have no title."""
    first = body.split("\n", 1)[0].strip()
    match = re.search(r"[.!?](?=\s|$)", first)
    if match and match.end() <= _TITLE_CHARS:
        return first[: match.end()]
    if len(first) <= _TITLE_CHARS:
        return first
    return first[:_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _title_from_stem(stem: str) -> str:
    return re.sub(r"[_-]+", " ", stem).strip() or stem


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Yield each file under the given files and folders, with whether to read it.

    Folders are walked recursively in name order, skipping hidden entries. A file named
    directly is always read; one found in a folder only when its suffix is supported
    (pipes, broken links and the like included, so that they are reported, not ignored).
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if not child.is_dir():
                    yield child, child.suffix.lower() in SUPPORTED_SUFFIXES
        else:
            yield path, True
