"""``kb serve --watch``: re-index as soon as an editor saves, using watchdog's file events.

Events are coalesced (an editor's save is often several events: a temporary file,
a rename, a chmod) and one incremental build runs when the tree has been quiet
for a moment; only the changed files are re-analysed, so this takes well under a
second. No Flask here: the caller decides what to do with each summary.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from indexer import pipeline

log = logging.getLogger("kb.watch")

#: How long the tree must be quiet before a build starts (seconds).
QUIET = 0.15
#: Editors' scratch files that are not content.
_SCRATCH_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".part")


def is_content_event(event: FileSystemEvent, content_dir: Path) -> bool:
    """Whether an event may change what the index should hold (not a hidden or scratch file)."""
    if event.event_type in ("opened", "closed_no_write"):
        return False
    if event.is_directory and event.event_type == "modified":
        return False
    paths = [event.src_path, getattr(event, "dest_path", "") or ""]
    for raw in filter(None, paths):
        path = Path(raw.decode() if isinstance(raw, bytes) else raw)
        try:
            parts = path.relative_to(content_dir).parts
        except ValueError:
            parts = path.parts
        if parts and not any(p.startswith(".") for p in parts) and not path.name.endswith(_SCRATCH_SUFFIXES):
            if path.name != "4913":  # vim's probe file
                return True
    return False


class ContentWatcher:
    """Watches ``content_dir`` and runs an incremental build after each burst of changes."""

    def __init__(
        self,
        content_dir: Path,
        index_dir: Path,
        on_build: Callable[[pipeline.IndexSummary], None],
        *,
        quiet: float = QUIET,
        build_options: dict | None = None,
    ):
        self.content_dir = Path(content_dir).resolve()
        self.index_dir = Path(index_dir)
        self.on_build = on_build
        self.quiet = quiet
        self.build_options = build_options or {}  # pipeline.build's types and workers
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._observer = Observer()
        self._worker = threading.Thread(target=self._run, name="kb-watch", daemon=True)
        self.builds = 0

    def start(self) -> ContentWatcher:
        handler = _Handler(self)
        self._observer.schedule(handler, str(self.content_dir), recursive=True)
        self._observer.start()
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._changed.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._worker.join(timeout=30)

    def notify(self) -> None:
        self._changed.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._changed.wait()
            if self._stopping.is_set():
                return
            # Wait until the burst is over: each new event restarts the quiet period.
            while True:
                self._changed.clear()
                if not self._changed.wait(self.quiet) or self._stopping.is_set():
                    break
            if self._stopping.is_set():
                return
            try:
                summary = pipeline.build(self.content_dir, self.index_dir, **self.build_options)
            except Exception:  # a locked or damaged index must not stop the watcher
                log.exception("re-indexing after a change failed")
                continue
            self.builds += 1
            try:
                self.on_build(summary)
            except Exception:
                log.exception("handling the re-index summary failed")


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ContentWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if is_content_event(event, self.watcher.content_dir):
            self.watcher.notify()
