"""Housekeeping for a long-lived Whoosh searcher."""

from __future__ import annotations

from whoosh.searching import Searcher

IDF_CACHE_LIMIT = 200_000  # terms; about 40 MB


def bound_idf_cache(searcher: Searcher) -> None:
    """Whoosh never forgets a term's idf on its own: a worker serving for days would grow without end."""
    cache = getattr(searcher, "_idf_cache", None)
    if cache is not None and len(cache) > IDF_CACHE_LIMIT:
        cache.clear()
