"""Phrases scored over a segment's arrays: the documents having every word are found from
decoded postings, and only there are the positions read and checked.

Why: Whoosh's span matchers walk every document that has all of a phrase's words (in any
of their forms: hundreds at 10,000 documents), one matcher call at a time through a tree
of union and intersection matchers, decoding each block they pass. Here that set comes
from arrays, each word's positions are decoded only for those documents, and the check
is Whoosh's own, on plain tuples:

* a word with several forms (Whoosh's SpanOr of two or more terms) has as spans the runs
  of consecutive positions of any of its forms (``Span.merge``); a single term has its
  positions;
* ``SpanNear2._get_spans``: each next word's span must start at or after the previous
  span's start (ordered), at a distance from ``mindist`` to ``slop``, and the pair
  becomes one span.

Scores are Whoosh's: the sum of every present form's BM25F in the document.
``tests/test_dense.py`` holds hits and scores to Whoosh's matchers on random phrases.
"""

from __future__ import annotations

import bisect

import numpy as np
from whoosh import query as Q
from whoosh.query import spans


def phrase_parts(q: Q.Query) -> list[tuple[list[Q.Term], bool]] | None:
    """A phrase's words, each as (the terms it may be, whether its spans merge); None: not a phrase of terms."""
    if isinstance(q, Q.Phrase):
        return [([Q.Term(q.fieldname, word)], False) for word in q.words]
    if type(q) is not spans.SpanNear2:
        return None
    parts = []
    for part in q.qs:
        if type(part) is Q.Term:
            parts.append(([part], False))
            continue
        alternatives = getattr(part, "subqs", None) if isinstance(part, spans.SpanOr) else None
        if not alternatives or not all(type(term) is Q.Term for term in alternatives):
            return None
        parts.append((alternatives, len(alternatives) > 1))
    return parts


def evaluate(q: Q.Query, terms, count: int) -> tuple | None:
    """(scores, mask) of a phrase in one segment ((None, None): no match); None when this path
    cannot read it (then Whoosh's matcher does)."""
    parts = phrase_parts(q)
    if parts is None:
        return None
    if isinstance(q, Q.Phrase):
        slop, ordered, mindist, boost = q.slop, True, 1, q.boost
    else:
        slop, ordered, mindist, boost = q.slop, q.ordered, q.mindist, 1.0
    present: list[list[tuple[Q.Term, object]]] = []
    shared = None
    for alternatives, _ in parts:
        found = []
        where = np.zeros(count, dtype=bool)
        for term in alternatives:
            postings = terms.get(term)
            if postings is terms.missing or (postings is not None and terms.info(term).is_inlined()):
                return None
            if postings is not None:
                found.append((term, postings))
                where[postings.ids] = True
        if not found:
            return None, None
        present.append(found)
        shared = where if shared is None else shared & where
    candidates = np.flatnonzero(shared)
    if not len(candidates):
        return None, None
    positions = [[_positions(term, terms, candidates) for term, _ in found] for found in present]
    matched = np.zeros(count, dtype=bool)
    for docnum in candidates.tolist():
        word_spans = [
            _spans([p[docnum] for p in part if docnum in p], merge)
            for part, (_, merge) in zip(positions, parts, strict=True)
        ]
        if _near(word_spans, slop, ordered, mindist):
            matched[docnum] = True
    if not matched.any():
        return None, None
    scores = np.zeros(count, dtype=np.float64)
    for found in present:
        for term, postings in found:
            scores[postings.ids] += postings.bm25(term.boost)
    scores = np.where(matched, scores * boost, 0.0)
    return scores, matched


def _positions(term: Q.Term, terms, candidates: np.ndarray) -> dict[int, list[int]]:
    """The term's positions in each candidate document that has it."""
    info = terms.info(term)
    fieldobj = terms.reader.schema[term.fieldname]
    decode = fieldobj.format.decoder("positions")
    values = terms.values(info, candidates)
    return {docnum: decode(value) for docnum, value in values.items()}


def _spans(lists: list[list[int]], merge: bool) -> list[tuple[int, int]]:
    """A word's spans in one document: its forms' positions, merged into runs when it has several forms."""
    points = sorted(set().union(*lists)) if len(lists) > 1 else lists[0]
    if not merge:
        return [(p, p) for p in points]
    runs: list[list[int]] = []
    for p in points:
        if runs and p <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], p)
        else:
            runs.append([p, p])
    return [(start, end) for start, end in runs]


def _near(word_spans: list[list[tuple[int, int]]], slop: int, ordered: bool, mindist: int) -> bool:
    """Whoosh's SpanNear2 check over the words' spans (``SpanNear2Matcher._get_spans``)."""
    current = word_spans[0]
    for following in word_spans[1:]:
        if not current:
            return False
        starts = [start for start, _ in following]
        joined = set()
        for a_start, a_end in current:
            j = bisect.bisect_left(starts, a_start if ordered else max(0, a_start - slop))
            while j < len(following):
                b_start, b_end = following[j]
                j += 1
                if b_end < a_start - slop or (ordered and a_start > b_start):
                    continue
                if b_start > a_end + slop:
                    break
                if a_start <= b_end and b_start <= a_end:
                    distance = 0
                elif a_end < b_start:
                    distance = b_start - a_end
                else:
                    distance = a_start - b_end
                if mindist <= distance <= slop:
                    joined.add((min(a_start, b_start), max(a_end, b_end)))
        current = sorted(joined)
    return bool(current)
