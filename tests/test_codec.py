"""The index codec (indexer/format/codec.py) stores exactly what Whoosh's W3 codec stores."""

from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage

from indexer.format import blocks, codec, postings, term_file
from indexer.format.codec import ArrayCodec
from indexer.format.postings import posting_arrays, posting_positions, read_list, value_positions
from indexer.format.schema import build_schema

WORDS = "lakhatás támogatott szolgáltatás ülés gyerek család segítség otthon munka a az és".split()


def _build(folder, codec_class, segments=(200, 150, 60), merge=False):
    """The same documents (fields of every format: positions, frequencies, ids) in segments."""
    storage = FileStorage(str(folder))
    storage.create()
    ix = storage.create_index(build_schema())
    rng = random.Random(7)
    number = 0
    for size in segments:
        writer = ix.writer(codec=codec_class())
        for _ in range(size):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 400 if number % 50 == 0 else 30)))
            writer.add_document(
                id=f"d{number}",
                lang=rng.choice(["hu", "cs"]),
                body_hu=text,
                words=text,
                head_hu=rng.choice(WORDS),
                tags=rng.choice(["a", "b,c", ""]),
            )
            number += 1
        writer.commit(merge=merge)
    return FileStorage(str(folder), supports_mmap=False).open_index()


def _postings(reader) -> dict:
    """Every (segment, field, term) -> its postings as Whoosh's matchers give them."""
    found = {}
    for index, (leaf, _) in enumerate(reader.leaf_readers()):
        for (fieldname, text), info in leaf._terms.items():
            fmt = leaf.schema[fieldname].format
            matcher = leaf._terms.matcher(fieldname, text, fmt)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[index, fieldname, text] = (postings, info.doc_frequency(), info.weight())
    return found


class _NotPositions:
    """Stands for Whoosh's Positions in the codec: it then keeps positions as bytes (the first
    layout of the index codec, which indexes built before still have)."""


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    w3 = _build(tmp_path_factory.mktemp("w3"), W3Codec)
    arrays = _build(tmp_path_factory.mktemp("arrays"), ArrayCodec)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codec, "Positions", _NotPositions)
        bytes_values = _build(tmp_path_factory.mktemp("bytes"), ArrayCodec)
    yield w3, arrays, bytes_values
    for ix in (w3, arrays, bytes_values):
        ix.close()


def test_every_posting_list_reads_as_w3_wrote_it(indexes):
    w3, arrays, bytes_values = indexes
    with w3.reader() as a, arrays.reader() as b, bytes_values.reader() as c:
        expected, found, found_before = _postings(a), _postings(b), _postings(c)
    assert found == expected
    assert found_before == expected
    assert max(len(p) for p, _, _ in found.values()) > 128  # lists of many blocks
    with arrays.reader() as b:
        assert all(type(leaf._codec) is ArrayCodec for leaf, _ in b.leaf_readers())


def test_the_array_reader_gives_the_matchers_postings(indexes):
    """posting_arrays (ids, weights) and posting_positions of every list, on every layout."""
    checked = inlined = 0
    kinds = set()
    for ix in indexes:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                postfile = leaf._terms._postfile
                for (fieldname, text), info in leaf._terms.items():
                    matcher = leaf._terms.matcher(fieldname, text, leaf.schema[fieldname].format)
                    expected = []
                    while matcher.is_active():
                        expected.append((matcher.id(), matcher.weight(), matcher.value()))
                        matcher.next()
                    if info.is_inlined():  # a short list, kept in the term info
                        assert len(expected) < codec.INLINE_LIMIT
                        assert list(zip(*info.inlined_postings()[:2], strict=True)) == [(i, w) for i, w, _ in expected]
                        inlined += 1
                    else:
                        data = read_list(postfile, info)
                        ids, weights = posting_arrays(data)
                        assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == [
                            (i, w) for i, w, _ in expected
                        ]
                    if not leaf.schema[fieldname].format.supports("positions"):
                        continue
                    decode = leaf.schema[fieldname].format.decoder("positions")
                    wanted = np.zeros(leaf.doc_count_all(), dtype=bool)
                    wanted[[i for i, _, _ in expected[::3]]] = True
                    pairs = [(i, p) for i, _, v in expected if wanted[i] for p in decode(v)]
                    ids, _, values = zip(*expected, strict=True)
                    docs, points = value_positions(ids, values, wanted)
                    assert list(zip(docs.tolist(), points.tolist(), strict=True)) == pairs
                    if info.is_inlined():
                        continue
                    docs, points = posting_positions(data, wanted)
                    assert list(zip(docs.tolist(), points.tolist(), strict=True)) == pairs
                    kinds.update(_value_kinds(data))
                    checked += 1
    assert checked > 20
    assert inlined > 20
    assert {blocks.VALUES, blocks.RAW_POSITIONS} <= kinds  # both layouts of positions were read


