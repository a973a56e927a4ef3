"""The segment writer of a full build's workers and of a small incremental build: Whoosh's
``SegmentWriter`` with the compact posting pool (:mod:`indexer.format.posting_pool`).

A text field's terms go to the pool a whole field at a time and the pool writes the
segment (:meth:`CompactPool.write`): the same segment files as Whoosh's own writer
(``tests/test_pool.py``). Merging a segment in (the small segments of
earlier edits, :mod:`indexer.format.merge_policy`) reads each field's term records and posting
lists in order (:func:`indexer.format.postings.term_postings`) instead of a hash look-up and a
matcher per term (most of a merging edit's time); the merged segment
is the one Whoosh's ``add_reader`` writes (``tests/test_pool.py``).

``add_document`` is Whoosh's (whoosh-reloaded 2.7.5, ``SegmentWriter.add_document``) with
the one change; our schema has no spelling fields or term vectors, which it refuses at once.
"""

from __future__ import annotations

from itertools import accumulate

from whoosh.codec.whoosh3 import W3TermsReader
from whoosh.formats import Positions
from whoosh.writing import SegmentWriter

from indexer.format.codec import build_codec
from indexer.format.posting_pool import CompactPool
from indexer.format.postings import term_postings

#: Documents an index writer takes into the compact pool, which never spills to disk; a
#: larger build's own writer uses Whoosh's pool, which does.
POOL_DOCUMENTS = 1000


def writer(ix, *, limitmb: int, documents: int) -> SegmentWriter:
    """The writer (holding the index lock) for an index build that adds ``documents``."""
    if documents > POOL_DOCUMENTS:
        return ix.writer(limitmb=limitmb, codec=build_codec())
    return PoolWriter(ix, limitmb=limitmb, codec=build_codec())


def finished_segment(writer: SegmentWriter):
    """A worker writer's segment, its files written and closed (None, and nothing kept, if it
    added no document): what ``MpWriter``'s sub-writers hand back (``SegmentWriter._finalize_segment``)."""
    if writer._added:
        return writer._finalize_segment()
    writer._close_segment()
    return None


def commit_with_segments(writer: SegmentWriter, segments: list) -> None:
    """Commit ``writer`` (which has added no document) with ``segments`` written elsewhere beside
    the index's own, in one table of contents (``MpWriter.commit``'s ending); a segment of the
    index left with no live document is dropped."""
    writer._close_segment()
    writer._commit_toc([segment for segment in writer.segments if segment.doc_count()] + segments)
    writer._finish()


def _whole_field(field) -> bool:
    """Whether a field's terms go to the pool with their positions, a whole field at a time."""
    return hasattr(field, "term_positions") and type(field.format) is Positions


class PoolWriter(SegmentWriter):
    """Whoosh's segment writer over a :class:`CompactPool`."""

    def __init__(self, ix, **kwargs):
        for fieldname, field in ix.schema.items():
            if field.vector:
                raise ValueError(f"the kb index's pool writer does not write term vectors (field {fieldname!r})")
            if field.separate_spelling():
                raise ValueError(f"the kb index's pool writer does not write spelling words (field {fieldname!r})")
        super().__init__(ix, **kwargs)
        self.pool = CompactPool()  # in place of Whoosh's, which has nothing in it yet

    def add_document(self, **fields):
        self._check_state()
        perdocwriter, schema, docnum, pool = self.perdocwriter, self.schema, self.docnum, self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    if isinstance(value, str) and _whole_field(field):
                        freqs = pool.add_positions(
                            fieldname, docnum, field.term_positions(value), field.format.field_boost, fieldboost
                        )
                        if field.scorable:
                            length = freqs
                    else:
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if field.scorable:
                                length += freq
                            pool.add((fieldname, tbytes, docnum, weight * fieldboost, vbytes))
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        if self.codec.length_stats:  # per-block field lengths: Whoosh's own path reads them
            return super()._flush_segment()
        self.perdocwriter.close()
        self.pool.write(self.fieldwriter, self.schema)
        self.fieldwriter.close()

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """Whoosh's (the postings of ``reader``'s live documents, renumbered from ``startdoc`` or by
        ``docmap``), a field's terms read in order; a positions field's as positions."""
        if not isinstance(getattr(reader, "_terms", None), W3TermsReader):
            return super().add_postings_to_pool(reader, startdoc, docmap)
        schema, pool = self.schema, self.pool
        for fieldname in reader.indexed_field_names():
            if fieldname not in schema:
                continue
            whole = _whole_field(schema[fieldname])
            for text, ids, weights, values in term_postings(reader, fieldname):
                if docmap is None:
                    docs = [startdoc + docnum for docnum in ids]
                    live = None
                else:
                    docs = [docmap.get(docnum) for docnum in ids]
                    live = None if None not in docs else [doc is not None for doc in docs]
                if whole:
                    counts, deltas = values
                    positions: list[int] = []
                    start = 0
                    for count in counts:  # each posting's deltas from 0 again
                        positions.extend(accumulate(deltas[start : start + count]))
                        start += count
                    if live is not None:
                        docs, weights, counts, positions = _live_positions(live, docs, weights, counts, positions)
                    if docs:
                        pool.add_term_positions(fieldname, text.decode("utf-8"), docs, weights, counts, positions)
                else:
                    for doc, weight, value in zip(docs, weights, values, strict=True):
                        if doc is not None:
                            pool.add((fieldname, text, doc, weight, value))


def _live_positions(live: list[bool], docs: list, weights: list, counts: list, positions: list) -> tuple:
    """The postings (and their positions) of live documents only."""
    kept_positions: list[int] = []
    start = 0
    for keep, count in zip(live, counts, strict=True):
        if keep:
            kept_positions.extend(positions[start : start + count])
        start += count
    return (
        [doc for doc, keep in zip(docs, live, strict=True) if keep],
        [weight for weight, keep in zip(weights, live, strict=True) if keep],
        [count for count, keep in zip(counts, live, strict=True) if keep],
        kept_positions,
    )
