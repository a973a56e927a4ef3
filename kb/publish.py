"""Git push to published: pull the content repository and re-index, one build at a time, never a publish lost.

A push webhook asks for an update and is answered at once; before it answers,
the request is recorded durably: a *pending marker* beside the index folder
(``/srv/kb/index.publish-pending`` for ``/srv/kb/index``: on the host that builds,
never inside the folder that replicas mount or rsync), written atomically. The
work then runs on a background thread of the worker that took the hook; requests
that arrive during a build are folded into one more run after it (the pull then
fetches everything pushed meanwhile), never a parallel one. Across processes
(several gunicorn workers, ``kb publish``) a lock file in the index folder
serialises the builds.

The marker is removed only after the pull and the re-index succeeded, and only if no
hook came meanwhile. So whoever is alive finishes a publish whose worker was
recycled, restarted or killed: the next web worker to start (:func:`resume`), or
``kb publish`` (cron, a systemd timer), which also pulls when no hook came. A
failure is logged, naming what ran and what failed, and the marker stays for the
next try. A host whose index folder is read-only never builds. No Flask here.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from indexer import pipeline
from indexer.errors import KbError
from indexer.generation import storage

log = logging.getLogger("kb.publish")

GIT_TIMEOUT = 300  # seconds a pull may take before the run gives up
LOCK_FILE = ".publish.lock"  # in the index folder: one publish at a time
LOCK_WAIT = 900  # seconds a publish waits for another one to finish before leaving its work to the next try
PENDING_SUFFIX = ".publish-pending"  # beside the index folder: index -> index.publish-pending


class PublishError(KbError, RuntimeError):
    """A pull or a re-index failed (diverged history, no remote, a full disk, ...); the message says which."""


class PublishBusy(PublishError):
    """Another publish held the lock for longer than the wait."""


def pull(content_dir: Path) -> str:
    """Fast-forward the repository that holds ``content_dir``; returns git's output."""
    done = subprocess.run(
        ["git", "-C", str(content_dir), "pull", "--ff-only", "--quiet"],
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},  # never wait for a password nobody will type
    )
    if done.returncode != 0:
        raise PublishError((done.stderr or done.stdout).strip() or f"git pull exited with {done.returncode}")
    return done.stdout


# -- the pending marker ---------------------------------------------------------------------


def pending_marker(index_dir: Path) -> Path:
    """Where a requested publish is recorded until it succeeded: ``<index folder>.publish-pending``."""
    index_dir = Path(os.path.abspath(index_dir))
    return index_dir.with_name(index_dir.name + PENDING_SUFFIX)


def can_publish(index_dir: Path) -> bool:
    """False on a host that cannot write the index folder or the marker beside it (a read-only mount)."""
    marker = pending_marker(index_dir)
    index_dir = marker.with_name(marker.name.removesuffix(PENDING_SUFFIX))
    writable = os.access(marker.parent, os.W_OK)
    return writable and (not index_dir.exists() or os.access(index_dir, os.W_OK))


def mark_pending(index_dir: Path, source: str) -> str:
    """Record that a publish is wanted (atomically, synced to disk); returns the record written."""
    marker = pending_marker(index_dir)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    record = json.dumps({"id": uuid.uuid4().hex, "asked": now, "by": source, "pid": os.getpid()})
    with _marker_lock(marker):
        _write_atomically(marker, record + "\n")
    return record + "\n"


def read_pending(index_dir: Path) -> str | None:
    """The pending record, or None when no publish is pending."""
    try:
        return pending_marker(index_dir).read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return None


def clear_pending(index_dir: Path, record: str) -> bool:
    """Remove the marker if it still holds ``record``: a hook that came during the run keeps its own."""
    marker = pending_marker(index_dir)
    with _marker_lock(marker):
        if read_pending(index_dir) != record:
            return False
        marker.unlink()
        _sync_folder(marker.parent)
    return True


