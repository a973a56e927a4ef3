"""The index's codec: Whoosh's W3, with each posting block stored as arrays instead of a pickle.

Why: W3 writes every block of 128 postings as a zlib-compressed pickle of (id deltas,
weights, values), so a search unpickles Python objects for every posting it reads,
positions included, and a build pickles and compresses them (a third of a full build).
Here a block is its id deltas as one unsigned array (1, 2 or 4 bytes each), its weights
as one float32 array (or one value, or nothing when all are 1.0), and its values after
them: positions (Whoosh's ``Positions`` format) as each posting's count and one array of
position deltas, other values as W3 keeps them, zlib-compressed. The search side reads
ids and weights with ``numpy.frombuffer`` and decodes positions only for a phrase, as
arrays too (:func:`posting_positions`); Whoosh's matchers get each value re-encoded.

Everything else (term file, block info, vectors) is W3's, with its inlining of short
lists made to work (:meth:`ArrayPostingsWriter.finish_postings`). A block is told
apart by its info's compression slot: ``ARRAYS`` (negative) here, a zlib level in W3.
Checked against whoosh-reloaded 2.7.5 - 2.7.x (the pin in pyproject.toml);
``tests/test_codec.py`` holds every posting list, read through Whoosh's matchers and
through the array reader, equal to the same documents indexed with W3.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import pickle
import struct
import sys
import zlib
from array import array
from collections.abc import Iterator
from hashlib import md5 as _md5
from pickle import dumps
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.filedb.compound import SubFile
from whoosh.filedb.filetables import OrderedHashReader, md5_hash
from whoosh.formats import Positions
from whoosh.reading import TermNotFound
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.format.schema import encode_positions

#: In a block's info, in place of W3's zlib level: the block is arrays.
ARRAYS = -1
#: Block header: id width (1, 2, 4 bytes), weights kind, values kind, number of values, their stored size.
_HEADER = struct.Struct("<BBBII")
_NO_WEIGHTS, _ONE_WEIGHT, _WEIGHTS = 0, 1, 2
# Positions as arrays: _POSITIONS zlib-compressed (the first indexes of this layout), _RAW_POSITIONS as they are.
_NO_VALUES, _FIXED_VALUES, _VALUES, _POSITIONS, _RAW_POSITIONS = 0, 1, 2, 3, 4
_ID_TYPES = {1: "<u1", 2: "<u2", 4: "<u4"}
_ARRAY_CODES = {1: "B", 2: "H", 4: "I"}
_VALUES_ZLIB_LEVEL = 1


#: Posting lists shorter than this are kept in their term's info, as W3 can (``inlinelimit``):
#: most terms of a real vocabulary are in one to three documents of a segment, and writing
#: a block for each was most of a full build's commit.
INLINE_LIMIT = 4


class ArrayCodec(W3Codec):
    """W3 with array posting blocks (see the module's docstring)."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors: ids are terms, kept as W3 writes them
            return super().postings_writer(dbfile, byteids=True)
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class ArrayPostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        """W3's, whose inlining calls a method its term info does not have (``set_inline``;
        whoosh-reloaded 2.7.5 names it ``set_inlined``), so W3 never inlines.

        A list without values keeps a None for each posting, as a block gives: Whoosh's
        list matcher would give "" instead, which its own writer refuses when it merges.
        """
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values or (None,) * len(self._ids))
        else:
            if self._ids:
                self._write_block(last=True)
            terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        self._terminfo = None
        return terminfo

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        fmt = self._format
        databytes = encode_block(ids, self._weights, self._values, fmt.fixed_value_size(), type(fmt) is Positions)
        infobytes = dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                ARRAYS,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


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
        record = _TERM_LENGTHS.pack(len(key), len(info)) + key + info
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
            self._put(text, head + dumps(((ids[0],), (kept,), (_deltas_value(deltas),)), 2))
            return
        if count < postwriter._inlinelimit:
            # In the term info, as W3TermInfo (after add_block and set_inlined) writes it: weights as
            # the block keeps them (float32), no field lengths (the codec keeps no length statistics).
            values, start = [], 0
            for n in counts:
                values.append(_deltas_value(deltas[start : start + n]))
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
            parts += [_BLOCK_LENGTH.pack(-size if last == len(ids) else size), info, data]
            total += sum(kept)  # W3TermInfo.add_block's sums, block after block
            maxweight = max(maxweight, top)
            begin = end
        written = b"".join(parts)
        postfile.write(written)
        head = _TERM_INFO.pack(False, total, len(ids), 0, 0, maxweight, ids[0], ids[-1])
        return head + _EXTENT.pack(start, len(written))

    def close(self) -> None:
        self._flush()
        if self._fieldname is not None:
            self._fieldwriter.finish_field()
        self._tindex.lastkey = self._lastkey


