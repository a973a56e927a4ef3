"""The full build's compact posting pool (indexer/pool.py) gives what Whoosh's pool gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.filestore import RamStorage
from whoosh.writing import PostingPool

from indexer.pool import CompactPool

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
    from indexer import storage

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
    from indexer import parallel, pipeline, segments

    from .test_parallel import _corpus

    root = _corpus(content_factory)
    pipeline.build(root, tmp_path / "serial", full=True)  # below the threshold: one writer, Whoosh's pool
    monkeypatch.setattr(parallel, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(segments, "_CHUNK", 3)
    pipeline.build(root, tmp_path / "workers", full=True, workers=2)
    serial, workers = _postings_by_document_id(tmp_path / "serial"), _postings_by_document_id(tmp_path / "workers")
    assert len(serial) > 100
    assert workers == serial
