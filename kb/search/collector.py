"""Score a query of words over whole segments at once, as arrays (numpy).

Why: a query word becomes a disjunction of about twenty terms, and a common word
matches thousands of documents. Whoosh walks matchers posting by posting, then the
collector document by document: at 50,000 documents a two-word query matching half
of them took 150 ms. Here each term's posting blocks are decoded into arrays, BM25
is computed for all of them in one expression, the words are combined with array
operations (AND: every word matched; OR: any), and the top hits are picked with a
partial sort. Scores are the same as Whoosh's (``tests/test_dense.py``).

This is the engine's one collector (:func:`collect`): a query plan's clauses are
each evaluated to a score array and a match mask per segment — words and their
near spellings as above, anything else (phrases) through Whoosh's own matcher for
that clause — and documents are ranked by how many clauses they match (coverage),
then by how many of those they match directly rather than through the glossary or
a near spelling, then by BM25F with the recency factor.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.searching import Results, Searcher

from indexer.format.codec import posting_arrays, posting_positions, read_list, value_positions
from indexer.format.terms import TermTable
from kb.search import phrases
from kb.search.matching import BulkOr
from kb.search.ranking import RecencyBM25F


class MatchedResults(Results):
    """Whoosh's Results for the top hits, with every matching document number
    (``matched_docnums``, for the facet counts), which also gives the count: Whoosh's
    own Results would run the query again to count."""

    def __init__(self, searcher, q, top_n, matched_docnums: np.ndarray):
        super().__init__(searcher, q, top_n)
        self.matched_docnums = matched_docnums  # global document numbers

    def __len__(self) -> int:
        return len(self.matched_docnums)

    def estimated_length(self) -> int:
        return len(self)

    def is_empty(self) -> bool:
        return not len(self)


@dataclass(slots=True)
class _Term:
    """One term's decoded postings in one segment, with what its BM25 needs."""

    ids: np.ndarray  # int32 document numbers within the segment
    weights: np.ndarray  # float32, as stored
    lengths: np.ndarray  # the field's length of each of those documents
    idf: float
    avgfl: float
    k1: float
    b: float

    @property
    def size(self) -> int:
        return len(self.ids)

    def bm25(self, boost: float) -> np.ndarray:
        """Each posting's BM25F score (Whoosh's formula), times ``boost``."""
        weights = self.weights.astype(np.float64)
        per_length = self.k1 * self.b / self.avgfl
        scale = self.idf * (self.k1 + 1) * boost
        return scale * weights / (weights + self.k1 * (1 - self.b) + per_length * self.lengths)


class PostingsCache:
    """Decoded postings of recently searched terms: up to ``budget`` postings (12 bytes each,
    48 MB by default) in up to ``max_entries`` terms.

    Why: reading and decoding posting lists is much of a search, and the words people
    search for recur. Belongs to one searcher: BM25's
    statistics are the index's, so a new index generation starts an empty cache.
    """

    def __init__(self, budget: int = 4_000_000, max_entries: int = 100_000):
        self.budget = budget
        self.max_entries = max_entries  # absent terms are remembered too (as None); about 700 bytes each at most
        self.size = 0
        self._entries: OrderedDict[tuple, _Term | None] = OrderedDict()

    def get(self, key: tuple):
        entry = self._entries.get(key, _MISSING)
        if entry is not _MISSING:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple, entry: _Term | None) -> None:
        if entry is not None and entry.size > self.budget // 4:
            return  # one huge list would push out everything else
        self._entries[key] = entry
        self.size += entry.size if entry is not None else 0
        while self.size > self.budget or len(self._entries) > self.max_entries:
            _, old = self._entries.popitem(last=False)
            self.size -= old.size if old is not None else 0


_MISSING = object()


def supports(q: Q.Query) -> bool:
    """Whether ``q`` is evaluated from decoded postings: a word, or an AND / OR of words (else Whoosh's matcher)."""
    if isinstance(q, BulkOr):
        return all(type(sub) is Q.Term for sub in q.subqueries)
    if type(q) in (Q.And, Q.Or):
        return bool(q.subqueries) and all(isinstance(sub, BulkOr) and supports(sub) for sub in q.subqueries)
    return False


@dataclass
class ClauseQueries:
    """One clause of a plan as the collector sees it: the query for its own words (None: nothing
    can match them) and alternative queries (glossary labels), which count for coverage too."""

    direct: Q.Query | None
    alternatives: list[Q.Query]
    #: Its words are near spellings or completions of what was typed: a match counts for coverage
    #: but not as a direct one, so a document holding the typed words ranks above it.
    near: bool = False


