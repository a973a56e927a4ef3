"""Test-only crash hook: ``KB_TEST_CRASH_AT=<point>[:<n>]`` makes the process kill itself with
SIGKILL the n-th time (default 1) it reaches ``<point>``.

Why: a build killed at a chosen step (between writing segments and committing, between
committing and publishing, ...) is how tests/test_crash.py proves that a reader
always finds a complete index and the next build cleans up. Unset, it costs one
dictionary lookup per call. Never set it outside tests.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

SETTING = "KB_TEST_CRASH_AT"
_reached: Counter[str] = Counter()


def reached(point: str) -> None:
    """Mark ``point``; die here when the hook names it and this is its n-th time."""
    spec = os.environ.get(SETTING)
    if not spec:
        return
    name, _, times = spec.partition(":")
    if name != point:
        return
    _reached[point] += 1
    if _reached[point] == (int(times) if times.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)