@contextmanager
def _marker_lock(marker: Path) -> Iterator[None]:
    """Held for the instant of a write or a compare-and-remove, so the two never interleave."""
    fd = os.open(marker.with_name(marker.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- one publish ----------------------------------------------------------------------------


def publish_lock(index_dir: Path, wait: float = LOCK_WAIT):
    """One publish at a time across processes; :class:`PublishBusy` after ``wait`` seconds."""
    return storage.waiting_lock(
        index_dir / LOCK_FILE,
        wait,
        lambda: PublishBusy(
            f"another publish has held {index_dir / LOCK_FILE} for {wait:.0f} s; "
            f"what is pending ({pending_marker(index_dir)}) is left to the next try"
        ),
    )


def publish(
    content_dir: Path,
    index_dir: Path,
    build_options: dict | None = None,
    *,
    always: bool = False,
    wait: float = LOCK_WAIT,
) -> pipeline.IndexSummary | None:
    """Pull and re-index when a publish is pending (or ``always``); None when there was nothing to do.

    Removes the pending marker only after both succeeded; :class:`PublishError` names the step
    that failed and leaves the marker for the next try.
    """
    content_dir, index_dir = Path(content_dir), Path(index_dir)
    with publish_lock(index_dir, wait):
        record = read_pending(index_dir)  # read before the pull: a hook after this keeps its marker
        if record is None and not always:
            return None  # another process published since the request was made
        kept = f"the index is left as it was and the publish stays pending ({pending_marker(index_dir)})"
        step = f"git pull --ff-only in {content_dir}"
        try:
            pull(content_dir)
            step = f"re-indexing {content_dir} into {index_dir}"
            summary = pipeline.build(content_dir, index_dir, **(build_options or {}))
        except (PublishError, pipeline.BuildFailed, OSError, subprocess.SubprocessError) as error:
            kept = kept if record is not None else "the index is left as it was"
            raise PublishError(f"{step} failed: {error}; {kept}") from None
        if record is not None:
            clear_pending(index_dir, record)
    return summary


# -- in the web app: a background thread, requests coalesced ---------------------------------


@dataclass
class Outcome:
    ok: bool
    message: str


class Publisher:
    """Runs ``job`` on a background thread whenever asked, coalescing requests that come during a run."""

    def __init__(self, job: Callable[[], str]):
        self._job = job
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = False
        self._running = False
        self.runs = 0
        self.last: Outcome | None = None

    def request(self) -> bool:
        """Ask for a run; True when a new run was started, False when it joins the next one."""
        with self._lock:
            self._pending = True
            if self._running:
                return False
            self._running = True
        threading.Thread(target=self._loop, name="kb-publish", daemon=True).start()
        return True

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    self._idle.notify_all()
                    return
                self._pending = False
            try:
                self.last = Outcome(True, self._job())
            except PublishError as error:  # logged, naming the step; the marker stays for the next try
                log.error("publishing failed: %s", error)
                self.last = Outcome(False, str(error))
            except Exception as error:  # a bug: the trace helps; the marker stays all the same
                log.exception("publishing failed unexpectedly; the publish stays pending for the next try")
                self.last = Outcome(False, f"{type(error).__name__}: {error}")
            self.runs += 1

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no run is pending or running (for tests and shutdown)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)


def content_publisher(content_dir: Path, index_dir: Path, build_options: dict | None = None) -> Publisher:
    """A Publisher that, when a publish is pending, pulls ``content_dir`` and updates ``index_dir``."""

    def job() -> str:
        summary = publish(content_dir, index_dir, build_options)
        if summary is None:
            return "nothing pending"
        for problem in summary.problems:
            log.warning("%s", problem)
        log.info("published: %s", summary.line())
        return summary.line()

    return Publisher(job)


def resume(publisher: Publisher, index_dir: Path) -> bool:
    """At start-up: run a publish left pending by a worker that was recycled, restarted or killed."""
    if read_pending(index_dir) is None:
        return False
    if not can_publish(index_dir):
        log.info("a publish is pending, but %s is read-only here: the building host publishes it", index_dir)
        return False
    log.info("resuming the publish left pending in %s", pending_marker(index_dir))
    publisher.request()
    return True
