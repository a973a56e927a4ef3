"""Whole posting lists written into a segment's term and posting files, a term at a time (the build's pool)."""

from __future__ import annotations

import struct
from array import array
from hashlib import md5 as _md5
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import md5_hash
from whoosh.system import emptybytes

from indexer.format.blocks import ARRAYS, BLOCK_LENGTH, deltas_value, encode_block
from indexer.format.codec import ArrayPostingsWriter
from indexer.format.term_file import EXTENT, TERM_LENGTHS


class TermWriter:
    """Whole posting lists into a ``W3FieldWriter``'s term and posting files, a term at a time.

    The same bytes as Whoosh's ``FieldWriter.add_postings`` (``start_term``, ``add`` per posting,
    ``finish_term``) writes for those postings (``tests/test_pool.py``), with less work per term and
    per posting: a positions field's short lists go straight into their term info, a longer one's
    ids, weights and positions into the posting writer a block at a time, and each term's record
    into the term file's hash writer (``filetables.OrderedHashWriter.add``, whose offsets are
    counted here instead of asked of the file).
    """

    def __init__(self, fieldwriter, schema) -> None:
        self._fieldwriter = fieldwriter
        self._schema = schema
        self._fieldname: str | None = None
        self._postwriter: ArrayPostingsWriter | None = None
        self._format = None
        self._prefix = b""
        self._tindex = fieldwriter._tindex
        self._termfile = self._tindex.dbfile
        self._offset = self._termfile.tell()
        self._lastkey = b""
        if self._tindex.hashfn is not md5_hash:
            raise TypeError(f"the term file hashes keys with {self._tindex.hashfn!r}, not filetables.md5_hash")
        self._positions, self._buckets = self._tindex.index, self._tindex.buckets
        self._records: list[bytes] = []

    def _field(self, fieldname: str) -> ArrayPostingsWriter:
        if fieldname != self._fieldname:
            writer = self._fieldwriter
            self._flush()
            if self._fieldname is not None:
                writer.finish_field()
            writer.start_field(fieldname, self._schema[fieldname])
            self._fieldname = fieldname
            self._postwriter = writer._postwriter
            self._format = self._schema[fieldname].format
            self._prefix = _FIELD_ID.pack(writer._fieldid)
        return self._postwriter

    def _put(self, text: bytes, info: bytes) -> None:
        """The term's record in the term file, as ``OrderedHashWriter.add`` writes it (buffered
        until the field ends: most records are a few dozen bytes)."""
        key = self._prefix + text
        if key <= self._lastkey:
            raise ValueError(f"keys must increase: {self._lastkey!r}..{key!r}")
        position = self._offset
        self._positions.append(position)
        record = TERM_LENGTHS.pack(len(key), len(info)) + key + info
        self._records.append(record)
        self._offset += len(record)
        # filetables.md5_hash: the digest's low 32 bits (there through its hex digits).
        digest = int.from_bytes(_md5(key, usedforsecurity=False).digest()[12:], "big")
        self._buckets[digest & 255].append((digest, position))
        self._lastkey = key

    def _flush(self) -> None:
        if self._records:
            self._termfile.write(b"".join(self._records))
            self._records = []

    def term(self, fieldname: str, text: bytes, ids: list[int], weights: list[float], values: list) -> None:
        """A term's postings, each with its value bytes (None: none), as ``add_postings`` adds them."""
        postwriter = self._field(fieldname)
        postwriter.start_postings(self._format, W3TermInfo())
        for docnum, weight, value in zip(ids, weights, values, strict=True):
            postwriter.add_posting(docnum, weight, emptybytes if value is None else value, 0)
        self._put(text, postwriter.finish_postings().to_bytes())

    def positions_term(
        self, fieldname: str, text: bytes, ids: list[int], weights: list[float], counts: list[int], deltas: list[int]
    ) -> None:
        """A term's postings in a ``Positions`` field: each posting's count of positions, and all their
        deltas (each posting's first position, then the gaps), in posting order."""
        postwriter = self._field(fieldname)
        count = len(ids)
        if count == 1:  # most terms of a segment: what the inlined branch below gives for one posting
            weight = weights[0]
            kept = _float32(weight)
            head = _TERM_INFO.pack(True, kept, 1, 0, 0, max(0, weight), ids[0], ids[0])
            self._put(text, head + dumps(((ids[0],), (kept,), (deltas_value(deltas),)), 2))
            return
        if count < postwriter._inlinelimit:
            # In the term info, as W3TermInfo (after add_block and set_inlined) writes it: weights as
            # the block keeps them (float32), no field lengths (the codec keeps no length statistics).
            values, start = [], 0
            for n in counts:
                values.append(deltas_value(deltas[start : start + n]))
                start += n
            kept = array("f", weights)
            head = _TERM_INFO.pack(True, sum(kept), count, 0, 0, max(0, *weights), ids[0], ids[-1])
            self._put(text, head + dumps((tuple(ids), tuple(kept), tuple(values)), 2))
            return
        self._put(text, self._write_list(ids, weights, counts, deltas))

    def _write_list(self, ids: list[int], weights: list[float], counts: list[int], deltas: list[int]) -> bytes:
        """A positions posting list written to the posting file a block at a time; its term info's
        bytes. What the posting writer (``start_postings``, ``add_posting`` per posting,
        ``finish_postings``) and ``W3TermInfo.to_bytes`` give, without their per-posting state."""
        postfile = self._postwriter._postfile
        limit = self._postwriter._blocklimit
        start = postfile.tell()
        parts = [WHOOSH3_HEADER_MAGIC]
        total, maxweight, begin = 0, 0, 0
        for first in range(0, len(ids), limit):
            last = min(first + limit, len(ids))
            end = begin + sum(counts[first:last])
            block = ids[first:last]
            kept = array("f", weights[first:last])  # as the block keeps them
            top = max(0, *weights[first:last])
            data = encode_block(
                block, kept, None, None, raw_positions=(array("I", counts[first:last]), array("I", deltas[begin:end]))
            )
            # The block's info: count, last id, top weight, compression, shortest and longest field
            # length (no length statistics: 0, as length_to_byte gives for None and 0).
            info = dumps((len(block), block[-1], top, ARRAYS, 0, 0), 2)
            size = len(info) + len(data)
            parts += [BLOCK_LENGTH.pack(-size if last == len(ids) else size), info, data]
            total += sum(kept)  # W3TermInfo.add_block's sums, block after block
            maxweight = max(maxweight, top)
            begin = end
        written = b"".join(parts)
        postfile.write(written)
        head = _TERM_INFO.pack(False, total, len(ids), 0, 0, maxweight, ids[0], ids[-1])
        return head + EXTENT.pack(start, len(written))

    def close(self) -> None:
        self._flush()
        if self._fieldname is not None:
            self._fieldwriter.finish_field()
        self._tindex.lastkey = self._lastkey


_TERM_INFO = W3TermInfo._struct
_FLOAT32 = struct.Struct("f")


def _float32(value: float) -> float:
    """``value`` as a float32 array keeps it."""
    return _FLOAT32.unpack(_FLOAT32.pack(value))[0]


_FIELD_ID = struct.Struct("!H")  # W3FieldWriter's pack_ushort before a term's bytes
