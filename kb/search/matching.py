"""A word's disjunction of terms, scored block by block instead of posting by posting.

A query word becomes dozens of terms (its forms, in every language's head and body
fields). Whoosh's ``ArrayUnionMatcher`` already adds their scores into an array,
but through four method calls per posting (``is_active``, ``id``, ``score``,
``next``, and the scorer's own); for a common word that is most of a search. This
matcher reads each posting block's arrays directly and inlines BM25, for the
postings of Whoosh's own codec with a BM25F scorer; anything else (another scorer,
an unscored search) goes through the generic path. Scores are the same.
"""

from __future__ import annotations

from array import array

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ArrayUnionMatcher, WrappingMatcher
from whoosh.matching.combo import CombinationMatcher
from whoosh.query.compound import PreloadedOr
from whoosh.scoring import BM25FScorer


class BulkOr(PreloadedOr):
    """An Or whose matcher is :class:`BulkUnionMatcher`."""

    JOINT = " OR "

    def _matcher(self, subs, searcher, context):
        scored = context.weighting is not None if context else True
        matchers = [sub.matcher(searcher, context) for sub in subs]
        return BulkUnionMatcher(matchers, searcher.doc_count_all(), boost=self.boost, scored=scored)


def _leaf(matcher) -> tuple[W3LeafMatcher | None, float]:
    """The codec's leaf matcher under boost wrappers, with the product of their boosts
    (None when its postings or scorer are not the kind :func:`_add_scores` reads)."""
    factor = 1.0
    while type(matcher) is WrappingMatcher:
        factor *= matcher.boost
        matcher = matcher.child
    if bm25_lengths(matcher) is not None:
        return matcher, factor
    return None, factor


def bm25_lengths(leaf) -> array | None:
    """The field-length array of a codec leaf scored by BM25F (kb.ranking gives each scorer one);
    None for any other matcher, which is then scored the generic way."""
    scorer = getattr(leaf, "scorer", None)
    lengths = getattr(getattr(scorer, "dfl", None), "__self__", None)
    if isinstance(leaf, W3LeafMatcher) and type(scorer) is BM25FScorer and isinstance(lengths, array):
        return lengths
    return None


class BulkUnionMatcher(ArrayUnionMatcher):
    def __init__(self, submatchers, doccount: int, boost: float = 1.0, scored: bool = True):
        # Whoosh's __init__ fills a 2,048-slot array from a generator, per word and segment;
        # one part as long as the segment reads each posting list in a single pass.
        CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._doccount = doccount
        self._partsize = max(1, doccount)
        self._a = array("d", bytes(8 * self._partsize))
        self._docnum = self._min_id()
        self._read_part()

    def _read_part(self) -> None:
        if not self._scored:
            return super()._read_part()
        limit = min(self._docnum + self._partsize, self._doccount)
        offset = self._docnum
        self._a = scores = array("d", bytes(8 * self._partsize))
        for matcher in self._submatchers:
            leaf, factor = _leaf(matcher)
            if leaf is None:
                boost = self._boost
                while matcher.is_active() and matcher.id() < limit:
                    scores[matcher.id() - offset] += matcher.score() * boost
                    matcher.next()
                continue
            _add_scores(leaf, factor * self._boost, scores, offset, limit)
        self._offset = offset
        self._limit = limit


def _add_scores(leaf: W3LeafMatcher, boost: float, scores: array, offset: int, limit: int) -> None:
    """Add BM25 scores of ``leaf``'s postings below ``limit`` into ``scores`` (whoosh.scoring.bm25)."""
    scorer = leaf.scorer
    lengths = scorer.dfl.__self__  # the field-length array kb.ranking gives each scorer
    k1, b = scorer.K1, scorer.B
    scale = scorer.idf * (k1 + 1) * boost
    constant = k1 * (1 - b)
    per_length = k1 * b / scorer.avgfl
    while leaf.is_active():
        if leaf._ids is None:
            leaf._read_ids()
        if leaf._weights is None:
            leaf._read_weights()
        ids, weights = leaf._ids, leaf._weights
        end = leaf._blocklength
        start = leaf._i
        stop = end if ids[end - 1] < limit else _first_at_least(ids, limit, start, end)
        for i in range(start, stop):
            docnum, tf = ids[i], weights[i]
            scores[docnum - offset] += scale * tf / (tf + constant + per_length * lengths[docnum])
        if stop < end:
            leaf._i = stop
            return
        leaf._i = end - 1
        leaf.next()  # on to the next block


def _first_at_least(ids, value: int, start: int, end: int) -> int:
    while start < end and ids[start] < value:
        start += 1
    return start
