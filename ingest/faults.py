"""A test-only hook that kills the process at a named point of an indexing run.

``NEWSQA_TEST_CRASH_AT=stored:3`` sends SIGKILL to the process the third time it reaches the
point ``stored``. Crash-safety tests use it to stop a real ingest exactly there; unset (as
always outside tests), `crash_point` does nothing.
"""

from __future__ import annotations

import os
import signal

_VARIABLE = "NEWSQA_TEST_CRASH_AT"
_seen: dict[str, int] = {}

POINTS = ("stored", "recorded", "deleted")
"""``stored``: after a batch of vectors reached Chroma, before the keyword index;
``recorded``: after a batch was written and recorded, before its journal entry is cleared;
``deleted``: after chunks were deleted from the store, before their records."""


def crash_point(name: str) -> None:
    """Kill this process with SIGKILL if ``NEWSQA_TEST_CRASH_AT`` asks for this point now."""
    wanted = os.environ.get(_VARIABLE)
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
