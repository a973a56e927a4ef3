"""BM25F with a mild recency tie-break.

Field boosts (title, tags and summary above the body) live in the schema; here a
dated document gets up to ``RECENCY_WEIGHT`` more score the more recent it is, so
of two equally good matches the newer guidance comes first, while an old document
that matches much better still wins.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from array import array

from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from indexer.format.bm25 import with_field_lengths
from indexer.format.postings import field_lengths
from kb.search.columns import AlignedColumn

RECENCY_WEIGHT = 0.05
RECENCY_HORIZON_DAYS = 20 * 365
_LAST_ORDINAL = dt.date.max.toordinal()


class RecencyBM25F(BM25F):
    use_final = True

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = (today or dt.date.today()).toordinal()
        self._lock = threading.Lock()
        self._reader = None
        self._boosts = array("d")
        self._lengths: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def boosts(self, searcher: Searcher) -> array:
        """Every document's recency factor (see :meth:`boost`), computed once per reader."""
        reader = searcher.reader()
        if reader is not self._reader:
            with self._lock:
                if reader is not self._reader:
                    dates = AlignedColumn(reader, "date_ordinal", default=0)
                    self._boosts = array("d", (self.boost(ordinal) for ordinal in dates))
                    self._reader = reader
        return self._boosts

    def scorer(self, searcher: Searcher, fieldname: str, text, qf: int = 1):
        """BM25F's scorer, with field lengths from an array instead of a file read per posting.

        Reading each matching document's field length through the codec was much of a
        query's time; the lengths of one segment's field are read once and kept with it.
        """
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        return with_field_lengths(scorer, lambda: self.field_lengths(searcher.reader(), fieldname))

    def field_lengths(self, reader, fieldname: str) -> array:
        """Every document's length in ``fieldname`` (at least 1), for one segment's reader; kept with it."""
        per_reader = self._lengths.setdefault(reader, {})
        lengths = per_reader.get(fieldname)
        if lengths is None:
            lengths = field_lengths(reader, fieldname)
            per_reader[fieldname] = lengths
        return lengths

    def boost(self, ordinal: int) -> float:
        """1.0 for an undated document, up to 1 + RECENCY_WEIGHT for one dated today."""
        if not ordinal or not 0 < ordinal <= _LAST_ORDINAL:  # the column's fill value for "no date" is huge
            return 1.0
        age = max(0, self._today - ordinal)
        return 1.0 + RECENCY_WEIGHT * max(0.0, 1.0 - age / RECENCY_HORIZON_DAYS)

    def final(self, searcher: Searcher, docnum: int, score: float) -> float:
        boosts = self.boosts(searcher)
        return score * boosts[docnum] if docnum < len(boosts) else score
