"""Saving uploaded files inside the store's upload folder, under safe names."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.readers import SUPPORTED_SUFFIXES

MAX_UPLOAD_MB = 50
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(ValueError):
    """An upload that is refused; the message names the file and the reason."""


def safe_name(name: str) -> str:
    """Return a file name with no directory part and only safe characters."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write an uploaded file into ``folder`` and return its path; never outside it."""
    cleaned = safe_name(name)
    if Path(cleaned).suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(f"{name}: not an article file; upload one of {kinds}")
    if len(data) > MAX_UPLOAD_BYTES:
        size = len(data) / 1024 / 1024
        raise UploadError(f"{name}: {size:.0f} MB is over the {MAX_UPLOAD_MB} MB limit")
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / cleaned).resolve()
    if target.parent != folder.resolve():
        raise UploadError(f"{name}: refused, the name points outside the upload folder")
    target.write_bytes(data)
    return target
