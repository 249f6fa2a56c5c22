"""The sources added from the chat (folders, files, feed URLs), remembered with the store so
that `NewsAssistant.reindex` reads them again.

The embedded store keeps the list in ``StorePaths.remembered_sources``
(``STORE_DIR/<collection>-chat-sources.json``), next to the record manager, so it follows the
store it describes; the file is replaced atomically, so a crash never leaves half a list. A
store whose state is in PostgreSQL keeps it in a table there (`SharedSourceList` over
`vectorstore.postgres.sources.PgSourceList`), so that every replica reads the same list. The
upload folder is always re-indexed and is not listed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol

from ingest.feeds import is_url


class RememberedSources(Protocol):
    """Where the chat's sources are remembered."""

    def load(self) -> list[str]:
        """Return the remembered sources, in the order they were added."""
        ...

    def remember(self, source: str) -> None:
        """Add a folder, file (stored as an absolute path) or feed URL, once."""
        ...


class SourceTable(Protocol):
    """A table of remembered sources in a database (`vectorstore.postgres.sources.PgSourceList`)."""

    def load(self) -> list[str]:
        """Return the sources, in the order they were added."""
        ...

    def add(self, entry: str) -> None:
        """Add one source, once."""
        ...


def entry(source: str) -> str:
    """Return a source as it is remembered: a feed URL as it is, a path made absolute."""
    return source if is_url(source) else os.path.abspath(os.path.expanduser(source))


class SharedSourceList:
    """The chat's sources in a database table, shared by every process using the store."""

    def __init__(self, table: SourceTable) -> None:
        self.table = table

    def load(self) -> list[str]:
        """Return the remembered sources."""
        return self.table.load()

    def remember(self, source: str) -> None:
        """Add a folder, file (stored as an absolute path) or feed URL, once."""
        self.table.add(entry(source))


class SourceList:
    """Folders, files and feed URLs added from the chat, in the order they were added."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> list[str]:
        """Return the remembered sources; an unreadable list counts as empty."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        items = data.get("sources", []) if isinstance(data, dict) else []
        return [item for item in items if isinstance(item, str) and item]

    def remember(self, source: str) -> None:
        """Add a folder, file (stored as an absolute path) or feed URL, once."""
        remembered = entry(source)
        sources = self.load()
        if remembered in sources:
            return
        self._save([*sources, remembered])

    def _save(self, sources: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=".chat-sources-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"sources": sources}, out, ensure_ascii=False, indent=2)
        os.replace(name, self.path)
