"""Prepare many documents at once: load, render and detect language in a process pool.

Why: Markdown rendering and language detection are pure Python and cost several
milliseconds per document; the index writer is the other half of the work. On a
full build the pool keeps every core busy. A handful of files (an editor's
incremental update) is prepared in the calling process, where a pool's start-up
would cost more than it saves.
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from indexer.documents.model import DOC_TYPES, Problem

#: Below this many files a pool is not worth starting.
POOL_THRESHOLD = 200
_CHUNK = 16


@dataclass
class Prepared:
    """One file's outcome: the index fields of a document, or the problem that stopped it."""

    path: Path
    fields: dict | None = None
    lang: str = "xx"
    warnings: list[Problem] = field(default_factory=list)
    problem: Problem | None = None
    indexed: bool = False  # already written to a segment by the worker (indexer.build.segments)
    row: tuple | None = None  # the document's catalogue row (indexer.generation.catalogue)


def prepare_one(path: Path, content_dir: Path, types: Sequence[str] = DOC_TYPES) -> Prepared:
    """Load, render, detect and turn into index fields; never raises for a bad file."""
    from indexer.generation.catalogue import row
    from indexer.documents.load import DocumentError
    from indexer.pipeline import prepare
    from indexer.build.fields import index_fields

    try:
        doc = prepare(path, content_dir, types)
    except DocumentError as exc:
        return Prepared(path, problem=exc.problem)
    except OSError as exc:
        rel = path.relative_to(content_dir).as_posix()
        return Prepared(path, problem=Problem(rel, 1, f"cannot read file: {exc.strerror}"))
    fields = index_fields(doc)
    return Prepared(path, fields=fields, lang=doc.lang or "xx", warnings=list(doc.warnings), row=row(fields))


def _prepare_chunk(args: tuple[list[Path], Path, Sequence[str]]) -> list[Prepared]:
    paths, content_dir, types = args
    return [prepare_one(path, content_dir, types) for path in paths]


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


def default_workers() -> int:
    """How many processes to use when the caller does not say (``index.workers``): one per core."""
    return os.cpu_count() or 1


def prepare_all(
    paths: Iterable[Path],
    content_dir: Path,
    *,
    processes: int | None = None,
    threshold: int | None = None,
    types: Sequence[str] = DOC_TYPES,
) -> Iterator[Prepared]:
    """Every path's :class:`Prepared`, in the given order."""
    paths = list(paths)
    threshold = POOL_THRESHOLD if threshold is None else threshold
    processes = processes or default_workers()
    if processes <= 1 or len(paths) < threshold:
        for path in paths:
            yield prepare_one(path, content_dir, types)
        return
    chunks = [(paths[i : i + _CHUNK], content_dir, tuple(types)) for i in range(0, len(paths), _CHUNK)]
    with ProcessPoolExecutor(max_workers=processes, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        for batch in pool.map(_prepare_chunk, chunks):
            yield from batch
