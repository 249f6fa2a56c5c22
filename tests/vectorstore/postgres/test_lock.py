"""The writers' advisory lock, with real processes: one writer at a time, named, freed at its death."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from ingest.locking import LockTimeout, holding
from tests.conftest import REPO
from tests.engines import Postgres
from vectorstore.postgres.database import Database, DatabaseAddress
from vectorstore.postgres.lock import AdvisoryLock

pytestmark = pytest.mark.slow

HOLDER = """
import sys, time
from ingest.locking import holding
from vectorstore.postgres.database import Database, DatabaseAddress
from vectorstore.postgres.lock import AdvisoryLock
lock = AdvisoryLock(Database(DatabaseAddress.parse(sys.argv[1])), sys.argv[2])
with holding(lock):
    print("held", flush=True)
    time.sleep(120)
"""


def test_one_writer_at_a_time_named_and_freed_when_its_holder_is_killed(postgres_server: Postgres) -> None:
    url = postgres_server.url()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, "locked-collection"],
        stdout=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        db = Database(DatabaseAddress.parse(url))
        lock = AdvisoryLock(db, "locked-collection")
        assert f"process {holder.pid} on " in lock.holder()
        assert AdvisoryLock(db, "another-collection").try_acquire(), "collections have locks of their own"
        told: list[str] = []
        with pytest.raises(LockTimeout) as refused, holding(lock, told.append, timeout=0.5):
            pass
        assert f"process {holder.pid}" in told[0] and "advisory lock" in told[0] and "127.0.0.1" in told[0]
        assert f"process {holder.pid}" in str(refused.value) and "NEWSQA_LOCK_TIMEOUT" in str(refused.value)
        assert "s3cret" not in told[0] + str(refused.value)
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        started = time.monotonic()
        with holding(lock, timeout=20):
            waited = time.monotonic() - started
            assert lock.holder().startswith(f"process {os.getpid()} on ")
        assert waited < 10, "PostgreSQL releases the lock when its session dies"
        assert lock.holder() == ""
        db.close()
    finally:
        holder.kill()
        holder.wait(timeout=30)
