"""The index codec keeps Whoosh's codec contract: every Whoosh feature that writes or reads postings
through it gives what Whoosh's own W3 codec gives on the same documents, or is refused at once.

Term vectors (``key_terms``, ``more_like``), Whoosh's merges (``merge=True``, ``optimize=True``), its
multiprocess writer, matcher skipping and block statistics, quality-skipping searches. The build's
codec (``length_stats = False``) keeps no per-block length statistics: its term infos and blocks
report bounds (shortest 0, longest :data:`UNKNOWN_MAX_LENGTH`) and searches still give W3's answers.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.scoring import BM25F
from whoosh.util.numlists import delta_encode

from indexer.format.blocks import decode_block, encode_block
from indexer.format.codec import UNKNOWN_MAX_LENGTH, ArrayCodec, build_codec
from indexer.format.schema import encode_positions
from indexer.format.segment_writer import PoolWriter

WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def _schema(vector: bool = False) -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        body=fields.TEXT(vector=vector, stored=True),
        plain=fields.TEXT(phrase=False),
        tags=fields.KEYWORD(scorable=True),
        number=fields.NUMERIC(),
    )


def _documents(count: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        # Every tenth document long: more than one block of a common word's postings, lengths that differ.
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 300 if n % 10 == 0 else 20)))
        docs.append(
            {
                "id": f"d{n}",
                "body": text,
                "plain": " ".join(rng.sample(WORDS, rng.randint(1, 4))),
                "tags": rng.choice(["a b", "b", "c", "a"]),
                "number": rng.randint(0, 9),
            }
        )
    return docs


def _build(folder, codec, docs, segments=(0.5, 0.3, 0.2), merge=False, vector=False, **writer_args):
    """``docs`` indexed with ``codec`` in segments (fractions of the documents), one commit each."""
    storage = FileStorage(str(folder))
    storage.create()
    ix = storage.create_index(_schema(vector))
    start = 0
    for share in segments:
        end = min(len(docs), start + max(1, round(share * len(docs))))
        writer = ix.writer(codec=codec(), **writer_args)
        for doc in docs[start:end]:
            writer.add_document(**doc)
        writer.commit(merge=merge)
        start = end
    return FileStorage(str(folder), supports_mmap=False).open_index()


def _term_stats(ix) -> dict:
    with ix.reader() as reader:
        return {
            term: (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(), info.max_weight())
            for term in reader.all_terms()
            for info in [reader.term_info(*term)]
        }


def _postings_by_id(ix) -> dict:
    """(field, term) -> [(stored id, weight, value)]: comparable across document numberings."""
    with ix.reader() as reader:
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        found = {}
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            postings = []
            while matcher.is_active():
                postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            found[fieldname, text] = sorted(postings)
        return found


@pytest.fixture(scope="module")
def docs():
    return _documents(400)


@pytest.fixture(scope="module")
def pair(tmp_path_factory, docs):
    """The same documents with W3 and with the index codec (its default: length statistics kept)."""
    folder = tmp_path_factory.mktemp("pair")
    return _build(folder / "w3", W3Codec, docs), _build(folder / "arrays", ArrayCodec, docs)


def test_term_statistics_are_w3s(pair):
    w3, arrays = pair
    assert _term_stats(arrays) == _term_stats(w3)
    assert max(stats[3] for stats in _term_stats(w3).values()) > 100  # real lengths, not zeros


@pytest.mark.parametrize("how", ["merge", "optimize"])
def test_whooshs_merges_keep_postings_and_statistics(tmp_path, docs, how):
    built = []
    for name, codec in (("w3", W3Codec), ("arrays", ArrayCodec)):
        ix = _build(tmp_path / name, codec, docs, segments=(0.4, 0.2, 0.1, 0.1, 0.2), merge=how == "merge")
        if how == "optimize":
            ix.writer(codec=codec()).commit(optimize=True)
            ix = ix.refresh()
            assert len(ix.reader().leaf_readers()) == 1
        built.append(ix)
    w3, arrays = built
    assert _postings_by_id(arrays) == _postings_by_id(w3)
    assert _term_stats(arrays) == _term_stats(w3)


def _blocks(matcher) -> list[tuple]:
    """Each block's statistics and postings, walked with ``skip_to`` to each block's next one."""
    found = []
    while matcher.is_active():
        block = (
            matcher.block_min_id(),
            matcher.block_max_id(),
            matcher.block_max_weight(),
            matcher.block_min_length(),
            matcher.block_max_length(),
            matcher.block_quality(),
        )
        ids = []
        while matcher.is_active() and matcher.id() <= block[1]:
            ids.append((matcher.id(), matcher.weight(), matcher.score()))
            matcher.next()
        found.append((block, ids))
    return found


def _leaf_matchers(searcher, fieldname, text) -> list:
    """A BM25F-scored matcher of the term in each segment holding it."""
    return [
        sub.reader().postings(fieldname, text, scorer=searcher.weighting.scorer(sub, fieldname, text))
        for sub, _ in searcher.leaf_searchers()
        if (fieldname, text) in sub.reader()
    ]


@pytest.mark.parametrize("term", [("body", b"alpha"), ("body", b"mu"), ("plain", b"beta"), ("tags", b"a")])
def test_matcher_blocks_skipping_and_quality_are_w3s(pair, term):
    w3, arrays = pair
    with w3.searcher(weighting=BM25F()) as a, arrays.searcher(weighting=BM25F()) as b:
        _same_matchers(lambda: _leaf_matchers(b, *term), lambda: _leaf_matchers(a, *term))


def _same_matchers(make_ours, make_theirs) -> None:
    ours, theirs = make_ours(), make_theirs()
    assert len(ours) == len(theirs) > 0
    for mine, other in zip(ours, theirs, strict=True):
        assert mine.supports_block_quality() == other.supports_block_quality() is True
        assert mine.max_quality() == other.max_quality()
        assert _blocks(mine) == _blocks(other)
    for targets in ([5, 70, 71, 300, 399], [200], [1000]):
        for mine, other in zip(make_ours(), make_theirs(), strict=True):
            for target in targets:
                if not other.is_active():
                    break
                mine.skip_to(target)
                other.skip_to(target)
                assert mine.is_active() == other.is_active()
                if other.is_active():
                    assert (mine.id(), mine.weight()) == (other.id(), other.weight())
    for mine, other in zip(make_ours(), make_theirs(), strict=True):
        floor = other.block_quality() * 0.9
        assert mine.skip_to_quality(floor) == other.skip_to_quality(floor)
        assert mine.is_active() == other.is_active()
        if other.is_active():
            assert mine.id() == other.id()


QUERIES = [
    Q.Term("body", "alpha"),
    Q.And([Q.Term("body", "alpha"), Q.Term("body", "beta")]),
    Q.Or([Q.Term("body", "gamma"), Q.Term("tags", "c"), Q.Term("plain", "mu")]),
    Q.Phrase("body", ["delta", "epsilon"]),
    Q.NumericRange("number", 2, 5),
]


@pytest.mark.parametrize("codec", [ArrayCodec, build_codec])
def test_quality_skipping_searches_give_w3s_answers(tmp_path, docs, codec):
    """A search for the top hits skips blocks by their quality (BM25F's bound from the block's
    statistics); the answers are W3's, with the build's codec's bounds too."""
    w3, arrays = _build(tmp_path / "w3", W3Codec, docs), _build(tmp_path / "ours", codec, docs)
    with w3.searcher() as theirs, arrays.searcher() as ours:
        for q in QUERIES:
            for limit in (1, 5, None):
                expected = [(hit.docnum, hit.score) for hit in theirs.search(q, limit=limit)]
                assert [(hit.docnum, hit.score) for hit in ours.search(q, limit=limit)] == expected, q
                assert expected


