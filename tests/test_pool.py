"""The full build's compact posting pool (indexer/format/posting_pool.py) gives what Whoosh's pool gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import PostingPool, SegmentWriter

from indexer.format.posting_pool import CompactPool

postings = st.lists(
    st.tuples(
        st.sampled_from(["body_hu", "words", "id", "head_cs"]),
        st.binary(min_size=0, max_size=6),
        st.integers(min_value=0, max_value=300),
        st.floats(min_value=0.0, max_value=50.0, allow_nan=False),
        st.one_of(st.none(), st.binary(min_size=1, max_size=12), st.just(b"\x00\x00\x00\x01\x80\x02]q\x00K\x05a.")),
    ),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(items=postings)
def test_the_compact_pool_gives_the_postings_whoosh_pool_gives(items):
    # One posting per (field, term, document), as a writer adds them.
    unique = list({(f, t, d): (f, t, d, w, v) for f, t, d, w, v in items}.values())
    whoosh = PostingPool(RamStorage(), None, limitmb=64)
    compact = CompactPool()
    for item in unique:
        whoosh.add(item)
        compact.add(item)
    assert list(compact.iter_postings()) == list(whoosh.items())
    assert compact.fieldnames == whoosh.fieldnames
    assert (compact.currentsize > 0) == bool(unique)


def test_the_compact_pool_is_several_times_smaller_than_whoosh_estimate():
    """What lets a full build's worker keep more documents in a segment."""
    whoosh = PostingPool(RamStorage(), None, limitmb=1024)
    compact = CompactPool()
    single = b"\x00\x00\x00\x01\x80\x02]q\x00K\x05a."
    for docnum in range(2000):
        for term in range(40):
            item = ("body_hu", f"w{(docnum * 7 + term) % 5000}".encode(), docnum, 1.0, single)
            whoosh.add(item)
            compact.add(item)
    assert compact.currentsize * 3 < whoosh.currentsize


def _postings_by_document_id(index_dir) -> dict:
    """(field, term) -> sorted (document id, weight, value) over every segment."""
    from indexer.generation import storage

    found: dict = {}
    with storage.open_index(index_dir).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            ids = {docnum: fields["id"] for docnum, fields in leaf.iter_docs()}
            for (fieldname, text), _info in leaf._terms.items():
                matcher = leaf._terms.matcher(fieldname, text, leaf.schema[fieldname].format)
                while matcher.is_active():
                    found.setdefault((fieldname, text), []).append(
                        (ids[matcher.id()], matcher.weight(), matcher.value())
                    )
                    matcher.next()
    return {key: sorted(value) for key, value in found.items()}


def test_a_full_build_through_the_workers_writes_what_a_serial_build_writes(content_factory, tmp_path, monkeypatch):
    from indexer import pipeline
    from indexer.build import preparation, segments

    from .test_parallel import _corpus

    root = _corpus(content_factory)
    pipeline.build(root, tmp_path / "serial", full=True)  # below the threshold: one writer, Whoosh's pool
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(segments, "_CHUNK", 3)
    pipeline.build(root, tmp_path / "workers", full=True, workers=2)
    serial, parallel = _postings_by_document_id(tmp_path / "serial"), _postings_by_document_id(tmp_path / "workers")
    assert len(serial) > 100
    assert parallel == serial


