"""Score a query of words over whole segments at once, as arrays (numpy).

Why: a query word becomes a disjunction of about twenty terms, and a common word
matches thousands of documents. Whoosh walks matchers posting by posting, then the
collector document by document: at 50,000 documents a two-word query matching half
of them took 150 ms. Here each term's posting blocks are decoded into arrays, BM25
is computed for all of them in one expression, the words are combined with array
operations (AND: every word matched; OR: any), and the top hits are picked with a
partial sort. Scores are the same as Whoosh's (``tests/test_dense.py``).

It handles what the search box produces for plain words: a word (:class:`BulkOr` of
terms), or an AND / OR of words. Anything else (phrases, fuzzy terms) returns None
and goes through Whoosh's matchers as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import WrappingMatcher
from whoosh.scoring import BM25FScorer
from whoosh.searching import Results, Searcher

from kb.matching import BulkOr
from kb.ranking import RecencyBM25F


@dataclass
class DenseResults:
    """The top hits as Whoosh :class:`Results`, and every matching document number."""

    results: Results
    matched: np.ndarray  # global document numbers, ascending


class _CountedResults(Results):
    """Whoosh's Results with the number of matches given (it would re-run the query to count)."""

    def __init__(self, searcher, q, top_n, count: int):
        super().__init__(searcher, q, top_n)
        self._count = count

    def __len__(self) -> int:
        return self._count

    def estimated_length(self) -> int:
        return self._count

    def is_empty(self) -> bool:
        return self._count == 0


def supports(q: Q.Query) -> bool:
    """Whether :func:`search` can evaluate ``q``: a word, or an AND / OR of words."""
    if isinstance(q, BulkOr):
        return all(type(sub) is Q.Term for sub in q.subqueries)
    if type(q) in (Q.And, Q.Or):
        return bool(q.subqueries) and all(isinstance(sub, BulkOr) and supports(sub) for sub in q.subqueries)
    return False


def search(searcher: Searcher, q: Q.Query, top: int, allow: Iterable[int] | None = None) -> DenseResults | None:
    """The ``top`` best documents for ``q`` (None when ``q`` is not a kind this module evaluates).

    ``allow``: the global document numbers a filter lets through (None: all).
    """
    weighting = searcher.weighting
    if not supports(q) or not isinstance(weighting, RecencyBM25F):
        return None
    boosts = np.frombuffer(weighting.boosts(searcher), dtype=np.float64)
    allowed = None
    if allow is not None:
        allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
        allowed[np.fromiter(allow, dtype=np.int64)] = True
    context = searcher.context(weighting=weighting)
    best_scores, best_docs, matched = [], [], []
    for subsearcher, offset in searcher.leaf_searchers():
        count = subsearcher.doc_count_all()
        if not count:
            continue
        scores, mask = _evaluate(q, subsearcher, context, count)
        if mask is None:
            continue
        reader = subsearcher.reader()
        if reader.has_deletions():
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            mask[deleted[deleted < count]] = False
        if allowed is not None:
            mask &= allowed[offset : offset + count]
        docs = np.flatnonzero(mask)
        if not len(docs):
            continue
        final = scores[docs] * boosts[offset + docs]
        if len(docs) > top:
            # Everything scoring at least the top-th score, so ties are settled as Whoosh does.
            threshold = np.partition(final, len(final) - top)[len(final) - top]
            keep = final >= threshold
            final, kept = final[keep], docs[keep]
        else:
            kept = docs
        best_scores.append(final)
        best_docs.append(kept + offset)
        matched.append(docs + offset)
    if not matched:
        empty = np.zeros(0, dtype=np.int64)
        return DenseResults(_CountedResults(searcher, q, [], 0), empty)
    all_scores = np.concatenate(best_scores)
    all_docs = np.concatenate(best_docs)
    order = np.lexsort((all_docs, -all_scores))[:top]  # best first; equal scores by document number
    top_n = [(float(all_scores[i]), int(all_docs[i])) for i in order]
    matched_docs = np.concatenate(matched)
    return DenseResults(_CountedResults(searcher, q, top_n, len(matched_docs)), matched_docs)


def _evaluate(q: Q.Query, searcher: Searcher, context, count: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Scores and the match mask of ``q`` in one segment ((None, None) when nothing can match)."""
    if isinstance(q, BulkOr):
        scores = np.zeros(count, dtype=np.float64)
        found = False
        for sub in q.subqueries:
            matcher = sub.matcher(searcher, context)
            if matcher.is_active():
                _add_scores(matcher, q.boost, scores)
                found = True
        return (scores, scores > 0) if found else (None, None)
    parts = [_evaluate(sub, searcher, context, count) for sub in q.subqueries]
    conjunction = type(q) is Q.And
    present = [part for part in parts if part[0] is not None]
    if not present or (conjunction and len(present) < len(parts)):
        return None, None
    scores = present[0][0]
    mask = present[0][1]
    for other_scores, other_mask in present[1:]:
        scores = scores + other_scores
        mask = (mask & other_mask) if conjunction else (mask | other_mask)
    if q.boost != 1.0:
        scores = scores * q.boost
    return scores, mask


def _add_scores(matcher, boost: float, scores: np.ndarray) -> None:
    """Add one term's BM25 scores (times its boosts) into ``scores`` (as ``matching._add_scores``)."""
    factor = boost
    leaf = matcher
    while isinstance(leaf, WrappingMatcher):  # boosts, and the filter that hides deleted documents
        if type(leaf) is WrappingMatcher:
            factor *= leaf.boost
        leaf = leaf.child
    scorer = getattr(leaf, "scorer", None)
    lengths = getattr(getattr(scorer, "dfl", None), "__self__", None)
    if not (isinstance(leaf, W3LeafMatcher) and type(scorer) is BM25FScorer and lengths is not None):
        while matcher.is_active():  # anything else: Whoosh's own scoring, posting by posting
            scores[matcher.id()] += matcher.score() * boost
            matcher.next()
        return
    ids, weights = _postings(leaf)
    k1, b = scorer.K1, scorer.B
    scale = scorer.idf * (k1 + 1) * factor
    lengths = np.frombuffer(lengths, dtype=np.uint32)[ids]
    scores[ids] += scale * weights / (weights + k1 * (1 - b) + (k1 * b / scorer.avgfl) * lengths)


def _postings(leaf: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """All document numbers and weights of a leaf matcher, from its current block on."""
    id_blocks, weight_blocks, firsts, previous = [], [], [], []
    last = total = 0
    while leaf.is_active():
        if leaf._data is None:
            leaf._read_data()
        deltas, weights = leaf._data[0], leaf._data[1]
        size = leaf._blocklength
        firsts.append(total)
        previous.append(last)
        total += size
        id_blocks.append(deltas)
        if weights is None:
            weight_blocks.append(itertools.repeat(1.0, size))
        elif isinstance(weights, float):
            weight_blocks.append(itertools.repeat(weights, size))
        else:
            weight_blocks.append(weights)
        last = leaf._maxid
        leaf._i = size - 1
        leaf.next()
    # Each block's ids are deltas from the block's start; shift its first one to be
    # relative to the previous block's last id, and one cumulative sum decodes them all.
    deltas = np.fromiter(itertools.chain.from_iterable(id_blocks), dtype=np.int64, count=total)
    deltas[np.array(firsts, dtype=np.int64)] -= np.array(previous, dtype=np.int64)
    ids = np.cumsum(deltas)
    weights = np.fromiter(itertools.chain.from_iterable(weight_blocks), dtype=np.float64, count=total)
    return ids, weights
