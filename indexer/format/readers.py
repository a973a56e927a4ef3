"""Whoosh's private parts the rest of the project needs, each behind a small public function.

Everything outside ``indexer/format/`` reads a segment's files, an index's segment list and a
searcher's caches through these, so a Whoosh upgrade that moves them is fixed here alone.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.searching import Searcher

#: Terms whose idf a searcher keeps (a few hundred bytes each) before it forgets them all.
IDF_CACHE_LIMIT = 200_000


def has_term_file(reader) -> bool:
    """Whether a segment's reader reads W3's term and posting files (the array readers' input)."""
    return isinstance(getattr(reader, "_terms", None), W3TermsReader)


def postings_file(reader):
    """A W3 segment's posting file (a StructFile: ``get(offset, length)``)."""
    return reader._terms._postfile


def whole_postings_file(reader) -> bytes:
    """A W3 segment's whole posting file, in one read (not thread-safe: it seeks the shared file)."""
    postfile = postings_file(reader)
    postfile.seek(0)
    return postfile.read()


def index_segments(ix) -> list:
    """The segments a ``FileIndex``'s latest table of contents lists."""
    return ix._segments()


def bound_idf_cache(searcher: Searcher) -> None:
    """Whoosh never forgets a term's idf on its own: a worker serving for days would grow without end."""
    cache = getattr(searcher, "_idf_cache", None)
    if cache is not None and len(cache) > IDF_CACHE_LIMIT:
        cache.clear()
