"""The site and the JSON API through Flask's test client."""

import pytest

from kb.web import create_app


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


def test_healthz(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["documents"] == 8


@pytest.mark.parametrize("query", ['"', "((x", "title:", "*", "x" * 10000, "%00", "\u0301"])
def test_bad_queries_are_never_5xx(client, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200
    assert client.get("/api/search", query_string={"q": query}).status_code == 200


def test_missing_index_is_503_with_a_clear_page(tmp_path):
    app = create_app({"index_dir": tmp_path / "nothing", "content_dir": tmp_path})
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and "kb index" in health.get_json()["reason"]
    page = client.get("/search?q=x")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "temporarily unavailable" in html and "Traceback" not in html
    assert client.get("/api/search?q=x").status_code == 503


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
