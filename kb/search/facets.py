"""The facets, defined once: their URL names, index fields and search arguments, and their counts.

The engine filters and counts by these; the web app adds labels (``kb.web.facets``),
the API and ``kb eval`` take the same arguments, ``/browse`` lists the same values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.searching import Searcher

from kb.search.columns import AlignedColumn
from kb.search.results import text_of


@dataclass(frozen=True)
class Facet:
    slug: str  # in /browse/<slug>
    field: str  # in the index and in the facet counts
    arg: str  # in /search?<arg>= and /api/search?<arg>=


#: In the order the results page and /browse show them.
FACETS: tuple[Facet, ...] = (
    Facet("type", "type", "type"),
    Facet("topic", "tags", "tag"),
    Facet("language", "lang", "lang"),
    Facet("organisation", "organisation", "organisation"),
    Facet("region", "region", "region"),
    Facet("year", "year", "year"),
)
BY_SLUG = {f.slug: f for f in FACETS}
BY_FIELD = {f.field: f for f in FACETS}
BY_ARG = {f.arg: f for f in FACETS}
FIELDS: tuple[str, ...] = tuple(f.field for f in FACETS)
FILTER_ARGS: tuple[str, ...] = tuple(f.arg for f in FACETS)


def filter_query(filters: dict[str, str | None]) -> Q.Query | None:
    """The index query for ``{arg: value}`` filters (unknown args and empty values ignored)."""
    terms = []
    for arg, value in filters.items():
        facet = BY_ARG.get(arg)
        if facet is None or not value:
            continue
        terms.append(Q.Term(facet.field, value.lower() if facet.field == "tags" else value))
    return Q.And(terms) if terms else None


def _values(name: str, value) -> str | tuple[str, ...] | None:
    """One document's facet value as counted: tags split into a tuple, empty as None."""
    if name == "tags":
        return tuple(t.strip().lower() for t in text_of(value).split(",") if t.strip()) if value else ()
    return text_of(value) if value else None


def _table(name: str, column) -> tuple[np.ndarray | None, np.ndarray, list[str]]:
    """A facet column as integer codes: one per document, or (tags) one per document and tag."""
    values: dict[str, int] = {}
    if name == "tags":
        docs, codes = [], []
        for docnum, value in enumerate(column):
            for tag in _values(name, value):
                docs.append(docnum)
                codes.append(values.setdefault(tag, len(values)))
        return np.array(docs, dtype=np.int64), np.array(codes, dtype=np.int64), list(values)
    codes = [-1 if (value := _values(name, raw)) is None else values.setdefault(value, len(values)) for raw in column]
    return None, np.array(codes, dtype=np.int64), list(values)


class FacetCounter:
    """Counts per facet value over a set of documents, from value codes kept per reader.

    Whoosh's grouping builds its column readers again for every query; here each facet
    is an array of value codes, counted for thousands of matches with one ``bincount``.
    """

    def __init__(self) -> None:
        self._reader = None
        self._tables: dict[str, tuple] = {}
        self._everything: dict[tuple, dict] = {}  # (fields, audience) -> counts over all it sees (browse, home)

    def tables(self, searcher: Searcher) -> dict[str, tuple]:
        reader = searcher.reader()
        if self._reader is not reader:
            self._tables = {
                name: _table(name, AlignedColumn(reader, name)) for name in FIELDS if reader.has_column(name)
            }
            self._reader = reader
            self._everything = {}
        return self._tables

    def count(self, searcher: Searcher, matched: np.ndarray | None, fields: tuple[str, ...] = FIELDS):
        """``{field: {value: count}}`` of the ``matched`` document numbers, most frequent first."""
        return self._count(searcher, self.tables(searcher), matched, fields)

    def browse(self, searcher: Searcher, fields: tuple[str, ...], visible: np.ndarray | None, key: str):
        """The counts of every live document a reader sees (``visible``, a mask; None: every one),
        years newest first; kept per audience (``key``) until the index changes."""
        tables = self.tables(searcher)
        if (fields, key) not in self._everything:
            if len(self._everything) >= 256:  # a key per set of groups: bounded
                self._everything.clear()
            live = np.array(list(searcher.reader().all_doc_ids()), dtype=np.int64)
            if visible is not None:
                live = live[visible[live]]
            self._everything[(fields, key)] = self._count(searcher, tables, live, fields, by_year=True)
        return self._everything[(fields, key)]

    def _count(
        self, searcher: Searcher, tables: dict, matched: np.ndarray | None, fields: tuple[str, ...], by_year=False
    ):
        if matched is None:
            matched = np.array(list(searcher.reader().all_doc_ids()), dtype=np.int64)
        is_matched = np.zeros(searcher.doc_count_all(), dtype=bool)
        is_matched[matched] = True
        counts: dict[str, dict[str, int]] = {}
        for name in fields:
            table = tables.get(name)
            if table is None:
                counts[name] = {}
                continue
            docs, codes, values = table
            picked = codes[is_matched[docs]] if docs is not None else codes[matched]
            found_counts = np.bincount(picked[picked >= 0], minlength=len(values))
            found = {values[i]: int(found_counts[i]) for i in np.flatnonzero(found_counts) if values[i]}
            if by_year and name == "year":
                counts[name] = dict(sorted(found.items(), reverse=True))
            else:
                counts[name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0].lower())))
        return counts
