"""The index codec's posting blocks: a block encoded and decoded, and a posting list's blocks.

A block is its id deltas as one unsigned array (1, 2 or 4 bytes each), its weights as one
float32 array (or one value, or nothing when all are 1.0), and its values after them:
positions (Whoosh's ``Positions`` format) as each posting's count and one array of position
deltas, other values as W3 keeps them, zlib-compressed. A block is told apart from W3's
pickled blocks by its info's compression slot: :data:`ARRAYS` (negative) here, a zlib level in W3.
"""

from __future__ import annotations

import io
import itertools
import pickle
import struct
import sys
import zlib
from array import array
from collections.abc import Iterator
from pickle import dumps
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import emptybytes

from indexer.format.schema import encode_positions

#: In a block's info, in place of W3's zlib level: the block is arrays.
ARRAYS = -1
#: Block header: id width (1, 2, 4 bytes), weights kind, values kind, number of values, their stored size.
HEADER = struct.Struct("<BBBII")
_NO_WEIGHTS, _ONE_WEIGHT, _WEIGHTS = 0, 1, 2
# Positions as arrays: POSITIONS zlib-compressed (the first indexes of this layout), RAW_POSITIONS as they are.
_NO_VALUES, _FIXED_VALUES, VALUES, POSITIONS, RAW_POSITIONS = 0, 1, 2, 3, 4
_ID_TYPES = {1: "<u1", 2: "<u2", 4: "<u4"}
_ARRAY_CODES = {1: "B", 2: "H", 4: "I"}
_VALUES_ZLIB_LEVEL = 1

BLOCK_LENGTH = struct.Struct("!i")  # StructFile.write_int: a block's length, negative for the last


def encode_block(
    ids, weights, values, fixedsize: int | None, positions: bool = False, raw_positions: tuple | None = None
) -> bytes:
    """One block's data: header, id deltas, weights, values (the layout ``decode_block`` reads).

    ``raw_positions``: a positions block's (each posting's count, every delta) arrays, in place of
    the values (:class:`TermWriter`); what the values' encodings would give.

    With the ``array`` module, not numpy: an editor's one-file update writes blocks too,
    and importing numpy would add much to its time.
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
        value_kind, stored = RAW_POSITIONS, _positions_bytes(*raw_positions)
    elif fixedsize == 0:
        value_kind, stored = _NO_VALUES, b""
    elif fixedsize is not None and fixedsize > 0:
        value_kind, stored = _FIXED_VALUES, zlib.compress(emptybytes.join(values), _VALUES_ZLIB_LEVEL)
    elif positions and len(values) == len(ids) and (raw := _positions_raw(values)) is not None:
        # Not compressed: a phrase of common words decodes many blocks, and inflating them was
        # much of its time; small deltas are one byte each already.
        value_kind, stored = RAW_POSITIONS, raw
    else:
        lengths = _little(array("I", [len(v) for v in values]))
        value_kind = VALUES
        stored = zlib.compress(lengths + emptybytes.join(values), _VALUES_ZLIB_LEVEL)
    header = HEADER.pack(width, kind, value_kind, len(ids) if values is None else len(values), len(stored))
    return header + b"".join(parts) + stored


_COUNT = struct.Struct("!I")  # Whoosh's pack_uint: a Positions value starts with its count
_PICKLE_2 = b"\x80\x02"


_ONE: dict[bytes, int] = {}  # the value of a single position -> that position (most postings)
_ONE_MAX = 1 << 16


def _positions_raw(values) -> bytes | None:
    """Positions values (each its count and the pickled list of deltas, ``Positions.encode``) as
    the widths of a count and of a delta (1, 2 or 4 bytes), every count and every delta; None
    if one is not such a value."""
    found = value_deltas(values)
    return None if found is None else _positions_bytes(array("I", found[0]), array("I", found[1]))


def value_deltas(values) -> tuple[list[int], list[int]] | None:
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


def deltas_value(deltas: list[int]) -> bytes:
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
        found.append(deltas_value(flat[start:end]))
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

    width, kind, value_kind, nvalues, stored = HEADER.unpack_from(data, 0)
    position = HEADER.size
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
    if with_values == "arrays" and value_kind in (POSITIONS, RAW_POSITIONS):
        raw = data[position : position + stored]
        values = _positions_arrays(zlib.decompress(raw) if value_kind == POSITIONS else raw, nvalues)
    elif with_values:
        values = _decode_values(data[position : position + stored], value_kind, nvalues)
    return deltas, weights, values


def _decode_values(stored: bytes, kind: int, count: int):
    import numpy as np  # here: an incremental build's writer does without numpy

    if kind == _NO_VALUES:
        return None
    if kind == RAW_POSITIONS:
        return _positions_values(stored, count)
    raw = zlib.decompress(stored)
    if kind == _FIXED_VALUES:
        return raw
    if kind == POSITIONS:
        return _positions_values(raw, count)
    ends = np.cumsum(np.frombuffer(raw, dtype="<u4", count=count)).tolist()
    base = 4 * count
    starts = [0, *ends[:-1]] if ends else []
    return tuple(raw[base + s : base + e] for s, e in zip(starts, ends, strict=True))


def list_blocks(data: bytes) -> Iterator[tuple[int, int, bytes, int]]:
    """(posting count, last id, the block's data bytes, compression) of each block of a posting list."""
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a posting list")
    stream = io.BytesIO(data)
    position, more = 4, True
    while more:
        size = BLOCK_LENGTH.unpack_from(data, position)[0]
        more = size > 0
        end = position + 4 + abs(size)
        stream.seek(position + 4)
        count, maxid, _, compression, _, _ = pickle.load(stream)
        yield count, maxid, data[stream.tell() : end], compression
        position = end


def payload(block: bytes, compression: int, count: int, with_values: bool = False) -> tuple:
    """(id deltas, weights, values) of a block: the index codec's arrays, or W3's pickle."""
    if compression == ARRAYS:
        return decode_block(block, count, with_values)
    return pickle.loads(zlib.decompress(block) if compression else block)


def block_weights(weights, count: int, arrays: bool):
    """A block's weights as Whoosh minifies them: None (all 1.0), one float (all equal) or each;
    as an array for the index codec's blocks (``arrays``)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    if weights is None or isinstance(weights, float):
        value = 1.0 if weights is None else weights
        return np.full(count, value, dtype=np.float32) if arrays else itertools.repeat(value, count)
    return weights
