"""Reading article files: the header format, plain text and Markdown, JSON Lines and JSON.

Every reader returns what it could read plus a `Problem` for each part it could not, so one
bad line or file never stops the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.dates import DateError, normalize
from ingest.records import Article

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
JSON_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSON_SUFFIXES

# ` date 2020-03 Fast News`: optional leading space, the word date, a date, the outlet.
_HEADER = re.compile(r"^[ \t]?date[ \t]+(?P<date>\S+)[ \t]+(?P<source>\S.*?)\s*$", re.IGNORECASE)
_TITLE_CHARS = 120


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
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return ReadResult([], [Problem(name, f"cannot be read: {reason}")])
    if not data.strip():
        return ReadResult([], [Problem(name, "the file is empty")])
    if b"\x00" in data[:8192]:
        return ReadResult([], [Problem(name, "binary file, not text (expected .txt, .md, .jsonl or .json)")])
    text = decode(data)
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return _read_json_lines(name, text)
    if suffix == ".json":
        return _read_json(name, text)
    return _read_text(name, text, path.stem)


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


def _read_json_lines(name: str, text: str) -> ReadResult:
    result = ReadResult([], [])
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(Problem(where, f"line {number} is not valid JSON: {exc.msg}"))
            continue
        _add_record(result, where, record)
    if not result.articles and not result.problems:
        result.problems.append(Problem(name, "the file holds no records"))
    return result


def _read_json(name: str, text: str) -> ReadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # A .json file of one record per line is common enough to accept.
        if exc.msg == "Extra data":
            return _read_json_lines(name, text)
        return ReadResult([], [Problem(name, f"not valid JSON (line {exc.lineno}): {exc.msg}")])
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
    directly is always read; one found in a folder only when its suffix is supported.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if child.is_file() or child.is_symlink():
                    yield child, child.suffix.lower() in SUPPORTED_SUFFIXES
        else:
            yield path, True
