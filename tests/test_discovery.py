"""Crawlers and browsers: the sitemap with hreflang alternates, robots.txt, the OpenSearch description,
and the "edit this page" link."""

from __future__ import annotations

import re
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


# -- absolute addresses: site.url, never the client's Host header ----------------------------

FEEDS = ["/feed.xml", "/feed/hu.xml", "/feed/cs.xml"]
DISCOVERY = ["/robots.txt", "/sitemap.xml", "/opensearch.xml"]


def site_app(corpus_index, **settings):
    return create_app({"content_dir": CONTENT, "index_dir": corpus_index, "testing": True, **settings})


@pytest.mark.parametrize("url", DISCOVERY + FEEDS)
def test_with_site_url_a_forged_host_never_appears(corpus_index, url):
    client = site_app(corpus_index, site_url="https://kb.example.org").test_client()
    for headers in ({}, {"Host": "evil.example"}, {"Host": "evil.example", "X-Forwarded-Proto": "https"}):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert "evil.example" not in text and "localhost" not in text
        namespaces = ("http://www.sitemaps.org/", "http://www.w3.org/", "http://a9.com/")
        assert [
            u
            for u in re.findall(r"https?://[^\s<\"']+", text)
            if not u.startswith(namespaces + ("https://kb.example.org/",))
        ] == []
        assert "https://kb.example.org/" in text


def test_with_site_url_the_addresses_start_with_it(corpus_index):
    client = site_app(corpus_index, site_url="https://kb.example.org").test_client()
    assert (
        "Sitemap: https://kb.example.org/sitemap.xml"
        in client.get("/robots.txt", headers={"Host": "evil.example"}).text
    )
    entries = sitemap_entries(client)
    assert "https://kb.example.org/" in entries and f"https://kb.example.org/doc/{HU_DOC}" in entries
    root = ET.fromstring(client.get("/opensearch.xml").data)
    assert root.find(f"{OPENSEARCH}Url").get("template") == "https://kb.example.org/search?q={searchTerms}"
    feed = ET.fromstring(client.get("/feed/hu.xml", base_url="http://evil.example").data)
    assert feed.findtext("{http://www.w3.org/2005/Atom}id") == "https://kb.example.org/feed/hu.xml"


def test_site_url_with_a_path_prefix_is_not_doubled_by_the_proxys_prefix(corpus_index):
    client = site_app(corpus_index, site_url="https://example.org/kb/").test_client()
    for prefix in ("", "/kb"):  # the proxy passes the prefix on as SCRIPT_NAME, or strips it
        answer = client.get("/robots.txt", environ_overrides={"SCRIPT_NAME": prefix})
        assert "Sitemap: https://example.org/kb/sitemap.xml" in answer.text.splitlines()


def test_without_site_url_the_feed_cache_does_not_grow_with_host_headers(corpus_index):
    """Each Host header still gets its own addresses (the fallback), but no cached body per header."""
    app = site_app(corpus_index)
    client = app.test_client()
    for n in range(500):
        answer = client.get(FEEDS[n % len(FEEDS)], headers={"Host": f"h{n}.example"})
        assert answer.status_code == 200 and f"http://h{n}.example/feed" in answer.text
        assert "kb-site-root" not in answer.text
    bodies = app.extensions["kb_feed_bodies"].bodies
    assert len(bodies) <= len(FEEDS)  # one per feed (and interface language), whatever the Host
