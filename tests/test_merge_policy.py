"""indexer.format.merge_policy: an edit merges small segments of one size tier, never a full build's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.format.merge_policy import LARGEST, TIER, choose, tier


def test_tiers():
    assert [tier(n) for n in (1, 3, 4, 15, 16, 63, 64, 1023, 1024)] == [0, 0, 1, 1, 2, 2, 3, 4, 5]


def test_a_full_tier_is_merged_with_the_smaller_ones_and_nothing_else():
    assert choose([5000, 5000, 1, 1]) == []  # with the new segment: three of tier 0
    assert sorted(choose([5000, 1, 5000, 1, 1])) == [1, 3, 4]
    assert sorted(choose([1, 4, 4, 4, 4, 30, 5000])) == [0, 1, 2, 3, 4]  # tier 1 full: tier 0 goes along
    assert choose([1, 4, 4, 4, 30, 30, 30]) == []
    assert choose([LARGEST] * 8 + [1]) == []  # a full build's segments stay


@settings(max_examples=100, deadline=None)
@given(start=st.lists(st.integers(min_value=1, max_value=20_000), min_size=1, max_size=6), edits=st.integers(1, 400))
def test_edit_after_edit_the_segments_stay_few_and_large_ones_are_never_merged(start, edits):
    segments = list(start)
    for _ in range(edits):
        chosen = set(choose(segments))
        assert all(segments[i] < LARGEST for i in chosen)
        segments = [n for i, n in enumerate(segments) if i not in chosen] + [1 + sum(segments[i] for i in chosen)]
        small = [n for n in segments if n < LARGEST]
        assert len(small) <= (TIER - 1) * (tier(LARGEST - 1) + 1) + 1  # at most a tier's worth less one per tier
    assert sum(segments) == sum(start) + edits


def test_the_policy_merges_through_the_writer(content_copy, tmp_path):
    """Edits of one document after another through ``kb index``'s pipeline: every fourth leaves one
    segment of four documents where three of one were, and every document is still found."""
    from whoosh.query import Term

    from indexer import pipeline
    from indexer.generation import storage

    index = tmp_path / "ix"
    pipeline.build(content_copy, index, full=True)
    full = {segment.segment_id() for segment in storage.open_index(index)._segments()}
    with storage.open_index(index).searcher() as searcher:
        documents = searcher.doc_count()
    pages = sorted(path for path in content_copy.rglob("*.md") if path.parent != content_copy)  # no README
    assert len(pages) >= 8
    counts = []
    for number, page in enumerate(pages[:8]):
        page.write_text(page.read_text("utf-8") + f"\nKvarkonyvtar {number}.\n", "utf-8")
        pipeline.build(content_copy, index)
        ix = storage.open_index(index)
        edits = [s.doc_count_all() for s in ix._segments() if s.segment_id() not in full]
        counts.append(sorted(edits))
        with ix.searcher() as searcher:
            assert searcher.doc_count() == documents
            assert searcher.search(Term("words", "kvarkonyvtar"), limit=None).scored_length() == number + 1
    assert counts == [[1], [1, 1], [1, 1, 1], [4], [1, 4], [1, 1, 4], [1, 1, 1, 4], [4, 4]]