def test_the_build_codec_reports_bounds_for_lengths_it_keeps_no_statistics_of(tmp_path, docs):
    w3, built = _build(tmp_path / "w3", W3Codec, docs), _build(tmp_path / "built", build_codec, docs)
    exact, bounded = _term_stats(w3), _term_stats(built)
    assert exact.keys() == bounded.keys()
    for term, (weight, frequency, shortest, longest, top) in exact.items():
        assert bounded[term] == (weight, frequency, 0, UNKNOWN_MAX_LENGTH, top), term
        assert shortest >= 0 and longest <= UNKNOWN_MAX_LENGTH
    with w3.searcher(weighting=BM25F()) as a, built.searcher(weighting=BM25F()) as b:
        pairs = zip(_leaf_matchers(b, "body", b"alpha"), _leaf_matchers(a, "body", b"alpha"), strict=True)
        for mine, other in pairs:
            for (block, ids), (expected_block, expected_ids) in zip(_blocks(mine), _blocks(other), strict=True):
                assert ids == expected_ids
                assert block[:3] == expected_block[:3]
                assert block[3] == 0 and block[4] == UNKNOWN_MAX_LENGTH
                assert block[5] >= expected_block[5]  # a bound on the block's best score


@pytest.mark.parametrize("merge", [False, True])
def test_term_vectors_key_terms_and_more_like(tmp_path, docs, merge):
    built = [
        _build(tmp_path / name, codec, docs[:150], segments=(0.5, 0.3, 0.2), merge=merge, vector=True)
        for name, codec in (("w3", W3Codec), ("arrays", ArrayCodec))
    ]
    w3, arrays = built
    with w3.searcher() as theirs, arrays.searcher() as ours:
        for docnum in (0, 1, 77, 149):
            expected = list(theirs.reader().vector_as("weight", docnum, "body"))
            assert list(ours.reader().vector_as("weight", docnum, "body")) == expected
            assert list(ours.reader().vector_as("positions", docnum, "body")) == list(
                theirs.reader().vector_as("positions", docnum, "body")
            )
            assert ours.key_terms([docnum], "body") == theirs.key_terms([docnum], "body")
            assert [h.docnum for h in ours.more_like(docnum, "body")] == [
                h.docnum for h in theirs.more_like(docnum, "body")
            ]
        assert ours.key_terms([0, 1, 2], "body", numterms=5) == theirs.key_terms([0, 1, 2], "body", numterms=5)


