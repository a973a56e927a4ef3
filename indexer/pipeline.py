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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.index import FileIndex

from indexer import glossary
from indexer.build import preparation, segments
from indexer.build.preparation import Prepared, Preparer
from indexer.documents import paths
from indexer.documents.access import NO_RULES, AccessRules, AudienceCounts
from indexer.documents.load import content_hash, discover_relative
from indexer.documents.model import DOC_TYPES, Problem, doc_id
from indexer.errors import KbError
from indexer.format import merge_policy, segment_writer
from indexer.generation import catalogue, filestats, history, storage
from indexer.guards import crashpoints, limits
from indexer.processes import WorkerFailed, default_workers
from indexer.text import lemmas

Progress = Callable[[int, int], None]
#: Memory for a writer's in-memory posting pool (Whoosh's estimate; a process peaks at more
#: than this, see bench/README.md). A full build's workers start a new segment before it is full.
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
    # The index's documents by audience: .drafts, .restricted (only some groups may read them), .per_group.
    audiences: AudienceCounts = field(default_factory=AudienceCounts)

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
        if self.audiences.line():
            line += f"; {self.audiences.line()}"
        if self.cleaned:
            line += f"; removed {', '.join(self.cleaned)} left by an interrupted build"
        return line


class BuildFailed(KbError):
    """The index could not be written; the message says why and what to do."""


def _indexed(ix: FileIndex) -> dict[str, tuple[str, str]]:
    """id -> (content hash, lang) of every document in the index (when the catalogue lags)."""
    # From the columns, not the stored fields: decompressing every document's stored
    # HTML and text only to read its hash was most of an editor's one-file re-index.
    # Each column read whole (cheaper than a look-up per document).
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
    access: AccessRules | None = None,
) -> IndexSummary:
    """Bring the index in ``index_dir`` up to date with ``content_dir``; :class:`BuildFailed` if it cannot.

    ``types`` is the ``type`` vocabulary; ``workers`` the processes of a full build (default: one per core);
    ``glossary_default`` loads the shipped glossary (the ``glossary.default`` setting; None: yes);
    ``access`` the ``access.*`` settings: the rules that give documents their groups (None: none).
    """
    if not content_dir.is_dir():
        raise FileNotFoundError(f"content directory not found: {content_dir}")
    options = {"types": types, "workers": workers, "glossary_default": glossary_default, "access": access}
    run = Build(content_dir, index_dir, full=full, **options)
    return run.run(progress)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else exc.__class__.__name__


