"""Real engines for tests and benchmarks: PostgreSQL and a Chroma server on free ports of 127.0.0.1.

`postgres` runs Debian's PostgreSQL (``/usr/lib/postgresql/*/bin``) as the ``postgres`` user in a
folder of its own: ``initdb`` (password authentication over TCP), a role ``newsqa`` with a
password and a database ``newsqa``, then the server on a free port; `chroma` runs ``chroma
run``. Both always stop when the block ends. Where PostgreSQL can't run here (no binaries, not
root and not the postgres user, no postgres user), `postgres` raises `Unavailable` with the
reason, which the fixtures turn into a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "s3cret-pw-for-tests"
"""The ``newsqa`` role's password (tests check that it never shows in a message)."""
CHROMA = Path(sys.executable).with_name("chroma")


class Unavailable(RuntimeError):
    """The engine can't run on this machine; the message says why."""


@dataclass(frozen=True)
class Postgres:
    """A running PostgreSQL server and the ``newsqa`` database in it."""

    host: str
    port: int
    folder: Path

    def url(self, password: str = PASSWORD, database: str = "newsqa") -> str:
        """Return the URL newsqa connects with."""
        return f"postgresql+psycopg://newsqa:{password}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str, database: str = "newsqa") -> str:
        """Run SQL as the superuser through the server's Unix socket; return what psql printed."""
        return _as_postgres(
            [_binary("psql"), "-h", str(self.folder), "-p", str(self.port), "-d", database, "-v",
             "ON_ERROR_STOP=1", "-At", "-c", sql]
        )  # fmt: skip


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise Unavailable(
            f"PostgreSQL's {name} is absent (Debian's `postgresql` package: `apt-get install postgresql`)"
        )
    return found[-1]


def _as_postgres(command: list[str]) -> str:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])}... failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def _check_user() -> pwd.struct_passwd:
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("there is no `postgres` user to run PostgreSQL as") from None
    if os.geteuid() not in (0, user.pw_uid):
        raise Unavailable("PostgreSQL must run as the `postgres` user: run the tests as root or as postgres")
    return user


@contextmanager
def postgres(
    parent: Path | None = None, settings: tuple[str, ...] = ("fsync=off",), keep: Path | None = None
) -> Iterator[Postgres]:
    """Start PostgreSQL in a new folder (under ``parent``) on a free port; stop it and remove it at the end.

    ``settings`` are ``-c name=value`` server settings (tests run without fsync; a benchmark
    gives its memory). With ``keep``, the server lives in that folder, made on the first call
    and started again by later ones, and is kept at the end.
    """
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    user = _check_user()
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    folder = keep or Path(tempfile.mkdtemp(prefix="newsqa-pg-", dir=parent))
    os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    data, log = folder / "data", folder / "server.log"
    fresh = not (data / "PG_VERSION").exists()
    port = free_port()
    started = False
    try:
        if fresh:
            secret = folder / "pw"
            secret.write_text("postgres-admin\n", encoding="utf-8")
            os.chown(secret, user.pw_uid, user.pw_gid)
            _as_postgres(
                [initdb, "-D", str(data), "-U", "postgres", "--pwfile", str(secret), "--auth-local=trust",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
            )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}"
        options += "".join(f" -c {setting}" for setting in settings)
        _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "300", "start"])
        started = True
        server = Postgres("127.0.0.1", port, folder)
        if fresh:
            server.admin(f"CREATE ROLE newsqa LOGIN PASSWORD '{PASSWORD}'", "postgres")
            server.admin("CREATE DATABASE newsqa OWNER newsqa", "postgres")
        yield server
    finally:
        if started:
            try:
                mode = "immediate" if keep is None else "fast"
                _as_postgres([pg_ctl, "-D", str(data), "-m", mode, "-w", "-t", "300", "stop"])
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class ChromaServer:
    """A running ``chroma run`` and the process behind it."""

    host: str
    port: int
    process: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        """Return the settings that point newsqa at it."""
        return {"NEWSQA_CHROMA_HOST": self.host, "NEWSQA_CHROMA_PORT": str(self.port)}


@contextmanager
def chroma(path: Path) -> Iterator[ChromaServer]:
    """Start ``chroma run`` over ``path`` on a free port, wait for its heartbeat, stop it at the end."""
    if not CHROMA.exists():
        raise Unavailable(f"{CHROMA} is absent (it comes with the chromadb package)")
    port = free_port()
    process = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Chroma server did not start") from None
                time.sleep(0.3)
        yield ChromaServer("127.0.0.1", port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
