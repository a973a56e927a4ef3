"""Prepare many documents at once: load, render, detect language and turn into fields in a process pool.

Why: Markdown rendering and language detection are pure Python and cost several
milliseconds per document; the index writer is the other half of the work. On a
full build the pool keeps every core busy. A handful of files (an editor's
incremental update) is prepared in the calling process, where a pool's start-up
would cost more than it saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build.fields import catalogue_row, index_fields
from indexer.documents.access import NO_RULES, AccessRules
from indexer.documents.load import DocumentError
from indexer.documents.model import DOC_TYPES, Problem
from indexer.documents.prepare import prepare
from indexer.glossary import Tagger
from indexer.processes import map_in_workers

#: Below this many files a pool is not worth starting.
POOL_THRESHOLD = 200
_CHUNK = 16


@dataclass(frozen=True)
class Preparer:
    """What preparing a document takes besides its path (handed to every worker process)."""

    content_dir: Path
    types: Sequence[str] = DOC_TYPES
    tagger: Tagger | None = None  # the glossary's: the concepts a document holds (None: no concepts field)
    access: AccessRules = NO_RULES  # kb.toml's access rules: a document's groups when it names none


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


def prepare_one(path: Path, preparer: Preparer) -> Prepared:
    """Load, render, detect and turn into index fields; never raises for a bad file."""
    try:
        doc = prepare(path, preparer.content_dir, preparer.types, preparer.access)
    except DocumentError as exc:
        return Prepared(path, problem=exc.problem)
    except OSError as exc:
        rel = path.relative_to(preparer.content_dir).as_posix()
        return Prepared(path, problem=Problem(rel, 1, f"cannot read file: {exc.strerror}"))
    fields = index_fields(doc, preparer.tagger)
    return Prepared(path, fields=fields, lang=doc.lang or "xx", warnings=list(doc.warnings), row=catalogue_row(fields))


_preparer: Preparer | None = None  # a pool worker's, from its initializer (this module sets and reads it)


def _start_worker(preparer: Preparer) -> None:
    global _preparer
    _preparer = preparer


def _prepare_chunk(paths: list[Path]) -> list[Prepared]:
    return [prepare_one(path, _preparer) for path in paths]


def prepare_all(
    paths: Iterable[Path],
    preparer: Preparer,
    *,
    processes: int,
    threshold: int | None = None,
) -> Iterator[Prepared]:
    """Every path's :class:`Prepared`, in the given order (:class:`indexer.processes.WorkerFailed` if a worker dies)."""
    paths = list(paths)
    threshold = POOL_THRESHOLD if threshold is None else threshold
    if processes <= 1 or len(paths) < threshold:
        for path in paths:
            yield prepare_one(path, preparer)
        return
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    for batch in map_in_workers(
        _prepare_chunk, chunks, processes=processes, initializer=_start_worker, initargs=(preparer,)
    ):
        yield from batch
