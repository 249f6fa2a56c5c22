"""A PostgreSQL database named by a URL: connections per thread, transactions, clear errors.

The URL (``NEWSQA_DATABASE_URL``, e.g. ``postgresql+psycopg://newsqa:PASSWORD@db:5432/newsqa``)
may hold a password, so it is never shown: messages name the host and port only. Every
failure to reach the server, or a refusal of the credentials, becomes a `DatabaseError` that
says which, and what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vectorstore.chroma import StoreError

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import URL, Engine

_DRIVERS = ("postgresql", "postgres")
CONNECT_TIMEOUT = 10
"""Seconds to wait for the server to answer a new connection."""
SCHEMA_LOCK = 7_150_015
"""Advisory lock held while creating tables, so that processes starting together don't race."""


class DatabaseError(StoreError):
    """The database is down, refuses us, or failed a query; the message names its host and port."""


@dataclass(frozen=True)
class DatabaseAddress:
    """Where the database is and how to log in, parsed from its URL; the password stays hidden."""

    host: str
    port: int
    database: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    options: dict[str, str] = field(default_factory=dict)
    """The URL's query parameters (``sslmode=require``, ...), passed to libpq as they are."""

    @classmethod
    def parse(cls, url: str) -> DatabaseAddress:
        """Parse a ``postgresql[+psycopg]://USER:PASSWORD@HOST:PORT/DATABASE`` URL."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url.strip())
        except (ArgumentError, ValueError):
            parsed = None
        if parsed is None or parsed.drivername.split("+")[0] not in _DRIVERS or not parsed.database:
            raise DatabaseError(
                "NEWSQA_DATABASE_URL is not a PostgreSQL URL: give it as "
                "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE (the URL is not shown here, "
                "since it may hold a password)."
            )
        options = {key: str(value) for key, value in parsed.query.items() if isinstance(value, str)}
        return cls(
            host=parsed.host or "localhost",
            port=int(parsed.port or 5432),
            database=parsed.database,
            user=parsed.username,
            password=parsed.password if isinstance(parsed.password, str) else None,
            options=options,
        )

    @property
    def place(self) -> str:
        """``host:port``, for messages (never the user's password)."""
        return f"{self.host}:{self.port}"

    def connect_args(self) -> dict[str, Any]:
        """Return the keyword arguments for `psycopg.connect`."""
        args: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "dbname": self.database,
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": "newsqa",
            **self.options,
        }
        if self.user:
            args["user"] = self.user
        if self.password is not None:
            args["password"] = self.password
        return args

    def sqlalchemy_url(self) -> URL:
        """Return the URL SQLAlchemy connects with (LangChain's record manager), on psycopg 3."""
        from sqlalchemy.engine import URL

        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=self.database,
            query=self.options,
        )

    def identity(self) -> str:
        """Return a short stable name of this database (host, port, name), for lock keys and caches."""
        return hashlib.sha256(f"{self.host}:{self.port}/{self.database}".encode()).hexdigest()[:16]


def describe_failure(address: DatabaseAddress, exc: BaseException) -> DatabaseError:
    """Turn a driver's error into a message naming the server and what to do (no password)."""
    text = str(exc).strip()
    if address.password:
        text = text.replace(address.password, "***")
    lowered = text.lower()
    if (
        "password authentication failed" in lowered
        or "no password supplied" in lowered
        or ("authentication failed" in lowered)
    ):
        who = f"user {address.user!r}" if address.user else "the user given"
        return DatabaseError(
            f"the PostgreSQL database at {address.place} refused the credentials of {who}: check the "
            "user name and password in NEWSQA_DATABASE_URL."
        )
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseError(
            f"the PostgreSQL server at {address.place} has no database {address.database!r}: create it "
            f"(`createdb {address.database}`) or fix NEWSQA_DATABASE_URL."
        )
    reason = _last_line(text) or type(exc).__name__
    return DatabaseError(
        f"cannot reach the PostgreSQL database at {address.place} ({reason}). Check that it is "
        "running and that NEWSQA_DATABASE_URL names it, or unset NEWSQA_DATABASE_URL to keep the "
        "index in NEWSQA_STORE_DIR."
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # libpq says "connection to server at "h" (addr), port p failed: REASON", then a hint.
    for line in lines:
        if "failed:" in line:
            return line.rsplit("failed:", 1)[1].strip()
    return lines[0] if lines else ""


class Database:
    """One PostgreSQL database: a connection per thread, transactions, and the SQLAlchemy engine.

    Reads run in autocommit on the calling thread's connection, so searches in several threads
    run side by side; `transaction` runs a block in one transaction. A connection that breaks
    is dropped, and the next call opens a new one.
    """

    def __init__(self, address: DatabaseAddress) -> None:
        self.address = address
        self._local = threading.local()
        self._connections: list[psycopg.Connection[Any]] = []
        self._guard = threading.Lock()
        self._engine: Engine | None = None

    @property
    def place(self) -> str:
        """``host:port`` of the server, for messages."""
        return self.address.place

    def connect(self, autocommit: bool = True) -> psycopg.Connection[Any]:
        """Open a new connection; raise `DatabaseError` naming the server if that fails."""
        import psycopg

        try:
            return psycopg.connect(autocommit=autocommit, **self.address.connect_args())
        except psycopg.Error as exc:
            raise describe_failure(self.address, exc) from None

    def check(self) -> None:
        """Raise `DatabaseError` unless the database answers."""
        with self.cursor() as cur:
            cur.execute("SELECT 1")

    def _connection(self) -> psycopg.Connection[Any]:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = self.connect()
            self._local.connection = connection
            with self._guard:
                self._connections.append(connection)
        return connection

    @contextmanager
    def cursor(self) -> Iterator[psycopg.Cursor[Any]]:
        """Yield a cursor of this thread's connection, in autocommit (each statement on its own)."""
        with self._failures(), self._connection().cursor() as cur:
            yield cur

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Cursor[Any]]:
        """Yield a cursor inside one transaction: committed when the block ends, rolled back on error."""
        with self._failures():
            connection = self._connection()
            with connection.transaction(), connection.cursor() as cur:
                yield cur

    @contextmanager
    def _failures(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            self._drop()
            raise describe_failure(self.address, exc) from None

    def _drop(self) -> None:
        """Forget this thread's connection (broken): the next call connects again."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken; nothing to release
                connection.close()

    @contextmanager
    def schema_lock(self) -> Iterator[None]:
        """Hold the schema lock (a session advisory lock) for a block that creates tables elsewhere."""
        session = self.connect()
        try:
            with self._failures():
                session.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            yield
        finally:
            session.close()  # ends the session, and the lock with it

    def engine(self) -> Engine:
        """Return the SQLAlchemy engine on this database (for LangChain's `SQLRecordManager`)."""
        if self._engine is None:
            from sqlalchemy import create_engine

            self._engine = create_engine(
                self.address.sqlalchemy_url(),
                pool_pre_ping=True,
                connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "newsqa"},
            )
        return self._engine

    def close(self) -> None:
        """Close every connection this object opened."""
        with self._guard:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        if self._engine is not None:
            self._engine.dispose()


def table_prefix(collection: str) -> str:
    """Return the prefix of a collection's tables: its name, shortened with a hash if long."""
    if len(collection.encode("utf-8")) <= 40:
        return collection
    return collection[:24] + "_" + hashlib.sha256(collection.encode("utf-8")).hexdigest()[:10]