@dataclass
class Collected:
    results: MatchedResults
    clauses: int  # how many clauses the query has
    best: int  # the most clauses any allowed document matches
    required: int  # how many clauses a document had to match to be counted
    #: For each top hit found through an alternative: (clause, alternative) pairs.
    via: dict[int, list[tuple[int, int]]]


def search(
    searcher: Searcher,
    q: Q.Query,
    top: int,
    allow: Iterable[int] | None = None,
    cache: PostingsCache | None = None,
) -> MatchedResults | None:
    """The ``top`` best documents for ``q`` alone (one clause), or None when ``q`` is not a word
    or an AND / OR of words. What the equivalence tests hold to Whoosh's own answers."""
    if not supports(q):
        return None
    return collect(searcher, [ClauseQueries(q, [])], top, allow, cache).results


def collect(
    searcher: Searcher,
    clauses: list[ClauseQueries],
    top: int,
    allow: Iterable[int] | None = None,
    cache: PostingsCache | None = None,
    required: Callable[[int, int], int] = lambda clauses, best: max(1, best),
) -> Collected:
    """The ``top`` best documents for a plan's clauses (no clauses: every allowed document).

    ``allow``: the global document numbers a filter lets through (None: all).
    ``cache``: decoded postings kept between searches of the same searcher.
    ``required(clauses, best)``: how many clauses a document must match, given the best coverage.
    """
    weighting = searcher.weighting
    if not isinstance(weighting, RecencyBM25F):
        raise TypeError("the collector needs the RecencyBM25F weighting")
    boosts = np.frombuffer(weighting.boosts(searcher), dtype=np.float64)
    allowed = None
    if allow is not None:
        allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
        allowed[np.fromiter(allow, dtype=np.int64)] = True
    context = searcher.context(weighting=weighting)
    leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if sub.doc_count_all()]
    terms = _Terms(searcher, [sub.reader() for sub, _ in leaves], cache)
    segments = []
    best = 0
    for leaf, (subsearcher, offset) in enumerate(leaves):
        count = subsearcher.doc_count_all()
        live = np.ones(count, dtype=bool)
        reader = subsearcher.reader()
        if reader.has_deletions():
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            live[deleted[deleted < count]] = False
        if allowed is not None:
            live &= allowed[offset : offset + count]
        evaluated = _evaluate_clauses(clauses, subsearcher, context, count, terms.segment(leaf))
        coverage = evaluated[1]
        if clauses and live.any():
            best = max(best, int(coverage[live].max()))
        segments.append((offset, count, live, evaluated))
    needed = required(len(clauses), best) if clauses else 0
    best_keys, best_scores, best_docs, matched = [], [], [], []
    via: dict[int, list[tuple[int, int]]] = {}
    for offset, _count, live, (scores, coverage, direct, masks) in segments:
        mask = live & (coverage >= needed) if clauses else live
        docs = np.flatnonzero(mask)
        if not len(docs):
            continue
        final = scores[docs] * boosts[offset + docs]
        # Coverage first, then direct coverage, then the score: one sortable key.
        tier = coverage[docs].astype(np.float64) * (len(clauses) + 1) + direct[docs]
        key = tier * 1e9 + final
        if len(docs) > top:
            # Everything at least the top-th key, so ties are settled as Whoosh does.
            threshold = np.partition(key, len(key) - top)[len(key) - top]
            keep = key >= threshold
            key, final, kept, tier = key[keep], final[keep], docs[keep], tier[keep]
        else:
            kept = docs
        best_keys.append(key)
        best_scores.append((final, tier))
        best_docs.append(kept + offset)
        matched.append(docs + offset)
        for index, (direct_mask, alternative_masks) in enumerate(masks):
            for alt, alt_mask in enumerate(alternative_masks):
                alt_hits = alt_mask[kept]
                if direct_mask is not None:  # (a clause whose own words the index lacks has no direct mask)
                    alt_hits &= ~direct_mask[kept]
                hits = kept[alt_hits]
                for docnum in hits:
                    via.setdefault(int(docnum) + offset, []).append((index, alt))
    if not matched:
        empty = MatchedResults(searcher, Q.NullQuery, [], np.zeros(0, dtype=np.int64))
        return Collected(empty, len(clauses), best, needed, {})
    all_docs = np.concatenate(best_docs)
    all_final = np.concatenate([f for f, _ in best_scores])
    all_tiers = np.concatenate([t for _, t in best_scores])
    order = np.lexsort((all_docs, -all_final, -all_tiers))[:top]  # best first; equal scores by document number
    # Reported scores keep that order: a higher tier is lifted above every score of the tiers below.
    lift = _tier_lifts(all_tiers[order], all_final[order])
    top_n = [(float(all_final[i] + lift[k]), int(all_docs[i])) for k, i in enumerate(order)]
    return Collected(
        MatchedResults(searcher, Q.NullQuery, top_n, np.concatenate(matched)),
        len(clauses),
        best,
        needed,
        {d: v for d, v in via.items() if d in {doc for _, doc in top_n}},
    )


