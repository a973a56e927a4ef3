"""A field's whole term list with document frequencies, read from the term file in one pass.

Why: the typo index needs every word of a segment's ``words`` field (a million terms
at 10,000 documents). Whoosh's ``iter_field`` decodes each term through several
method calls and file reads and took about five seconds per 300,000 terms; the
W3 codec's term file is an ordered hash file whose records lie one after another
(``!ii`` key and data lengths, the key — a 2-byte field number and the term — and
the term info, whose document frequency is a ``!I`` at byte 5), so reading the
field's span in large chunks and a loop over them gives the same list.
``tests/test_dense.py`` holds it equal to ``iter_field``. Term look-ups go through
:class:`indexer.format.codec.TermTable`, which the build's related lists use too.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Iterator

from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.filedb.filetables import OrderedHashReader

from indexer.format.codec import TermTable

_LENGTHS = struct.Struct("!ii")
_FIELD = struct.Struct("!H")
_DOC_FREQUENCY = struct.Struct("!I")
_DOC_FREQUENCY_AT = 5


def field_terms(reader, fieldname: str, chunk: int = 1 << 20) -> Iterator[tuple[str, int]]:
    """``(term, document frequency)`` of every term of ``fieldname`` in one segment reader, in order.

    The field's span is read ``chunk`` bytes at a time: the typo index merges every
    segment's list at once, and whole spans would all be in memory together.
    """
    terms = getattr(reader, "_terms", None)
    number = getattr(terms, "_fieldmap", {}).get(fieldname) if isinstance(terms, W3TermsReader) else None
    tindex = getattr(terms, "_tindex", None)
    if number is None or not isinstance(tindex, OrderedHashReader):
        yield from ((t.decode("utf-8"), info.doc_frequency()) for t, info in reader.iter_field(fieldname))
        return
    start = tindex.closest_key_pos(_FIELD.pack(number))
    if start is None:
        return
    end = tindex.closest_key_pos(_FIELD.pack(number + 1)) if number < 65535 else None
    end = tindex.endofdata if end is None else end
    unpack_lengths, unpack_frequency = _LENGTHS.unpack_from, _DOC_FREQUENCY.unpack_from
    data, pos = b"", 0
    while True:
        if pos + 8 <= len(data):
            keylength, datalength = unpack_lengths(data, pos)
            key, after = pos + 8, pos + 8 + keylength + datalength
            if after <= len(data):
                yield (
                    data[key + 2 : key + keylength].decode("utf-8"),
                    unpack_frequency(data, key + keylength + _DOC_FREQUENCY_AT)[0],
                )
                pos = after
                continue
        if start >= end:  # the span is read: nothing may be left over
            if pos < len(data):
                raise ValueError(f"term file cut short at {end}")
            return
        more = tindex.dbfile.get(start, min(chunk, end - start))
        start += len(more)
        data, pos = data[pos:] + more, 0


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def doc_frequency(searcher, fieldname: str, text: str) -> int:
    """Documents holding the term over the searcher's segments (Whoosh's ``doc_frequency``,
    through each segment's :class:`TermTable`, made once per searcher)."""
    tables = _TABLES.get(searcher)
    if tables is None:
        tables = _TABLES[searcher] = [TermTable(leaf.reader()) for leaf, _ in searcher.leaf_searchers()]
    return sum(info.doc_frequency() for table in tables if (info := table.info(fieldname, text)) is not None)
