"""The catalogue: what pages show without a query, written beside the index by every build.

An SQLite file in the generation folder with each document's light metadata (what a
list entry, a translation family, the home page and the editors' overview need) and
its related documents (:mod:`indexer.generation.related`). Pages read it without the searcher
lock and without unpickling stored documents; a full build writes it before the
generation is published, an incremental build updates it in one transaction after
its commit, refreshing the related lists of what it touched. ``meta.commit`` names
the index commit it describes: a catalogue that lags (an interrupted build) is
written again from the index by the next ``kb index``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from whoosh.index import FileIndex

from indexer.build.fields import CATALOGUE_COLUMNS as COLUMNS
from indexer.build.fields import catalogue_row as row
from indexer.generation import related
from indexer.processes import default_workers

CATALOGUE_FILE = "kb-catalogue.sqlite"
VERSION = "4"  # 4: the audience column
_FAMILY = len(COLUMNS) + 1  # a row's family: after the columns, its sort title
_INSERT_ROW = f"INSERT OR REPLACE INTO docs VALUES ({', '.join('?' * (len(COLUMNS) + 3))})"
_SCHEMA = f"""
CREATE TABLE docs ({", ".join(COLUMNS)}, sort_title, family, content_hash, PRIMARY KEY (id)) WITHOUT ROWID;
CREATE INDEX docs_key ON docs (translation_key);
CREATE INDEX docs_family ON docs (family);
CREATE INDEX docs_date ON docs (date);
CREATE INDEX docs_mtime ON docs (mtime);
CREATE TABLE related (id, position, grp, best, PRIMARY KEY (id, position)) WITHOUT ROWID;
CREATE INDEX related_grp ON related (grp);
CREATE INDEX related_best ON related (best);
CREATE TABLE keyterms (id PRIMARY KEY, terms) WITHOUT ROWID;
CREATE TABLE meta (k PRIMARY KEY, v) WITHOUT ROWID;
"""


def path(generation: Path) -> Path:
    return generation / CATALOGUE_FILE


def _connect(file: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(file, timeout=30)
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _members(conn: sqlite3.Connection) -> dict[str, related.Member]:
    return {
        i: related.Member(i, lang, key) for i, lang, key in conn.execute("SELECT id, lang, translation_key FROM docs")
    }


class _MembersByLookup(Mapping[str, related.Member]):
    """The catalogue's documents as :func:`related.related_lists` asks for them, each looked up
    when first asked: an update ranks a few documents and their candidates, and reading every
    row first was a needless part of its time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._found: dict[str, related.Member | None] = {}

    def __getitem__(self, doc_id: str) -> related.Member:
        if doc_id not in self._found:
            row = self._conn.execute("SELECT lang, translation_key FROM docs WHERE id = ?", (doc_id,)).fetchone()
            self._found[doc_id] = related.Member(doc_id, *row) if row else None
        found = self._found[doc_id]
        if found is None:
            raise KeyError(doc_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return (i for (i,) in self._conn.execute("SELECT id FROM docs"))

    def __len__(self) -> int:
        return self._conn.execute("SELECT count(*) FROM docs").fetchone()[0]

    def family(self, key: str) -> list[str]:
        """The ids with this translation key, in the order of the whole table."""
        return [i for (i,) in self._conn.execute("SELECT id FROM docs WHERE translation_key = ? ORDER BY id", (key,))]


def _store_related(conn: sqlite3.Connection, lists: dict[str, list[tuple[str, str]]]) -> None:
    conn.executemany("DELETE FROM related WHERE id = ?", ((i,) for i in lists))
    conn.executemany(
        "INSERT INTO related VALUES (?, ?, ?, ?)",
        ((i, n, group, best) for i, found in lists.items() for n, (group, best) in enumerate(found)),
    )


def _store_key_terms(conn: sqlite3.Connection, found: dict[str, related.KeyTerms]) -> None:
    """Each ranked document's key terms (term text, boost), for an incremental build to rank it again
    without analysing its text (most of a one-file update's related lists)."""
    conn.executemany(
        "INSERT OR REPLACE INTO keyterms VALUES (?, ?)",
        ((i, json.dumps([[t.decode("utf-8"), b] for t, b in terms], ensure_ascii=False)) for i, terms in found.items()),
    )


def _key_terms(conn: sqlite3.Connection, doc_id: str) -> related.KeyTerms | None:
    stored = conn.execute("SELECT terms FROM keyterms WHERE id = ?", (doc_id,)).fetchone()
    return [(t.encode("utf-8"), b) for t, b in json.loads(stored[0])] if stored else None


def write_full(generation: Path, ix: FileIndex, rows: Iterable[tuple], processes: int | None = None) -> None:
    """A new catalogue for a freshly built generation: every row, every related list."""
    target = path(generation)
    tmp = target.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = _connect(tmp)
    try:
        conn.executescript(_SCHEMA)
        conn.executemany(_INSERT_ROW, rows)
        _rank_every_document(conn, ix, processes or default_workers())
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("version", VERSION), ("commit", ix.latest_generation())])
        conn.commit()
    finally:
        conn.close()
    tmp.replace(target)


