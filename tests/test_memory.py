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


def test_typo_indexes_are_those_of_the_current_segments_only(content_copy, tmp_path):
    index = tmp_path / "ix"
    pipeline.build(content_copy, index, full=True)
    service = SearchService(index)
    try:
        service.search("tamogatot lakhatas")  # a typo: the typo indexes are built
        first = set(service._typo_index)
        assert first == segments_of(service)
        for _ in range(3):
            pipeline.build(content_copy, index, full=True)  # a new generation each time
            service.search("tamogatot lakhatas")
            assert set(service._typo_index) == segments_of(service)
        assert not first & set(service._typo_index)
        gc.collect()
        live = [o for o in gc.get_objects() if isinstance(o, Searcher) and o.ixreader.is_closed is False]
        assert len(live) < 10, len(live)  # the replaced generations' searchers were let go
    finally:
        service.close()


def test_the_catalogues_answers_are_bounded(corpus_index):
    service = SearchService(corpus_index)
    for page in range(1, catalogue._MEMO_LIMIT + 50):
        service.editors(page=page)
    assert len(service.catalogue._memo[1]) <= catalogue._MEMO_LIMIT
    assert service.editors(page=1).total > 0
