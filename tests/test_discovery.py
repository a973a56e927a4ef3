"""Crawlers and browsers: the sitemap with hreflang alternates, robots.txt, the OpenSearch description,
and the "edit this page" link."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from kb.web import create_app

from .conftest import CONTENT

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
HU_DOC = "hu/tl-szolgaltatasi-gyuru-forum"


def sitemap_entries(client) -> dict[str, dict[str, str]]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    return {
        url.findtext(f"{SITEMAP}loc"): {link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")}
        for url in root.iter(f"{SITEMAP}url")
    }


def test_sitemap_lists_every_document_with_its_translations(client, service):
    entries = sitemap_entries(client)
    ids = [d["id"] for d in service.documents(limit=100)[1]]
    assert "http://localhost/" in entries
    for doc_id in ids:
        assert f"http://localhost/doc/{doc_id}" in entries
    assert len(entries) == len(ids) + 1
    family = {
        "hu": f"http://localhost/doc/{HU_DOC}",
        "en": "http://localhost/doc/en/tl-service-ring-forum",
    }
    assert entries[family["hu"]] == family and entries[family["en"]] == family  # each names all, itself too
    alone = [i for i in ids if len(service.family(service.document(i).get("translation_key"))) < 2]
    assert alone and all(entries[f"http://localhost/doc/{doc_id}"] == {} for doc_id in alone)


def test_sitemap_has_last_modified_dates(client):
    root = ET.fromstring(client.get("/sitemap.xml").data)
    dates = [url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")]
    assert all(len(d) == 10 for d in dates if d) and any(dates)


def test_robots_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in response.text.splitlines()
    assert "Disallow: /api/" in response.text


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    assert len(root.findtext(f"{OPENSEARCH}ShortName")) <= 16
    template = root.find(f"{OPENSEARCH}Url").get("template")
    assert template == "http://localhost/search?q={searchTerms}"


@pytest.mark.parametrize("url", ["/", "/search?q=lakhatas", f"/doc/{HU_DOC}", "/browse", "/recent", "/no-such-page"])
def test_every_page_links_the_opensearch_description(client, url):
    html = client.get(url).text
    assert '<link rel="search" type="application/opensearchdescription+xml"' in html
    assert 'href="/opensearch.xml"' in html


def test_edit_link_only_when_an_edit_url_is_configured(client, corpus_index):
    assert "Edit this page" not in client.get(f"/doc/{HU_DOC}").text
    app = create_app(
        {
            "content_dir": CONTENT,
            "index_dir": corpus_index,
            "testing": True,
            "edit_uri": "https://git.example.org/kb/content/_edit/main/content/",
        }
    )
    page = app.test_client().get(f"/doc/{HU_DOC}", headers={"Accept-Language": "hu"}).text
    link = f'href="https://git.example.org/kb/content/_edit/main/content/{HU_DOC}.md"'
    assert link in page and "Oldal szerkesztése" in page
