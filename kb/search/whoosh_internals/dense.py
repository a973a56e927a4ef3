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
then by how many of those they match directly rather than through the glossary,
then by BM25F with the recency factor.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermsReader
from whoosh.matching import IntersectionMatcher, NullMatcher, WrappingMatcher
from whoosh.query import spans
from whoosh.searching import Results, Searcher
from whoosh.util import make_binary_tree

from kb.search.whoosh_internals.matching import BulkOr
from kb.search.whoosh_internals.ranking import RecencyBM25F
from kb.search.whoosh_internals.terms import TermTable


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


class PostingsCache:
    """Decoded postings of recently searched terms: up to ``budget`` postings (12 bytes each,
    48 MB by default) in up to ``max_entries`` terms.

    Why: decoding posting blocks (unzip and unpickle, positions included) is most of a
    search, and the words people search for recur. Belongs to one searcher: BM25's
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
_BLOCK_LENGTH = struct.Struct("!i")


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
    matcher = _phrase_matcher(q, searcher, context, terms)
    if matcher is _MISSING:
        matcher = q.matcher(searcher, context)
    elif matcher is None:
        return None, None
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
                factor = q.boost * sub.boost
                scale = term.idf * (term.k1 + 1) * factor
                weights = term.weights.astype(np.float64)
                per_length = term.k1 * term.b / term.avgfl
                scores[term.ids] += scale * weights / (weights + term.k1 * (1 - term.b) + per_length * term.lengths)
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


def _phrase_matcher(q: Q.Query, searcher: Searcher, context, terms: _SegmentTerms):
    """Whoosh's matcher for a phrase (Phrase or SpanNear2 of terms), walking its words rarest first;
    None when a word has no form in this segment; _MISSING for any other query.

    Why: Whoosh intersects a phrase's words in the order typed, so in ``"etnóhoz és az"`` it
    walks the two function words, which every document has, one document at a time. The
    spans are checked in the phrase's order as before; only the walk to the documents
    having every word starts from the rarest (``tests/test_dense.py``: same hits, same scores).
    """
    parts = _phrase_parts(q)
    if parts is None:
        return _MISSING
    frequencies, matchers = [], []
    for part in parts:
        infos = [terms.info(term) for term in part]
        if any(info is _MISSING or (info is not None and info.is_inlined()) for info in infos):
            return _MISSING
        leaves = [_leaf(term, info, searcher, context, terms) for term, info in zip(part, infos, strict=True) if info]
        if not leaves:
            return None
        frequencies.append(sum(info.doc_frequency() for info in infos if info is not None))
        if isinstance(q, Q.Phrase) or type(q.qs[len(matchers)]) is Q.Term:
            matchers.append(leaves[0])
        else:  # a SpanOr of forms: Whoosh merges each one's touching spans, even for a single form
            matchers.append(make_binary_tree(spans.SpanOr.SpanOrMatcher, leaves + [NullMatcher()] * (len(leaves) == 1)))
    if isinstance(q, Q.Phrase):
        matcher = _RarestFirstSpanNear(matchers, frequencies, slop=q.slop, ordered=True, mindist=1)
        return WrappingMatcher(matcher, boost=q.boost) if q.boost != 1.0 else matcher
    return _RarestFirstSpanNear(matchers, frequencies, slop=q.slop, ordered=q.ordered, mindist=q.mindist)


def _leaf(term: Q.Term, info, searcher: Searcher, context, terms: _SegmentTerms):
    """A term's leaf matcher from its looked-up info, scored as Whoosh scores it (its idf given to
    the searcher's cache, so the scorer need not look the term up in every segment again).
    Deleted documents are left in: the collector masks them."""
    fieldobj = searcher.schema[term.fieldname]
    text = fieldobj.to_bytes(term.text)
    searcher._idf_cache.setdefault((term.fieldname, text), terms.terms.infos(term.fieldname, term.text)[1])
    weighting = context.weighting if context is not None else searcher.weighting
    scorer = weighting.scorer(searcher, term.fieldname, text)
    offset, length = info.extent()
    postfile = terms.reader._terms._postfile
    leaf = W3LeafMatcher(postfile, offset, length, fieldobj.format, term=(term.fieldname, text), scorer=scorer)
    return WrappingMatcher(leaf, boost=term.boost) if term.boost != 1.0 else leaf


class _RarestFirstSpanNear(spans.SpanNear2.SpanNear2Matcher):
    """SpanNear2's matcher whose intersection of the words starts from the rarest one."""

    def __init__(self, ms, frequencies: list[int], slop: int = 1, ordered: bool = True, mindist: int = 1):
        self.ms = ms
        self.slop = slop
        self.ordered = ordered
        self.mindist = mindist
        self._frequencies = frequencies
        walk = [ms[i] for i in sorted(range(len(ms)), key=frequencies.__getitem__)]
        spans.SpanWrappingMatcher.__init__(self, make_binary_tree(IntersectionMatcher, walk))

    def copy(self):
        return self.__class__([m.copy() for m in self.ms], self._frequencies, self.slop, self.ordered, self.mindist)


