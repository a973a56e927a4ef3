"""A segment writer's postings, kept compact until the segment is written.

Why: Whoosh's ``PostingPool`` keeps each posting as a tuple of five Python objects (about
190 bytes, its own estimate) and sorts the tuples when the segment is written. A full
build's workers start a new segment when the pool is full, so on a real vocabulary a
10,000-document build left several segments and a 50,000-document one 19, and every
segment costs at search time (each query word is looked up in each) and in the build
(a word in many segments is written many times). Here a posting is a term number, a
document number and a weight in arrays and a reference to its value (positions), about
28 bytes, and the sort is numpy's on those arrays.

What ``iter_postings`` gives is what Whoosh's pool gives for the same ``add`` calls: the
postings sorted by field, term and document (``tests/test_pool.py``). This pool never
spills to disk: it is for the full build's workers, which start a new segment instead
(``indexer/segments.py``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

#: Bytes a posting costs here (term number, document number, weight, value reference),
#: and a distinct term (its key in the dictionary, the key's tuple and bytes, its number).
_POSTING_BYTES = 4 + 4 + 8 + 8
_TERM_BYTES = 200
_CHUNK = 1 << 16
_SINGLE_COUNT = b"\x00\x00\x00\x01"  # a value of one position: shared between postings (indexer.schema)


class CompactPool:
    """The part of Whoosh's ``PostingPool`` a ``SegmentWriter`` uses, for postings added in document order."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], int] = {}
        self._term_ids = array("I")
        self._docs = array("I")
        self._weights = array("d")
        self._values: list[bytes | None] = []
        self.fieldnames: set[str] = set()
        self._value_bytes = 0

    @property
    def currentsize(self) -> int:
        """Bytes the pool holds, about (what a segment worker compares with its memory limit)."""
        return len(self._docs) * _POSTING_BYTES + len(self._terms) * _TERM_BYTES + self._value_bytes

    def add(self, item: tuple) -> None:
        """One posting: (field name, term bytes, document number, weight, value bytes or None)."""
        fieldname, text, docnum, weight, value = item
        key = (fieldname, text)
        ident = self._terms.get(key)
        if ident is None:
            ident = self._terms[key] = len(self._terms)
            self.fieldnames.add(fieldname)
        self._term_ids.append(ident)
        self._docs.append(docnum)
        self._weights.append(weight)
        self._values.append(value)
        if value and value[:4] != _SINGLE_COUNT:
            self._value_bytes += 33 + len(value)

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as Whoosh's pool gives it: sorted by field name, term and document."""
        import numpy as np  # here: only a full build's workers use this pool

        keys = list(self._terms)
        if not keys:
            return
        # Each term's rank in sorted order, then the postings by (rank, document).
        order = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.uint32)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.uint32)
        term_ids = np.frombuffer(self._term_ids, dtype=np.uint32)
        docs = np.frombuffer(self._docs, dtype=np.uint32)
        by_posting = np.lexsort((docs, rank[term_ids]))
        weights, values = self._weights, self._values
        for start in range(0, len(by_posting), _CHUNK):  # Python ints a chunk at a time, not all at once
            chunk = by_posting[start : start + _CHUNK]
            for ident, docnum, index in zip(
                term_ids[chunk].tolist(), docs[chunk].tolist(), chunk.tolist(), strict=True
            ):
                fieldname, text = keys[ident]
                yield fieldname, text, docnum, weights[index], values[index]

    def cleanup(self) -> None:
        """Nothing on disk to remove."""
