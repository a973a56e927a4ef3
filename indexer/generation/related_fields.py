"""A language field's postings for the related lists: its BM25F statistics, the key terms of a
text by the Bo1 model, and the search for them, over arrays of every posting
(:class:`FieldArrays`, a full build) or by look-ups in the index (:class:`FieldLookups`, the few
documents an update touches). What :mod:`indexer.generation.related` ranks with.
"""

from __future__ import annotations

import heapq
import itertools
import math
from array import array
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from whoosh.reading import IndexReader
from whoosh.scoring import BM25F

from indexer.format.bm25 import BM25
from indexer.format.bm25 import idf as term_idf
from indexer.format.postings import field_lengths, posting_arrays, read_list
from indexer.format.readers import has_term_file, postings_file, whole_postings_file
from indexer.format.term_file import TermTable, field_records

if TYPE_CHECKING:
    import numpy as np

NUMTERMS = 20  # key terms per text, as kb asked more_like for
TOP = 15  # hits per translation (three times the entries shown)


def bo1(weight: float, cf: float, doc_count: int) -> float:
    """Whoosh's Bo1 key-term score (``classify.Bo1Model.score``), with its arithmetic."""
    f = cf / doc_count
    return weight * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)


#: A document's key terms in one field and their boosts (what its related list is searched for).
KeyTerms = list[tuple[bytes, float]]


def key_terms(
    weights: list[tuple[bytes, float]],
    frequency: Callable[[bytes], float],
    doc_count: int,
    max_cf: float,
    least: Callable[[bytes], float] | None = None,
) -> KeyTerms:
    """The NUMTERMS best terms of a text and their weights, as ``Expander.expanded_terms(normalize=False)``.

    ``weights``: each term of the text with its weight there. ``least(term)``: a lower bound of
    ``frequency(term)`` cheaper to find (its weight in one segment). For a given weight, Bo1 is
    largest at the smallest or the largest collection frequency, so each term's score has an upper
    bound: terms are scored in descending bound, and once no term left can reach the 20th score,
    the rest are not looked up.
    """
    scored: list[tuple[float, bytes]] = []
    best: list[float] = []  # a min-heap of the NUMTERMS best scores
    hi = max(max_cf / doc_count, 1e-300)

    def ceiling(term: bytes, weight: float) -> float:
        least_cf = max(weight, least(term) if least else 0.0)  # the text itself holds the term
        return max(_bo1_at(weight, least_cf / doc_count), _bo1_at(weight, hi))

    bounds = [(ceiling(term, weight), term, weight) for term, weight in weights]
    for bound, term, weight in sorted(bounds, key=lambda btw: -btw[0]):
        if len(best) == NUMTERMS and bound < best[0]:
            break
        score = bo1(weight, frequency(term), doc_count)
        scored.append((score, term))
        if len(best) < NUMTERMS:
            heapq.heappush(best, score)
        elif score > best[0]:
            heapq.heapreplace(best, score)
    if not scored:
        return []
    norm = max(s for s, _ in scored)
    chosen = sorted(((s / norm, t) for s, t in scored), key=lambda st: (-st[0], st[1]))  # UTF-8 sorts as text does
    return [(t, s) for s, t in chosen[:NUMTERMS]]


def _bo1_at(weight: float, f: float) -> float:
    return weight * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)


def rank(scores: np.ndarray, docs: np.ndarray, exclude: int, top: int = TOP) -> list[int]:
    """The ``top`` documents by score (ties by document number), without ``exclude``."""
    import numpy as np

    keep = docs != exclude
    docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:top]
    return [int(d) for d in docs[order]]


class _Field:
    """BM25F statistics of one language's body field, and the search both ways of ranking share."""

    def __init__(self, reader: IndexReader, fieldname: str):
        import numpy as np  # here, not at the top: a kb index that finds nothing changed does without it

        weighting = BM25F()
        self.fieldname = fieldname
        self.field = reader.schema[fieldname]
        self.doc_count = reader.doc_count_all()
        self.total = reader.field_length(fieldname)
        self.avgfl = (self.total / (self.doc_count or 1)) or 1
        self.bm25 = BM25.of(weighting, fieldname, self.avgfl)
        lengths = np.concatenate(
            [np.frombuffer(field_lengths(leaf, fieldname), dtype=np.uint32) for leaf, _ in _leaves(reader)]
            or [np.zeros(0, dtype=np.uint32)]
        ).astype(np.float64)
        self.norms = self.bm25.norms(lengths)  # each document's BM25 length part, once
        self._scores = np.zeros(self.doc_count, dtype=np.float64)
        self.live = np.ones(self.doc_count, dtype=bool)
        for leaf, offset in _leaves(reader):
            if leaf.has_deletions():
                self.live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64) + offset] = False

    def idf(self, df: int) -> float:
        return term_idf(self.doc_count, df)

    def text_weights(self, text: str) -> list[tuple[bytes, float]]:
        """Each term of ``text`` with its weight, as the field indexes it (``Expander.add_text``)."""
        return [(term, weight) for term, _, weight, _ in self.field.index(text)]

    def top(self, postings: Iterable[tuple[np.ndarray, np.ndarray, float, float]], docnum: int) -> list[int]:
        """The TOP documents but ``docnum`` of a search for key terms, each given as its postings
        (document numbers, weights there), idf and boost: what Whoosh's BM25F search gives, summed
        term after term as there."""
        import numpy as np

        scores = self._scores
        touched = []
        for docs, tf, idf, boost in postings:
            part = self.bm25.scores(idf, tf, self.norms[docs])
            scores[docs] += part * boost if boost != 1.0 else part
            touched.append(docs)
        docs = np.unique(np.concatenate(touched)) if touched else np.zeros(0, np.int64)
        docs = docs[self.live[docs]]  # postings still name deleted documents
        found = rank(scores[docs], docs, docnum)
        for docs in touched:
            scores[docs] = 0.0
        return found


