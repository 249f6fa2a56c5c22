"""The writers' lock of a store whose state is in PostgreSQL: a session advisory lock.

``pg_try_advisory_lock`` on a connection of its own, held for the whole indexing run: one
writer at a time on every machine that reaches the database, and PostgreSQL releases the lock
when the session ends, however it ends (a process killed with SIGKILL closes its socket; for
a machine that vanishes, the server's ``tcp_keepalives_*`` settings bound how long it takes).
The holder writes who it is into ``newsqa_lock_holder``; a waiting run reads it, trusting it
only while ``pg_locks`` shows that session holding the lock. It implements
`ingest.locking.WriterLock`, so the write path waits on it as on the embedded store's ``flock``.
"""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from ingest.locking import describe_holder, this_process
from vectorstore.postgres.database import SCHEMA_LOCK, describe_failure

if TYPE_CHECKING:
    import psycopg

    from vectorstore.postgres.database import Database

NAMESPACE = 0x6E657773 & 0x7FFFFFFF
"""First key of newsqa's advisory locks ("news"); the second names the collection."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS newsqa_lock_holder (
    lock_key integer PRIMARY KEY,
    backend_pid integer NOT NULL,
    holder jsonb NOT NULL
)
"""


def lock_key(collection: str) -> int:
    """Return the advisory lock key of a collection (a non-negative 32-bit integer)."""
    return zlib.crc32(collection.encode("utf-8")) & 0x7FFFFFFF


class AdvisoryLock:
    """One collection's writer lock: a PostgreSQL session advisory lock."""

    def __init__(self, db: Database, collection: str) -> None:
        self.db = db
        self.key = lock_key(collection)
        self.where = f"advisory lock {NAMESPACE},{self.key} in the PostgreSQL database at {db.place}"
        self._session: psycopg.Connection[Any] | None = None
        self._waiting: psycopg.Connection[Any] | None = None
        """The session a waiting run tries with, kept between tries rather than opened for each."""
        with db.transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            cur.execute(_SCHEMA)

    def try_acquire(self) -> bool:
        """Take the lock if no session holds it, on a connection kept until `release`."""
        session, self._waiting = self._waiting, None
        if session is None or session.closed:
            session = self.db.connect()
        try:
            taken = session.execute("SELECT pg_try_advisory_lock(%s, %s)", (NAMESPACE, self.key)).fetchone()
            if not taken or not taken[0]:
                self._waiting = session
                return False
            session.execute(
                "INSERT INTO newsqa_lock_holder VALUES (%s, pg_backend_pid(), %s::jsonb) "
                "ON CONFLICT (lock_key) DO UPDATE SET backend_pid = excluded.backend_pid, "
                "holder = excluded.holder",
                (self.key, json.dumps(this_process())),
            )
        except BaseException as exc:
            session.close()
            import psycopg

            if isinstance(exc, psycopg.OperationalError):
                raise describe_failure(self.db.address, exc) from None
            raise
        self._session = session
        return True

    def release(self) -> None:
        """Release the lock and close its session (closing alone would release it too)."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.execute("DELETE FROM newsqa_lock_holder WHERE lock_key = %s", (self.key,))
            session.execute("SELECT pg_advisory_unlock(%s, %s)", (NAMESPACE, self.key))
        except Exception:  # the session broke: PostgreSQL has released the lock with it
            pass
        finally:
            session.close()

    def holder(self) -> str:
        """Describe the run holding the lock, if the session that holds it says who it is."""
        with self.db.cursor() as cur:
            cur.execute(
                "SELECT h.holder FROM newsqa_lock_holder h JOIN pg_locks l ON l.pid = h.backend_pid "
                "AND l.locktype = 'advisory' AND l.granted AND l.classid = %s::oid AND l.objid = %s::oid "
                "AND l.objsubid = 2 WHERE h.lock_key = %s",
                (NAMESPACE, self.key, self.key),
            )
            row = cur.fetchone()
        return describe_holder(json.dumps(row[0])) if row else ""
