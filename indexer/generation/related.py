"""Related documents, computed when the index is built: Whoosh's ``more_like`` for every document.

A document page lists documents like it: for each translation, Whoosh's
``more_like`` (the 20 key terms of its text by the Bo1 model, then a BM25F search
for them, top 15), the rankings fused across translations, one entry per
translation family. Whoosh looks up the collection frequency of every term of the
text (two file reads per term and segment) on each page view, under the searcher
lock; none of it depends on the reader. So the build runs the same computation:

* a full build (and an update of so many files that it runs the full build's workers)
  reads each language field's postings once into arrays (:class:`FieldArrays`) and
  ranks every document from them;
* an incremental build ranks only the documents it touched, with look-ups in the
  index (:class:`FieldLookups`), and only the key terms that can still make the top 20;
* both score with the same search over arrays (:meth:`_Field.top`).

Both give what Whoosh gives (``tests/test_related_build.py``); the page reads the
result from the catalogue (:mod:`indexer.generation.catalogue`). Scores are plain BM25F: the
search's recency tie-break would make the lists depend on the day they were computed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from whoosh.filedb.filestore import FileStorage
from whoosh.reading import IndexReader

from indexer.format.schema import text_field
from indexer.generation.related_fields import (
    FieldArrays,
    FieldLookups,
    KeyTerms,
)
from indexer.processes import WorkerFailed, map_in_workers
from indexer.text.analysis import field_language

LIMIT = 5  # related families kept per document


@dataclass(frozen=True)
class Member:
    """What the fusion needs of one document."""

    id: str
    lang: str
    key: str | None  # translation key


def fuse(rankings: Iterable[list[Member]], own: set[str], limit: int = LIMIT) -> list[tuple[str, str]]:
    """Fuse each translation's ranking into related families: ``[(group, best member id)]``.

    A family (its translation key, or a document's id when it has none) scores
    ``1 / (10 + rank)`` for each ranking it appears in; the document's own family is left out.
    """
    fused: dict[str, float] = {}
    best: dict[str, str] = {}
    for hits in rankings:
        for position, other in enumerate(hits):
            group = other.key or other.id
            if other.id in own or group in own:
                continue
            fused[group] = fused.get(group, 0.0) + 1.0 / (10 + position)
            best.setdefault(group, other.id)
    return [(group, best[group]) for group in sorted(fused, key=lambda g: -fused[g])[:limit]]


def related_lists(
    reader: IndexReader,
    members: Mapping[str, Member],
    wanted: Iterable[str] | None = None,
    text: Callable[[str], str | None] | None = None,
    processes: int = 1,
    ix=None,
    known_terms: Callable[[str], KeyTerms | None] | None = None,
    terms_out: dict[str, KeyTerms] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """``{id: [(group, best member id)]}`` for the documents ``wanted`` (None: every document).

    ``members``: every live document of the index (a mapping that may look them up as asked,
    with a ``family(key)`` look-up of its own). ``text(id)``: a document's stored
    text, needed when only some documents are ranked (index look-ups, not arrays).
    ``processes``: with ``ix`` (the reader's index), ranking every document, up to this
    many language fields are ranked at once, each in a process of its own.
    ``known_terms(id)``: a document's key terms as they were last stored (None: work them out
    from its text), for a document whose text did not change; ``terms_out`` gets the key terms
    of every document ranked, for the next time.
    """
    ids = reader.column_reader("id")
    if wanted is None:
        numbers = {ids[d]: d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)}
        ids = {n: i for i, n in numbers.items()}
    else:  # a few documents: their numbers by look-up, not the whole id column (much of a one-file update)
        numbers = _Numbers(reader)
    family = _families(members)

    def group_of(doc_id: str) -> list[str]:
        """The document, then its translations in document order (as Whoosh lists them)."""
        key = members[doc_id].key
        if not key:
            return [doc_id]
        return [doc_id, *sorted((i for i in family(key) if i != doc_id), key=lambda i: numbers.get(i, -1))]

    chosen = list(members) if wanted is None else [i for i in wanted if i in members]
    needed = {i for doc_id in chosen for i in group_of(doc_id) if i in numbers}
    rankings: dict[str, list[Member]] = {}
    by_field: dict[str, list[str]] = {}
    for doc_id in sorted(needed):
        by_field.setdefault(text_field("body", field_language(members[doc_id].lang)), []).append(doc_id)
    fields = [(name, ids_) for name, ids_ in by_field.items() if name in reader.schema and reader.field_length(name)]
    if wanted is None:
        jobs = [(name, [(i, numbers[i]) for i in doc_ids]) for name, doc_ids in fields]
        if processes > 1 and ix is not None and len(jobs) > 1:
            ranked_fields = _rank_in_processes(ix.storage.folder, ix.indexname, jobs, processes, reader)
        else:
            _use_reader(reader)
            ranked_fields = [_rank_field(job) for job in jobs]
    else:
        ranked_fields = []
        for name, doc_ids in fields:
            engine = FieldLookups(reader, name)
            ranked: dict[str, tuple[list[int], KeyTerms]] = {}
            for i in doc_ids:
                keys = known_terms(i) if known_terms is not None else None
                if keys is None:
                    keys = engine.key_terms_of(text(i) or "")
                ranked[i] = (engine.rank(numbers[i], keys), keys)
            ranked_fields.append(ranked)
    for ranked in ranked_fields:
        for doc_id, (found, keys) in ranked.items():
            rankings[doc_id] = [members[ids[n]] for n in found if ids[n] in members]
            if terms_out is not None:
                terms_out[doc_id] = keys
    result = {}
    for doc_id in chosen:
        key = members[doc_id].key
        group = group_of(doc_id)
        own = set(group) | ({key} if key else set())
        result[doc_id] = fuse((rankings.get(i, []) for i in group), own)
    return result


def _families(members: Mapping[str, Member]) -> Callable[[str], list[str]]:
    """The ids of a translation key's members: the mapping's own ``family`` look-up when it has one
    (the catalogue's, for an update), else from every member."""
    family = getattr(members, "family", None)
    if family is not None:
        return family
    families: dict[str, list[str]] = {}
    for member in members.values():
        if member.key:
            families.setdefault(member.key, []).append(member.id)
    return lambda key: families.get(key, [])


_shared_reader: IndexReader | None = None  # what a forked ranking process reads (see _rank_in_processes)


def _rank_field(job: tuple[str, list[tuple[str, int]]]) -> dict[str, tuple[list[int], KeyTerms]]:
    """Rank every document of one field from its arrays (which then go away): its related
    documents' numbers and its key terms."""
    name, doc_numbers = job
    engine = FieldArrays(_shared_reader, name)
    ranked = {}
    for doc_id, number in doc_numbers:
        chosen = engine.key_terms_of(number)
        ranked[doc_id] = (engine.search_terms(chosen, number), [(engine.terms[t], boost) for t, boost in chosen])
    return ranked


def _rank_in_processes(folder: str, indexname: str, jobs: list, processes: int, reader: IndexReader) -> list[dict]:
    """One process per field (a full build's cores are free by now). Each opens the index
    afresh: forked processes sharing file offsets would read each other's bytes.

    A process that dies (out of memory) fails the pool at once (:mod:`indexer.processes`);
    the fields are then ranked here, from ``reader``.
    """
    try:
        return list(
            map_in_workers(
                _rank_field,
                jobs,
                processes=min(processes, len(jobs)),
                initializer=_open_shared,
                initargs=(folder, indexname),
            )
        )
    except WorkerFailed as exc:
        logging.getLogger(__name__).warning("related lists: a ranking process died (%s); ranking here instead", exc)
        _use_reader(reader)
        return [_rank_field(job) for job in jobs]


def _open_shared(folder: str, indexname: str) -> None:
    _use_reader(FileStorage(folder, supports_mmap=False).open_index(indexname).reader())


def _use_reader(reader: IndexReader) -> None:
    global _shared_reader
    _shared_reader = reader


class _Numbers(dict):
    """Document id -> live document number, looked up as asked for."""

    def __init__(self, reader: IndexReader):
        super().__init__()
        self._reader = reader

    def __missing__(self, doc_id: str) -> int:
        found = self._reader.first_id("id", doc_id)
        if found is None:
            raise KeyError(doc_id)
        self[doc_id] = found
        return found

    def __contains__(self, doc_id: object) -> bool:
        try:
            self[doc_id]
        except KeyError:
            return False
        return True

    def get(self, doc_id, default=None):
        return self[doc_id] if doc_id in self else default
