"""Run the stages: load -> render -> detect language -> write, full or incremental.

Incremental by content hash: a file whose bytes did not change is not even
parsed (and a file whose stat did not change since the last build is not even read:
:mod:`indexer.generation.filestats`); a deleted file leaves the index; a file that fails keeps its last good
version in the index (nothing a reader had is lost) and is reported, except a symbolic link
that leads out of the content folder or into a hidden one (:mod:`indexer.documents.paths`): it fails and
leaves the index.

One build at a time holds the index folder (indexer.generation.storage.build_lock); it first
removes what an interrupted build left. An index that cannot be written (a full
disk, a read-only folder, a worker that died) is :class:`BuildFailed` with one
line for the editor; readers keep the last complete index.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import FileIndex

from indexer import glossary
from indexer.build import preparation, segments
from indexer.documents import paths
from indexer.documents.load import content_hash, discover_relative, parse
from indexer.documents.model import DOC_TYPES, Document, Problem, doc_id
from indexer.documents.render import render
from indexer.format import merge_policy, segment_writer
from indexer.generation import catalogue, filestats, history, storage
from indexer.guards import crashpoints, limits
from indexer.text import lemmas
from indexer.documents.prepare import assign_language

Progress = Callable[[int, int], None]
#: Memory for a writer's in-memory posting pool (Whoosh's estimate; a process peaks at
#: about 1.6 times this). A full build's workers start a new segment before it is full.
WRITER_MB = 1024


@dataclass
class IndexSummary:
    """What one ``kb index`` run did, for the one-line report and the exit status."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0
    full: bool = False
    per_language: Counter = field(default_factory=Counter)  # documents in the index
    problems: list[Problem] = field(default_factory=list)  # errors of failed files
    warnings: list[Problem] = field(default_factory=list)
    glossary_problems: list[Problem] = field(default_factory=list)  # content/glossary/ files (documents unaffected)
    cleaned: list[str] = field(default_factory=list)  # generations an interrupted build left, removed

    @property
    def total(self) -> int:
        return sum(self.per_language.values())

    def line(self) -> str:
        langs = ", ".join(f"{lang} {n}" for lang, n in sorted(self.per_language.items())) or "none"
        kind = "full rebuild" if self.full else "incremental"
        line = (
            f"{kind}: {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {self.failed} failed; {self.total} documents ({langs})"
        )
        if self.cleaned:
            line += f"; removed {', '.join(self.cleaned)} left by an interrupted build"
        return line


class BuildFailed(Exception):
    """The index could not be written; the message says why and what to do."""


def prepare(path: Path, content_dir: Path, types: Sequence[str] = DOC_TYPES) -> Document:
    """Load, render and assign the language of one file (raises DocumentError).

    A declared ``lang`` is trusted here; ``kb check`` is where it is verified.
    """
    return assign_language(render(parse(path, content_dir, types)), verify=False)


def _indexed(ix: FileIndex) -> dict[str, tuple[str, str]]:
    """id -> (content hash, lang) of every document in the index (when the catalogue lags: it
    answers in a twentieth of the time)."""
    # From the columns, not the stored fields: decompressing every document's stored
    # HTML and text only to read its hash was most of an editor's one-file re-index.
    # Each column read whole (a third of the time of a look-up per document).
    with ix.reader() as reader:
        ids, hashes, langs = (list(reader.column_reader(name)) for name in ("id", "content_hash", "lang"))
        return {ids[n]: (hashes[n], langs[n] or "xx") for n in reader.all_doc_ids()}