def _tier_lifts(tiers: np.ndarray, finals: np.ndarray) -> np.ndarray:
    """What to add to each score (in rank order) so a higher tier always scores higher;
    nothing when every hit is in one tier, so plain searches report BM25F as it is."""
    lifts = np.zeros(len(tiers))
    if len(tiers) == 0 or tiers.min() == tiers.max():
        return lifts
    levels = np.unique(tiers)  # ascending
    lift = 0.0
    for level in levels:
        in_level = tiers == level
        lifts[in_level] = lift
        lift = float((finals[in_level] + lift).max()) + 1.0
    return lifts


def _evaluate_clauses(clauses: list[ClauseQueries], searcher: Searcher, context, count: int, terms) -> tuple:
    """Per segment: summed scores, coverage, direct coverage, and each clause's masks."""
    scores = np.zeros(count, dtype=np.float64)
    coverage = np.zeros(count, dtype=np.int32)
    direct = np.zeros(count, dtype=np.int32)
    masks = []
    for clause in clauses:
        direct_scores, direct_mask = _any(clause.direct, searcher, context, count, terms)
        matched = direct_mask.copy() if direct_mask is not None else np.zeros(count, dtype=bool)
        if direct_mask is not None:
            scores += direct_scores
            if not clause.near:
                direct += direct_mask
        alternative_masks = []
        for alternative in clause.alternatives:
            alt_scores, alt_mask = _any(alternative, searcher, context, count, terms)
            if alt_mask is None:
                alt_mask = np.zeros(count, dtype=bool)
            else:
                # Only where the clause's own words are absent: a glossary label adds no score to a direct hit.
                scores += np.where(matched, 0.0, alt_scores)
            alternative_masks.append(alt_mask)
            matched |= alt_mask
        coverage += matched
        masks.append((direct_mask, alternative_masks))
    if not clauses:
        scores[:] = 1.0
    return scores, coverage, direct, masks


def _any(q: Q.Query | None, searcher: Searcher, context, count: int, terms) -> tuple:
    """Scores and match mask of any query in one segment: from postings when it is words, else Whoosh's matcher."""
    if q is None:
        return None, None
    if supports(q):
        return _evaluate(q, searcher, context, count, terms)
    if type(q) is Q.Or:  # a phrase clause: its exact and per-language parts, each the fastest way
        return _combine([_any(sub, searcher, context, count, terms) for sub in q.subqueries], False, q.boost)
    evaluated = phrases.evaluate(q, terms, count)
    if evaluated is not None:
        return evaluated
    matcher = q.matcher(searcher, context)
    if not matcher.is_active():
        return None, None
    scores = np.zeros(count, dtype=np.float64)
    mask = np.zeros(count, dtype=bool)
    while matcher.is_active():
        docnum = matcher.id()
        scores[docnum] += matcher.score()
        mask[docnum] = True
        matcher.next()
    return scores, mask


def _evaluate(q: Q.Query, searcher: Searcher, context, count: int, terms: _SegmentTerms) -> tuple:
    """Scores and the match mask of ``q`` in one segment ((None, None) when nothing can match)."""
    if isinstance(q, BulkOr):
        scores = np.zeros(count, dtype=np.float64)
        found = False
        for sub in q.subqueries:
            term = terms.get(sub)
            if term is _MISSING:  # not the codec's postings or not BM25F: scored the generic way
                found = _score_generic(sub, searcher, context, q.boost, scores) or found
            elif term is not None:
                scores[term.ids] += term.bm25(q.boost * sub.boost)
                found = True
        return (scores, scores > 0) if found else (None, None)
    parts = [_evaluate(sub, searcher, context, count, terms) for sub in q.subqueries]
    return _combine(parts, type(q) is Q.And, q.boost)


def _combine(parts: list[tuple], conjunction: bool, boost: float) -> tuple:
    """An AND (every part matched) or OR of parts' (scores, mask), their scores summed as Whoosh's matchers do."""
    present = [part for part in parts if part[0] is not None]
    if not present or (conjunction and len(present) < len(parts)):
        return None, None
    scores = present[0][0]
    mask = present[0][1]
    for other_scores, other_mask in present[1:]:
        scores = scores + other_scores
        mask = (mask & other_mask) if conjunction else (mask | other_mask)
    if boost != 1.0:
        scores = scores * boost
    return scores, mask


