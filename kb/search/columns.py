"""A stored column read by document number across every segment, present or not.

Whoosh's multi-segment column reader leaves out the segments that have no value of
the column at all (an incremental update whose new documents are all undated has no
``date`` column), so its document numbers no longer line up with the searcher's: a
look-up ran past the end and every search failed. Here each segment keeps its place
and a segment without the column reads as empty.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator


class AlignedColumn:
    def __init__(self, reader, name: str, default=None):
        self.default = default
        self._offsets: list[int] = []
        self._parts: list = []
        self._counts: list[int] = []
        for leaf, offset in _leaves(reader):
            self._offsets.append(offset)
            present = name in leaf.schema and leaf.has_column(name)
            self._parts.append(leaf.column_reader(name) if present else None)
            self._counts.append(leaf.doc_count_all())

    def __getitem__(self, docnum: int):
        i = bisect.bisect_right(self._offsets, docnum) - 1
        part = self._parts[i] if i >= 0 else None
        if part is None:
            return self.default
        return part[docnum - self._offsets[i]]

    def __iter__(self) -> Iterator:
        for part, count in zip(self._parts, self._counts, strict=True):
            if part is None:
                yield from (self.default for _ in range(count))
            else:
                yield from part

    def __len__(self) -> int:
        return sum(self._counts)


def _leaves(reader) -> list[tuple]:
    leaves = reader.leaf_readers()
    return leaves if leaves else [(reader, 0)]
