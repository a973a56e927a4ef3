"""A segment's term file: a term's info looked up with ``os.pread``, a field's records read in order.

W3's term file is an ordered hash file (``filetables.OrderedHashWriter``): every term's record
(``!ii`` key and data lengths, the key -- a 2-byte field number and the term -- and the term
info, ``W3TermInfo.to_bytes``) one after another in key order, then 256 hash tables of
``!Iq`` (hash, position) slots. :class:`TermTable` looks a term up in the tables;
:func:`field_records` (the related lists, segment merges) and :func:`field_terms` (the typo
index) read a field's records in order through the one reader, :func:`_records`.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import struct
import weakref
from collections.abc import Iterator

from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filetables import OrderedHashReader
from whoosh.reading import TermNotFound

TERM_LENGTHS = struct.Struct("!ii")


class TermTable:
    """Term infos of one segment, looked up in its term file with ``os.pread``.

    Why: Whoosh's hash-file look-up reads a slot, a key's lengths and the key through
    four layers of file objects, each a seek and a read (many Python calls per look-up,
    and a query makes many look-ups). The same on-disk hash (filetables.HashReader:
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
        record = os.pread(fd, TERM_LENGTHS.size + len(key) + self._RECORD_GUESS, at)
        if len(record) < TERM_LENGTHS.size:
            raise ValueError(f"term file cut short at {at}")
        keylength, datalength = TERM_LENGTHS.unpack_from(record, 0)
        start = TERM_LENGTHS.size + keylength
        if keylength != len(key) or record[TERM_LENGTHS.size : start] != key:
            return None
        if len(record) < start + datalength:
            record = _pread(fd, start + datalength, at)
        return record[start : start + datalength]


_POINTER = struct.Struct("!Iq")


#: Bytes of the term file read at a time when a field's records are read in order.
CHUNK_BYTES = 1 << 22
EXTENT = struct.Struct("!qi")  # a term info's posting list: offset, length (W3TermInfo.to_bytes)
_FIELD_ID = struct.Struct("!H")  # W3TermsReader's key: the field's number, then the term's bytes
_DOC_FREQUENCY = struct.Struct("!I")  # W3TermInfo.to_bytes: after the flags byte and the float weight
_DOC_FREQUENCY_AT = 5


def _field_prefix(reader, fieldname: str) -> tuple[OrderedHashReader, bytes] | None:
    """(the term file, the keys' prefix of ``fieldname``) of a W3 segment reader; None for any
    other reader (then Whoosh's own cursor is read) and, as an empty prefix, for a field without terms."""
    terms = getattr(reader, "_terms", None)
    tindex = getattr(terms, "_tindex", None)
    if not isinstance(terms, W3TermsReader) or not isinstance(tindex, OrderedHashReader):
        return None
    number = terms._fieldmap.get(fieldname)
    return tindex, b"" if number is None else _FIELD_ID.pack(number)


def _records(tindex: OrderedHashReader, prefix: bytes, chunk: int) -> Iterator[tuple[bytes, int, int, int, int]]:
    """(buffer, key start, term start, info start, info end) of every record whose key starts
    with ``prefix``, in key order: the term file read ``chunk`` bytes at a time (a record longer
    than that is read whole). Offsets into the buffer, not slices: the typo index reads a million
    records and needs only each one's term and document frequency.

    The one reader of the term file's records, for :func:`field_records` and :func:`field_terms`.
    """
    start = tindex.closest_key_pos(prefix)
    if start is None:
        return
    raw = _raw_file(tindex.dbfile)
    if raw is not None:  # os.pread: safe beside the searches reading the same file
        fd, base = raw

        def read(at: int, size: int) -> bytes:
            return _pread(fd, size, base + at)

    else:  # an index in memory or memory-mapped
        read = tindex.dbfile.get
    end = tindex.endofdata  # the records come before the hash tables
    unpack_lengths, size, skip = TERM_LENGTHS.unpack_from, TERM_LENGTHS.size, len(prefix)
    data, pos = b"", 0
    while True:
        if pos + size <= len(data):
            keylength, datalength = unpack_lengths(data, pos)
            key = pos + size
            after = key + keylength + datalength
            if after <= len(data):
                if not data.startswith(prefix, key):
                    return
                yield data, key, key + skip, key + keylength, after
                pos = after
                continue
        if start >= end:  # every record is read: nothing may be left over
            if pos < len(data):
                raise ValueError(f"term file cut short at {end}")
            return
        more = read(start, min(chunk, end - start))
        start += len(more)
        data, pos = data[pos:] + more, 0


def field_records(
    reader, fieldname: str, values: bool = False
) -> Iterator[tuple[bytes, float, int, tuple | None, tuple[int, int] | None]]:
    """(term, total weight, document frequency, inlined (ids, weights) or None, posting list extent
    or None) of every term of a field in one segment's reader, in term order; inlined postings
    as (ids, weights, values) with ``values``.

    The term file's records read in order (:func:`_records`) instead of through Whoosh's cursor
    (three reads and a term info object per term: most of ranking every document's related
    list). ``tests/test_codec.py`` holds it equal to Whoosh's cursor.
    """
    found = _field_prefix(reader, fieldname)
    if found is None:  # not a W3 segment: Whoosh's own cursor
        for (name, text), info in reader._terms.items_from(fieldname, b""):
            if name != fieldname:
                return
            inlined = info.inlined_postings()[: 3 if values else 2] if info.is_inlined() else None
            yield text, info.weight(), info.doc_frequency(), inlined, None if inlined else extent(info)
        return
    tindex, prefix = found
    if not prefix:
        return
    head = W3TermInfo._struct
    for data, _, text, info, end in _records(tindex, prefix, CHUNK_BYTES):
        flags, weight, df = head.unpack_from(data, info)[:3]
        if flags:
            inlined = pickle.loads(data[info + head.size : end])
            yield data[text:info], weight, df, inlined if values else inlined[:2], None
        else:
            yield data[text:info], weight, df, None, EXTENT.unpack_from(data, info + head.size)


def field_terms(reader, fieldname: str, chunk: int = 1 << 20) -> Iterator[tuple[str, int]]:
    """``(term, document frequency)`` of every term of ``fieldname`` in one segment reader, in order.

    Why: the typo index needs every word of a segment's ``words`` field (the largest
    vocabulary of the index), and Whoosh's ``iter_field`` decodes each term through several method
    calls and file reads. Read ``chunk`` bytes at a time: the typo index merges every segment's
    list at once, and whole spans would all be in memory together.
    ``tests/test_dense.py`` holds it equal to ``iter_field``.
    """
    found = _field_prefix(reader, fieldname)
    if found is None:
        yield from ((t.decode("utf-8"), info.doc_frequency()) for t, info in reader.iter_field(fieldname))
        return
    tindex, prefix = found
    if not prefix:
        return
    unpack_frequency = _DOC_FREQUENCY.unpack_from
    for data, _, text, info, _ in _records(tindex, prefix, chunk):
        yield data[text:info].decode("utf-8"), unpack_frequency(data, info + _DOC_FREQUENCY_AT)[0]


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def term_tables(searcher) -> list[TermTable]:
    """Each segment's :class:`TermTable`, made once per searcher."""
    tables = _TABLES.get(searcher)
    if tables is None:
        tables = _TABLES[searcher] = [TermTable(leaf.reader()) for leaf, _ in searcher.leaf_searchers()]
    return tables


def doc_frequency(searcher, fieldname: str, text: str) -> int:
    """Documents holding the term over the searcher's segments (Whoosh's ``doc_frequency``,
    through each segment's :class:`TermTable`, made once per searcher)."""
    return sum(
        info.doc_frequency() for table in term_tables(searcher) if (info := table.info(fieldname, text)) is not None
    )


def extent(info) -> tuple[int, int]:
    """(offset, length) of a term's posting list in its segment's posting file."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length in a 1-tuple
        (length,) = length
    return offset, length


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