class FieldArrays(_Field):
    """Every posting of one field in memory: each document's terms, each term's documents."""

    def __init__(self, reader: IndexReader, fieldname: str):
        import numpy as np

        super().__init__(reader, fieldname)
        ids: dict[bytes, int] = {}
        cf: list[float] = []
        df: list[int] = []
        term_of, doc_of, tf_of = array("i"), array("i"), array("f")
        for leaf, offset in _leaves(reader):
            postings = whole_postings_file(leaf)  # one read, not two per posting block
            for btext, weight, frequency, inlined, where in field_records(leaf, fieldname):
                tid = ids.get(btext)
                if tid is None:
                    tid = ids[btext] = len(cf)
                    cf.append(0)
                    df.append(0)
                cf[tid] += weight
                df[tid] += frequency
                if inlined is not None:  # most terms: a few postings, kept in the term info
                    docs, weights = inlined
                    term_of.extend(itertools.repeat(tid, len(docs)))
                    doc_of.extend([docnum + offset for docnum in docs])
                    tf_of.extend(weights)
                    continue
                docs, weights = posting_arrays(postings[where[0] : where[0] + where[1]])
                term_of.extend(itertools.repeat(tid, len(docs)))
                doc_of.frombytes((docs.astype(np.int64) + offset).astype(np.int32).tobytes())
                tf_of.frombytes(weights.astype(np.float32).tobytes())
        self.terms = list(ids)
        self.cf = np.array(cf, dtype=np.float64)
        self.df = np.array(df, dtype=np.int64)
        term_of = np.frombuffer(term_of, dtype=np.int32)
        doc_of = np.frombuffer(doc_of, dtype=np.int32)
        tf_of = np.frombuffer(tf_of, dtype=np.float32).astype(np.float64)
        # By term (for scoring) and by document (for key terms).
        by_term = np.lexsort((doc_of, term_of))
        self.t_docs, self.t_tf = doc_of[by_term], tf_of[by_term]
        self.t_start = np.searchsorted(term_of[by_term], np.arange(len(cf) + 1))
        by_doc = np.argsort(doc_of, kind="stable")
        self.d_terms, self.d_tf = term_of[by_doc], tf_of[by_doc]
        self.d_start = np.searchsorted(doc_of[by_doc], np.arange(self.doc_count + 1))
        self._bo1: tuple[np.ndarray, np.ndarray] | None = None

    def more_like(self, docnum: int) -> list[int]:
        """The document numbers ``searcher.more_like(docnum, field, text=its text, top=15, numterms=20)`` gives."""
        return self.search_terms(self.key_terms_of(docnum), docnum)

    def key_terms_of(self, docnum: int) -> list[tuple[int, float]]:
        """The document's NUMTERMS key terms (term number, boost), as :func:`key_terms` chooses them."""
        import numpy as np

        lo, hi = self.d_start[docnum], self.d_start[docnum + 1]
        if lo == hi:
            return []
        if self._bo1 is None:
            self._bo1 = self._bo1_parts()
        # Every term's Bo1 score at once, in bo1's arithmetic (weight * a + b, a and b from math.log),
        # then key_terms' choice: the NUMTERMS best of score / best score, ties by term.
        terms = self.d_terms[lo:hi]
        slope, intercept = self._bo1
        scores = self.d_tf[lo:hi] * slope[terms] + intercept[terms]
        scores = scores / scores.max()
        if len(scores) > NUMTERMS:
            cut = np.partition(scores, len(scores) - NUMTERMS)[len(scores) - NUMTERMS]
            keep = scores >= cut
            terms, scores = terms[keep], scores[keep]
        chosen = sorted(zip((-scores).tolist(), terms.tolist(), strict=True), key=lambda st: (st[0], self.terms[st[1]]))
        return [(tid, -score) for score, tid in chosen[:NUMTERMS]]

    def _bo1_parts(self):
        """Each term's two logarithms of :func:`bo1` (which then is ``weight * a + b``)."""
        import numpy as np

        slope, intercept = np.empty(len(self.cf)), np.empty(len(self.cf))
        for tid, cf in enumerate(self.cf.tolist()):
            f = cf / self.doc_count
            slope[tid], intercept[tid] = math.log((1.0 + f) / f, 2), math.log(1.0 + f, 2)
        return slope, intercept

    def search_terms(self, boosted: list[tuple[int, float]], docnum: int) -> list[int]:
        def postings():
            for tid, boost in boosted:
                a, b = self.t_start[tid], self.t_start[tid + 1]
                yield self.t_docs[a:b], self.t_tf[a:b], self.idf(int(self.df[tid])), boost

        return self.top(postings(), docnum)


