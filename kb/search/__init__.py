"""The search engine, apart from the web: no Flask here.

``SearchService`` owns the index and the lock (``service``); a query is parsed and
planned once (``plan``), scored by one BM25F (``ranking``, ``indexer.format.bm25``) and
collected by one collector (``collector``, over ``segment_terms``, ``phrases`` and
``matching``); ``facets``, ``snippets``, ``suggest``, ``documents``,
``related`` and ``updates`` are the rest of what the pages and the API read.

What the web layer needs of the index's storage and of the text analysis comes from
here too (``IndexUnavailable``, ``current_generation``, ``LANGUAGES``, ``fold``), so that
it does not reach into :mod:`indexer` for the engine's concerns.
"""

from indexer.generation.storage import IndexUnavailable, current_generation
from indexer.text.analysis import LANGUAGES, fold
from kb.search.results import Hit, SearchResult, decode_stored
from kb.search.service import SearchService

__all__ = [
    "SearchService",
    "SearchResult",
    "Hit",
    "decode_stored",
    "IndexUnavailable",
    "current_generation",
    "LANGUAGES",
    "fold",
]
