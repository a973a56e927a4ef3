"""Which segments an incremental build's commit merges: small ones of about the same size.

Every edit leaves a segment of its own. Whoosh's default policy (``MERGE_SMALL``) merges
the smallest segments once there are five or so, and so merges the same growing
segment again and again: with a real vocabulary the merge was the slow edit, every
fifth, and the slower the more edits had gone by. Here segments are grouped in tiers
of size (1-3 documents, 4-15, 16-63, ...; counting deleted ones) and a tier is merged
when it holds ``TIER`` segments, so most merges take a handful of small segments and a
larger one comes a tier's size of edits later. A segment of ``LARGEST`` documents or
more (a full build's) is never merged by an edit; ``kb index --full`` rebuilds them.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Segments of one tier merged together (and the ratio of one tier's sizes to the next's).
TIER = 4
#: Documents from which a segment stays as it is until the next full build.
LARGEST = 1024


def tier(documents: int) -> int:
    """A segment's size tier: 0 for 1-3 documents, 1 for 4-15, 2 for 16-63, ..."""
    found = 0
    while documents >= TIER:
        documents //= TIER
        found += 1
    return found


def choose(counts: Sequence[int]) -> list[int]:
    """The indexes of the segments (by their document counts) to merge into the writer's new
    one: the smallest tier that has ``TIER`` segments with the new one counted in it (the new
    segment is of the smallest tier), and any smaller ones; none when no tier is full."""
    tiers: dict[int, list[int]] = {}
    for index, count in enumerate(counts):
        if count < LARGEST:
            tiers.setdefault(tier(count), []).append(index)
    chosen: list[int] = []
    for level in sorted(tiers):
        chosen += tiers[level]
        if len(tiers[level]) + (level == 0) >= TIER:
            return chosen
    return []


def merge_tiers(writer, segments: Sequence) -> list:
    """A Whoosh merge policy (``writer.commit(mergetype=merge_tiers)``): the segments :func:`choose`
    picks are added to ``writer``'s new segment; the rest are returned, to stay."""
    from whoosh.reading import SegmentReader

    chosen = set(choose([segment.doc_count_all() for segment in segments]))
    for index in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[index])
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [segment for index, segment in enumerate(segments) if index not in chosen]
