"""Search behaviour on small purpose-built corpora: ranking, phrases, fallbacks, typos, autocomplete."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import pipeline
from kb.search import SearchService
from kb.web import create_app

from .conftest import write_doc

DOCS = {
    "hu/exact.md": ('title: "Jegyzet egy"\ntype: guidance\nlang: hu', "A támogatott lakhatás alapelvei."),
    "hu/inflected.md": (
        'title: "Jegyzet kettő"\ntype: guidance\nlang: hu',
        "A támogatott lakhatásokról szóló útmutató.",
    ),
    "hu/phrase.md": (
        'title: "Gyűrű"\ntype: forum\nlang: hu',
        "A fórum a szolgáltatási gyűrűjének megszervezéséről szólt.",
    ),
    "hu/reversed.md": (
        'title: "Fordítva"\ntype: forum\nlang: hu',
        "Gyűrű alakú asztal mellett beszéltek a szolgáltatási díjakról és a lakhatásról.",
    ),
    "hu/old.md": ('title: "Műhely"\ntype: news\nlang: hu\ndate: 2001-05-01', "Műhelymunka Pécsett."),
    "hu/recent.md": ('title: "Műhely"\ntype: news\nlang: hu\ndate: 2025-05-01', "Műhelymunka Pécsett."),
    "cs/kraj.md": (
        'title: "Kraj"\ntype: presentation\nlang: cs',
        "## 1. Úvod\n\nÚvodní slovo.\n\n## 2. Kraj\n\nSociální služby v Moravskoslezském kraji.\n",
    ),
}


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    for rel, (front, body) in DOCS.items():
        write_doc(root, rel, front, body)
    index = tmp_path_factory.mktemp("index")
    summary = pipeline.build(root, index, full=True)
    assert summary.failed == 0
    return index


@pytest.fixture(scope="module")
def svc(small_index):
    service = SearchService(small_index)
    yield service
    service.close()


def ids(result):
    return [h.id for h in result.hits]


def test_exact_form_ranks_above_inflected(svc):
    assert ids(svc.search("lakhatás"))[:2] == ["hu/exact", "hu/inflected"]
    assert ids(svc.search("lakhatásokról"))[0] == "hu/inflected"


def test_unaccented_query_finds_both(svc):
    assert {"hu/exact", "hu/inflected"} <= set(ids(svc.search("tamogatott lakhatas")))


def test_quoted_phrase_matches_inflected_words_in_order(svc):
    found = ids(svc.search('"szolgáltatási gyűrű"'))
    assert found == ["hu/phrase"]
    assert "hu/reversed" in ids(svc.search("szolgáltatási gyűrű"))  # without quotes: any order


def test_recency_breaks_ties(svc):
    # "hu/old" is indexed first, so without the date it would win the tie.
    assert ids(svc.search("műhelymunka Pécs"))[:2] == ["hu/recent", "hu/old"]


def test_and_falls_back_to_or_and_says_so(svc):
    result = svc.search("lakhatás Pécsett")
    assert result.relaxed and {"hu/exact", "hu/old"} <= set(ids(result))
    assert not svc.search("támogatott lakhatás").relaxed


def test_typo_gets_results_and_did_you_mean(svc):
    result = svc.search("lakhatsá")
    assert result.fuzzy and "hu/exact" in ids(result)
    assert result.suggestion == "lakhatás"  # spelled as the documents write it


def test_deep_link_to_the_slide_with_the_match(svc):
    hit = svc.search("sociální služby").hits[0]
    assert hit.url == "/doc/cs/kraj#slide-2"
    assert "<mark>Sociální</mark> <mark>služby</mark>" in hit.snippet


def test_stop_words_only(svc):
    result = svc.search("a az és")
    assert result.total == 0 and result.message


def test_suggest_completes_words_and_titles(svc):
    texts = [s["text"] for s in svc.suggest("lakh")]
    assert "lakhatás" in texts
    docs = [s for s in svc.suggest("gyű") if s["kind"] == "document"]
    assert docs and docs[0]["url"] == "/doc/hu/phrase"
    assert svc.suggest("") == [] and svc.suggest("x") == []


@pytest.fixture(scope="module")
def small_client(small_index):
    return create_app({"index_dir": small_index, "testing": True}).test_client()


def test_results_page_explains_fallbacks(small_client):
    html = small_client.get("/search?q=lakhats%C3%A1").get_data(as_text=True)
    assert "Did you mean" in html and 'href="/search?q=lakhat%C3%A1s"' in html
    html = small_client.get("/search?q=lakh%C3%A1t%C3%A1s+P%C3%A9csett").get_data(as_text=True)
    assert "No document contains all the words" in html


def test_api_suggest(small_client):
    data = small_client.get("/api/suggest?q=lakh").get_json()
    assert data["query"] == "lakh" and any(s["text"] == "lakhatás" for s in data["suggestions"])


any_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # any code point a browser can send
    max_size=300,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text)
def test_any_query_string_is_answered(svc, text):
    result = svc.search(text)
    assert result.total >= 0
    svc.suggest(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text, page=st.integers(-5, 10**6), limit=st.integers(-5, 10**6))
def test_any_request_is_never_a_5xx(small_client, text, page, limit):
    for url in ("/search", "/api/search", "/api/suggest"):
        response = small_client.get(url, query_string={"q": text, "page": page, "limit": limit})
        assert response.status_code == 200, (url, text)


def test_snippets_can_wait_until_a_hit_is_shown(svc):
    """The results page fetches many hits to group them; documents are read and snippets made only for those shown."""
    hit = svc.search("sociální služby", snippets=False).hits[0]
    assert hit.snippet == "" and hit.url == "/doc/cs/kraj" and not hit.complete and hit.title == "cs/kraj"
    svc.complete([hit])
    assert hit.url == "/doc/cs/kraj#slide-2" and "<mark>Sociální</mark>" in hit.snippet and hit.title == "Kraj"
    assert svc.complete([hit])[0].snippet == hit.snippet  # once only