positions_fields = st.lists(
    st.tuples(
        st.sampled_from(["body_hu", "words", "head_cs"]),
        st.dictionaries(
            st.text(alphabet="abcáé|", min_size=1, max_size=4),
            st.lists(st.integers(min_value=0, max_value=70_000), min_size=1, max_size=5, unique=True).map(sorted),
            max_size=8,
        ),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(fields=positions_fields, boost=st.sampled_from([1.0, 2.5]))
def test_a_whole_field_of_positions_gives_the_postings_of_its_encoded_values(fields, boost):
    """``add_positions`` (a full build's text fields) against Whoosh's pool fed what ``Positions`` encodes."""
    from indexer.format.schema import encode_positions

    whoosh = PostingPool(RamStorage(), None, limitmb=64)
    compact = CompactPool()
    for docnum, (fieldname, terms) in enumerate(fields):
        freqs = compact.add_positions(fieldname, docnum, terms, boost)
        assert freqs == sum(len(found) for found in terms.values())
        for term, found in terms.items():
            whoosh.add((fieldname, term.encode("utf-8"), docnum, len(found) * boost, encode_positions(found)))
        compact.add(("id", f"d{docnum}".encode(), docnum, 1.0, None))  # a field of another kind between
        whoosh.add(("id", f"d{docnum}".encode(), docnum, 1.0, None))
    assert list(compact.iter_postings()) == list(whoosh.items())
    assert compact.fieldnames == whoosh.fieldnames


def _documents(content_factory) -> list[dict]:
    """Index fields of 300 documents whose words are in one, a few, dozens and hundreds of them
    (inlined lists, one block, several blocks), some several times in a document, some boosted."""
    import random

    from indexer.build.preparation import Preparer, prepare_one

    rng = random.Random(13)
    words = {
        "hu": ["támogatott", "lakhatás", "szolgáltatás", "gyermek", "család", "otthon", "közösség", "munka"],
        "cs": ["sociální", "služba", "bydlení", "podpora", "rodina", "péče", "komunita", "práce"],
    }
    for number in range(300):
        lang = "hu" if number % 3 else "cs"
        common = words[lang]
        body = " ".join(
            rng.choice(common[:2])
            if rng.random() < 0.3
            else rng.choice(common) + rng.choice(["", "ok", "ami", f"{rng.randrange(40)}"])
            for _ in range(rng.randrange(5, 60))
        )
        content_factory(
            f"{lang}/d{number}.md", f"title: Dokument {number}\ntype: protocol\nlang: {lang}", f"{body} egyedi{number}"
        )
    root = content_factory.root
    documents = [prepare_one(path, Preparer(root)).fields for path in sorted(root.rglob("*.md"))]
    for fields in documents[::7]:
        fields["_boost"] = 1.1  # weights a float32 rounds (a block and a term info keep float32)
    return documents


def _segment_files(folder, writer_class, documents) -> dict[str, bytes]:
    from whoosh.index import create_in

    from indexer.build import segments
    from indexer.format.codec import build_codec
    from indexer.format.schema import build_schema

    folder.mkdir()
    ix = create_in(str(folder), build_schema())
    writer = writer_class(ix, _lk=False, codec=build_codec(), limitmb=64, compound=False)
    writer.pool = CompactPool()
    for fields in documents:
        writer.add_document(**fields)
    segment = segments._finish(writer)
    return {f.name.replace(segment.segid, "S"): f.read_bytes() for f in folder.iterdir() if segment.segid in f.name}


def test_the_pool_writes_the_segment_files_whoosh_writes_from_it(content_factory, tmp_path):
    """The full build's writer (``segment_writer.PoolWriter``: whole fields into the pool, the pool's
    ``write``) against Whoosh's ``SegmentWriter`` and ``add_postings`` over the same pool: byte for byte."""
    from indexer.format import segment_writer

    documents = _documents(content_factory)
    whoosh = _segment_files(tmp_path / "whoosh", SegmentWriter, documents)
    ours = _segment_files(tmp_path / "ours", segment_writer.PoolWriter, documents)
    assert sum("támogatott" in fields["body_hu"] for fields in documents if "body_hu" in fields) > 128  # blocks
    assert {"MAIN_S.trm", "MAIN_S.pst"} <= set(whoosh)
    assert ours.keys() == whoosh.keys()
    for name in whoosh:
        assert ours[name] == whoosh[name], name


def test_a_field_fed_both_ways_is_refused():
    """Its terms would be numbered twice and written out of order: the pool says which field."""
    import pytest

    pool = CompactPool()
    pool.add(("body_hu", b"lakhatas", 0, 1.0, None))
    pool.add_positions("body_hu", 1, {"lakhatas": [3]}, 1.0)
    with pytest.raises(ValueError, match="body_hu"):
        list(pool.iter_postings())


def _merged_files(folder, writer_class, documents, new_documents, source_codec=None) -> dict[str, bytes]:
    """Segments of ``documents`` (some deleted) merged by ``writer_class`` with ``new_documents``
    added first, as an incremental build's commit merges small segments; the segments written
    with ``source_codec`` (default: the index's)."""
    from whoosh.index import create_in
    from whoosh.reading import SegmentReader
    from whoosh.writing import NO_MERGE

    from indexer.build import segments
    from indexer.format.codec import build_codec
    from indexer.format.schema import build_schema

    folder.mkdir()
    ix = create_in(str(folder), build_schema())
    for start in range(0, len(documents), 70):
        writer = ix.writer(codec=source_codec or build_codec())
        for fields in documents[start : start + 70]:
            writer.add_document(**fields)
        writer.commit(mergetype=NO_MERGE)
    writer = ix.writer(codec=build_codec())
    for fields in documents[5:40:3] + documents[200:203]:
        writer.delete_by_term("id", fields["id"])
    writer.commit(mergetype=NO_MERGE)
    writer = writer_class(ix, _lk=False, codec=build_codec(), limitmb=64, compound=False)
    for fields in new_documents:
        writer.add_document(**fields)
    assert sum(segment.deleted_count() for segment in ix._segments()) == 15
    for segment in ix._segments():
        reader = SegmentReader(ix.storage, ix.schema, segment)
        writer.add_reader(reader)
        reader.close()
    segment = segments._finish(writer)
    return {f.name.replace(segment.segid, "S"): f.read_bytes() for f in folder.iterdir() if segment.segid in f.name}


@pytest.mark.parametrize("source", ["index codec", "W3"])
def test_merging_segments_writes_the_segment_whoosh_merge_writes(content_factory, tmp_path, source):
    """Small segments merged in by the pool writer (``add_reader``: each field's terms and posting
    lists read in order) against Whoosh's ``SegmentWriter.add_reader``, with deleted documents
    and a new document's fields in the same pool: byte for byte. Segments of W3's own codec (an
    index written before this one) go through Whoosh's matchers, to the same result."""
    from whoosh.codec.whoosh3 import W3Codec

    from indexer.format import segment_writer

    documents = _documents(content_factory)
    old, new = documents[:280], documents[280:]
    codec = W3Codec() if source == "W3" else None
    whoosh = _merged_files(tmp_path / "whoosh", SegmentWriter, old, new, codec)
    ours = _merged_files(tmp_path / "ours", segment_writer.PoolWriter, old, new, codec)
    assert {"MAIN_S.trm", "MAIN_S.pst"} <= set(whoosh)
    assert ours.keys() == whoosh.keys()
    # A term info pickles its inlined values, and one bytes object twice is pickled once: the
    # term file is compared by what its records hold, everything else byte for byte.
    assert _term_records(ours.pop("MAIN_S.trm")) == _term_records(whoosh.pop("MAIN_S.trm"))
    for name in whoosh:
        assert ours[name] == whoosh[name], name


def _term_records(data: bytes) -> list:
    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.filedb.filestore import RamStorage
    from whoosh.filedb.filetables import OrderedHashReader

    storage = RamStorage()
    with storage.create_file("t") as file:
        file.write(data)
    reader = OrderedHashReader.open(storage, "t")
    found = [(key, vars(W3TermInfo.from_bytes(value))) for key, value in reader.items()]
    assert len(found) > 1000
    return found
