"""Score a query of words over whole segments at once, as arrays (numpy).

Why: a query word becomes a disjunction of about twenty terms, and a common word
matches thousands of documents. Whoosh walks matchers posting by posting, then the
collector document by document, which for a common word is most of a search. Here
each term's posting blocks are decoded into arrays (:mod:`kb.search.segment_terms`), BM25
is computed for all of them in one expression (:mod:`indexer.format.bm25`), the words are
combined with array operations (AND: every word matched; OR: any), and the top hits are
picked with a partial sort. Scores are the same as Whoosh's (``tests/test_dense.py``).

This is the engine's one collector (:func:`collect`): a query plan's clauses are
each evaluated to a score array and a match mask per segment — words and their
near spellings as above, anything else (phrases) through Whoosh's own matcher for
that clause — and documents are ranked by how many clauses they match (coverage),
then by how many of those they match directly rather than through the glossary or
a near spelling, then by BM25F with the recency factor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q
from whoosh.searching import Results, Searcher

from kb.search import phrases
from kb.search.matching import BulkOr
from kb.search.ranking import RecencyBM25F
from kb.search.segment_terms import MISSING, PostingsCache, SegmentTerms, Terms

__all__ = ["ClauseQueries", "Collected", "MatchedResults", "PostingsCache", "collect", "search", "supports"]


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
    allow: Iterable[int] | np.ndarray | None = None,
    cache: PostingsCache | None = None,
    required: Callable[[int, int], int] = lambda clauses, best: max(1, best),
) -> Collected:
    """The ``top`` best documents for a plan's clauses (no clauses: every allowed document).

    ``allow``: the global document numbers a filter lets through, or a mask of them (None: all).
    ``cache``: decoded postings kept between searches of the same searcher.
    ``required(clauses, best)``: how many clauses a document must match, given the best coverage.
    """
    weighting = searcher.weighting
    if not isinstance(weighting, RecencyBM25F):
        raise TypeError("the collector needs the RecencyBM25F weighting")
    boosts = np.frombuffer(weighting.boosts(searcher), dtype=np.float64)
    allowed = allow if allow is None or isinstance(allow, np.ndarray) else None
    if allow is not None and allowed is None:
        allowed = np.zeros(searcher.doc_count_all(), dtype=bool)
        allowed[np.fromiter(allow, dtype=np.int64)] = True
    context = searcher.context(weighting=weighting)
    leaves = [(sub, offset) for sub, offset in searcher.leaf_searchers() if sub.doc_count_all()]
    terms = Terms(searcher, [sub.reader() for sub, _ in leaves], cache)
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


def _evaluate(q: Q.Query, searcher: Searcher, context, count: int, terms: SegmentTerms) -> tuple:
    """Scores and the match mask of ``q`` in one segment ((None, None) when nothing can match)."""
    if isinstance(q, BulkOr):
        scores = np.zeros(count, dtype=np.float64)
        found = False
        for sub in q.subqueries:
            term = terms.get(sub)
            if term is MISSING:  # not the codec's postings or not BM25F: scored the generic way
                found = _score_generic(sub, searcher, context, q.boost, scores) or found
            elif term is not None:
                scores[term.ids] += term.scores(q.boost * sub.boost)
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


def _score_generic(sub: Q.Term, searcher: Searcher, context, boost: float, scores: np.ndarray) -> bool:
    """Add a term's scores posting by posting, through Whoosh's matcher (a field or weighting
    the array path does not know); whether it matched anything."""
    matcher = sub.matcher(searcher, context)
    found = matcher.is_active()
    while matcher.is_active():
        scores[matcher.id()] += matcher.score() * boost
        matcher.next()
    return found
