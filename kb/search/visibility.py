"""What one audience may see of one searcher's documents: which document numbers, and which words.

A word's postings are the index's, over every document; a reader who may not see some of
them must not learn the words only those documents hold, through "Did you mean", typo
corrections, autocomplete or accented spellings. So every question the query plan asks of
the term dictionary ("does the index hold this term?") goes through :meth:`Visibility.has`,
which for a restricted reader looks for one posting in a document they may see.

When every live document is visible (an index with public documents only: the common
case), :attr:`Visibility.mask` is None and nothing costs more than before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh import query as Q

from indexer.format.postings import term_documents
from indexer.format.term_file import doc_frequency
from kb.search.audience import Audience
from kb.search.segment_terms import MISSING, PostingsCache, Terms

#: Words whose visibility one Visibility remembers (a restricted reader's typo candidates, completions).
_WORDS_KEPT = 20_000


class Visibility:
    """One audience's view of one searcher. Build it with :func:`visibility`."""

    def __init__(self, searcher, audience: Audience, mask: np.ndarray | None, postings: PostingsCache | None = None):
        self.searcher = searcher
        self.audience = audience
        self.mask = mask  # by global document number; None: every document is visible
        # The searcher's decoded postings: a word looked up here is often searched next (a stub's
        # completions), and then the collector finds it decoded.
        self.postings = postings
        self._hidden = 0 if mask is None else int(mask.size - np.count_nonzero(mask))
        self._known: OrderedDict[tuple[str, str], bool] = OrderedDict()

    @property
    def everything(self) -> bool:
        return self.mask is None

    def sees(self, docnum: int) -> bool:
        return self.mask is None or bool(self.mask[docnum])

    def allowing(self, docnums: Iterable[int] | None) -> np.ndarray | None:
        """What a search may return, by document number: those of ``docnums`` (a filter's; None:
        all) that this audience sees; None when that is every document."""
        if docnums is None:
            return self.mask
        allowed = np.zeros(self.searcher.doc_count_all(), dtype=bool)
        allowed[np.fromiter(docnums, dtype=np.int64)] = True
        return allowed if self.mask is None else allowed & self.mask

    def hidden(self) -> set[int] | None:
        """The document numbers this audience may not see (None: none), for Whoosh's ``mask=``."""
        return None if self.mask is None else set(np.flatnonzero(~self.mask).tolist())

    def has(self, fieldname: str, term: str) -> bool:
        """Whether a document this audience may see holds ``term`` in ``fieldname``."""
        if self.mask is None:
            return doc_frequency(self.searcher, fieldname, term) > 0
        key = (fieldname, term)
        found = self._known.get(key)
        if found is None:
            found = self._look(fieldname, term)
            self._known[key] = found
            if len(self._known) > _WORDS_KEPT:
                self._known.popitem(last=False)
        return found

    def _look(self, fieldname: str, term: str) -> bool:
        frequency = doc_frequency(self.searcher, fieldname, term)
        if frequency > self._hidden:  # more documents than are hidden hold it: one of them is seen
            return True
        if not frequency:
            return False
        leaves = [(leaf.reader(), offset) for leaf, offset in self.searcher.leaf_searchers()]
        terms = Terms(self.searcher, [reader for reader, _ in leaves], self.postings)
        query = Q.Term(fieldname, term)
        for leaf, (_reader, offset) in enumerate(leaves):
            found = terms.segment(leaf).get(query)
            if found is MISSING:  # a field the collector does not decode: read its postings here
                return any(self.mask[at + ids].any() for at, ids in term_documents(self.searcher, fieldname, term))
            if found is not None and self.mask[offset + found.ids].any():
                return True
        return False


def audience_mask(values: list[str], live: np.ndarray, audience: Audience) -> np.ndarray | None:
    """Which documents ``audience`` sees, from each document's stored audience (``values``, by
    document number) and which are live; None when it sees every live one."""
    distinct = sorted(set(values))
    seen = [audience.sees(value) for value in distinct]
    if all(seen):
        return None
    codes = {value: i for i, value in enumerate(distinct)}
    allowed = np.array(seen, dtype=bool)[np.fromiter((codes[v] for v in values), dtype=np.int32, count=len(values))]
    if allowed[live].all():
        return None
    return allowed & live


def live_documents(searcher) -> np.ndarray:
    """True for each global document number that is not deleted."""
    live = np.ones(searcher.doc_count_all(), dtype=bool)
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        if reader.has_deletions():
            count = reader.doc_count_all()
            deleted = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
            live[offset + deleted[deleted < count]] = False
    return live
