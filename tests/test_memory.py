"""What a long-lived worker keeps is bounded and goes with its index generation (issue 16;
bench/memory.py measures the memory itself): the typo indexes per segment, the catalogue's
answers, and the searchers of generations replaced under it."""

from __future__ import annotations

import gc

from whoosh.searching import Searcher

from indexer import pipeline
from kb.search import SearchService, catalogue


def segments_of(service: SearchService) -> set[str]:
    with service.reading() as searcher:
        return {leaf.reader().segment().segment_id() for leaf, _ in searcher.leaf_searchers()}


def covered(service: SearchService) -> set[str]:
    """The segments the service's typo vocabularies cover."""
    return set().union(*service._typo_index)


def test_typo_indexes_are_those_of_the_current_segments_only(content_copy, tmp_path):
    index = tmp_path / "ix"
    pipeline.build(content_copy, index, full=True)
    service = SearchService(index)
    try:
        service.search("tamogatptt lakhatas")  # a typo (not tamogatot, a known stem): typo indexes built
        first = covered(service)
        assert first == segments_of(service)
        for _ in range(3):
            pipeline.build(content_copy, index, full=True)  # a new generation each time
            service.search("tamogatptt lakhatas")
            assert covered(service) == segments_of(service)
        assert not first & covered(service)
        gc.collect()
        live = [o for o in gc.get_objects() if isinstance(o, Searcher) and o.ixreader.is_closed is False]
        assert len(live) < 10, len(live)  # the replaced generations' searchers were let go
    finally:
        service.close()


def test_an_update_keeps_the_big_typo_vocabulary_and_a_rebuild_replaces_it(content_copy, tmp_path):
    """One vocabulary covers a full build's segments; an incremental update adds a small one
    for its new segment (the big one is kept, the same object), and a full rebuild's new
    generation drops them both for one new vocabulary."""
    index = tmp_path / "ix"
    pipeline.build(content_copy, index, full=True)
    service = SearchService(index)
    try:
        service.open()
        ((big_group, big),) = service._typo_index.items()
        assert big_group == segments_of(service)
        page = sorted((content_copy / "hu").rglob("*.md"))[0]
        page.write_text(page.read_text("utf-8") + "\nKvarkonyvtarozas.\n", "utf-8")
        pipeline.build(content_copy, index)
        assert service.search("kvarkonvytarozas").total == 1  # a typo of the new word: found in the new segment
        assert service._typo_index[big_group] is big
        ((small_group, small),) = [(g, v) for g, v in service._typo_index.items() if g != big_group]
        assert small_group == segments_of(service) - big_group and len(small) < len(big)
        lo, hi = small.starting("kvarkonyvtarozas")
        assert hi > lo and small.word(lo) == "kvarkonyvtarozas"
        pipeline.build(content_copy, index, full=True)
        service.search("tamogatptt lakhatas")
        ((group, vocabulary),) = service._typo_index.items()
        assert group == segments_of(service) and not group & (big_group | small_group)
        assert vocabulary is not big and vocabulary is not small
    finally:
        service.close()


def test_merged_segments_lose_their_typo_vocabularies_and_the_others_stay(content_copy, tmp_path):
    """Whoosh merges small segments once there are a few of them (on this small corpus, the
    full build's too): a vocabulary whose segments all remain is kept, the same object; those
    of merged segments go, and the segments no vocabulary covers get one."""
    index = tmp_path / "ix"
    pipeline.build(content_copy, index, full=True)
    service = SearchService(index)
    try:
        service.open()
        page = sorted((content_copy / "hu").rglob("*.md"))[0]
        most = kept = 0
        for number in range(8):
            before = dict(service._typo_index)
            page.write_text(page.read_text("utf-8") + f"\nKvarkonyvtar {number}.\n", "utf-8")
            pipeline.build(content_copy, index)
            service.search("kvarkonvytar")
            segments = segments_of(service)
            assert covered(service) == segments
            assert sum(len(group) for group in service._typo_index) == len(segments)  # no segment twice
            for group, vocabulary in before.items():
                assert (service._typo_index.get(group) is vocabulary) == (group <= segments)
                kept += group <= segments
            most = max(most, len(segments))
        assert len(segments_of(service)) < most and kept  # segments were merged on the way, others kept
    finally:
        service.close()


def test_the_catalogues_answers_are_bounded(corpus_index):
    service = SearchService(corpus_index)
    for page in range(1, catalogue._MEMO_LIMIT + 50):
        service.editors(page=page)
    assert len(service.catalogue._memo[1]) <= catalogue._MEMO_LIMIT
    assert service.editors(page=1).total > 0