def _value_kinds(data: bytes) -> set[int]:
    return {
        blocks.HEADER.unpack_from(block, 0)[2]
        for _, _, block, compression in blocks.list_blocks(data)
        if compression == blocks.ARRAYS
    }


def test_merged_segments_keep_their_postings(tmp_path):
    """Whoosh's merge reads the segments through the codec and writes them anew."""
    w3 = _build(tmp_path / "w3", W3Codec, segments=(150, 60), merge=True)
    arrays = _build(tmp_path / "arrays", ArrayCodec, segments=(150, 60), merge=True)
    with w3.reader() as a, arrays.reader() as b:
        assert _postings(b) == _postings(a)
    writer = arrays.writer(codec=ArrayCodec())
    writer.commit(optimize=True)
    with arrays.refresh().reader() as b, w3.reader() as a:
        assert len(b.leaf_readers()) == 1
        before = _postings(a)
        offsets = [offset for _, offset in a.leaf_readers()]
        for (_, fieldname, text), (postings, _, _) in _postings(b).items():
            expected = []
            for index, offset in enumerate(offsets):
                expected += [(d + offset, w, v) for d, w, v in before.get((index, fieldname, text), ([],))[0]]
            assert postings == expected, (fieldname, text)
    w3.close()
    arrays.close()


@pytest.mark.parametrize("chunk", [term_file.CHUNK_BYTES, 40])  # 40 bytes: records across every read
def test_field_records_are_whooshs_term_infos_in_order(indexes, chunk, monkeypatch):
    """``term_file.field_records`` (the term file read in order) against Whoosh's cursor, every field of every
    segment."""
    from whoosh.filedb.filestore import RamStorage

    monkeypatch.setattr(term_file, "CHUNK_BYTES", chunk)

    checked = 0
    for ix in indexes:
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                terms = leaf._terms
                for fieldname in sorted(set(terms._fieldmap) | {"no_such_field"}):
                    expected = []
                    for (name, text), info in terms.items_from(fieldname, b"") if fieldname in terms._fieldmap else ():
                        if name != fieldname:
                            break
                        inlined = info.inlined_postings()[:2] if info.is_inlined() else None
                        extent = None if inlined else term_file.extent(info)
                        expected.append((text, info.weight(), info.doc_frequency(), inlined, extent))
                    found = list(term_file.field_records(leaf, fieldname))
                    assert found == expected, fieldname
                    checked += len(found)
    assert checked > 1000
    # An index in memory (no file to read): Whoosh's cursor, the same answers.
    ram = RamStorage().create_index(build_schema())
    with ram.writer(codec=ArrayCodec()) as writer:
        for number in range(30):
            writer.add_document(id=f"d{number}", body_hu=" ".join(WORDS[: 1 + number % len(WORDS)]))
    with ram.reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        found = list(term_file.field_records(leaf, "body_hu"))
        assert [text for text, *_ in found] == sorted(
            text for (name, text), _ in leaf._terms.items() if name == "body_hu"
        )


def test_field_lengths_are_whooshs_lengths(indexes, tmp_path):
    """``postings.field_lengths`` (a segment's lengths column read in one go) against Whoosh's look-up per
    document: a field every document has, one only the first documents have (the column ends early),
    one no document has, and an index in memory."""
    from whoosh.filedb.filestore import RamStorage

    def expected(leaf, fieldname):
        return [leaf.doc_field_length(d, fieldname, 1) or 1 for d in range(leaf.doc_count_all())]

    ram = RamStorage().create_index(build_schema())
    for ix in (FileStorage(str(tmp_path)).create_index(build_schema()), ram):
        with ix.writer(codec=ArrayCodec()) as writer:
            for number in range(40):
                writer.add_document(
                    id=f"d{number}",
                    body_hu=" ".join(WORDS[: 1 + number % len(WORDS)] * (1 + number)),
                    **({"body_cs": "slovo " * number} if number < 25 else {}),
                )
    checked = distinct = 0
    for ix in (*indexes, ram, FileStorage(str(tmp_path), supports_mmap=False).open_index()):
        with ix.reader() as reader:
            for leaf, _ in reader.leaf_readers():
                for fieldname in ("body_hu", "body_cs", "head_hu", "title_en"):
                    found = postings.field_lengths(leaf, fieldname)
                    assert list(found) == expected(leaf, fieldname), fieldname
                    checked += len(found)
                    distinct = max(distinct, len(set(found)))
    assert checked > 2000
    assert distinct > 20  # lengths that differ, not a column of ones
