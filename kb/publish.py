"""Git push to published: pull the content repository and re-index, one build at a time.

A push webhook asks for an update and is answered at once; the work runs on a
background thread. Requests that arrive during a build are folded into one more
run after it (the pull then fetches everything pushed meanwhile), never a
parallel one. Across processes (several gunicorn workers) a lock file in the
index folder serialises the builds as well. No Flask here.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer import pipeline

log = logging.getLogger("kb.publish")

GIT_TIMEOUT = 300  # seconds a pull may take before the run gives up
LOCK_FILE = ".publish.lock"


class PublishError(RuntimeError):
    """``git pull --ff-only`` failed (diverged history, no remote, ...); the index is left as it is."""


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
            except Exception as error:  # a failed run is logged; the next push tries again
                log.exception("publishing failed")
                self.last = Outcome(False, str(error))
            self.runs += 1

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no run is pending or running (for tests and shutdown)."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._running, timeout)


def content_publisher(content_dir: Path, index_dir: Path, build_options: dict | None = None) -> Publisher:
    """A Publisher that pulls ``content_dir`` and updates the index in ``index_dir`` incrementally."""

    def job() -> str:
        index_dir.mkdir(parents=True, exist_ok=True)
        with (index_dir / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker process's build finishes first
            pull(content_dir)
            summary = pipeline.build(content_dir, index_dir, **(build_options or {}))
        for problem in summary.problems:
            log.warning("%s", problem)
        log.info("published: %s", summary.line())
        return summary.line()

    return Publisher(job)
