"""The sources added from the chat (folders, files, feed URLs), remembered in PostgreSQL.

The embedded store keeps them in a JSON file beside its records (`assistant.sources.SourceList`);
with the state in PostgreSQL every replica must see the same list, so it is a table:
``<collection>_chat_source``, in the order the sources were added, each once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vectorstore.postgres.database import SCHEMA_LOCK

if TYPE_CHECKING:
    from vectorstore.postgres.database import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    position bigserial PRIMARY KEY,
    source text NOT NULL UNIQUE
)
"""


class PgSourceList:
    """Folders, files and feed URLs added from the chat, in a table of the store's database."""

    def __init__(self, db: Database, prefix: str) -> None:
        from psycopg import sql

        self.db = db
        self._table = sql.Identifier(f"{prefix}_chat_source")
        with db.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            cur.execute(self._sql(_SCHEMA))

    def _sql(self, text: str, **more: Any) -> Any:
        from psycopg import sql

        return sql.SQL(text).format(table=self._table, **more)

    def load(self) -> list[str]:
        """Return the remembered sources, in the order they were added."""
        with self.db.cursor() as cur:
            cur.execute(self._sql("SELECT source FROM {table} ORDER BY position"))
            return [row[0] for row in cur.fetchall()]

    def add(self, entry: str) -> None:
        """Remember one source (already made absolute), once."""
        with self.db.cursor() as cur:
            cur.execute(
                self._sql("INSERT INTO {table} (source) VALUES (%s) ON CONFLICT DO NOTHING"), (entry,)
            )
