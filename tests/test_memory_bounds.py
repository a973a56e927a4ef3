"""Memory a stranger can fill: queries of random words reach every per-process cache's bound, and
then the memory of the engine's own structures levels off (allocations traced, no timing)."""

from __future__ import annotations

import gc
import random
import tracemalloc

import pytest

from indexer.text import analysis
from kb.search import SearchService

LETTERS = "abcdefghijklmnopqrstuvwxyzáéíóöőúüűčěřšžý"
BOUND = 300


@pytest.fixture()
def small_caches():
    analysis.bound_word_caches(BOUND)
    yield
    analysis.bound_word_caches(None)


def _queries(rng: random.Random, count: int) -> list[str]:
    return [
        " ".join("".join(rng.choice(LETTERS) for _ in range(rng.randint(4, 10))) for _ in range(20))
        for _ in range(count)
    ]


def _engine_bytes() -> int:
    """What the engine's own code allocated and still holds (a library's caches aside)."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, "*/indexer/*"), tracemalloc.Filter(True, "*/kb/*")]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


def test_random_word_queries_level_off(corpus_index, small_caches):
    service = SearchService(corpus_index)
    service.postings_limits = (100_000, 1_000)
    rng = random.Random(7)
    for text in _queries(rng, 40):  # every bounded cache full (20 words a query, several languages each)
        service.search(text, snippets=False)
    tracemalloc.start()
    try:
        sizes = []
        for _ in range(5):
            for text in _queries(rng, 15):
                service.search(text, snippets=False)
            sizes.append(_engine_bytes())
    finally:
        tracemalloc.stop()
        service.close()
    for cache in analysis.WORD_CACHES:
        assert cache.cache_info().currsize <= BOUND, cache.__name__
    assert len(service._postings._entries) <= 1_000
    growth = max(sizes[1:]) - sizes[1]
    assert growth < 512 * 1024, sizes  # 300 more random words a batch, nothing more kept


def test_caches_come_back_to_a_builds_size():
    analysis.bound_word_caches(10)
    analysis.bound_word_caches(None)
    assert analysis.weighted_forms.size == 200_000 and analysis.is_dictionary_word.size == 50_000