def _rank_every_document(conn: sqlite3.Connection, ix: FileIndex, processes: int) -> None:
    """Every document's related list and key terms, from arrays (:class:`related.FieldArrays`)."""
    with ix.reader() as reader:  # not memory-mapped: Whoosh's mapping copies every segment into memory
        terms: dict[str, related.KeyTerms] = {}
        lists = related.related_lists(reader, _members(conn), processes=processes, ix=ix, terms_out=terms)
        _store_related(conn, lists)
        _store_key_terms(conn, terms)


def rebuild(generation: Path, ix: FileIndex) -> None:
    """The catalogue written again from the index's stored fields (it was missing or behind)."""
    with ix.reader() as reader:
        rows = [row(stored) for docnum, stored in reader.iter_docs()]
    write_full(generation, ix, rows)


def is_current(generation: Path, ix: FileIndex) -> bool:
    """Whether the catalogue describes the index's latest commit."""
    try:
        conn = sqlite3.connect(f"file:{path(generation)}?mode=ro", uri=True)
        try:
            meta = dict(conn.execute("SELECT k, v FROM meta"))
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return meta.get("version") == VERSION and str(meta.get("commit")) == str(ix.latest_generation())


def indexed(generation: Path) -> dict[str, tuple[str, str]] | None:
    """id -> (content hash, lang) of every document, from the generation's catalogue (ask
    :func:`is_current` first: only then does it describe the index); None if it cannot be read."""
    try:
        conn = sqlite3.connect(f"file:{path(generation)}?mode=ro", uri=True)
        try:
            return {i: (digest, lang) for i, digest, lang in conn.execute("SELECT id, content_hash, lang FROM docs")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def audiences(generation: Path) -> dict[str, int]:
    """Stored audience -> documents, from the generation's catalogue (empty if it cannot be read)."""
    try:
        conn = sqlite3.connect(f"file:{path(generation)}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT coalesce(audience, ''), count(*) FROM docs GROUP BY 1"))
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def update(
    generation: Path,
    ix: FileIndex,
    changed: dict[str, tuple],
    removed: Iterable[str],
    *,
    rank_all: bool = False,
    processes: int = 1,
) -> None:
    """Apply an incremental build: rows of changed and removed documents, and the related
    lists of every document that changed, shares a family with one, or named one.

    ``rank_all``: so many documents changed (a changed glossary re-tags them all) that every
    list is ranked again as a full build ranks them, from arrays, in up to ``processes``
    processes; ranking each touched document by index look-ups takes longer per document
    (figures in ``bench/README.md``, seventh pass).
    """
    removed = list(removed)
    conn = _connect(path(generation))
    try:
        with conn:
            touched_groups = set()  # the families the changed and removed documents leave or join
            for doc_id in [*changed, *removed]:
                old = conn.execute("SELECT family FROM docs WHERE id = ?", (doc_id,)).fetchone()
                if old:
                    touched_groups.add(old[0])
            touched_groups |= {values[_FAMILY] for values in changed.values()}
            conn.executemany("DELETE FROM docs WHERE id = ?", ((i,) for i in removed))
            conn.executemany("DELETE FROM related WHERE id = ?", ((i,) for i in removed))
            conn.executemany("DELETE FROM keyterms WHERE id = ?", ((i,) for i in [*removed, *changed]))
            conn.executemany(_INSERT_ROW, changed.values())
            if rank_all:
                conn.execute("DELETE FROM related")
                conn.execute("DELETE FROM keyterms")
                _rank_every_document(conn, ix, processes)
            else:
                _rank_touched(conn, ix, changed, set(changed) | set(removed) | touched_groups)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('commit', ?)", (ix.latest_generation(),))
    finally:
        conn.close()


def _rank_touched(conn: sqlite3.Connection, ix: FileIndex, changed: Mapping[str, tuple], names: set[str]) -> None:
    """The related lists of the changed documents, of their families' members, and of every
    document whose list names one of ``names`` (an id or a family), by index look-ups."""
    wanted = set(changed)
    for name in names:
        wanted |= {i for (i,) in conn.execute("SELECT id FROM docs WHERE family = ?", (name,))}
        wanted |= {i for (i,) in conn.execute("SELECT id FROM related WHERE grp = ? OR best = ?", (name, name))}
    members = _MembersByLookup(conn)
    wanted = {i for i in wanted if i in members}
    if not wanted:
        return
    with ix.searcher() as searcher:

        def text(doc_id: str) -> str | None:
            stored = searcher.document(id=doc_id)
            return stored.get("text") if stored else None

        def known(doc_id: str) -> related.KeyTerms | None:
            """A document whose text did not change is ranked by the key terms stored for it."""
            return None if doc_id in changed else _key_terms(conn, doc_id)

        terms: dict[str, related.KeyTerms] = {}
        lists = related.related_lists(
            searcher.reader(), members, sorted(wanted), text, known_terms=known, terms_out=terms
        )
        _store_related(conn, lists)
        _store_key_terms(conn, terms)


def decode_warnings(value: str | None) -> list[str]:
    try:
        return json.loads(value or "[]")
    except ValueError:
        return []
