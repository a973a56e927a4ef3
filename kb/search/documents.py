"""Stored documents: one by id, a page of all, the newest, translation families, languages.

Functions of an open searcher; the service calls them under its lock.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from whoosh import query as Q
from whoosh.searching import Searcher

from indexer.text.analysis import FIELD_LANGUAGES, field_language
from kb.search.audience import ANONYMOUS, Audience
from kb.search.columns import AlignedColumn
from kb.search.results import decode_stored, text_of

MAX_LIMIT = 300
MAX_PAGE = 1000


def document(searcher: Searcher, doc_id: str, audience: Audience = ANONYMOUS) -> dict | None:
    """The stored document ``doc_id``; None when there is none or ``audience`` may not see it."""
    stored = searcher.document(id=doc_id)
    return decode_stored(stored) if stored and audience.sees(stored.get("audience")) else None


def documents_by_id(searcher: Searcher, ids: list[str], audience: Audience = ANONYMOUS) -> dict[str, dict]:
    """The stored documents of ``ids`` that exist and ``audience`` may see, decoded."""
    found = {}
    for doc_id in ids:
        stored = searcher.document(id=doc_id)
        if stored and audience.sees(stored.get("audience")):
            found[doc_id] = decode_stored(stored)
    return found


def translations(
    searcher: Searcher, key: str | None, exclude: str | None = None, audience: Audience = ANONYMOUS
) -> list[dict]:
    """The members of a translation family that ``audience`` may see, but ``exclude``, by language."""
    if not key:
        return []
    docs = [decode_stored(d) for d in searcher.documents(translation_key=key) if audience.sees(d.get("audience"))]
    return sorted((d for d in docs if d["id"] != exclude), key=lambda d: d["lang"])


def page_of_documents(
    searcher: Searcher, page: int = 1, limit: int = 50, hidden: set[int] | None = None
) -> tuple[int, list[dict]]:
    """A page of every document in id order, but the ``hidden`` document numbers (a reader's)."""
    page = min(max(1, page), MAX_PAGE)
    limit = min(max(1, limit), MAX_LIMIT)
    results = searcher.search(Q.Every(), limit=None, sortedby="id", mask=hidden)
    chosen = [decode_stored(hit.fields()) for hit in list(results)[(page - 1) * limit : page * limit]]
    return len(results), chosen


def field_languages(searcher: Searcher) -> list[str]:
    """Only the language fields that hold documents are worth querying."""
    present = {field_language(text_of(lang)) for lang in searcher.lexicon("lang")}
    return [lang for lang in FIELD_LANGUAGES if lang in present] or [FIELD_LANGUAGES[0]]


#: The stored fields kept as columns that a hit is made of before its document is read.
HIT_COLUMNS = ("id", "lang", "type", "date", "translation_key", "audience")


class HitColumns:
    """The hit columns of a searcher's reader as lists of text by document number ('' for none).

    A hit is made of them for every one of up to 300 hits a results page groups: a
    Whoosh column look-up per value was most of the page's work beyond the API's. Each
    segment's values are read once, whole, and kept while the segment is in the index
    (an incremental build adds a segment; only it is read).
    """

    def __init__(self) -> None:
        self._reader = None
        self._columns: dict[str, list[str]] = {}
        self._segments: dict[tuple[str, str], list[str]] = {}  # (segment id, column) -> values

    def get(self, searcher: Searcher) -> dict[str, list[str]]:
        reader = searcher.reader()
        if reader is not self._reader:
            leaves = reader.leaf_readers() or [(reader, 0)]
            kept: dict[tuple[str, str], list[str]] = {}
            columns: dict[str, list[str]] = {name: [] for name in HIT_COLUMNS}
            for leaf, _offset in leaves:  # in document-number order
                segment = leaf.segment().segment_id() if hasattr(leaf, "segment") else str(id(leaf))
                for name in HIT_COLUMNS:
                    values = self._segments.get((segment, name))
                    if values is None:
                        values = _read_column(leaf, name)
                    kept[(segment, name)] = values
                    columns[name] += values
            self._segments = kept  # segments merged away are dropped
            self._columns = columns
            self._reader = reader
        return self._columns


def _read_column(leaf, name: str) -> list[str]:
    """One segment's column as text; the values many documents share (a language, a date) kept once."""
    if name not in leaf.schema or not leaf.has_column(name):  # an index older than the field (audience)
        return [""] * leaf.doc_count_all()
    share = sys.intern if name != "id" else str
    return [share(text_of(value)) if value else "" for value in leaf.column_reader(name)]


def documents_and_families(
    searcher: Searcher, sees: Callable[[int], bool] = lambda docnum: True
) -> tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]:
    """Every (id, lang) in id order, and the translation families, from the index's columns and terms
    (a sitemap of 50,000 documents should not decompress every stored page); only the document
    numbers ``sees`` lets through (a reader's)."""
    reader = searcher.reader()
    ids, langs = AlignedColumn(reader, "id"), AlignedColumn(reader, "lang")
    by_number = {n: (text_of(ids[n]), text_of(langs[n] or "")) for n in reader.all_doc_ids() if sees(n)}
    families = [
        [by_number[n] for n in searcher.docs_for_query(Q.Term("translation_key", key)) if n in by_number]
        for key in searcher.lexicon("translation_key")
    ]
    return sorted(by_number.values()), families
