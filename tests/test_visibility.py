"""The engine's side of access: who sees which document, and which words (kb.search.audience,
kb.search.visibility), held to brute-force answers and to an index without the hidden documents."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer import pipeline
from indexer.documents.access import DRAFT, audience_parts, audience_value
from kb.search import SearchService
from kb.search.audience import ANONYMOUS, PREVIEW, Audience
from kb.search.visibility import audience_mask
from tests.access_corpus import PUBLIC, RESTRICTED, build

GROUPS = st.sampled_from(["staff", "partners", "editors", "board"])
VALUES = st.builds(audience_value, st.booleans(), st.lists(GROUPS, max_size=3))
AUDIENCES = st.one_of(st.builds(Audience.of, st.lists(GROUPS, max_size=3)), st.just(ANONYMOUS), st.just(PREVIEW))


def test_who_sees_what():
    staff = Audience.of(["staff"])
    assert ANONYMOUS.sees("") and staff.sees("") and PREVIEW.sees("")
    assert not ANONYMOUS.sees("staff") and staff.sees("partners staff") and not staff.sees("partners")
    assert not staff.sees(f"{DRAFT} staff") and not ANONYMOUS.sees(DRAFT) and PREVIEW.sees(f"{DRAFT} staff")
    assert audience_parts(audience_value(True, ["b", "a", "a"])) == (True, frozenset({"a", "b"}))
    assert audience_value(False, []) == "" and audience_parts(None) == (False, frozenset())


@given(AUDIENCES, AUDIENCES)
def test_keys_tell_audiences_apart(one, other):
    assert (one.key == other.key) == (one == other)


@given(st.lists(VALUES, min_size=1, max_size=40), st.data(), AUDIENCES)
def test_the_mask_is_each_documents_own_answer(values, data, audience):
    live = np.array(data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))), dtype=bool)
    mask = audience_mask(values, live, audience)
    expected = np.array([audience.sees(v) for v in values], dtype=bool) & live
    if mask is None:
        assert expected[live].all()
    else:
        assert (mask == expected).all()


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    """The access corpus indexed whole, and with only its public documents."""
    whole = build(tmp_path_factory.mktemp("whole"))
    public_root = tmp_path_factory.mktemp("public")
    shutil.copytree(whole.content_dir, public_root / "content")
    for doc_id in RESTRICTED:
        (public_root / "content" / f"{doc_id}.md").unlink()
    pipeline.build(public_root / "content", public_root / "index", full=True)
    services = SearchService(whole.index_dir), SearchService(public_root / "index")
    yield services
    for service in services:
        service.close()


QUERIES = ["támogatási terv", "tamogatasi terv", "lakhatás", "plán podpory", "terv", "eljárás", "porada", "a terv"]


@pytest.mark.parametrize("query", QUERIES)
def test_an_outsider_gets_the_answers_of_the_index_without_hidden_documents(indexes, query):
    whole, public = indexes
    seen = whole.search(query, limit=50)
    expected = public.search(query, limit=50)
    assert [h.id for h in seen.hits] == [h.id for h in expected.hits] or (
        {h.id for h in seen.hits} == {h.id for h in expected.hits}  # BM25 statistics count every document
    )
    assert seen.total == expected.total and set(h.id for h in seen.hits) <= set(PUBLIC)
    assert seen.facets == expected.facets


def test_the_words_a_reader_may_see_are_those_of_their_documents(indexes):
    whole, _ = indexes
    staff = Audience.of(["staff"])
    with whole.reading() as searcher:
        for audience in (ANONYMOUS, staff, PREVIEW):
            view = whole._visible(searcher, audience)
            for leaf, offset in searcher.leaf_searchers():
                reader = leaf.reader()
                for fieldname, term in reader.all_terms():
                    if fieldname not in ("words", "lemmas", "body_hu", "head_hu"):
                        continue
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    docs = [offset + d for d in reader.postings(fieldname, term).all_ids()]
                    expected = any(audience.sees(searcher.stored_fields(d).get("audience")) for d in docs)
                    assert view.has(fieldname, text) == expected, (audience, fieldname, text)


def test_autocomplete_and_did_you_mean_offer_an_outsider_no_hidden_word(indexes):
    whole, _ = indexes
    for prefix in ("zo", "zorb", "zorbla", "qui", "quimber", "vex", "vexnar"):
        assert whole.suggest(prefix) == [], prefix
    assert whole.search("zorblaxikn").suggestion is None
    staff = Audience.of(["staff"])
    assert any("zorblaxikon" in s["text"].lower() for s in whole.suggest("zorbla", audience=staff))
    assert whole.search("zorblaxikn", audience=staff).suggestion is not None
    assert whole.search("zorblaxikon", audience=staff).total == 2
