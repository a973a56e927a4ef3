"""A call run in a worker process that is killed when its time limit passes.

Why: :mod:`indexer.guards.deadline`'s alarm only works in a process's main thread. The live
preview renders in web request threads and ``kb serve --watch`` re-indexes in a
watcher thread; a thread cannot be stopped, so a render that outlives its budget there
would go on holding the CPU after we gave up on it. Here the work runs in a separate
process instead, which is killed (SIGKILL) when the limit passes and replaced on the
next call.

A worker is a fresh interpreter (``python -m indexer.guards.timed_process``, never a fork of a
threaded server, and unlike multiprocessing's ``spawn`` it does not re-run the
caller's ``__main__``), kept between calls so that only the first call and the first
after a kill pay for the start-up. It talks over a socket pair; when its parent dies
it reads end-of-file and exits.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from indexer.guards.deadline import Expired

T = TypeVar("T")

#: Idle workers kept for the next call; more run at once only while calls overlap.
MAX_IDLE = 2

_idle: list[_Worker] = []
_lock = threading.Lock()


def call(seconds: float, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a worker process; :class:`Expired` (and the worker killed) after ``seconds``.

    ``function`` must be importable by name and its arguments and result picklable.
    An exception it raises is raised here.
    """
    worker = _take()
    try:
        outcome, value = worker.run(seconds, function, args)
    except BaseException:
        worker.kill()
        raise
    _give_back(worker)
    if outcome == "error":
        raise value
    return value


def worker_pids() -> list[int]:
    """The idle workers' process ids (for tests: a killed worker is not among them)."""
    with _lock:
        return [w.process.pid for w in _idle]


def last_pid() -> int | None:
    """The process id of the worker that ran the latest call, killed or not (for tests)."""
    return _Worker.last_pid


class _Worker:
    last_pid: int | None = None

    def __init__(self) -> None:
        mine, theirs = socket.socketpair()
        with mine, theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "indexer.guards.timed_process", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},  # what we import
            )
            self.conn = Connection(mine.detach())

    def run(self, seconds: float, function: Callable, args: tuple) -> tuple[str, Any]:
        _Worker.last_pid = self.process.pid
        self.conn.send((function, args))
        if not self.conn.poll(seconds if seconds > 0 else None):
            raise Expired(seconds)
        try:
            return self.conn.recv()
        except EOFError:
            code = self.process.wait(timeout=10)
            raise RuntimeError(f"the worker process {self.process.pid} exited with status {code}") from None

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self.conn.close()


def _take() -> _Worker:
    with _lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.kill()
    return _Worker()


def _give_back(worker: _Worker) -> None:
    with _lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(worker)
            return
    worker.kill()


def _serve(conn: Connection) -> None:
    """The worker's loop: one call at a time until the parent closes the pipe."""
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", function(*args))
        except Exception as exc:  # given back to the caller, who raises it
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result or exception
            conn.send(("error", RuntimeError(f"{function.__name__}: {exc.__class__.__name__}: {exc}")))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server; we end with its pipe
    _serve(Connection(int(sys.argv[1])))