@pytest.mark.parametrize("multisegment", [False, True])
def test_whooshs_multiprocess_writer(tmp_path, docs, multisegment):
    """``ix.writer(procs=2)`` (``whoosh.multiproc.MpWriter``): sub-writers in other processes write
    through the codec, and the parent merges their runs or keeps their segments."""
    args = {"procs": 2, "batchsize": 20, "multisegment": multisegment}
    w3 = _build(tmp_path / "w3", W3Codec, docs[:200], segments=(1.0,))
    arrays = _build(tmp_path / "arrays", ArrayCodec, docs[:200], segments=(1.0,), **args)
    assert arrays.doc_count() == 200
    assert _postings_by_id(arrays) == _postings_by_id(w3)
    if multisegment:
        assert len(arrays.reader().leaf_readers()) == 2


def test_the_pool_writer_refuses_vectors_at_once(tmp_path):
    ix = RamStorage().create_index(_schema(vector=True))
    with pytest.raises(ValueError, match=r"does not write term vectors \(field 'body'\)"):
        PoolWriter(ix, codec=build_codec())
    ix.writer().cancel()  # the index was not left locked


_TEXT = st.lists(st.sampled_from(WORDS[:5]), max_size=12).map(" ".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.tuples(_TEXT, _TEXT, st.floats(0.5, 3.0)), min_size=1, max_size=60),
    splits=st.lists(st.integers(1, 30), min_size=1, max_size=4),
    deleted=st.sets(st.integers(0, 59), max_size=10),
    merge=st.booleans(),
)
def test_arbitrary_documents_store_what_w3_stores(texts, splits, deleted, merge):
    """Any documents (empty fields, field boosts, deletions), in any segments, merged or not, through
    Whoosh's writer and the build's pool writer."""
    built = []
    for codec, pooled in ((W3Codec, False), (ArrayCodec, False), (build_codec, False), (build_codec, True)):
        ix = RamStorage().create_index(_schema())
        start = 0
        for split in [*splits, len(texts)]:
            if start >= len(texts):
                break
            writer = PoolWriter(ix, codec=codec()) if pooled else ix.writer(codec=codec())
            for n, (body, plain, boost) in enumerate(texts[start : start + split], start):
                writer.add_document(id=f"d{n}", body=body, plain=plain, _plain_boost=boost, tags=plain)
            writer.commit(merge=merge)
            start += split
        if deleted:
            writer = ix.writer(codec=codec())
            for n in deleted:
                writer.delete_by_term("id", f"d{n}")
            writer.commit(merge=merge)
        built.append(_postings_by_id(ix))
    assert built[1] == built[0]
    assert built[2] == built[0]
    assert built[3] == built[0]


_FLOAT32 = st.floats(0, 1e6, width=32)


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=300, unique=True).map(sorted),
    data=st.data(),
)
def test_a_block_decodes_to_what_w3s_block_holds(ids, data):
    """The block encoder takes any block W3's posting writer buffers (``_mini_*``: id deltas, weights
    all 1.0, all equal or each, values of every kind) and gives it back."""
    count = len(ids)
    weights = data.draw(
        st.one_of(
            st.just([1.0] * count),
            _FLOAT32.map(lambda weight: [weight] * count),
            st.lists(_FLOAT32, min_size=count, max_size=count),
        )
    )
    kind = data.draw(st.sampled_from(["none", "fixed", "bytes", "positions", "unkept"]))
    fixedsize = {"none": 0, "fixed": 3}.get(kind)
    if kind == "none":
        values = []
    elif kind == "fixed":
        values = data.draw(st.lists(st.binary(min_size=3, max_size=3), min_size=count, max_size=count))
    elif kind == "bytes":
        values = data.draw(st.lists(st.binary(min_size=1, max_size=40), min_size=count, max_size=count))
    elif kind == "positions":
        positions = st.lists(st.integers(0, 70_000), min_size=1, max_size=20, unique=True).map(sorted)
        values = [encode_positions(p) for p in data.draw(st.lists(positions, min_size=count, max_size=count))]
    else:  # a positions field whose postings carry no value: W3 keeps none (and its matcher then fails to read one)
        values = []
    block = encode_block(ids, weights, values, fixedsize, positions=kind in ("positions", "unkept"))
    deltas, found_weights, found_values = decode_block(block, count, with_values=True)
    assert deltas.tolist() == list(delta_encode(ids))
    if all(w == 1.0 for w in weights):
        assert found_weights is None
    elif all(w == weights[0] for w in weights):
        assert found_weights == weights[0]
    else:
        assert found_weights.tolist() == weights
    if kind == "none":
        assert found_values is None
    elif kind == "fixed":
        assert found_values == b"".join(values)
    else:
        assert found_values == tuple(values)