_TERM_INFO = W3TermInfo._struct
_BLOCK_LENGTH = struct.Struct("!i")  # StructFile.write_int
_EXTENT = struct.Struct("!qi")  # W3TermInfo.to_bytes: pack_long(offset) + pack_int(length)
_FLOAT32 = struct.Struct("f")


def _float32(value: float) -> float:
    """``value`` as a float32 array keeps it."""
    return _FLOAT32.unpack(_FLOAT32.pack(value))[0]


_FIELD_ID = struct.Struct("!H")  # W3FieldWriter's pack_ushort before a term's bytes


class ArrayLeafMatcher(W3LeafMatcher):
    def _read_data(self):
        if self._compression != ARRAYS:
            return super()._read_data()
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        deltas, weights, values = decode_block(data, self._blocklength, with_values=True)
        if hasattr(weights, "tolist"):  # an array of each posting's weight
            weights = weights.tolist()
        self._data = (deltas.tolist(), weights, values)


def encode_block(
    ids, weights, values, fixedsize: int | None, positions: bool = False, raw_positions: tuple | None = None
) -> bytes:
    """One block's data: header, id deltas, weights, values (the layout ``decode_block`` reads).

    ``raw_positions``: a positions block's (each posting's count, every delta) arrays, in place of
    the values (:class:`TermWriter`); what the values' encodings would give.

    With the ``array`` module, not numpy: an editor's one-file update writes blocks too,
    and importing numpy would add a fifth of a second to it.
    """
    deltas = array("I", [ids[0]] + [b - a for a, b in itertools.pairwise(ids)])  # W3's delta_encode
    width = _width(max(deltas))
    parts = [_little(array(_ARRAY_CODES[width], deltas))]
    first = weights[0]
    if all(w == 1.0 for w in weights):
        kind = _NO_WEIGHTS
    elif all(w == first for w in weights):
        kind = _ONE_WEIGHT
        parts.append(struct.pack("<f", first))
    else:
        kind = _WEIGHTS
        parts.append(_little(array("f", weights)))
    # The values as W3's block holds them (W3PostingsWriter._mini_values): none for a format
    # without values, the fixed-size values joined, else each (empty ones are not kept).
    if raw_positions is not None:
        value_kind, stored = _RAW_POSITIONS, _positions_bytes(*raw_positions)
    elif fixedsize == 0:
        value_kind, stored = _NO_VALUES, b""
    elif fixedsize is not None and fixedsize > 0:
        value_kind, stored = _FIXED_VALUES, zlib.compress(emptybytes.join(values), _VALUES_ZLIB_LEVEL)
    elif positions and (raw := _positions_raw(values)) is not None:
        # Not compressed: a phrase of common words decodes thousands of blocks, and inflating
        # them was a fifth of its time; small deltas are one byte each already.
        value_kind, stored = _RAW_POSITIONS, raw
    else:
        lengths = _little(array("I", [len(v) for v in values]))
        value_kind = _VALUES
        stored = zlib.compress(lengths + emptybytes.join(values), _VALUES_ZLIB_LEVEL)
    header = _HEADER.pack(width, kind, value_kind, len(ids) if values is None else len(values), len(stored))
    return header + b"".join(parts) + stored


_COUNT = struct.Struct("!I")  # Whoosh's pack_uint: a Positions value starts with its count
_PICKLE_2 = b"\x80\x02"


_ONE: dict[bytes, int] = {}  # the value of a single position -> that position (most postings)
_ONE_MAX = 1 << 16


def _positions_raw(values) -> bytes | None:
    """Positions values (each its count and the pickled list of deltas, ``Positions.encode``) as
    the widths of a count and of a delta (1, 2 or 4 bytes), every count and every delta; None
    if one is not such a value."""
    found = _value_deltas(values)
    return None if found is None else _positions_bytes(array("I", found[0]), array("I", found[1]))


