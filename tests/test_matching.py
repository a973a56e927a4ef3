"""The bulk disjunction scores exactly as Whoosh's own, across posting blocks and array parts."""

from __future__ import annotations

import random

import pytest
from whoosh import index
from whoosh import query as Q
from whoosh.query.compound import PreloadedOr

from indexer.format.schema import build_schema
from kb.search.matching import BulkOr
from kb.search.ranking import RecencyBM25F

WORDS = "lakhatás lakhatási támogatott szolgáltatás ülés gyerek család segítség otthon munka".split()


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bulk")
    ix = index.create_in(str(folder), build_schema())
    rng = random.Random(3)
    # More documents than one array part (2,048) and than one posting block (128) per term.
    with ix.writer() as writer:
        for number in range(2300):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
            writer.add_document(id=f"d{number}", body_hu=text, head_hu=rng.choice(WORDS), words=text)
    with ix.searcher(weighting=RecencyBM25F()) as s:
        yield s


QUERIES = [
    [("body_hu", "lakhatas", 1.0), ("head_hu", "lakhatas", 1.0)],
    [("body_hu", "tamogatott", 1.0), ("body_hu", "tamogat", 0.5), ("head_hu", "tamogatott", 2.0)],
    [("body_hu", "ules", 1.0), ("body_hu", "gyerek", 0.5), ("body_hu", "nincs-ilyen", 1.0)],
    [("words", "ules|ülés", 0.3), ("body_hu", "otthon", 1.0)],
]


@pytest.mark.parametrize("terms", QUERIES)
def test_bulk_or_scores_like_whoosh(searcher, terms):
    subqueries = [Q.Term(field, text, boost=boost) for field, text, boost in terms]
    ours = searcher.search(BulkOr(subqueries), limit=None)
    theirs = searcher.search(PreloadedOr(subqueries), limit=None)
    assert len(ours) > 0
    assert [(hit.docnum, pytest.approx(hit.score, rel=1e-12)) for hit in ours] == [
        (hit.docnum, hit.score) for hit in theirs
    ]


def test_bulk_or_inside_a_conjunction(searcher):
    first = BulkOr([Q.Term("body_hu", "lakhatas"), Q.Term("head_hu", "lakhatas")])
    second = BulkOr([Q.Term("body_hu", "csalad"), Q.Term("body_hu", "munka", boost=0.5)])
    ours = searcher.search(Q.And([first, second]), limit=None)
    theirs = searcher.search(
        Q.And([PreloadedOr(list(first.subqueries)), PreloadedOr(list(second.subqueries))]), limit=None
    )
    assert 0 < len(ours) < searcher.doc_count()
    assert [h.docnum for h in ours] == [h.docnum for h in theirs]
    assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], rel=1e-12)


def test_recency_boosts_cover_every_segment(tmp_path):
    """The per-document recency factors are right for an index of several segments too."""
    import datetime as dt

    ix = index.create_in(str(tmp_path), build_schema())
    dates = [dt.date(2010, 5, 1), dt.date(2025, 5, 1), None, dt.date(2019, 1, 1)]
    for number, date in enumerate(dates):  # one commit, one segment each
        with ix.writer() as writer:
            fields = {"id": f"d{number}", "body_hu": "műhely"}
            if date:
                fields["date_ordinal"] = date.toordinal()
            writer.add_document(**fields)
    weighting = RecencyBM25F(today=dt.date(2026, 1, 1))
    with ix.searcher(weighting=weighting) as searcher:
        assert len(searcher.ixreader.leaf_readers()) == 4
        expected = [weighting.boost(d.toordinal() if d else 0) for d in dates]
        assert list(weighting.boosts(searcher)) == expected
        assert expected[1] > expected[3] > expected[0] > 1.0 == expected[2]
