"""A full build on every core: each worker process prepares its share of the files and
writes its own index segment; the parent publishes all segments in one commit.

Why: with one writer, analysis and Whoosh's pure-Python posting writer ran in one
process while the preparing pool waited (bench/README.md has the figures). Here the
whole per-document path runs in parallel, the way Whoosh's own ``MultiSegmentWriter``
does it, except that workers read files themselves instead of receiving pickled fields.

The parent holds the index lock throughout. A worker never commits: it hands back its
finished segment, and nothing is visible until the parent writes the table of contents.
A failure anywhere cancels the build (a full build's generation is then discarded).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.writing import SegmentWriter

from indexer.format.codec import build_codec
from indexer.build.preparation import Prepared, Preparer, prepare_one
from indexer.format.segment_writer import PoolWriter, commit_with_segments, finished_segment
from indexer.guards import crashpoints
from indexer.processes import WorkerFailed, Workers

__all__ = ["WorkerFailed", "commit_segments", "deal", "write_segments"]

_CHUNK = 16  # files per job: small enough for a lively progress bar, large enough to be cheap
_SHARED = 0.2  # of each worker's run of files: left in a common queue, for whoever finishes first
_ROLLOVER = 0.9  # of the writer's memory: start a new segment before the pool spills to disk


def _worker(index_dir: str, indexname: str, limitmb: int, preparer, own, shared, send) -> None:
    """One segment worker (run by :class:`indexer.processes.Workers`): prepare and write its files."""
    ix = FileStorage(index_dir, supports_mmap=False).open_index(indexname)
    writer = _writer(ix, limitmb)
    rollover = limitmb * 1024 * 1024 * _ROLLOVER
    for chunk in _chunks(own, shared):
        done = []
        for path in chunk:
            item = prepare_one(path, preparer)
            if item.fields is not None:
                writer.add_document(**item.fields)
                item.fields, item.indexed = None, True  # no need to send the fields back
            done.append(item)
        send(("chunk", done))
        crashpoints.reached("worker-chunk")
        if writer.pool.currentsize > rollover:
            # A full posting pool spills sorted runs to disk and merges them back, which
            # made a build slower (bench/README.md); a new segment instead costs a little at search.
            send(("segment", _finish(writer)))
            writer = _writer(ix, limitmb)
    send(("segment", _finish(writer)))


def _chunks(own, shared) -> Iterator[list[Path]]:
    """A worker's own run of chunks, then chunks from the common queue until it is empty."""
    for jobs in (own, shared):
        while (chunk := jobs.get()) is not None:
            yield chunk


def deal(paths: Sequence[Path], processes: int) -> tuple[list[list[list[Path]]], list[list[Path]]]:
    """Each worker's own chunks, and the chunks left for whoever is free: ``(own, shared)``.

    Each worker takes a contiguous run of the (sorted) paths, so a folder of one language
    or one topic stays in one worker: its distinct words are analysed once, not in every
    worker, and its segment's term dictionary is not repeated in the others'. The last
    part of every run goes to a common queue, so a worker whose run is slower is helped.
    """
    chunks = [list(paths[start : start + _CHUNK]) for start in range(0, len(paths), _CHUNK)]
    own, tails = [], []
    for k in range(processes):
        run = chunks[k * len(chunks) // processes : (k + 1) * len(chunks) // processes]
        keep = len(run) - int(len(run) * _SHARED)
        own.append(run[:keep])
        tails.append(run[keep:])
    # Interleaved, so the shared queue's order does not hand one worker another's whole tail.
    shared = [chunk for group in itertools.zip_longest(*tails) for chunk in group if chunk is not None]
    return own, shared


def _writer(ix: FileIndex, limitmb: int) -> SegmentWriter:
    return PoolWriter(ix, _lk=False, codec=build_codec(), limitmb=limitmb)  # the rollover above keeps it in limitmb


def _finish(writer: SegmentWriter):
    """The writer's finished segment (None if it has no documents)."""
    return finished_segment(writer)


def write_segments(
    ix: FileIndex,
    paths: list[Path],
    preparer: Preparer,
    *,
    processes: int,
    limitmb: int,
    on_segments: Callable[[list], None],
) -> Iterator[Prepared]:
    """Index ``paths`` into new segments of ``ix`` with ``processes`` workers.

    Yields each file's :class:`Prepared` (``indexed`` instead of ``fields`` for a
    file that is in a segment now) as workers finish it, in no particular order; then calls ``on_segments`` with
    the finished segments, for the caller to commit.
    """
    own_chunks, shared_chunks = deal(paths, processes)
    with Workers("index worker") as workers:
        own = [workers.queue() for _ in range(processes)]
        shared = workers.queue()
        folder = ix.storage.folder
        workers.start(_worker, [(folder, ix.indexname, limitmb, preparer, mine, shared) for mine in own])
        for mine, chunks in zip(own, own_chunks, strict=True):
            for chunk in chunks:
                mine.put(chunk)
            mine.put(None)
        for chunk in shared_chunks:
            shared.put(chunk)
        for _ in own:
            shared.put(None)
        segments = []
        for kind, payload in workers.messages():
            if kind == "chunk":
                yield from payload
            elif payload is not None:  # a finished segment
                segments.append(payload)
        on_segments(segments)


def commit_segments(writer: SegmentWriter, segments: list) -> None:
    """Publish the workers' segments beside the index's own in one atomic commit.

    What ``MultiSegmentWriter.commit`` does with its workers' segments; ``writer``
    holds the lock and has added nothing itself, but may have deleted the earlier versions
    of the documents the workers wrote: a segment left with no live document is dropped
    (its files go with the commit), as no merge of an edit would ever take it.
    """
    commit_with_segments(writer, segments)