def _value_deltas(values) -> tuple[list[int], list[int]] | None:
    """(each posting's count of positions, all their deltas) of ``Positions`` values as bytes;
    None if one is not such a value."""
    counts: list[int] = []
    deltas: list[int] = []
    for value in values:
        one = _ONE.get(value)
        if one is not None:
            counts.append(1)
            deltas.append(one)
            continue
        if value[4:6] != _PICKLE_2:
            return None
        found = pickle.loads(value[4:])
        if len(found) != _COUNT.unpack_from(value)[0]:
            return None
        if len(found) == 1 and len(_ONE) < _ONE_MAX:
            _ONE[value] = found[0]
        counts.append(len(found))
        deltas.extend(found)
    return counts, deltas


def _deltas_value(deltas: list[int]) -> bytes:
    """``Positions.encode`` of the positions these deltas (the first position, then the gaps) give."""
    if len(deltas) == 1:
        return encode_positions(deltas)  # a single position's encoding is looked up
    return _COUNT.pack(len(deltas)) + dumps(deltas, 2)


def _positions_bytes(counts: array, deltas: array) -> bytes:
    width = _width(max(counts))
    delta_width = _width(max(deltas, default=0))
    return (
        bytes([width, delta_width])
        + _little(array(_ARRAY_CODES[width], counts))
        + _little(array(_ARRAY_CODES[delta_width], deltas))
    )


def _width(largest: int) -> int:
    return 1 if largest < 1 << 8 else 2 if largest < 1 << 16 else 4


def _positions_values(raw: bytes, count: int) -> tuple[bytes, ...]:
    """Each posting's value as ``Positions.encode`` wrote it, from a block's positions arrays."""
    counts, deltas = _positions_arrays(raw, count)
    ends = itertools.accumulate(counts.tolist())
    flat = deltas.tolist()
    start = 0
    found = []
    for end in ends:
        found.append(_deltas_value(flat[start:end]))
        start = end
    return tuple(found)