class FieldLookups(_Field):
    """Looks terms up in the index: for the few documents an incremental build touches."""

    def __init__(self, reader: IndexReader, fieldname: str):
        super().__init__(reader, fieldname)
        self.reader = reader
        # A document's every term is looked up for its frequency: one pread look-up per
        # segment instead of Whoosh's (much of a one-file update's related lists).
        self._tables = [TermTable(leaf) for leaf, _ in _leaves(reader)]
        # The documents an update ranks share many key terms: each term's infos and postings once.
        self._infos: dict[bytes, list] = {}
        self._postings: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        # A text's terms are first looked up in the largest segment only: a bound for most of them.
        sizes = [leaf.doc_count_all() for leaf, _ in _leaves(reader)]
        self._largest = sizes.index(max(sizes)) if sizes else None
        self._in_largest: dict[bytes, object] = {}

    def infos(self, term: bytes) -> list:
        """The term's info in each segment (None where a segment lacks it)."""
        found = self._infos.get(term)
        if found is None:
            found = self._infos[term] = [
                self._info_in_largest(term) if n == self._largest else table.info(self.fieldname, term)
                for n, table in enumerate(self._tables)
            ]
        return found

    def _info_in_largest(self, term: bytes):
        if term not in self._in_largest:
            self._in_largest[term] = self._tables[self._largest].info(self.fieldname, term)
        return self._in_largest[term]

    def least_frequency(self, term: bytes) -> float:
        """A lower bound of :meth:`frequency`: the term's weight in the largest segment."""
        info = self._info_in_largest(term) if self._largest is not None else None
        return info.weight() if info is not None else 0.0

    def doc_frequency(self, term: bytes) -> int:
        """Whoosh's ``reader.doc_frequency`` (deleted documents counted, as there)."""
        return sum(info.doc_frequency() for info in self.infos(term) if info is not None)

    def postings(self, term: bytes) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of the term's postings, deleted documents' too (:meth:`top`
        leaves those out), from each segment's arrays (Whoosh's matchers are the fallback)."""
        found = self._postings.get(term)
        if found is None:
            found = self._postings[term] = self._read_postings(term)
        return found

    def _read_postings(self, term: bytes) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        docs, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float64)]
        for (leaf, offset), info in zip(_leaves(self.reader), self.infos(term), strict=True):
            if not has_term_file(leaf):
                found = _reader_postings(leaf, self.fieldname, term)
                ids, tf = np.array([d for d, _ in found], dtype=np.int64), np.array([w for _, w in found])
            elif info is None:
                continue
            elif info.is_inlined():
                inlined_ids, inlined_weights, _ = info.inlined_postings()
                ids, tf = np.array(inlined_ids, dtype=np.int64), np.array(inlined_weights, dtype=np.float64)
            else:
                ids, tf = posting_arrays(read_list(postings_file(leaf), info))
                ids, tf = ids.astype(np.int64), tf.astype(np.float64)
            docs.append(ids + offset)
            weights.append(tf)
        return np.concatenate(docs), np.concatenate(weights)

    def frequency(self, term: bytes) -> float:
        """The term's total weight in the field over the index (Whoosh's ``reader.frequency``)."""
        return sum(info.weight() for info in self.infos(term) if info is not None)

    def more_like(self, docnum: int, text: str) -> list[int]:
        return self.rank(docnum, self.key_terms_of(text))

    def key_terms_of(self, text: str) -> KeyTerms:
        weights = self.text_weights(text)
        return key_terms(weights, self.frequency, self.doc_count, self.total, self.least_frequency) if weights else []

    def rank(self, docnum: int, chosen: KeyTerms) -> list[int]:
        """The documents most like ``docnum``, by its key terms ``chosen`` (what ``more_like`` searches for)."""
        searched = ((*self.postings(term), self.idf(self.doc_frequency(term)), boost) for term, boost in chosen)
        return self.top(searched, docnum)


def _leaves(reader: IndexReader) -> list:
    return reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]


def _reader_postings(reader: IndexReader, fieldname: str, term: bytes) -> list[tuple[int, float]]:
    found = []
    matcher = reader.postings(fieldname, term)
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found
