"""The one collector: the top N by score with the recency factor, keeping every match for facets."""

from __future__ import annotations

import heapq

from whoosh import collectors

from kb.search.whoosh_internals.ranking import RecencyBM25F


class MatchesTopCollector(collectors.TopCollector):
    """The top N by score, also keeping every matching document number (for facet counts).

    ``allow``: the global document numbers a filter lets through (None: all). The filter
    is applied here rather than by Whoosh's FilterCollector, whose loop lets the matcher
    be pruned by its quality estimate; those estimates know neither the recency boost
    nor the field lengths we do not store, and a filtered count came out at 623 of 1,883.
    """

    def __init__(self, limit: int, allow: set[int] | None = None):
        super().__init__(limit=limit, usequality=False, replace=0)
        self.allow = allow

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.matched: list[int] = []

    def _use_block_quality(self) -> bool:
        return False  # skipping low-scoring blocks would leave documents out of the facet counts

    def _collect(self, global_docnum: int, score: float):
        if self.allow is not None and global_docnum not in self.allow:
            return None
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)

    def collect_matches(self) -> None:
        """What ``TopCollector`` does per match, in one loop with the recency boosts from an array.

        A common word matches thousands of documents; Whoosh's four calls per match were
        a fifth of such a search.
        """
        weighting = self.top_searcher.weighting
        if not isinstance(weighting, RecencyBM25F):
            return super().collect_matches()
        boosts = weighting.boosts(self.top_searcher)
        matcher, offset, limit, allow = self.matcher, self.offset, self.limit, self.allow
        items, matched = self.items, self.matched
        count = 0
        while matcher.is_active():
            docnum = offset + matcher.id()
            if allow is None or docnum in allow:
                score = matcher.score() * boosts[docnum]
                matched.append(docnum)
                count += 1
                if len(items) < limit:
                    heapq.heappush(items, (score, -docnum))
                elif score > items[0][0]:
                    heapq.heapreplace(items, (score, -docnum))
                    self.minscore = items[0][0]
            matcher.next()
        self.total += count
