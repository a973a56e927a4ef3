"""Search through the glossary: a query in one language finds documents in another, ranked below direct hits."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("query", ["podporované bydlení", "podporovaneho bydleni", "supported living"])
def test_a_czech_or_english_query_finds_the_hungarian_protocol(client, query):
    data = client.get("/api/search", query_string={"q": query}).get_json()
    by_id = {r["id"]: r for r in data["results"]}
    assert "hu/tl-szolgaltatasi-gyuru-forum" in by_id
    via = by_id["hu/tl-szolgaltatasi-gyuru-forum"]["via"]
    assert via and via[0]["concept"] == "supported-living"
    assert via[0]["label"] in ("támogatott lakhatás", "TL")


def test_direct_hits_rank_above_glossary_hits_and_have_no_via(client):
    data = client.get("/api/search", query_string={"q": "supported living"}).get_json()
    ids = [r["id"] for r in data["results"]]
    assert ids[0] == "en/tl-service-ring-forum"  # the document that says "supported living"
    assert data["results"][0]["via"] == []
    first_via = next(i for i, r in enumerate(data["results"]) if r["via"])
    assert all(r["via"] for r in data["results"][first_via:])


def test_deinstitutionalisation_reaches_the_czech_transformation(client):
    data = client.get("/api/search", query_string={"q": "deinstitucionalizace"}).get_json()
    ids = {r["id"] for r in data["results"]}
    assert {"hu/tl-szolgaltatasi-gyuru-forum", "cs/transformace-socialnich-sluzeb-msk"} & ids


def test_a_query_without_labels_has_no_via(client):
    data = client.get("/api/search", query_string={"q": "Székesfehérvár"}).get_json()
    assert data["results"] and all(r["via"] == [] for r in data["results"])


def test_the_results_page_says_how_a_result_was_found(client):
    client.set_cookie("kb_lang", "en")
    page = client.get("/search", query_string={"q": "podporované bydlení"}).get_data(as_text=True)
    assert "found through <em>podporované bydlení</em> ↔ <em>" in page
    assert 'href="/glossary/supported-living"' in page


def test_a_clause_the_index_cannot_match_directly_still_counts_its_alternatives(service):
    from kb.search import collector
    from kb.search.glossary import concept_query

    with service.reading() as searcher:
        found = collector.collect(searcher, [collector.ClauseQueries(None, [concept_query("supported-living")])], 10)
        ids = {searcher.stored_fields(docnum)["id"] for _, docnum in found.results.top_n}
    assert ids == {"hu/tl-szolgaltatasi-gyuru-forum", "en/tl-service-ring-forum"}
    assert all(pairs == [(0, 0)] for pairs in found.via.values())
