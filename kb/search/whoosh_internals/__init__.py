"""Everything that reaches into whoosh-reloaded's private internals, in one place.

Checked against whoosh-reloaded 2.7.5 – 2.7.x (the pin in pyproject.toml); the
equivalence tests in ``tests/test_dense.py`` and ``tests/test_matching.py`` hold each
fast path to Whoosh's own answers and fail first when an upgrade changes them. The
build side's writer internals are in ``indexer/segments.py``, under the same pin.

- ``ranking``: BM25F with the recency tie-break (field lengths read from Whoosh's arrays).
- ``matching``: a word's many forms as one bulk union matcher.
- ``dense``: the one collector: a plan's clauses scored over whole segments as numpy arrays,
  each term looked up once per segment (its idf from those look-ups).
- ``phrases``: phrases checked from decoded positions, as Whoosh's SpanNear2 checks them.
- ``terms``: a field's whole term list in one pass; term infos looked up with ``pread``.
- ``searcher``: housekeeping Whoosh does not do itself (its idf cache).

The posting-list layout itself (writing and reading) is the index codec's,
``indexer/codec.py``, under the same pin.
"""
