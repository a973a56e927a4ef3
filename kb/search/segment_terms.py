"""A search's terms, each looked up once per segment, and their decoded postings kept between searches.

Why: Whoosh looks a term up three times in a segment where it is (is it there, its info, its
postings), and its idf once more in every segment; one look-up per segment
(:class:`indexer.format.term_file.TermTable`) gives the postings' place and, summed, the
index-wide document frequency. A segment's decoded postings, with what BM25 needs of them,
are kept in the searcher's :class:`PostingsCache`: the words people search for recur.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.searching import Searcher

from indexer.format.bm25 import BM25, idf
from indexer.format.postings import posting_arrays, posting_positions, read_list, value_positions
from indexer.format.readers import has_term_file, postings_file
from indexer.format.term_file import TermTable

#: What a term the array path does not read stands for (then Whoosh's matcher scores it).
MISSING = object()


@dataclass(slots=True)
class TermPostings:
    """One term's decoded postings in one segment, each with its BM25 score (Whoosh's BM25F
    scorer's: the index's statistics are the searcher's, which the cache belongs to)."""

    ids: np.ndarray  # int32 document numbers within the segment
    bm25: np.ndarray  # float64, each posting's score before any boost

    @property
    def size(self) -> int:
        return len(self.ids)

    def scores(self, boost: float) -> np.ndarray:
        """Each posting's score times ``boost`` (not to be changed in place)."""
        return self.bm25 * boost if boost != 1.0 else self.bm25


class PostingsCache:
    """Decoded postings of recently searched terms: up to ``budget`` postings (12 bytes each,
    48 MB by default) in up to ``max_entries`` terms.

    Belongs to one searcher: BM25's statistics are the index's, so a new index generation
    starts an empty cache.
    """

    def __init__(self, budget: int = 4_000_000, max_entries: int = 100_000):
        self.budget = budget
        self.max_entries = max_entries  # absent terms are remembered too (as None); about 700 bytes each at most
        self.size = 0
        self._entries: OrderedDict[tuple, TermPostings | None] = OrderedDict()

    def get(self, key: tuple):
        entry = self._entries.get(key, MISSING)
        if entry is not MISSING:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: TermPostings | None) -> None:
        if entry is not None and entry.size > self.budget // 4:
            return  # one huge list would push out everything else
        self._entries[key] = entry
        self.size += entry.size if entry is not None else 0
        while self.size > self.budget or len(self._entries) > self.max_entries:
            _, old = self._entries.popitem(last=False)
            self.size -= old.size if old is not None else 0


class Terms:
    """The terms of one search, each looked up once in every segment (see the module's docstring)."""

    def __init__(self, searcher: Searcher, readers: list, cache: PostingsCache | None):
        self.searcher = searcher
        self.readers = readers
        self.cache = cache
        self.weighting = searcher.weighting
        # Whoosh's idf formula, unless a weighting has its own (then every term goes the generic way).
        self.fast = type(self.weighting).idf is scoring.WeightingModel.idf and all(map(has_term_file, readers))
        self.tables = [TermTable(reader) for reader in readers]
        self._infos: dict[tuple[str, str], tuple[list, float]] = {}
        self._bm25: dict[str, BM25] = {}

    def bm25(self, fieldname: str) -> BM25:
        """The field's BM25 parameters, its average length over the index included, once per search."""
        found = self._bm25.get(fieldname)
        if found is None:
            average = self.searcher.avg_field_length(fieldname) or 1
            found = self._bm25[fieldname] = BM25.of(self.weighting, fieldname, average)
        return found

    def segment(self, leaf: int) -> SegmentTerms:
        return SegmentTerms(self, leaf)

    def infos(self, fieldname: str, text: str) -> tuple[list, float]:
        """The term's info in each segment (None where it is not) and its idf over the index."""
        key = (fieldname, text)
        found = self._infos.get(key)
        if found is None:
            infos = [table.info(fieldname, text) for table in self.tables]
            frequency = sum(info.doc_frequency() for info in infos if info is not None)
            found = self._infos[key] = (infos, idf(self.searcher.doc_count_all(), frequency))
        return found


class SegmentTerms:
    """:class:`Terms` as one segment sees them."""

    missing = MISSING

    def __init__(self, terms: Terms, leaf: int):
        self.terms = terms
        self.leaf = leaf
        self.reader = terms.readers[leaf]
        self.segment_id = self.reader.segment().segment_id()

    def info(self, sub: Q.Term):
        """The term's info in this segment (None: not here; MISSING: a term the array path does not read)."""
        terms = self.terms
        fieldobj = terms.searcher.schema[sub.fieldname] if sub.fieldname in terms.searcher.schema else None
        if not terms.fast or fieldobj is None or not fieldobj.scorable:
            return MISSING
        return terms.infos(sub.fieldname, sub.text)[0][self.leaf]

    def positions(self, sub: Q.Term, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of each of the term's positions in the documents where ``wanted``."""
        info = self.info(sub)
        if info.is_inlined():
            ids, _, values = info.inlined_postings()
            return value_positions(ids, values, wanted)
        return posting_positions(read_list(postings_file(self.reader), info), wanted)

    def get(self, sub: Q.Term):
        """The term's postings here (None: not here; MISSING: to be scored the generic way)."""
        cache = self.terms.cache
        key = (self.segment_id, sub.fieldname, sub.text)
        term = cache.get(key) if cache is not None else MISSING
        if term is MISSING:
            term = self._read(sub)
            if cache is not None and term is not MISSING:
                cache.put(key, term)
        return term

    def _read(self, sub: Q.Term):
        terms, reader = self.terms, self.reader
        info = self.info(sub)
        if info is None or info is MISSING:
            return info
        if info.is_inlined():
            inlined_ids, inlined_weights, _ = info.inlined_postings()
            ids = np.array(inlined_ids, dtype=np.int32)
            weights = np.array(inlined_weights, dtype=np.float32)
        else:
            ids, weights = posting_arrays(read_list(postings_file(reader), info))
        lengths = np.frombuffer(terms.weighting.field_lengths(reader, sub.fieldname), dtype=np.uint32)
        bm25 = terms.bm25(sub.fieldname)
        idf = terms.infos(sub.fieldname, sub.text)[1]
        return TermPostings(ids=ids, bm25=bm25.scores(idf, weights, bm25.norms(lengths[ids])))
