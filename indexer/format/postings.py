"""Posting lists read as arrays (numpy): the search side, the related lists and segment merges.

A term's list is read in one read of the posting file (:func:`read_list`) and its blocks
decoded together (:func:`posting_arrays`); positions only for a phrase, and only in the
blocks holding a wanted document (:func:`posting_positions`). W3's pickled blocks are read
too (indexes built before the index codec). ``tests/test_codec.py`` holds every list equal to
what Whoosh's matchers give.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length

from indexer.format.blocks import (
    ARRAYS,
    HEADER,
    POSITIONS,
    RAW_POSITIONS,
    block_weights,
    decode_block,
    list_blocks,
    payload,
    value_deltas,
)
from indexer.format.term_file import extent, field_records, term_tables


def read_list(postfile, info) -> bytes:
    """A term's whole posting list (``info``: its W3TermInfo), in one read of the posting file."""
    return postfile.get(*extent(info))


def posting_arrays(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Every document number (int32) and weight (float32) of a posting list (W3's blocks or ours)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    id_blocks, weight_blocks, firsts, previous = [], [], [], []
    last = total = 0
    for count, maxid, block, compression in list_blocks(data):
        deltas, weights, _ = payload(block, compression, count)
        firsts.append(total)
        previous.append(last)
        total += count
        id_blocks.append(deltas)
        weight_blocks.append(block_weights(weights, count, compression == ARRAYS))
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
    for count, maxid, block, compression in list_blocks(data):
        low = int(np.searchsorted(wanted_ids, floor))
        floor = maxid + 1
        if low == len(wanted_ids):
            break
        if wanted_ids[low] > maxid:
            continue
        if compression == ARRAYS and HEADER.unpack_from(block, 0)[2] in (POSITIONS, RAW_POSITIONS):
            deltas, _, (counts, position_deltas) = decode_block(block, count, with_values="arrays")
        else:  # W3's pickle, or values kept as bytes
            deltas, _, values = payload(block, compression, count, with_values=True)
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

    found = value_deltas(values)
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
    found = value_deltas(values)
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
    for count, _, block, compression in list_blocks(data):
        if compression != ARRAYS or HEADER.unpack_from(block, 0)[2] not in (POSITIONS, RAW_POSITIONS):
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

    Why: Whoosh reads a length through three layers and a file read per document (much of a
    one-file update's related lists). W3 keeps a segment's
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


def term_documents(searcher, fieldname: str, text: str) -> Iterator[tuple[int, np.ndarray]]:
    """``(segment offset, document numbers in it)`` of each segment holding the term, decoded as the
    collector decodes postings (arrays; no Whoosh matcher)."""
    import numpy as np  # here: an incremental build's writer does without numpy

    from indexer.format.readers import has_term_file, postings_file

    for (leaf, offset), table in zip(searcher.leaf_searchers(), term_tables(searcher), strict=True):
        info = table.info(fieldname, text)
        if info is None:
            continue
        reader = leaf.reader()
        if info.is_inlined():
            yield offset, np.asarray(info.inlined_postings()[0], dtype=np.int64)
        elif has_term_file(reader):
            yield offset, posting_arrays(read_list(postings_file(reader), info))[0]
        else:
            yield offset, np.fromiter(reader.postings(fieldname, text).all_ids(), dtype=np.int64)
