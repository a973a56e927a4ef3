"""Where the index lives on disk, and how a new one replaces the old without readers noticing.

``INDEX_DIR/current`` is a symlink to a generation folder (``gen-<time>``). An
incremental update commits into the current generation (Whoosh's own commit is
atomic); a full rebuild writes a new generation and swaps the link in one
``os.replace``, so a reader only ever sees a complete index, and a failed build
leaves the previous one serving.

A build holds ``INDEX_DIR/.kb-build.lock`` (an ``flock``, which the kernel releases
when the process dies, even by SIGKILL), so one build at a time touches the folder.
A generation is marked ``published`` in its meta file before ``current`` points at
it; one without the mark beside a newer-than-current name is what a killed or failed
full build left, and the next build removes it (:func:`remove_unfinished`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from indexer.errors import KbError
from indexer.format.readers import index_segments
from indexer.format.schema import SCHEMA_VERSION, build_schema
from indexer.guards import crashpoints

CURRENT = "current"
META_FILE = "kb-index.json"
LOCK_FILE = ".kb-build.lock"
_LOCK_WAIT_SECONDS = 10.0  # a build that collides with another waits this long, then gives up
_KEEP_OLD_GENERATIONS = 1  # searchers still reading the previous one keep working


#: Why an index cannot be used, as a stranger may read it (the site's pages, its API, /healthz):
#: the problem and what to run, never where the index lives or what an exception said.
NO_INDEX = "there is no search index yet: run 'kb index' to build it"
OTHER_VERSION = "the search index was built by another version: run 'kb index --full'"
DAMAGED = "the search index is damaged: run 'kb index --full'"
NO_CATALOGUE = "the search index has no catalogue: run 'kb index'"


class IndexUnavailable(KbError):
    """There is no usable index at the given place.

    The message says why and where (for the operator: the log, the shell); ``public`` says
    why without where (one of the constants above), for anything a web client receives.
    """

    def __init__(self, message: str, public: str = DAMAGED):
        super().__init__(message)
        self.public = public


class IndexBusy(KbError):
    """Another build holds the index folder."""


@contextmanager
def waiting_lock(path: Path, wait: float, busy: Callable[[], Exception]) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` for the block, across processes; raise
    ``busy()`` when another holder has kept it for ``wait`` seconds. Closing the file (or the
    holder's death) releases it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise busy() from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)


def build_lock(index_dir: Path):
    """Hold the folder's build lock for the block; :class:`IndexBusy` after waiting a while."""
    busy = f"another 'kb index' is building {index_dir}; try again when it has finished"
    return waiting_lock(index_dir / LOCK_FILE, _LOCK_WAIT_SECONDS, lambda: IndexBusy(busy))


def current_generation(index_dir: Path) -> Path | None:
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def read_meta(generation: Path) -> dict:
    try:
        return json.loads((generation / META_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def write_meta(generation: Path, **values: object) -> None:
    meta = read_meta(generation)
    meta.update(values)
    tmp = generation / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
    os.replace(tmp, generation / META_FILE)


def open_index(index_dir: Path) -> FileIndex:
    """The current index, or :class:`IndexUnavailable` with a reason a person can act on."""
    generation = current_generation(index_dir)
    if generation is None:
        raise IndexUnavailable(f"no index in {index_dir}: run 'kb index' to build it", NO_INDEX)
    meta = read_meta(generation)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"the index in {index_dir} was built by another version: run 'kb index --full'", OTHER_VERSION
        )
    try:
        # No mmap: a segment file cut short under a running server then fails a read
        # (an error we can answer with 503) instead of killing the process with SIGBUS.
        return FileStorage(str(generation), supports_mmap=False).open_index()
    except Exception as exc:  # Whoosh raises several kinds for damaged files
        raise IndexUnavailable(
            f"the index in {index_dir} is damaged ({exc.__class__.__name__}): run 'kb index --full'", DAMAGED
        ) from None


def verify(ix: FileIndex) -> None:
    """Read a little of every segment (stored fields, terms, postings); IndexUnavailable if that fails."""
    try:
        with ix.searcher() as searcher:
            for reader, _ in searcher.ixreader.leaf_readers():
                if reader.doc_count_all():
                    reader.stored_fields(0)
                    reader.stored_fields(reader.doc_count_all() - 1)
                for fieldname, text in reader.all_terms():
                    list(reader.postings(fieldname, text).all_ids())
                    break
                reader.doc_field_length(0, "words", 0)
    except Exception as exc:
        raise IndexUnavailable(
            f"the index is damaged ({exc.__class__.__name__}): run 'kb index --full'", DAMAGED
        ) from None


def new_generation(index_dir: Path) -> tuple[Path, FileIndex]:
    """An empty index in a fresh generation folder, not yet visible to readers."""
    index_dir.mkdir(parents=True, exist_ok=True)
    generation = index_dir / f"gen-{time.time_ns()}"
    generation.mkdir()
    try:
        ix = whoosh_index.create_in(str(generation), build_schema())
        write_meta(generation, schema_version=SCHEMA_VERSION)
    except BaseException:
        discard_generation(generation)
        raise
    return generation, ix


def publish(index_dir: Path, generation: Path) -> None:
    """Point ``current`` at ``generation`` atomically and drop generations no one needs."""
    write_meta(generation, published=True)
    tmp_link = index_dir / f".current-{time.time_ns()}"
    os.symlink(generation.name, tmp_link)
    crashpoints.reached("link-made")
    os.replace(tmp_link, index_dir / CURRENT)
    crashpoints.reached("published")
    discard_old_generations(index_dir, keep=generation)


def remove_unfinished(index_dir: Path) -> list[str]:
    """Remove what an interrupted build left (call with the build lock held); the names removed.

    That is every generation newer than ``current`` that was never published, and
    half-made ``.current-*`` links. Older unpublished ones are left to
    :func:`discard_old_generations` (indexes built before the mark existed have none).
    """
    if not index_dir.is_dir():
        return []
    current = current_generation(index_dir)
    removed = []
    for path in sorted(index_dir.glob("gen-*")):
        if not path.is_dir() or (current is not None and path.resolve() == current):
            continue
        if read_meta(path).get("published") or (current is not None and path.name < current.name):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    for link in index_dir.glob(".current-*"):
        link.unlink(missing_ok=True)
    return removed


def remove_stray_files(ix: FileIndex) -> None:
    """Delete segment files the index's table of contents does not list (call with the build lock held).

    Whoosh does this after a commit; a cancelled writer (an update that changed
    nothing) and a killed one leave their segment files otherwise.
    """
    whoosh_index.clean_files(ix.storage, ix.indexname, ix.latest_generation(), index_segments(ix))


def discard_generation(generation: Path) -> None:
    """Remove a generation that was never published (a failed full build)."""
    shutil.rmtree(generation, ignore_errors=True)


def discard_old_generations(index_dir: Path, keep: Path) -> None:
    # Published ones sort last, so the one kept for open searchers is the newest that served.
    old = sorted(
        (p for p in index_dir.glob("gen-*") if p.is_dir() and p.resolve() != keep.resolve()),
        key=lambda p: (bool(read_meta(p).get("published")), p.name),
    )
    for path in old[: max(0, len(old) - _KEEP_OLD_GENERATIONS)]:
        shutil.rmtree(path, ignore_errors=True)
