"""A field's whole term list with document frequencies, read from the term file in one pass.

Why: the typo index needs every word of a segment's ``words`` field (a million terms
at 10,000 documents). Whoosh's ``iter_field`` decodes each term through several
method calls and file reads and took about five seconds per 300,000 terms; the
W3 codec's term file is an ordered hash file whose records lie one after another
(``!ii`` key and data lengths, the key — a 2-byte field number and the term — and
the term info, whose document frequency is a ``!I`` at byte 5), so reading the
field's span in large chunks and a loop over them gives the same list.
``tests/test_dense.py`` holds it equal to ``iter_field``.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import weakref
from collections.abc import Iterator

from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.reading import TermNotFound

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


class TermTable:
    """Term infos of one segment, looked up in its term file with ``os.pread``.

    Why: Whoosh's hash-file look-up reads a slot, a key's lengths and the key through
    four layers of file objects, each a seek and a read (about twenty Python calls per
    look-up, hundreds of look-ups per query). The same on-disk hash (filetables.HashReader:
    256 tables of ``!Iq`` (hash, position) slots, linear probing, md5 of the key) read
    here with one ``pread`` for a run of slots and one for the record.
    ``tests/test_dense.py`` holds it equal to Whoosh's ``term_info`` for every term.
    """

    _SLOTS_PER_READ = 8
    _RECORD_GUESS = 256  # bytes read past a record's lengths and key: a term info fits, most inlined postings too

    def __init__(self, reader):
        self.reader = reader
        terms = getattr(reader, "_terms", None)
        tindex = getattr(terms, "_tindex", None)
        self._raw = _raw_file(tindex.dbfile) if isinstance(tindex, OrderedHashReader) else None
        if self._raw is not None:
            self._tables = tindex.tables
            self._keycoder = terms._keycoder

    def info(self, fieldname: str, text: str):
        """The term's ``W3TermInfo`` in this segment, or None when the segment lacks it."""
        if self._raw is None:
            try:
                return self.reader.term_info(fieldname, text)
            except TermNotFound:
                return None
        if fieldname not in self.reader.schema:
            return None
        try:
            key = self._keycoder(fieldname, self.reader.schema[fieldname].to_bytes(text))
        except KeyError:  # a field this segment has no terms of
            return None
        data = self._lookup(key)
        return None if data is None else W3TermInfo.from_bytes(data)

    def _lookup(self, key: bytes) -> bytes | None:
        fd, base = self._raw
        keyhash = int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big")
        tablestart, slots = self._tables[keyhash & 255]
        if not slots:
            return None
        tableend = tablestart + slots * _POINTER.size
        position = tablestart + ((keyhash >> 8) % slots) * _POINTER.size
        probed = 0
        while probed < slots:
            run = min(self._SLOTS_PER_READ, (tableend - position) // _POINTER.size, slots - probed)
            buffer = _pread(fd, run * _POINTER.size, base + position)
            for i in range(run):
                slothash, itempos = _POINTER.unpack_from(buffer, i * _POINTER.size)
                if not itempos:
                    return None
                if slothash == keyhash:
                    found = self._record(fd, base + itempos, key)
                    if found is not None:
                        return found
            probed += run
            position += run * _POINTER.size
            if position >= tableend:
                position = tablestart
        return None

    def _record(self, fd: int, at: int, key: bytes) -> bytes | None:
        record = os.pread(fd, _LENGTHS.size + len(key) + self._RECORD_GUESS, at)
        if len(record) < _LENGTHS.size:
            raise ValueError(f"term file cut short at {at}")
        keylength, datalength = _LENGTHS.unpack_from(record, 0)
        start = _LENGTHS.size + keylength
        if keylength != len(key) or record[_LENGTHS.size : start] != key:
            return None
        if len(record) < start + datalength:
            record = _pread(fd, start + datalength, at)
        return record[start : start + datalength]


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def doc_frequency(searcher, fieldname: str, text: str) -> int:
    """Documents holding the term over the searcher's segments (Whoosh's ``doc_frequency``,
    through each segment's :class:`TermTable`, made once per searcher)."""
    tables = _TABLES.get(searcher)
    if tables is None:
        tables = _TABLES[searcher] = [TermTable(leaf.reader()) for leaf, _ in searcher.leaf_searchers()]
    return sum(info.doc_frequency() for table in tables if (info := table.info(fieldname, text)) is not None)


_POINTER = struct.Struct("!Iq")


def _pread(fd: int, size: int, at: int) -> bytes:
    data = os.pread(fd, size, at)
    if len(data) < size:
        raise ValueError(f"index file cut short: {len(data)} of {size} bytes at {at}")
    return data


def _raw_file(structfile) -> tuple[int, int] | None:
    """(file descriptor, offset) of a StructFile over a real file or a compound file's part; None in memory."""
    inner = getattr(structfile, "file", None)
    if isinstance(inner, SubFile) and hasattr(inner._file, "fileno"):
        return inner._file.fileno(), inner._offset
    if inner is not None and hasattr(inner, "fileno") and not isinstance(inner, io.BytesIO):
        return inner.fileno(), 0
    return None