def _positions_arrays(raw: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(each posting's count of positions, all position deltas) of a block's positions."""
    import numpy as np  # here: an incremental build's writer does without numpy

    width, delta_width = raw[0], raw[1]
    counts = np.frombuffer(raw, dtype=_ID_TYPES[width], count=count, offset=2)
    deltas = np.frombuffer(raw, dtype=_ID_TYPES[delta_width], offset=2 + width * count)
    return counts, deltas


def _little(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def decode_block(data: bytes, count: int, with_values: bool | str = False) -> tuple:
    """(id deltas as an array, weights (None: all 1.0, a float, or a float32 array), values) of a
    block; values (a tuple of bytes, the fixed-size values joined, or None) only ``with_values``;
    with ``with_values="arrays"``, a positions block's (counts, deltas) arrays."""
    import numpy as np  # here: an incremental build's writer does without numpy

    width, kind, value_kind, nvalues, stored = _HEADER.unpack_from(data, 0)
    position = _HEADER.size
    deltas = np.frombuffer(data, dtype=_ID_TYPES[width], count=count, offset=position)
    position += width * count
    if kind == _NO_WEIGHTS:
        weights = None
    elif kind == _ONE_WEIGHT:
        weights = float(np.frombuffer(data, dtype="<f4", count=1, offset=position)[0])
        position += 4
    else:
        weights = np.frombuffer(data, dtype="<f4", count=count, offset=position)
        position += 4 * count
    values = None
    if with_values == "arrays" and value_kind in (_POSITIONS, _RAW_POSITIONS):
        raw = data[position : position + stored]
        values = _positions_arrays(zlib.decompress(raw) if value_kind == _POSITIONS else raw, nvalues)
    elif with_values:
        values = _decode_values(data[position : position + stored], value_kind, nvalues)
    return deltas, weights, values


def _decode_values(stored: bytes, kind: int, count: int):
    import numpy as np  # here: an incremental build's writer does without numpy

    if kind == _NO_VALUES:
        return None
    if kind == _RAW_POSITIONS:
        return _positions_values(stored, count)
    raw = zlib.decompress(stored)
    if kind == _FIXED_VALUES:
        return raw
    if kind == _POSITIONS:
        return _positions_values(raw, count)
    ends = np.cumsum(np.frombuffer(raw, dtype="<u4", count=count)).tolist()
    base = 4 * count
    starts = [0] + ends[:-1]
    return tuple(raw[base + s : base + e] for s, e in zip(starts, ends, strict=True))


# -- reading posting lists as arrays (the search side and the related lists) --------------


def extent(info) -> tuple[int, int]:
    """(offset, length) of a term's posting list in its segment's posting file."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length in a 1-tuple
        (length,) = length
    return offset, length


def read_list(postfile, info) -> bytes:
    """A term's whole posting list (``info``: its W3TermInfo), in one read of the posting file."""
    return postfile.get(*extent(info))


def _blocks(data: bytes) -> Iterator[tuple[int, int, bytes, int]]:
    """(posting count, last id, the block's data bytes, compression) of each block of a posting list."""
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a posting list")
    stream = io.BytesIO(data)
    position, more = 4, True
    while more:
        size = _BLOCK_LENGTH.unpack_from(data, position)[0]
        more = size > 0
        end = position + 4 + abs(size)
        stream.seek(position + 4)
        count, maxid, _, compression, _, _ = pickle.load(stream)
        yield count, maxid, data[stream.tell() : end], compression
        position = end


def _payload(block: bytes, compression: int, count: int, with_values: bool = False) -> tuple:
    """(id deltas, weights, values) of a block: the index codec's arrays, or W3's pickle."""
    if compression == ARRAYS:
        return decode_block(block, count, with_values)
    return pickle.loads(zlib.decompress(block) if compression else block)


def posting_arrays(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every document number (int32) and weight (float32) of a posting list (W3's blocks or ours)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    id_blocks, weight_blocks, firsts, previous = [], [], [], []
    last = total = 0
    for count, maxid, block, compression in _blocks(data):
        deltas, weights, _ = _payload(block, compression, count)
        firsts.append(total)
        previous.append(last)
        total += count
        id_blocks.append(deltas)
        weight_blocks.append(_block_weights(weights, count, compression == ARRAYS))
        last = maxid
    # Each block's ids are deltas from the block's start; shift its first one to be
    # relative to the previous block's last id, and one cumulative sum decodes them all.
    if id_blocks and all(isinstance(block, np.ndarray) for block in id_blocks):  # the index codec's arrays
        deltas = np.concatenate(id_blocks).astype(np.int64)
    else:
        deltas = np.fromiter(itertools.chain.from_iterable(id_blocks), dtype=np.int64, count=total)
    deltas[np.array(firsts, dtype=np.int64)] -= np.array(previous, dtype=np.int64)
    ids = np.cumsum(deltas).astype(np.int32)
    if all(isinstance(block, np.ndarray) for block in weight_blocks):
        weights = np.concatenate(weight_blocks).astype(np.float32)
    else:
        weights = np.fromiter(itertools.chain.from_iterable(weight_blocks), dtype=np.float32, count=total)
    return ids, weights


def posting_positions(data: bytes, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document, position) of each position of the postings of the documents where ``wanted``
    (a bool per document of the segment) is set, as two int64 arrays in document then
    position order; only the blocks holding one of them are decoded."""
    import numpy as np  # here: an incremental build's writer does without numpy

    id_parts, count_parts, delta_parts = [], [], []
    wanted_ids = np.flatnonzero(wanted)
    floor = 0  # the block's first possible document
    for count, maxid, block, compression in _blocks(data):
        low = int(np.searchsorted(wanted_ids, floor))
        floor = maxid + 1
        if low == len(wanted_ids):
            break
        if wanted_ids[low] > maxid:
            continue
        if compression == ARRAYS and _HEADER.unpack_from(block, 0)[2] in (_POSITIONS, _RAW_POSITIONS):
            deltas, _, (counts, position_deltas) = decode_block(block, count, with_values="arrays")
        else:  # W3's pickle, or values kept as bytes
            deltas, _, values = _payload(block, compression, count, with_values=True)
            counts, position_deltas = _listed_positions(values)
        ids = np.cumsum(np.asarray(deltas, dtype=np.int64))  # a block's first delta is its first id
        keep = wanted[ids]
        if not keep.all():  # only the wanted postings' positions go on (a common word's are most of the block)
            position_deltas = position_deltas[np.repeat(keep, counts)]
            ids, counts = ids[keep], counts[keep]
        id_parts.append(ids)
        count_parts.append(counts)
        delta_parts.append(position_deltas)
    if not id_parts:
        return _no_positions()
    # The blocks' postings together: each posting's positions start from 0 again anyway.
    return _select_positions(
        np.concatenate(id_parts),
        np.concatenate(count_parts),
        np.concatenate([d.astype(np.int64) for d in delta_parts]),
        wanted,
    )


def value_positions(ids, values, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`posting_positions` of postings given as document numbers and Positions values
    (an inlined posting list)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    counts, deltas = _listed_positions(values)
    return _select_positions(np.asarray(ids, dtype=np.int64), counts, deltas, wanted)


def _listed_positions(values) -> tuple[np.ndarray, np.ndarray]:
    """(counts, deltas) of Positions values given as bytes (``Positions.encode``)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    found = _value_deltas(values)
    if found is None:
        raise ValueError("a posting's value is not a list of positions")
    return np.array(found[0], dtype=np.int64), np.array(found[1], dtype=np.int64)


def _select_positions(ids: np.ndarray, counts: np.ndarray, deltas: np.ndarray, wanted: np.ndarray):
    """(documents, positions) of the postings (``ids``, position ``counts`` and ``deltas``) of
    documents where ``wanted``."""
    import numpy as np  # here: an incremental build's writer does without numpy

    keep = wanted[ids]
    if not keep.any():
        return _no_positions()
    counts = counts.astype(np.int64)
    running = np.cumsum(deltas.astype(np.int64))
    # Each posting's deltas start from 0 again: subtract the running sum before its first one.
    ends = np.cumsum(counts)
    before = np.concatenate(([0], running[ends[:-1] - 1]))
    owner = np.repeat(np.arange(len(ids)), counts)
    selected = keep[owner]
    return ids[owner[selected]], (running - before[owner])[selected]


def _no_positions() -> tuple[np.ndarray, np.ndarray]:
    import numpy as np  # here: an incremental build's writer does without numpy

    empty = np.zeros(0, dtype=np.int64)
    return empty, empty


def _block_weights(weights, count: int, arrays: bool):
    """A block's weights as Whoosh minifies them: None (all 1.0), one float (all equal) or each;
    as an array for the index codec's blocks (``arrays``)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    if weights is None or isinstance(weights, float):
        value = 1.0 if weights is None else weights
        return np.full(count, value, dtype=np.float32) if arrays else itertools.repeat(value, count)
    return weights


# -- the term file: a term's info looked up with os.pread (the search and the related lists) --

_TERM_LENGTHS = struct.Struct("!ii")


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
        record = os.pread(fd, _TERM_LENGTHS.size + len(key) + self._RECORD_GUESS, at)
        if len(record) < _TERM_LENGTHS.size:
            raise ValueError(f"term file cut short at {at}")
        keylength, datalength = _TERM_LENGTHS.unpack_from(record, 0)
        start = _TERM_LENGTHS.size + keylength
        if keylength != len(key) or record[_TERM_LENGTHS.size : start] != key:
            return None
        if len(record) < start + datalength:
            record = _pread(fd, start + datalength, at)
        return record[start : start + datalength]


_POINTER = struct.Struct("!Iq")


_CHUNK_BYTES = 1 << 22
_EXTENT = struct.Struct("!qi")  # a term info's posting list: offset, length (W3TermInfo.to_bytes)


def field_records(
    reader, fieldname: str, values: bool = False
) -> Iterator[tuple[bytes, float, int, tuple | None, tuple[int, int] | None]]:
    """(term, total weight, document frequency, inlined (ids, weights) or None, posting list extent
    or None) of every term of a field in one segment's reader, in term order; inlined postings
    as (ids, weights, values) with ``values``.

    The term file's records read in order, a few megabytes at a time, instead of through
    Whoosh's cursor (three reads and a term info object per term: most of ranking every
    document's related list). ``tests/test_codec.py`` holds it equal to Whoosh's cursor.
    """
    terms = getattr(reader, "_terms", None)
    tindex = getattr(terms, "_tindex", None)
    raw = _raw_file(tindex.dbfile) if isinstance(tindex, OrderedHashReader) else None
    if raw is None:  # an index in memory: Whoosh's own cursor
        for (name, text), info in terms.items_from(fieldname, b""):
            if name != fieldname:
                return
            inlined = info.inlined_postings()[: 3 if values else 2] if info.is_inlined() else None
            yield text, info.weight(), info.doc_frequency(), inlined, None if inlined else extent(info)
        return
    if fieldname not in terms._fieldmap:
        return
    prefix = terms._keycoder(fieldname, b"")
    position = tindex.closest_key_pos(prefix)
    if position is None:
        return
    fd, base = raw
    end = min(start for start, _ in tindex.tables)  # the records come before the hash tables
    head = W3TermInfo._struct
    buffer, at = b"", position  # buffer holds the file from position ``at``
    while position < end:
        offset = position - at
        if offset + _TERM_LENGTHS.size > len(buffer):
            buffer, at, offset = _pread(fd, min(_CHUNK_BYTES, end - position), base + position), position, 0
        keylength, datalength = _TERM_LENGTHS.unpack_from(buffer, offset)
        stop = offset + _TERM_LENGTHS.size + keylength + datalength
        if stop > len(buffer):
            size = max(_CHUNK_BYTES, stop - offset)
            buffer, at, offset = _pread(fd, min(size, end - position), base + position), position, 0
            stop = _TERM_LENGTHS.size + keylength + datalength
        key = buffer[offset + _TERM_LENGTHS.size : offset + _TERM_LENGTHS.size + keylength]
        if not key.startswith(prefix):
            return
        data = buffer[stop - datalength : stop]
        flags, weight, df = head.unpack_from(data)[:3]
        if flags:
            inlined = pickle.loads(data[head.size :])
            yield key[len(prefix) :], weight, df, inlined if values else inlined[:2], None
        else:
            yield key[len(prefix) :], weight, df, None, _EXTENT.unpack_from(data, head.size)
        position += stop - offset


def term_postings(reader, fieldname: str) -> Iterator[tuple[bytes, list[int], list[float], tuple]]:
    """(term, ids, weights, values) of every term of a field in one segment's reader, in term
    order, deleted documents included: what merging the segment into another reads.

    Values are what Whoosh's matchers give, except in a ``Positions`` field: there (each posting's
    count of positions, all their deltas as ``Positions`` keeps them) as two lists. The records
    come from :func:`field_records` and a posting list in one read, instead of a hash look-up
    and a matcher per term; W3's pickled blocks, and other fields' blocks, through the matcher.
    """
    format_ = reader.schema[fieldname].format
    positions = type(format_) is Positions
    terms = reader._terms
    for text, _, _, inlined, where in field_records(reader, fieldname, values=True):
        if inlined is not None:
            ids, weights, values = inlined
            yield text, list(ids), list(weights), _merged_values(fieldname, text, values) if positions else values
            continue
        found = _positions_list(terms._postfile.get(*where)) if positions else None
        if found is None:
            matcher = terms.matcher(fieldname, text, format_)
            ids, weights, values = [], [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                values.append(matcher.value())
                matcher.next()
            found = ids, weights, _merged_values(fieldname, text, values) if positions else tuple(values)
        yield (text, *found)


def _merged_values(fieldname: str, text: bytes, values) -> tuple[list[int], list[int]]:
    found = _value_deltas(values)
    if found is None:
        raise ValueError(f"field {fieldname!r}, term {text!r}: a posting's value is not a list of positions")
    return found


def _positions_list(data: bytes) -> tuple[list[int], list[float], tuple[list[int], list[int]]] | None:
    """(ids, weights, (counts, deltas)) of a positions field's posting list in this codec's blocks;
    None for another kind of list."""
    ids: list[int] = []
    weights: list[float] = []
    counts: list[int] = []
    deltas: list[int] = []
    for count, _, block, compression in _blocks(data):
        if compression != ARRAYS or _HEADER.unpack_from(block, 0)[2] not in (_POSITIONS, _RAW_POSITIONS):
            return None
        id_deltas, block_weights, (block_counts, block_deltas) = decode_block(block, count, with_values="arrays")
        ids.extend(itertools.accumulate(id_deltas.tolist()))  # a block's first delta is its first id
        if block_weights is None or isinstance(block_weights, float):
            weights.extend(itertools.repeat(1.0 if block_weights is None else block_weights, count))
        else:
            weights.extend(block_weights.tolist())
        counts.extend(block_counts.tolist())
        deltas.extend(block_deltas.tolist())
    return ids, weights, (counts, deltas)


#: A length byte's length, at least 1 (a document without the field scores as one of length 1).
_BYTE_LENGTHS = [byte_to_length(b) or 1 for b in range(256)]


def field_lengths(reader, fieldname: str) -> array:
    """Every document's length in ``fieldname`` in one segment (``doc_field_length(d, fieldname, 1) or 1``).

    Why: Whoosh reads a length through three layers and a file read per document (a tenth of a
    millisecond: a fifth of a one-file update's related lists at 50k). W3 keeps a segment's
    lengths as one byte per document in a column; here that column is read in one go.
    ``tests/test_codec.py`` holds it equal to Whoosh's look-ups.
    """
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return array("I", (reader.doc_field_length(d, fieldname, 1) or 1 for d in range(count)))
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, min(column._count, count)) if column is not None else b""
    lengths = array("I", map(_BYTE_LENGTHS.__getitem__, raw))
    lengths.extend(itertools.repeat(1, count - len(lengths)))  # documents after the last one with the field
    return lengths


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
