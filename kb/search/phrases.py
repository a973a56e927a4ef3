"""Phrases scored over a segment's arrays: the documents having every word are found from
decoded postings, and only there are the positions read and checked.

Why: Whoosh's span matchers walk every document that has all of a phrase's words (in any
of their forms: many in a large index), one matcher call at a time through a tree
of union and intersection matchers, decoding each block they pass. Here that set comes
from arrays, each word's positions are decoded as arrays only for those documents, and
the check is Whoosh's own, in arrays for a quoted phrase (slop 1, ordered) and on plain
tuples document by document otherwise:

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
            if postings is terms.missing:
                return None
            if postings is not None:
                found.append((term, postings))
                where[postings.ids] = True
        if not found:
            return None, None
        present.append(found)
        shared = where if shared is None else shared & where
    if not shared.any():
        return None, None
    positions: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # a word twice in a phrase is read once
    for found in present:
        for term, _ in found:
            if (term.fieldname, term.text) not in positions:
                positions[term.fieldname, term.text] = terms.positions(term, shared)
    word_spans = [
        _spans([positions[term.fieldname, term.text] for term, _ in found], merge)
        for found, (_, merge) in zip(present, parts, strict=True)
    ]
    if slop == 1 and ordered and mindist == 1:
        matched_docs = _adjacent(word_spans)
    else:
        matched_docs = _near_each(word_spans, slop, ordered, mindist)
    if not len(matched_docs):
        return None, None
    matched = np.zeros(count, dtype=bool)
    matched[matched_docs] = True
    scores = np.zeros(count, dtype=np.float64)
    for found in present:
        for term, postings in found:
            scores[postings.ids] += postings.scores(term.boost)
    scores = np.where(matched, scores * boost, 0.0)
    return scores, matched


# A word's spans are two sorted int64 arrays, their starts and ends, each a position keyed by
# its document (document << 32 | position): a span never crosses into the next document.
_SHIFT = np.int64(32)


def _spans(found: list[tuple[np.ndarray, np.ndarray]], merge: bool) -> tuple[np.ndarray, np.ndarray]:
    """A word's spans over the documents: each (documents, positions) of its forms, merged into
    runs of consecutive positions when the word has several forms (Whoosh's ``Span.merge``)."""
    keys = [(docs << _SHIFT) | points for docs, points in found]
    points = np.unique(np.concatenate(keys)) if len(keys) > 1 else keys[0]
    if not merge:
        return points, points
    breaks = np.flatnonzero(np.diff(points) != 1) + 1
    starts = points[np.concatenate(([0], breaks))] if len(points) else points
    ends = points[np.concatenate((breaks - 1, [len(points) - 1]))] if len(points) else points
    return starts, ends


def _adjacent(word_spans: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The documents where each word's span starts right after the previous one ends: the
    ``_near`` rule for slop 1, ordered, minimum distance 1 (every quoted phrase), in arrays.

    A word's spans do not overlap, so at most one of them starts at a given position.
    """
    starts, ends = word_spans[0]
    for following_starts, following_ends in word_spans[1:]:
        if not len(starts) or not len(following_starts):
            return np.zeros(0, dtype=np.int64)
        at = np.searchsorted(following_starts, ends + 1)
        inside = at < len(following_starts)
        joined = np.zeros(len(ends), dtype=bool)
        joined[inside] = following_starts[at[inside]] == ends[inside] + 1
        starts, ends = starts[joined], following_ends[at[joined]]
    return np.unique(starts >> _SHIFT)


def _near_each(word_spans: list[tuple[np.ndarray, np.ndarray]], slop: int, ordered: bool, mindist: int) -> np.ndarray:
    """The documents where ``_near`` holds, document by document (any slop and order)."""
    by_doc = [_by_document(starts, ends) for starts, ends in word_spans]
    common = set(by_doc[0]).intersection(*by_doc[1:])
    return np.array(
        sorted(doc for doc in common if _near([spans[doc] for spans in by_doc], slop, ordered, mindist)), dtype=np.int64
    )


def _by_document(starts: np.ndarray, ends: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    mask = np.int64(0xFFFFFFFF)
    found: dict[int, list[tuple[int, int]]] = {}
    for doc, start, end in zip(
        (starts >> _SHIFT).tolist(), (starts & mask).tolist(), (ends & mask).tolist(), strict=True
    ):
        found.setdefault(doc, []).append((start, end))
    return found


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