def _phrase_parts(q: Q.Query) -> list[list[Q.Term]] | None:
    """A phrase's words as lists of the terms each may be (None: not a phrase of terms)."""
    if isinstance(q, Q.Phrase):
        return [[Q.Term(q.fieldname, word)] for word in q.words]
    if type(q) is not spans.SpanNear2:
        return None
    parts = []
    for part in q.qs:
        alternatives = [part] if type(part) is Q.Term else getattr(part, "subqs", None)
        if not alternatives or not all(type(term) is Q.Term for term in alternatives):
            return None
        parts.append(alternatives)
    return parts


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
        fieldobj = terms.searcher.schema[sub.fieldname] if sub.fieldname in terms.searcher.schema else None
        if not terms.fast or fieldobj is None or not fieldobj.scorable:
            return _MISSING
        infos, idf = terms.infos(sub.fieldname, sub.text)
        info = infos[self.leaf]
        if info is None:
            return None
        if info.is_inlined():
            inlined_ids, inlined_weights, _ = info.inlined_postings()
            ids = np.array(inlined_ids, dtype=np.int32)
            weights = np.array(inlined_weights, dtype=np.float32)
        else:
            ids, weights = extent_postings(reader._terms._postfile, *info.extent())
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


def extent_postings(postfile, offset: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every document number and weight of a posting list, from one read of its bytes.

    Why: Whoosh's leaf matcher reads each block's header with ``pickle.load`` on the
    file itself, some thirty small reads a block; here the list's bytes are read at once.
    The layout (W3PostingsWriter): a magic tag, then blocks of a signed big-endian length
    (negative for the last block), a pickled info tuple (count, last id, max weight,
    compression, lengths) and the (compressed) pickled (id deltas, weights, values).
    """
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length in a 1-tuple
        (length,) = length
    data = postfile.get(offset, length)
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError(f"not a posting list at {offset}")
    stream = io.BytesIO(data)
    id_blocks, weight_blocks, firsts, previous = [], [], [], []
    position, last, total, more = 4, 0, 0, True
    while more:
        size = _BLOCK_LENGTH.unpack_from(data, position)[0]
        more = size > 0
        end = position + 4 + abs(size)
        stream.seek(position + 4)
        count, maxid, _, compression, _, _ = pickle.load(stream)
        block = data[stream.tell() : end]
        deltas, weights, _ = pickle.loads(zlib.decompress(block) if compression else block)
        firsts.append(total)
        previous.append(last)
        total += count
        id_blocks.append(deltas)
        weight_blocks.append(_block_weights(weights, count))
        last, position = maxid, end
    return _decode(id_blocks, weight_blocks, firsts, previous, total)


def _block_weights(weights, count: int):
    """A block's weights as Whoosh minifies them: None (all 1.0), one float (all equal) or each."""
    if weights is None:
        return itertools.repeat(1.0, count)
    if isinstance(weights, float):
        return itertools.repeat(weights, count)
    return weights


def _decode(id_blocks, weight_blocks, firsts, previous, total) -> tuple[np.ndarray, np.ndarray]:
    # Each block's ids are deltas from the block's start; shift its first one to be
    # relative to the previous block's last id, and one cumulative sum decodes them all.
    deltas = np.fromiter(itertools.chain.from_iterable(id_blocks), dtype=np.int64, count=total)
    deltas[np.array(firsts, dtype=np.int64)] -= np.array(previous, dtype=np.int64)
    ids = np.cumsum(deltas).astype(np.int32)
    weights = np.fromiter(itertools.chain.from_iterable(weight_blocks), dtype=np.float32, count=total)
    return ids, weights
