"""Saving uploaded files inside the store's upload folder, under safe names (the chat and the service)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ingest.pipeline import Failure
from ingest.readers import SUPPORTED_SUFFIXES

MAX_UPLOAD_MB = 50
"""Largest upload; the chat's launcher (`ui.__main__`) gives Streamlit the same ``server.maxUploadSize``."""
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
UPLOAD_TYPES = sorted(suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(ValueError):
    """An upload that is refused; the message names the file and the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def safe_name(name: str) -> str:
    """Return a file name with no directory part and only safe characters."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip("._") or "upload"
    return cleaned[:120]


def check_size(name: str, size: int) -> None:
    """Raise `UploadError` if an upload of ``size`` bytes is over the limit."""
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(
            name,
            f"{size / 1024 / 1024:.0f} MB is over the {MAX_UPLOAD_MB} MB limit; split it, or give its "
            "folder instead",
        )


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write an uploaded file into ``folder`` and return its path; never outside it."""
    cleaned = safe_name(name)
    if Path(cleaned).suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UploadError(name, f"not an article file; upload one of {kinds}")
    check_size(name, len(data))
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / cleaned).resolve()
    if target.parent != folder.resolve():
        raise UploadError(name, "refused, the name points outside the upload folder")
    target.write_bytes(data)
    return target


def save_uploads(folder: Path, files: Iterable[tuple[str, bytes]]) -> tuple[list[Path], list[Failure]]:
    """Save each ``(name, data)`` upload; return the paths saved and the uploads refused, with why."""
    saved: list[Path] = []
    refused: list[Failure] = []
    for name, data in files:
        # Two uploads whose names clean to the same one must not overwrite each other.
        cleaned = Path(safe_name(name))
        count = 1
        while folder.resolve() / cleaned in saved:
            count += 1
            cleaned = cleaned.with_stem(f"{Path(safe_name(name)).stem}-{count}")
        try:
            saved.append(save_upload(folder, str(cleaned), data))
        except UploadError as exc:
            refused.append(Failure(name, exc.reason))
    return saved, refused