class _Terms:
    """The terms of one search, each looked up once in every segment.

    Why: Whoosh looks a term up three times in a segment where it is (is it there, its
    info, its postings), and its idf once more in every segment; one look-up per
    segment gives the postings' place and, summed, the index-wide document frequency.
    A segment's decoded postings are kept in the searcher's :class:`PostingsCache`.
    """

    def __init__(self, searcher: Searcher, readers: list, cache: PostingsCache | None):
        self.searcher = searcher
        self.readers = readers
        self.cache = cache
        self.weighting = searcher.weighting
        # Whoosh's idf formula, unless a weighting has its own (then every term goes the generic way).
        self.fast = type(self.weighting).idf is scoring.WeightingModel.idf and all(
            isinstance(getattr(r, "_terms", None), W3TermsReader) for r in readers
        )
        self.tables = [TermTable(reader) for reader in readers]
        self._infos: dict[tuple[str, str], tuple[list, float]] = {}
        self._averages: dict[str, float] = {}

    def average_length(self, fieldname: str) -> float:
        """The field's average length over the index (BM25F's), once per search."""
        average = self._averages.get(fieldname)
        if average is None:
            average = self._averages[fieldname] = self.searcher.avg_field_length(fieldname) or 1
        return average

    def segment(self, leaf: int) -> _SegmentTerms:
        return _SegmentTerms(self, leaf)

    def infos(self, fieldname: str, text: str) -> tuple[list, float]:
        """The term's info in each segment (None where it is not) and its idf over the index."""
        key = (fieldname, text)
        found = self._infos.get(key)
        if found is None:
            infos = [table.info(fieldname, text) for table in self.tables]
            frequency = sum(info.doc_frequency() for info in infos if info is not None)
            idf = math.log(self.searcher.doc_count_all() / (frequency + 1)) + 1
            found = self._infos[key] = (infos, idf)
        return found


class _SegmentTerms:
    """:class:`_Terms` as one segment sees them."""

    missing = _MISSING

    def __init__(self, terms: _Terms, leaf: int):
        self.terms = terms
        self.leaf = leaf
        self.reader = terms.readers[leaf]
        self.segment_id = self.reader.segment().segment_id()

    def info(self, sub: Q.Term):
        """The term's info in this segment (None: not here; _MISSING: a term the array path does not read)."""
        terms = self.terms
        fieldobj = terms.searcher.schema[sub.fieldname] if sub.fieldname in terms.searcher.schema else None
        if not terms.fast or fieldobj is None or not fieldobj.scorable:
            return _MISSING
        return terms.infos(sub.fieldname, sub.text)[0][self.leaf]

    def positions(self, sub: Q.Term, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of each of the term's positions in the documents where ``wanted``."""
        info = self.info(sub)
        if info.is_inlined():
            ids, _, values = info.inlined_postings()
            return value_positions(ids, values, wanted)
        return posting_positions(read_list(self.reader._terms._postfile, info), wanted)

    def get(self, sub: Q.Term):
        """The term's postings here (None: not here; _MISSING: to be scored the generic way)."""
        cache = self.terms.cache
        key = (self.segment_id, sub.fieldname, sub.text)
        term = cache.get(key) if cache is not None else _MISSING
        if term is _MISSING:
            term = self._read(sub)
            if cache is not None and term is not _MISSING:
                cache.put(key, term)
        return term

    def _read(self, sub: Q.Term):
        terms, reader = self.terms, self.reader
        info = self.info(sub)
        if info is None or info is _MISSING:
            return info
        idf = terms.infos(sub.fieldname, sub.text)[1]
        if info.is_inlined():
            inlined_ids, inlined_weights, _ = info.inlined_postings()
            ids = np.array(inlined_ids, dtype=np.int32)
            weights = np.array(inlined_weights, dtype=np.float32)
        else:
            ids, weights = posting_arrays(read_list(reader._terms._postfile, info))
        weighting = terms.weighting
        lengths = np.frombuffer(weighting.field_lengths(reader, sub.fieldname), dtype=np.uint32)
        return _Term(
            ids=ids,
            weights=weights,
            lengths=lengths[ids],
            idf=idf,
            avgfl=terms.average_length(sub.fieldname),
            k1=weighting.K1,
            b=weighting._field_B.get(sub.fieldname, weighting.B),
        )


def _score_generic(sub: Q.Term, searcher: Searcher, context, boost: float, scores: np.ndarray) -> bool:
    """Add a term's scores posting by posting, through Whoosh's matcher (a field or weighting
    the array path does not know); whether it matched anything."""
    matcher = sub.matcher(searcher, context)
    found = matcher.is_active()
    while matcher.is_active():
        scores[matcher.id()] += matcher.score() * boost
        matcher.next()
    return found
