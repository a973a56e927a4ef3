"""Worker processes, started one way for the whole indexer.

Every part that spreads work over cores (preparing documents, writing segments, ranking
related documents, writing lemma tables) starts its workers here, so all of them:

* are forked: a worker inherits what the parent has loaded (simplemma's rules, the lemma
  dictionaries, the glossary tagger) instead of loading it again;
* die with the build that started them, even when it is killed (:func:`die_with_parent`);
* fail instead of hanging when one of them dies: :class:`WorkerFailed`, never a wait for ever.

A pool (:func:`map_in_workers`) runs a function over jobs; :class:`Workers` runs long-lived
processes that stream messages back on one queue (indexer.build.segments).

This module sits below text/, documents/, build/ and generation/: it imports nothing of the indexer.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from indexer.errors import KbError

#: How workers start (see the module's docstring).
START_METHOD = "fork"
#: Seconds between checks that every worker of :class:`Workers` is still alive.
POLL_SECONDS = 1.0


class WorkerFailed(KbError, RuntimeError):
    """A worker process stopped with an error (its traceback is the message) or was killed."""


def default_workers() -> int:
    """How many processes to use when the caller does not say (``index.workers``): one per core."""
    return os.cpu_count() or 1


def in_worker() -> bool:
    """Whether this process is a worker (a daemon process, which may not start workers of its own)."""
    return multiprocessing.current_process().daemon


def die_with_parent(parent: int) -> None:
    """In a worker: be killed when the build that started it dies (even by SIGKILL), not linger.

    Linux's PR_SET_PDEATHSIG; elsewhere nothing. ``parent`` is the build's pid, for the
    case that it died before this call.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def _context():
    return multiprocessing.get_context(START_METHOD)


def _start_worker(parent: int, initializer: Callable | None, initargs: tuple) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def map_in_workers(
    function: Callable,
    jobs: Iterable,
    *,
    processes: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
) -> Iterator:
    """``function(job)`` of every job, in order, computed by ``processes`` workers.

    ``initializer(*initargs)`` runs once in each worker (what every job needs: the glossary
    tagger, an open index). An executor, not a ``multiprocessing.Pool``: a worker that dies
    (killed, out of memory) breaks it at once, where a Pool waits for that worker's job for
    ever; that is :class:`WorkerFailed` here.
    """
    try:
        with ProcessPoolExecutor(
            processes,
            mp_context=_context(),
            initializer=_start_worker,
            initargs=(os.getpid(), initializer, initargs),
        ) as pool:
            yield from pool.map(function, jobs)
    except BrokenProcessPool as exc:
        raise WorkerFailed(f"a worker process stopped before finishing its work ({exc})") from exc


class Workers:
    """Long-lived worker processes that send ``(kind, payload)`` messages back on one queue.

    Each runs ``target(*args, send)``; when it returns, ``("done", None)`` is sent for it, and
    an exception in it is sent as ``("error", traceback)``. :meth:`messages` yields the other
    messages until every worker is done, and raises :class:`WorkerFailed` for an error, a worker
    killed, or every worker gone silent. Leaving the ``with`` block kills what still runs.
    """

    def __init__(self, name: str = "worker"):
        self.name = name
        self._context = _context()
        self._results = self._context.Queue()
        self._processes: list = []

    def queue(self):
        """A queue the workers can read (made before they start)."""
        return self._context.Queue()

    def start(self, target: Callable, each_args: Sequence[tuple]) -> None:
        """One worker per item of ``each_args``, each running ``target(*args, send)``."""
        parent = os.getpid()
        for args in each_args:
            process = self._context.Process(target=_run, args=(target, args, self._results, parent), daemon=True)
            self._processes.append(process)
            process.start()

    def messages(self) -> Iterator[tuple[str, object]]:
        finished, quiet, workers = 0, 0, self._processes
        while finished < len(workers):
            killed = [worker.exitcode for worker in workers if worker.exitcode not in (None, 0)]
            if killed:  # its jobs are lost, and it may have died holding a queue's lock
                raise WorkerFailed(f"an {self.name} stopped (exit code {killed[0]}) before finishing its work")
            try:
                kind, payload = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                quiet = quiet + 1 if not any(worker.is_alive() for worker in workers) else 0
                if quiet > 1:  # every worker gone and nothing left in the queue
                    raise WorkerFailed(f"an {self.name} exited without finishing its work") from None
                continue
            if kind == "error":
                raise WorkerFailed(payload)
            if kind == "done":
                finished += 1
            else:
                yield kind, payload
        for worker in workers:
            worker.join()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        for worker in self._processes:
            if worker.is_alive():
                worker.kill()
                worker.join()


def _run(target: Callable, args: tuple, results, parent: int) -> None:
    die_with_parent(parent)
    try:
        target(*args, results.put)
        results.put(("done", None))
    except BaseException:  # report everything: the parent must never wait for ever
        results.put(("error", traceback.format_exc()))
