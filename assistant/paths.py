"""The one object that knows the files and folders inside a store folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StorePaths:
    """Where each part of an embedded index lives inside ``NEWSQA_STORE_DIR``."""

    root: Path
    collection: str

    @property
    def chroma(self) -> Path:
        """The embedded Chroma store's folder (the store folder itself)."""
        return self.root

    @property
    def keywords(self) -> Path:
        """The SQLite file of the BM25 keyword index and the outlet vectors."""
        return self.root / f"{self.collection}-keywords.sqlite3"

    @property
    def records(self) -> Path:
        """The record manager's SQLite file: what is indexed (its writer lock sits beside it)."""
        return self.root / f"{self.collection}-records.sqlite3"

    @property
    def uploads(self) -> Path:
        """The folder uploaded files are saved in (always re-indexed)."""
        return self.root / "uploads"

    @property
    def remembered_sources(self) -> Path:
        """The list of folders, files and feeds added from the chat, to read again on re-indexing."""
        return self.root / f"{self.collection}-chat-sources.json"
