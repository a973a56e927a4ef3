"""The site and the JSON API through Flask's test client."""

import pytest

from kb.web import create_app

from .conftest import CONTENT


def test_home(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'role="search"' in html and "Recent documents" in html


def test_results_page_highlights_and_links(client):
    page = client.get("/search?q=tamogatott+lakhatas")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>" in html
    assert 'href="/doc/hu/tl-szolgaltatasi-gyuru-forum' in html


def test_document_page_renders_markdown_and_metadata(client):
    page = client.get("/doc/hu/tl-szolgaltatasi-gyuru-forum")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Hogyan szervezzünk TL igénybevevők részére szolgáltatási gyűrűt?</h1>" in html
    assert "<h2" in html and "<li>" in html
    assert "FSZK Nonprofit Kft." in html and "2018-09-01" in html and "forum" in html
    assert 'hreflang="en"' in html  # the English translation is linked


def test_unknown_document_is_404_page(client):
    page = client.get("/doc/does/not/exist")
    assert page.status_code == 404
    assert "Traceback" not in page.get_data(as_text=True)


def test_api_search_shape(client):
    data = client.get("/api/search?q=Szeged").get_json()
    assert set(data) >= {"query", "total", "took_ms", "results", "facets"}
    assert data["query"] == "Szeged"
    first = data["results"][0]
    assert set(first) >= {"id", "title", "lang", "type", "date", "url", "snippet", "score"}


def test_api_search_same_as_cli_and_page(client, service):
    api_ids = [r["id"] for r in client.get("/api/search?q=socialni+sluzby").get_json()["results"]]
    assert api_ids == [h.id for h in service.search("socialni sluzby").hits]


def test_api_search_filters_and_paging(client):
    data = client.get("/api/search?q=szolgáltatás&lang=hu&limit=1&page=2").get_json()
    assert len(data["results"]) <= 1
    assert all(r["lang"] == "hu" for r in data["results"])
    assert client.get("/api/search?q=x&page=abc&limit=-5").status_code == 200


def test_api_documents(client):
    data = client.get("/api/documents").get_json()
    assert data["total"] == 8
    ids = {d["id"] for d in data["documents"]}
    assert "cs/transformace-socialnich-sluzeb-msk" in ids
    doc = next(d for d in data["documents"] if d["id"] == "hu/tl-szolgaltatasi-gyuru-forum")
    assert doc["lang"] == "hu" and doc["lang_detected"] is False and doc["type"] == "forum"
    assert [t["id"] for t in doc["translations"]] == ["en/tl-service-ring-forum"]


def test_api_document(client):
    data = client.get("/api/documents/cs/transformace-socialnich-sluzeb-msk").get_json()
    assert data["lang"] == "cs" and data["type"] == "presentation"
    assert '<h2 id="slide-1">' in data["html"]
    assert client.get("/api/documents/nope").status_code == 404


def test_healthz_tells_strangers_a_status_only(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_healthz_details_with_the_setting(corpus_index):
    app = create_app({"content_dir": CONTENT, "index_dir": corpus_index, "testing": True, "health_details": True})
    data = app.test_client().get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] == 8
    assert data["generation"].startswith("gen-") and data["segments"] >= 1 and data["languages"]["hu"] >= 1


@pytest.mark.parametrize("query", ['"', "((x", "title:", "*", "x" * 10000, "%00", "\u0301"])
def test_bad_queries_are_never_5xx(client, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200
    assert client.get("/api/search", query_string={"q": query}).status_code == 200


def test_missing_index_is_503_with_a_clear_page(tmp_path):
    app = create_app({"index_dir": tmp_path / "nothing", "content_dir": tmp_path})
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"status": "unavailable"}
    page = client.get("/search?q=x")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "temporarily unavailable" in html and "Traceback" not in html
    assert "there is no search index yet: run &#39;kb index&#39; to build it" in html
    api = client.get("/api/search?q=x")
    assert api.status_code == 503
    assert api.get_json() == {
        "error": "index unavailable",
        "detail": "there is no search index yet: run 'kb index' to build it",
    }
    details = create_app({"index_dir": tmp_path / "nothing", "content_dir": tmp_path, "health_details": True})
    health = details.test_client().get("/healthz")
    assert health.status_code == 503 and "kb index" in health.get_json()["reason"]


def _break_index(index_dir, how: str) -> None:
    import json
    import shutil

    from indexer.generation import catalogue, storage

    generation = storage.current_generation(index_dir)
    if how == "missing":
        shutil.rmtree(index_dir)
    elif how == "empty":
        shutil.rmtree(index_dir)
        index_dir.mkdir()
    elif how == "dangling-current":
        shutil.rmtree(generation)
    elif how == "garbage-segments":
        for path in generation.iterdir():
            if path.suffix in (".seg", ".toc"):
                path.write_bytes(b"\x00garbage")
    elif how == "truncated-segments":
        for path in generation.glob("*.seg"):
            with path.open("r+b") as handle:
                handle.truncate(path.stat().st_size // 3)
    elif how == "other-version":
        meta = storage.read_meta(generation)
        (generation / storage.META_FILE).write_text(json.dumps({**meta, "schema_version": -1}), "utf-8")
    elif how == "no-catalogue":
        catalogue.path(generation).unlink()
    elif how == "garbage-catalogue":
        catalogue.path(generation).write_bytes(b"not a database" * 100)


#: Every kind of page and answer an outsider can ask for.
CRAWL = [
    "/", "/search?q=lakhatas", "/search?q=x&lang=hu&type=forum", "/doc/hu/tl-szolgaltatasi-gyuru-forum",
    "/doc/hu/tl-szolgaltatasi-gyuru-forum/files/x.pdf", "/doc/hu/tl-szolgaltatasi-gyuru-forum/history",
    "/doc/nope", "/recent", "/browse", "/browse/type", "/editors", "/glossary", "/glossary/supported-living",
    "/feed.xml", "/feed/hu.xml", "/sitemap.xml", "/robots.txt", "/opensearch.xml", "/healthz",
    "/api/search?q=szeged", "/api/suggest?q=lak", "/api/documents", "/api/documents/hu/tl-szolgaltatasi-gyuru-forum",
    "/api/openapi.json", "/language/hu?next=/", "/no-such-page",
]  # fmt: skip


@pytest.mark.parametrize(
    "how",
    ["missing", "empty", "dangling-current", "garbage-segments", "truncated-segments", "other-version",
     "no-catalogue", "garbage-catalogue"],
)  # fmt: skip
@pytest.mark.parametrize("details", [False, True])
def test_a_broken_index_never_shows_where_it_is(tmp_path, corpus_index, how, details):
    """Crawled as an outsider (and with health.details), no answer holds the index folder's path."""
    import shutil

    index_dir = tmp_path / "secret-place" / "index"
    shutil.copytree(corpus_index, index_dir, symlinks=True)
    app = create_app({"content_dir": CONTENT, "index_dir": index_dir, **({"health_details": True} if details else {})})
    client = app.test_client()
    assert client.get("/api/search?q=szeged").status_code == 200  # the shared searcher and catalogue are open
    _break_index(index_dir, how)
    needles = {str(tmp_path), str(tmp_path.resolve()), "secret-place"}
    unavailable = 0
    for url in CRAWL:
        response = client.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code != 500, (url, body)
        assert not any(needle in body for needle in needles), (url, body)
        assert not any(needle in value for needle in needles for value in response.headers.values()), url
        unavailable += response.status_code == 503
    assert client.get("/healthz").status_code == 503
    assert unavailable >= 5


def test_corrupt_index_is_503(tmp_path, corpus_index):
    import shutil

    broken = tmp_path / "index"
    shutil.copytree(corpus_index, broken, symlinks=True)
    generation = (broken / "current").resolve()
    for f in generation.glob("*.seg"):
        f.write_bytes(b"garbage")
    for f in generation.glob("_MAIN_*.toc"):
        f.write_bytes(b"garbage")
    client = create_app({"index_dir": broken}).test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/").status_code == 503


def test_unknown_setting_is_named():
    from kb.config import ConfigError

    with pytest.raises(ConfigError, match="unknown setting 'index_dri'"):
        create_app({"index_dri": "x"})


def test_unexpected_error_is_a_clean_500_and_the_service_recovers(client, monkeypatch):
    from kb.search import plan as kbquery

    real_build = kbquery.build_plan

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(kbquery, "build_plan", broken)
    response = client.get("/api/search?q=Szeged")
    assert response.status_code == 500 and response.get_json() == {"error": "internal error"}
    page = client.get("/search?q=Szeged")
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)
    monkeypatch.setattr(kbquery, "build_plan", real_build)
    assert client.get("/api/search?q=Szeged").get_json()["total"] >= 1
