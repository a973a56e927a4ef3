"""BM25 over arrays: the one implementation the search's collector and the build's related lists share.

Whoosh's ``scoring.bm25`` (``idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))``)
in its order of operations, so each posting's score is the one Whoosh's BM25F scorer gives
(``tests/test_dense.py``, ``tests/test_matching.py``, the related lists of
``tests/test_build_reference.py``). The part that depends only on a document's field length
(:meth:`BM25.norms`) is computed once per document and field; a term's scores then take four
array operations. Here, in ``indexer/format/``, because a field's ``B`` is a private part of
Whoosh's ``BM25F`` (``_field_B``) and the build (which must not import ``kb``) uses it too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from array import array
    from collections.abc import Callable

    import numpy as np
    from whoosh.scoring import BM25F, BaseScorer


def idf(doc_count: int, doc_frequency: int) -> float:
    """Whoosh's idf (``WeightingModel.idf``) of a term in ``doc_frequency`` of ``doc_count`` documents."""
    return math.log(doc_count / (doc_frequency + 1)) + 1


@dataclass(frozen=True, slots=True)
class BM25:
    """BM25's parameters for one field: ``k1``, ``b`` and the field's average length."""

    k1: float
    b: float
    avgfl: float

    @classmethod
    def of(cls, weighting: BM25F, fieldname: str, avgfl: float) -> BM25:
        """The parameters a ``BM25F`` weighting scores ``fieldname`` with (its per-field ``B``, if set)."""
        return cls(weighting.K1, weighting._field_B.get(fieldname, weighting.B), avgfl)

    def norms(self, lengths: np.ndarray) -> np.ndarray:
        """``K1 * ((1 - B) + B * fl / avgfl)`` of each field length ``fl`` (float64)."""
        return self.k1 * ((1 - self.b) + self.b * lengths / self.avgfl)

    def scores(self, idf: float, tf: np.ndarray, norms: np.ndarray) -> np.ndarray:
        """Each posting's BM25 score, from its weight ``tf`` and its document's :meth:`norms`."""
        import numpy as np  # here: an incremental build's writer does without numpy

        tf = np.asarray(tf, dtype=np.float64)  # float32 weights would be scored in float32
        return idf * ((tf * (self.k1 + 1)) / (tf + norms))


def with_field_lengths(scorer: BaseScorer, lengths: Callable[[], array]) -> BaseScorer:
    """A Whoosh BM25F scorer reading its documents' field lengths from ``lengths()`` (one per document
    of its segment, asked for only by a scorer that reads lengths) instead of through the reader, a
    file read per posting (``BM25FScorer.dfl``)."""
    if hasattr(scorer, "dfl"):
        scorer.dfl = lengths().__getitem__
    return scorer