def build(
    content_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    progress: Progress | None = None,
    types: Sequence[str] = DOC_TYPES,
    workers: int | None = None,
    glossary_default: bool | None = None,
) -> IndexSummary:
    """Bring the index in ``index_dir`` up to date with ``content_dir``; :class:`BuildFailed` if it cannot.

    ``types`` is the ``type`` vocabulary; ``workers`` the processes of a full build (default: one per core);
    ``glossary_default`` loads the shipped glossary (the ``glossary.default`` setting; None: yes).
    """
    if not content_dir.is_dir():
        raise FileNotFoundError(f"content directory not found: {content_dir}")
    try:
        with storage.build_lock(index_dir), lemmas.SETTINGS.expectation():
            cleaned = storage.remove_unfinished(index_dir)
            summary = _build(
                content_dir,
                index_dir,
                full=full,
                progress=progress,
                types=types,
                workers=workers,
                glossary_default=glossary_default,
            )
            summary.cleaned = cleaned
            return summary
    except storage.IndexBusy as exc:
        raise BuildFailed(str(exc)) from None
    except (OSError, segments.WorkerFailed) as exc:
        raise BuildFailed(
            f"cannot write the index in {index_dir}: {_reason(exc)}. "
            "Readers keep the last complete index; fix that and run 'kb index' again."
        ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else exc.__class__.__name__


def _build(
    content_dir: Path,
    index_dir: Path,
    *,
    full: bool,
    progress: Progress | None,
    types: Sequence[str],
    workers: int | None,
    glossary_default: bool | None,
) -> IndexSummary:
    linked: set[str] = set()  # documents that are symbolic links: each is checked before it is read
    rels = discover_relative(content_dir, linked)
    mtimes: dict[str, float] = {}  # rel path -> st_mtime, for the history
    ix = None
    if not full:
        try:
            ix = storage.open_index(index_dir)
        except storage.IndexUnavailable:
            ix = None
    summary = IndexSummary(full=ix is None)
    if ix is None:
        generation, ix = storage.new_generation(index_dir)
        crashpoints.reached("generation-created")
        known: dict[str, tuple[str, str]] = {}
        catalogue_current = False
    else:
        generation = storage.current_generation(index_dir)
        catalogue_current = catalogue.is_current(generation, ix)
        found = catalogue.indexed(generation) if catalogue_current else None
        known = found if found is not None else _indexed(ix)
    stats = filestats.load(None if summary.full else generation)  # before the first stat is taken

    # The glossary first: documents are tagged with the concepts they hold while they are
    # indexed, and a changed glossary means every document is tagged again.
    try:
        glossary_changed, summary.glossary_problems = glossary.build_into(
            generation, content_dir, include_default=glossary_default
        )
    except BaseException:
        if summary.full:  # never published: readers still have the previous generation
            storage.discard_generation(generation)
        raise
    glossary.activate(glossary.read_compiled(generation))
    retag = glossary_changed and not summary.full

    seen: set[str] = set()
    languages: dict[str, str] = {}
    todo: list[Path] = []
    done = 0
    root = os.path.join(str(content_dir), "")  # with its separator: one concatenation per file, not a join
    max_doc_bytes = limits.MAX_DOC_BYTES.value  # read once: it parses the environment each time
    for rel in rels:
        ident = rel[: -len(".md")]
        path_text = root + rel
        refused = paths.refusal(content_dir, Path(path_text)) if rel in linked else None
        if refused is not None:  # a link out of content/ (or into .git ...): failed, and not seen, so an
            summary.failed += 1  # earlier version leaves the index (nothing of it may be served)
            summary.problems.append(Problem(rel, 1, refused))
            done += 1
            if progress:
                progress(done, len(rels))
            continue
        seen.add(ident)
        previous = known.get(ident)
        try:
            st = os.stat(path_text)
            mtimes[rel] = st.st_mtime
            if st.st_size > max_doc_bytes:
                todo.append(Path(path_text))  # refused by parse with its message; not worth reading to hash
                continue
            stat = filestats.stat_key(st)
            digest = stats.known_hash(rel, stat)
            if digest is None and not retag:
                with open(path_text, "rb") as file:  # the stat above was taken before these bytes were read
                    digest = content_hash(file.read())
                stats.note(rel, stat, digest)
        except OSError as exc:
            summary.failed += 1
            summary.problems.append(Problem(rel, 1, f"cannot read file: {exc.strerror}"))
            if previous:
                languages[ident] = previous[1]
        else:
            if retag or not (previous and previous[0] == digest):
                todo.append(Path(path_text))
                continue
            summary.unchanged += 1
            languages[ident] = previous[1]
        done += 1
        if progress:
            progress(done, len(rels))

    # A full build of many files, or an update of more than one writer's pool holds (a changed
    # glossary re-tags every document): every core prepares and writes a segment of its own,
    # and the old versions of updated documents are deleted here. Otherwise one writer here,
    # with a pool preparing documents for it when there are many.
    processes = workers or preparation.default_workers()
    many = len(todo) > segment_writer.POOL_DOCUMENTS
    in_segments = len(todo) >= preparation.POOL_THRESHOLD and (summary.full or many)
    if len(todo) >= preparation.POOL_THRESHOLD:  # workers inherit it: no detour through the lemma tables
        lemmas.SETTINGS.expect_many()
    writer = segment_writer.writer(ix, limitmb=WRITER_MB, documents=len(todo))
    finished_segments: list = []
    rows: dict[str, tuple] = {}  # catalogue rows of the documents written now
    removed: list[str] = []
    try:
        if in_segments:
            items = segments.write_segments(
                ix,
                todo,
                content_dir,
                processes=processes,
                limitmb=WRITER_MB,
                on_segments=finished_segments.extend,
                types=types,
            )
        else:
            items = preparation.prepare_all(todo, content_dir, processes=processes, types=types)
        for item in items:
            ident = doc_id(item.path, content_dir)
            previous = known.get(ident)
            if item.problem is not None:
                summary.failed += 1
                summary.problems.append(item.problem)
                if previous:  # keep the last good version serving
                    languages[ident] = previous[1]
            else:
                summary.warnings.extend(item.warnings)
                rows[ident] = item.row
                if item.indexed:  # in a worker's new segment: an earlier version goes
                    if previous:
                        writer.delete_by_term("id", ident)
                        summary.updated += 1
                    else:
                        summary.added += 1
                elif previous:
                    writer.update_document(**item.fields)
                    summary.updated += 1
                else:
                    writer.add_document(**item.fields)
                    summary.added += 1
                languages[ident] = item.lang
            done += 1
            crashpoints.reached("document")
            if progress:
                progress(done, len(rels))
        for ident in known.keys() - seen:
            writer.delete_by_term("id", ident)
            removed.append(ident)
            summary.removed += 1
        summary.per_language = Counter(languages.values())
        changed = summary.added or summary.updated or summary.removed or glossary_changed
        crashpoints.reached("before-commit")
        if in_segments:
            segments.commit_segments(writer, finished_segments)
        elif summary.full:
            writer.commit(optimize=True)
        elif changed:
            writer.commit(mergetype=merge_policy.merge_tiers)
        else:
            writer.cancel()
            storage.remove_stray_files(ix)
    except BaseException:
        try:
            writer.cancel()
        except Exception:  # a writer that failed half-way may not cancel; the first error is the one to report
            pass
        if summary.full:  # never published: readers still have the previous generation
            storage.discard_generation(generation)
        raise
    crashpoints.reached("committed")
    try:
        if summary.full:
            catalogue.write_full(generation, ix, rows.values(), processes=processes)
        elif not catalogue_current:
            catalogue.rebuild(generation, ix)  # missing or behind the index: written again
        elif changed:
            catalogue.update(generation, ix, rows, removed, rank_all=many, processes=processes)
        storage.write_meta(generation, documents=summary.total)
        history.record(content_dir, generation, mtimes, previous=storage.current_generation(index_dir))
        filestats.store(generation, stats)
        crashpoints.reached("before-publish")
        if summary.full:
            storage.publish(index_dir, generation)
    except BaseException:  # an incremental catalogue still names the old commit: the next run rewrites it
        if summary.full and storage.current_generation(index_dir) != generation.resolve():
            storage.discard_generation(generation)
        raise
    return summary
