"""The sources added from the chat (folders, files, feed URLs), remembered beside the store so
that `NewsAssistant.reindex` reads them again.

The list lives in ``StorePaths.remembered_sources`` (``STORE_DIR/<collection>-chat-sources.json``),
next to the record manager, so it follows the store it describes. The upload folder is always
re-indexed and is not listed. The file is replaced atomically, so a crash never leaves half a list.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ingest.feeds import is_url


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
        entry = source if is_url(source) else os.path.abspath(os.path.expanduser(source))
        sources = self.load()
        if entry in sources:
            return
        self._save([*sources, entry])

    def _save(self, sources: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.path.parent, prefix=".chat-sources-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"sources": sources}, out, ensure_ascii=False, indent=2)
        os.replace(name, self.path)
