"""A word's disjunction of terms: the query the collector scores from decoded postings.

A query word becomes dozens of terms (its forms, in every language's head and body fields),
gathered in a :class:`BulkOr`. The collector (:mod:`kb.search.collector`) knows it by its class
and scores all its terms at once from their decoded postings; anywhere else (a concept's
documents, ``service``) Whoosh's own ``PreloadedOr`` matcher serves it, with the same scores
(``tests/test_matching.py``).
"""

from __future__ import annotations

from whoosh.query.compound import PreloadedOr


class BulkOr(PreloadedOr):
    """An Or of one word's terms (see the module's docstring)."""

    JOINT = " OR "
