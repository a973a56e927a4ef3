"""A time limit that really stops the work: SIGALRM interrupts the Python code in progress.

Why not a thread with a timeout: the thread would go on rendering after we gave up
on it, holding the CPU and the memory. The alarm raises :class:`Expired` inside the
running code, which unwinds it. Index builds, ``kb check`` and ``kb import`` run
their documents in a process's main thread (the pool and segment workers too), where
alarms work. Elsewhere (a web request thread of the live preview, the watcher thread
of ``kb serve --watch``) :func:`limit` does nothing: :func:`indexer.documents.render.render`
asks :func:`available` and runs the work in a worker process of
:mod:`indexer.guards.timed_process` instead, which is killed when the limit passes.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Expired(BaseException):
    """The time limit passed while the work was running.

    A BaseException, so that no broad ``except Exception`` in a library swallows it.
    """

    def __init__(self, seconds: float):
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


def available() -> bool:
    """Whether a limit can be applied here (a main thread on a system with SIGALRM, no other alarm set)."""
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    )


@contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Expired` in the block once it has run ``seconds`` (no limit where unavailable:
    see :mod:`indexer.guards.timed_process`)."""
    if seconds <= 0 or not available():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise Expired(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