class Build:
    """One ``kb index`` run: its settings, the generation it writes, the glossary's tagger, what changed.

    :meth:`run` takes the steps in turn, each a method of its own: open the generation
    (:meth:`open_generation`), compile the glossary (:meth:`compile_glossary`), find what
    changed (:meth:`scan`), write it (:meth:`write`, :meth:`commit`), and finish the
    generation (:meth:`finish_generation`: catalogue, history, publishing).
    """

    def __init__(
        self,
        content_dir: Path,
        index_dir: Path,
        *,
        full: bool = False,
        types: Sequence[str] = DOC_TYPES,
        workers: int | None = None,
        glossary_default: bool | None = None,
        lemma_settings: lemmas.Settings = lemmas.SETTINGS,
        access: AccessRules | None = None,
    ):
        self.content_dir, self.index_dir, self.full_asked = content_dir, index_dir, full
        self.types, self.glossary_default, self.lemmas = tuple(types), glossary_default, lemma_settings
        self.processes = workers or default_workers()
        self.access = access or NO_RULES
        self.access_before = NO_RULES  # the rules the index was built with (open_generation reads them)
        self.rules_moved = False  # they differ (scan decides)
        self.summary = IndexSummary()
        self.progress: Progress | None = None
        self.tagger: glossary.Tagger | None = None
        self.glossary_changed = False
        # What is in the index before this run (filled by open_generation).
        self.ix: FileIndex | None = None
        self.generation: Path | None = None
        self.known: dict[str, tuple[str, str]] = {}  # id -> (content hash, lang)
        self.catalogue_current = False
        self.stats: filestats.FileStats | None = None
        # What the scan finds, and what writing adds.
        self.total = 0  # files found
        self.done = 0  # files dealt with
        self.seen: set[str] = set()
        self.languages: dict[str, str] = {}  # id -> lang of every document in the index afterwards
        self.mtimes: dict[str, float] = {}  # rel path -> st_mtime, for the history
        self.todo: list[Path] = []
        self.rows: dict[str, tuple] = {}  # catalogue rows of the documents written now
        self.removed: list[str] = []
        self.changed = False
        self.many = False  # more documents to write than one writer's pool holds

    # -- the whole run ---------------------------------------------------------

    def run(self, progress: Progress | None = None) -> IndexSummary:
        """Take every step under the build lock; :class:`BuildFailed` if the index cannot be written."""
        self.progress = progress
        try:
            with storage.build_lock(self.index_dir), self.lemmas.expectation():
                cleaned = storage.remove_unfinished(self.index_dir)
                self.open_generation()
                self.compile_glossary()
                self.scan()
                self.write()
                self.finish_generation()
                self.summary.cleaned = cleaned
                return self.summary
        except storage.IndexBusy as exc:
            raise BuildFailed(str(exc)) from None
        except (OSError, WorkerFailed) as exc:
            raise BuildFailed(
                f"cannot write the index in {self.index_dir}: {_reason(exc)}. "
                "Readers keep the last complete index; fix that and run 'kb index' again."
            ) from exc

    def _discard_unpublished(self) -> None:
        """After a failure: a full build's generation goes (readers still have the previous one)."""
        if self.summary.full and storage.current_generation(self.index_dir) != self.generation.resolve():
            storage.discard_generation(self.generation)

    def _advance(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    # -- steps -------------------------------------------------------------------

    def open_generation(self) -> None:
        """The index to update (a new generation for a full build, or when there is none) and what it holds."""
        ix = None
        if not self.full_asked:
            try:
                ix = storage.open_index(self.index_dir)
            except storage.IndexUnavailable:
                ix = None
        self.summary.full = ix is None
        if ix is None:
            self.generation, self.ix = storage.new_generation(self.index_dir)
            crashpoints.reached("generation-created")
        else:
            self.generation, self.ix = storage.current_generation(self.index_dir), ix
            self.catalogue_current = catalogue.is_current(self.generation, ix)
            found = catalogue.indexed(self.generation) if self.catalogue_current else None
            self.known = found if found is not None else _indexed(ix)
            self.access_before = AccessRules.from_stamp(storage.read_meta(self.generation).get("access_rules", []))
        self.stats = filestats.load(None if self.summary.full else self.generation)  # before the first stat

    def compile_glossary(self) -> None:
        """The glossary first: documents are tagged with the concepts they hold while they are
        indexed, and a changed glossary means every document is tagged again."""
        try:
            self.glossary_changed, self.summary.glossary_problems = glossary.build_into(
                self.generation, self.content_dir, include_default=self.glossary_default
            )
        except BaseException:
            self._discard_unpublished()
            raise
        self.tagger = glossary.tagger_for(glossary.read_compiled(self.generation))

    def scan(self) -> None:
        """Sort every file into unchanged, failed (unreadable, a refused link) and to be written (``todo``)."""
        linked: set[str] = set()  # documents that are symbolic links: each is checked before it is read
        rels = discover_relative(self.content_dir, linked)
        self.total = len(rels)
        retag = self.glossary_changed and not self.summary.full
        self.rules_moved = not self.summary.full and self.access.rules != self.access_before.rules
        root = os.path.join(str(self.content_dir), "")  # with its separator: one concatenation per file
        max_doc_bytes = limits.MAX_DOC_BYTES.value  # read once for the whole scan
        for rel in rels:
            refused = paths.refusal(self.content_dir, Path(root + rel)) if rel in linked else None
            if refused is not None:  # a link out of content/ (or into .git ...): failed, and not seen, so an
                self.summary.failed += 1  # earlier version leaves the index (nothing of it may be served)
                self.summary.problems.append(Problem(rel, 1, refused))
            elif self._scan_one(rel, root + rel, retag, max_doc_bytes):
                continue  # to be written: counted when it is
            self._advance()

    def _scan_one(self, rel: str, path_text: str, retag: bool, max_doc_bytes: int) -> bool:
        """Whether the file ``rel`` is to be written (it is then in ``todo``)."""
        ident = rel[: -len(".md")]
        self.seen.add(ident)
        previous = self.known.get(ident)
        retag = retag or self._default_moved(ident)  # same bytes, another audience: written again
        try:
            st = os.stat(path_text)
            self.mtimes[rel] = st.st_mtime
            if st.st_size > max_doc_bytes:
                self.todo.append(Path(path_text))  # refused by parse with its message; not worth reading to hash
                return True
            stat = filestats.stat_key(st)
            digest = self.stats.known_hash(rel, stat)
            if digest is None and not retag:
                with open(path_text, "rb") as file:  # the stat above was taken before these bytes were read
                    digest = content_hash(file.read())
                self.stats.note(rel, stat, digest)
        except OSError as exc:
            self.summary.failed += 1
            self.summary.problems.append(Problem(rel, 1, f"cannot read file: {exc.strerror}"))
            if previous:
                self._keep_previous(ident, previous)
            return False
        if retag or not (previous and previous[0] == digest):
            self.todo.append(Path(path_text))
            return True
        self.summary.unchanged += 1
        self.languages[ident] = previous[1]
        return False

    def write(self) -> None:
        """Prepare and write the files to be written, delete what is gone, and commit.

        A full build of many files, or an update of more than one writer's pool holds (a changed
        glossary re-tags every document): every core prepares and writes a segment of its own,
        and the old versions of updated documents are deleted here. Otherwise one writer here,
        with a pool preparing documents for it when there are many.
        """
        todo = self.todo
        self.many = len(todo) > segment_writer.POOL_DOCUMENTS
        in_segments = len(todo) >= preparation.POOL_THRESHOLD and (self.summary.full or self.many)
        if len(todo) >= preparation.POOL_THRESHOLD:  # workers inherit it: no detour through the lemma tables
            self.lemmas.expect_many()
        preparer = Preparer(self.content_dir, self.types, self.tagger, self.access)
        writer = segment_writer.writer(self.ix, limitmb=WRITER_MB, documents=len(todo))
        finished_segments: list = []
        try:
            if in_segments:
                items = segments.write_segments(
                    self.ix,
                    todo,
                    preparer,
                    processes=self.processes,
                    limitmb=WRITER_MB,
                    on_segments=finished_segments.extend,
                )
            else:
                items = preparation.prepare_all(todo, preparer, processes=self.processes)
            self._write_items(writer, items)
            self._delete_gone(writer)
            self.commit(writer, finished_segments if in_segments else None)
        except BaseException:
            try:
                writer.cancel()
            except Exception:  # a writer that failed half-way may not cancel; the first error is the one to report
                pass
            self._discard_unpublished()
            raise
        crashpoints.reached("committed")

    def _write_items(self, writer, items: Iterable[Prepared]) -> None:
        summary = self.summary
        for item in items:
            ident = doc_id(item.path, self.content_dir)
            previous = self.known.get(ident)
            if item.problem is not None:
                summary.failed += 1
                summary.problems.append(item.problem)
                if previous:  # keep the last good version serving
                    self._keep_previous(ident, previous)
            else:
                summary.warnings.extend(item.warnings)
                self.rows[ident] = item.row
                if item.indexed:  # in a worker's new segment: an earlier version goes
                    if previous:
                        writer.delete_by_term("id", ident)
                elif previous:
                    writer.update_document(**item.fields)
                else:
                    writer.add_document(**item.fields)
                if previous:
                    summary.updated += 1
                else:
                    summary.added += 1
                self.languages[ident] = item.lang
            crashpoints.reached("document")
            self._advance()

    def _default_moved(self, ident: str) -> bool:
        """Whether kb.toml's rules now give ``ident`` another default audience than the index's."""
        return self.rules_moved and self.access.default_for(ident) != self.access_before.default_for(ident)

    def _keep_previous(self, ident: str, previous: tuple[str, str]) -> None:
        """A failed file keeps its last good version serving, unless the rules changed its
        audience: that version carries the old one, so it leaves the index until the file is fixed."""
        if self._default_moved(ident):
            self.seen.discard(ident)
        else:
            self.languages[ident] = previous[1]

    def _delete_gone(self, writer) -> None:
        for ident in self.known.keys() - self.seen:
            writer.delete_by_term("id", ident)
            self.removed.append(ident)
            self.summary.removed += 1
        self.summary.per_language = Counter(self.languages.values())

    def commit(self, writer, finished_segments: list | None) -> None:
        """Publish what was written in the index (a full build's generation is published later)."""
        summary = self.summary
        self.changed = bool(summary.added or summary.updated or summary.removed or self.glossary_changed)
        crashpoints.reached("before-commit")
        if finished_segments is not None:
            segments.commit_segments(writer, finished_segments)
        elif summary.full:
            writer.commit(optimize=True)
        elif self.changed:
            writer.commit(mergetype=merge_policy.merge_tiers)
        else:
            writer.cancel()
            storage.remove_stray_files(self.ix)

    def finish_generation(self) -> None:
        """The catalogue, the meta file, the history and the file stats; a full build's generation published."""
        summary, generation, ix = self.summary, self.generation, self.ix
        try:
            if summary.full:
                catalogue.write_full(generation, ix, self.rows.values(), processes=self.processes)
            elif not self.catalogue_current:
                catalogue.rebuild(generation, ix)  # missing or behind the index: written again
            elif self.changed:
                catalogue.update(generation, ix, self.rows, self.removed, rank_all=self.many, processes=self.processes)
            storage.write_meta(generation, documents=summary.total, access_rules=self.access.stamp())
            summary.audiences = AudienceCounts(catalogue.audiences(generation))
            previous = storage.current_generation(self.index_dir)
            history.record(self.content_dir, generation, self.mtimes, previous=previous)
            filestats.store(generation, self.stats)
            crashpoints.reached("before-publish")
            if summary.full:
                storage.publish(self.index_dir, generation)
        except BaseException:  # an incremental catalogue still names the old commit: the next run rewrites it
            self._discard_unpublished()
            raise
