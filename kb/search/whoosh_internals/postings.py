"""A term's posting list read from the W3 codec's posting file in one read, as arrays.

Why: Whoosh's leaf matcher reads each block's header with ``pickle.load`` on the file
itself (some thirty small reads a block) and walks postings one at a time. Here the
list's bytes are read at once and each block decoded whole. The layout
(``W3PostingsWriter``): a magic tag, then blocks of a signed big-endian length
(negative for the last block), a pickled info tuple (count, last id, max weight,
compression, lengths) and the (compressed) pickled (id deltas, weights, values).
``tests/test_dense.py`` holds both readers to Whoosh's matchers for every term.
"""

from __future__ import annotations

import io
import itertools
import pickle
import struct
import zlib
from collections.abc import Iterator

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

_BLOCK_LENGTH = struct.Struct("!i")


def _blocks(postfile, offset: int, length) -> Iterator[tuple[int, int, bytes, int]]:
    """(posting count, last id, the block's data bytes, compression) of each block, in order."""
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length in a 1-tuple
        (length,) = length
    data = postfile.get(offset, length)
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not a posting list at {offset}")
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


def _payload(block: bytes, compression: int) -> tuple:
    return pickle.loads(zlib.decompress(block) if compression else block)


def extent_postings(postfile, offset: int, length) -> tuple[np.ndarray, np.ndarray]:
    """Every document number (int32) and weight (float32) of a posting list."""
    id_blocks, weight_blocks, firsts, previous = [], [], [], []
    last = total = 0
    for count, maxid, block, compression in _blocks(postfile, offset, length):
        deltas, weights, _ = _payload(block, compression)
        firsts.append(total)
        previous.append(last)
        total += count
        id_blocks.append(deltas)
        weight_blocks.append(_block_weights(weights, count))
        last = maxid
    # Each block's ids are deltas from the block's start; shift its first one to be
    # relative to the previous block's last id, and one cumulative sum decodes them all.
    deltas = np.fromiter(itertools.chain.from_iterable(id_blocks), dtype=np.int64, count=total)
    deltas[np.array(firsts, dtype=np.int64)] -= np.array(previous, dtype=np.int64)
    ids = np.cumsum(deltas).astype(np.int32)
    weights = np.fromiter(itertools.chain.from_iterable(weight_blocks), dtype=np.float32, count=total)
    return ids, weights


def extent_values(postfile, offset: int, length, wanted: np.ndarray) -> dict[int, bytes]:
    """The encoded values (positions) of the postings of documents ``wanted`` (sorted), by
    document number; only the blocks holding one of them are decoded."""
    found: dict[int, bytes] = {}
    start = 0
    for _, maxid, block, compression in _blocks(postfile, offset, length):
        if start >= len(wanted):
            break
        if wanted[start] > maxid:
            continue
        stop = int(np.searchsorted(wanted, maxid, side="right"))
        deltas, _, values = _payload(block, compression)
        inside = set(wanted[start:stop].tolist())
        docnum = 0
        for delta, value in zip(deltas, values, strict=True):
            docnum += delta
            if docnum in inside:
                found[docnum] = value
        start = stop
    return found


def _block_weights(weights, count: int):
    """A block's weights as Whoosh minifies them: None (all 1.0), one float (all equal) or each."""
    if weights is None:
        return itertools.repeat(1.0, count)
    if isinstance(weights, float):
        return itertools.repeat(weights, count)
    return weights
