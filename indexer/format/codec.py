"""The index's codec: Whoosh's W3, with each posting block stored as arrays instead of a pickle.

Why: W3 writes every block of 128 postings as a zlib-compressed pickle of (id deltas,
weights, values), so a search unpickles Python objects for every posting it reads,
positions included, and a build pickles and compresses them (much of a full build).
Here a block is its id deltas as one unsigned array (1, 2 or 4 bytes each), its weights
as one float32 array (or one value, or nothing when all are 1.0), and its values after
them: positions (Whoosh's ``Positions`` format) as each posting's count and one array of
position deltas, other values as W3 keeps them, zlib-compressed. The search side reads
ids and weights with ``numpy.frombuffer`` and decodes positions only for a phrase, as
arrays too (:func:`posting_positions`); Whoosh's matchers get each value re-encoded.

Everything else (term file, block info, vectors) is W3's, with its inlining of short
lists made to work (:meth:`ArrayPostingsWriter.finish_postings`). A block is told
apart by its info's compression slot: ``ARRAYS`` (negative) here, a zlib level in W3.
Checked against whoosh-reloaded 2.7.5 - 2.7.x (the pin in pyproject.toml);
``tests/test_codec.py`` holds every posting list, read through Whoosh's matchers and
through the array reader, equal to the same documents indexed with W3.
"""

from __future__ import annotations

import pickle

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, W3PostingsWriter, W3TermsReader
from whoosh.formats import Positions
from whoosh.util.numeric import byte_to_length, length_to_byte

from indexer.format.blocks import ARRAYS, decode_block, encode_block

#: Posting lists shorter than this are kept in their term's info, as W3 can (``inlinelimit``):
#: most terms of a real vocabulary are in one to three documents of a segment, and writing
#: a block for each was most of a full build's commit.
INLINE_LIMIT = 4

#: The longest field length a length byte stands for: what a block or a term written without
#: length statistics (``length_stats = False``, the build's codec) reports as its longest.
UNKNOWN_MAX_LENGTH = byte_to_length(255)


class ArrayCodec(W3Codec):
    """W3 with array posting blocks (see the module's docstring)."""

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = INLINE_LIMIT):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:
            # Term vectors: ids are terms, written as W3 writes them, never inlined (W3's vector
            # reader reads a list from the file; W3's own inlining would fail, see finish_postings).
            return W3PostingsWriter(
                dbfile, blocklimit=self._blocklimit, byteids=True, compression=self._compression, inlinelimit=0
            )
        return ArrayPostingsWriter(dbfile, blocklimit=self._blocklimit, inlinelimit=self._inlinelimit)

    def terms_reader(self, storage, segment):
        """W3's (``W3Codec.terms_reader``), as an :class:`ArrayTermsReader`."""
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return ArrayTermsReader(self, tifile, tilen, postfile)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        matcher = ArrayLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)
        matcher.length_stats = self.length_stats
        return matcher


class ArrayPostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        """W3's, whose inlining calls a method its term info does not have (``set_inline``;
        whoosh-reloaded 2.7.5 names it ``set_inlined``), so W3 never inlines.

        A list without values keeps a None for each posting, as a block gives: Whoosh's
        list matcher would give "" instead, which its own writer refuses when it merges.
        """
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values or (None,) * len(self._ids))
        else:
            if self._ids:
                self._write_block(last=True)
            terminfo.set_extent(self._startoffset, self._postfile.tell() - self._startoffset)
        self._terminfo = None
        return terminfo

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        fmt = self._format
        databytes = encode_block(ids, self._weights, self._values, fmt.fixed_value_size(), type(fmt) is Positions)
        infobytes = pickle.dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                ARRAYS,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class ArrayLeafMatcher(W3LeafMatcher):
    def _read_data(self):
        if self._compression != ARRAYS:
            return super()._read_data()
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        deltas, weights, values = decode_block(data, self._blocklength, with_values=True)
        if hasattr(weights, "tolist"):  # an array of each posting's weight
            weights = weights.tolist()
        self._data = (deltas.tolist(), weights, values)

    #: Whether the segment was written with per-block length statistics (its codec's ``length_stats``).
    length_stats = True

    def block_max_length(self):
        """The block's longest field length; written without length statistics, a bound
        (:data:`UNKNOWN_MAX_LENGTH`) in place of the 0 the block holds."""
        return self._maxlength if self.length_stats else UNKNOWN_MAX_LENGTH


class ArrayTermsReader(W3TermsReader):
    """W3's terms reader; in a segment written without length statistics (the build's codec:
    ``length_stats = False``), its term infos report a bound as their longest length
    (:data:`UNKNOWN_MAX_LENGTH`) in place of the 0 they hold.

    Their shortest length stays 0, a bound too: Whoosh uses it only as one, for a BM25F block's
    best possible score (``BM25FScorer.block_quality``), so quality-skipping searches give the
    same answers, only skipping less (``tests/test_codec_contract.py``).
    """

    def _bounded(self, info):
        if info is not None and not self._codec.length_stats:
            info._maxlength = UNKNOWN_MAX_LENGTH
        return info

    def term_info(self, fieldname, tbytes):
        return self._bounded(super().term_info(fieldname, tbytes))

    def items(self):
        for key, info in super().items():
            yield key, self._bounded(info)

    def items_from(self, fieldname, prefix):
        for key, info in super().items_from(fieldname, prefix):
            yield key, self._bounded(info)


def build_codec() -> ArrayCodec:
    """The index's codec (:class:`ArrayCodec`), without per-block field-length statistics.

    Those statistics only serve block-skipping (which our collector turns off, since
    facet counts need every match), and reading a length per posting was a large part of
    a full build's commit (bench/README.md).
    """
    codec = ArrayCodec()
    codec.length_stats = False
    return codec
