"""A segment writer's postings, kept compact until the segment is written.

Why: Whoosh's ``PostingPool`` keeps each posting as a tuple of five Python objects (about
190 bytes, its own estimate) and sorts the tuples when the segment is written. A full
build's workers start a new segment when the pool is full, so on a real vocabulary a
build left many segments, and every
segment costs at search time (each query word is looked up in each) and in the build
(a word in many segments is written many times). Here a posting is a term number, a
document number and a weight in arrays and a reference to its value, about 28 bytes, and
the sort is numpy's on those arrays.

A text field's positions come in a whole document field at a time (:meth:`add_positions`)
and stay plain numbers in one array until they are written (:meth:`write`), which hands each
term's postings to the codec at once: a posting no longer passes through a generator, the
pool, a pickle of its positions, the posting writer and an unpickling each on its own (most
of a full build's writing time).

What ``iter_postings`` gives is what Whoosh's pool gives for the same ``add`` calls: the
postings sorted by field, term and document (``tests/test_pool.py``); :meth:`write` writes the
same segment files as Whoosh's ``add_postings`` over them. This pool never spills to disk: it
is for the full build's workers, which start a new segment instead (``indexer/build/segments.py``),
and for small incremental builds (``indexer/format/segment_writer.py``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import chain, repeat

from indexer.format.schema import encode_positions

#: Bytes a posting costs here (term number, document number, weight, value reference),
#: and a distinct term (its key in the dictionary, the key's tuple and bytes, its number).
_POSTING_BYTES = 4 + 4 + 8 + 8 + 4
_TERM_BYTES = 200
_CHUNK = 1 << 16
_SINGLE_COUNT = b"\x00\x00\x00\x01"  # a value of one position: shared between postings (indexer.format.schema)


class CompactPool:
    """The part of Whoosh's ``PostingPool`` a ``SegmentWriter`` uses, for postings added in document order."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], int] = {}  # add's terms -> their number
        self._field_terms: dict[str, dict[str, int]] = {}  # add_positions' terms, by field -> their number
        self._count = 0  # terms numbered so far
        self._term_ids = array("I")
        self._docs = array("I")
        self._weights = array("d")
        self._values: list[bytes | None] = []  # None for a posting whose positions are below
        self._counts = array("I")  # each posting's number of positions (0: its value is in _values)
        self._positions = array("I")  # the positions of add_positions' postings, in the order added
        self.fieldnames: set[str] = set()
        self._value_bytes = 0

    @property
    def currentsize(self) -> int:
        """Bytes the pool holds, about (what a segment worker compares with its memory limit)."""
        return (
            len(self._docs) * _POSTING_BYTES + self._count * _TERM_BYTES + self._value_bytes + 4 * len(self._positions)
        )

    def add(self, item: tuple) -> None:
        """One posting: (field name, term bytes, document number, weight, value bytes or None)."""
        fieldname, text, docnum, weight, value = item
        key = (fieldname, text)
        ident = self._terms.get(key)
        if ident is None:
            ident = self._terms[key] = self._count
            self._count += 1
            self.fieldnames.add(fieldname)
        self._term_ids.append(ident)
        self._docs.append(docnum)
        self._weights.append(weight)
        self._values.append(value)
        self._counts.append(0)
        if value and value[:4] != _SINGLE_COUNT:
            self._value_bytes += 33 + len(value)

    def add_positions(
        self, fieldname: str, docnum: int, terms: dict[str, list[int]], boost: float, fieldboost: float = 1.0
    ) -> int:
        """Every term of one document's field (term -> its ascending positions), as the postings
        ``add`` would get from Whoosh's ``Positions`` format of this field boost, with the writer's
        ``fieldboost`` applied; the sum of their frequencies.

        A field's terms are numbered by their text in a dictionary of the field's own (no key to
        build per term), and everything else goes into the arrays a whole field at a time.
        """
        if not terms:
            return 0
        known = self._known(fieldname)
        words = list(terms)
        idents = list(map(known.get, words))
        if None in idents:
            count = self._count
            for index, ident in enumerate(idents):
                if ident is None:
                    idents[index] = known[words[index]] = count
                    count += 1
            self._count = count
        lengths = list(map(len, terms.values()))
        weights = [length * boost * fieldboost for length in lengths]
        self._append(idents, repeat(docnum, len(words)), weights, lengths, chain.from_iterable(terms.values()))
        return sum(lengths)

    def add_term_positions(
        self, fieldname: str, text: str, docs: list[int], weights: list[float], counts: list[int], positions: list[int]
    ) -> None:
        """One term's postings in a positions field, already weighted (a segment merged in): each
        posting's document, weight and number of positions, and all their positions in order."""
        known = self._known(fieldname)
        ident = known.get(text)
        if ident is None:
            ident = known[text] = self._count
            self._count += 1
        self._append(repeat(ident, len(docs)), docs, weights, counts, positions)

    def _known(self, fieldname: str) -> dict[str, int]:
        """The numbers of a positions field's terms, by their text."""
        known = self._field_terms.get(fieldname)
        if known is None:
            known = self._field_terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        return known

    def _append(self, idents, docs, weights, counts: list[int], positions) -> None:
        """Postings with positions (their values None): term numbers, documents, weights, counts."""
        self._term_ids.extend(idents)
        self._docs.extend(docs)
        self._weights.extend(weights)
        self._counts.extend(counts)
        self._positions.extend(positions)
        self._values.extend(repeat(None, len(counts)))

    def _keys(self) -> list[tuple[str, bytes]]:
        """Each term's (field name, bytes), by its number."""
        keys: list = [None] * self._count
        for key, ident in self._terms.items():
            keys[ident] = key
        for fieldname, known in self._field_terms.items():
            for term, ident in known.items():
                keys[ident] = (fieldname, term.encode("utf-8"))
        return keys

    def _sorted(self):
        """(the keys, and the postings' order: by field name, term and document)."""
        import numpy as np  # here: only a full build's workers use this pool

        mixed = {fieldname for fieldname, _ in self._terms} & self._field_terms.keys()
        if mixed:  # its terms would be numbered twice
            raise ValueError(f"field {sorted(mixed)[0]!r} added to the pool both a posting and a field at a time")
        keys = self._keys()
        order = sorted(range(len(keys)), key=keys.__getitem__)
        rank = np.empty(len(keys), dtype=np.uint32)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(keys), dtype=np.uint32)
        term_ids = np.frombuffer(self._term_ids, dtype=np.uint32)
        docs = np.frombuffer(self._docs, dtype=np.uint32)
        return keys, np.lexsort((docs, rank[term_ids]))

    def _position_starts(self):
        """Where each posting's positions begin in ``_positions``."""
        import numpy as np

        counts = np.frombuffer(self._counts, dtype=np.uint32).astype(np.int64)
        return np.cumsum(counts) - counts

    def iter_postings(self) -> Iterator[tuple]:
        """Every posting as Whoosh's pool gives it: sorted by field name, term and document."""
        if not self._count:
            return
        keys, by_posting = self._sorted()
        starts = self._position_starts().tolist() if self._positions else None
        term_ids, docs, weights, values = self._term_ids, self._docs, self._weights, self._values
        counts, positions = self._counts, self._positions
        for start in range(0, len(by_posting), _CHUNK):  # Python ints a chunk at a time, not all at once
            for index in by_posting[start : start + _CHUNK].tolist():
                fieldname, text = keys[term_ids[index]]
                value = values[index]
                if counts[index]:
                    begin = starts[index]
                    value = encode_positions(positions[begin : begin + counts[index]].tolist())
                yield fieldname, text, docs[index], weights[index], value

    def write(self, fieldwriter, schema) -> None:
        """Write every posting into the segment's term and posting files (what Whoosh's
        ``fieldwriter.add_postings(schema, None, pool.iter_postings())`` writes, faster)."""
        import numpy as np

        from indexer.format.term_writer import TermWriter

        if not self._count:
            return
        keys, by_posting = self._sorted()
        term_ids = np.frombuffer(self._term_ids, dtype=np.uint32)[by_posting]
        boundaries = np.flatnonzero(term_ids[1:] != term_ids[:-1]) + 1
        docs = np.frombuffer(self._docs, dtype=np.uint32)[by_posting]
        weights = np.frombuffer(self._weights, dtype=np.float64)[by_posting]
        counts = np.frombuffer(self._counts, dtype=np.uint32)[by_posting]
        deltas = self._sorted_deltas(by_posting, counts)
        position_ends = np.cumsum(counts, dtype=np.int64)
        firsts = np.concatenate(([0], boundaries)).tolist()
        lasts = np.concatenate((boundaries, [len(by_posting)])).tolist()
        idents = term_ids[firsts].tolist()
        writer = TermWriter(fieldwriter, schema)
        values = self._values
        step = _CHUNK // 8
        # A term's postings as Python lists, a chunk of terms at a time (not all of them at once).
        for chunk in range(0, len(firsts), step):
            starts, stops = firsts[chunk : chunk + step], lasts[chunk : chunk + step]
            first, last = starts[0], stops[-1]
            chunk_docs = docs[first:last].tolist()
            chunk_weights = weights[first:last].tolist()
            chunk_counts = counts[first:last].tolist()
            base = int(position_ends[first - 1]) if first else 0
            chunk_deltas = deltas[base : int(position_ends[last - 1])].tolist()
            order = by_posting[first:last].tolist()
            p = 0  # where the next term's positions begin in chunk_deltas
            for a, b, ident in zip(starts, stops, idents[chunk : chunk + step], strict=True):
                fieldname, text = keys[ident]
                i, j = a - first, b - first
                if chunk_counts[i]:  # a positions field: every posting of the term has positions
                    q = p + sum(chunk_counts[i:j])
                    writer.positions_term(
                        fieldname, text, chunk_docs[i:j], chunk_weights[i:j], chunk_counts[i:j], chunk_deltas[p:q]
                    )
                    p = q
                else:
                    writer.term(fieldname, text, chunk_docs[i:j], chunk_weights[i:j], [values[n] for n in order[i:j]])
        writer.close()

    def _sorted_deltas(self, by_posting, counts):
        """The positions in the postings' sorted order, each posting's as Whoosh's ``Positions``
        stores them: its first position, then the gaps."""
        import numpy as np

        total = int(counts.sum(dtype=np.int64))
        if not total:
            return np.zeros(0, dtype=np.uint32)
        kind = np.int32 if total < 1 << 31 else np.int64  # half the memory for what a segment holds
        flat = np.frombuffer(self._positions, dtype=np.uint32)
        lengths = counts.astype(kind)
        begins = np.cumsum(lengths, dtype=kind) - lengths  # where each posting's positions begin, sorted
        index = np.repeat((self._position_starts()[by_posting] - begins).astype(kind), lengths)
        index += np.arange(total, dtype=kind)
        found = flat[index]
        del index
        deltas = found.copy()
        deltas[1:] -= found[:-1]
        nonempty = begins[lengths > 0]
        deltas[nonempty] = found[nonempty]
        return deltas

    def cleanup(self) -> None:
        """Nothing on disk to remove."""
