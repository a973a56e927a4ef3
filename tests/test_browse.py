"""Browsing by facet, the home page's entry points, combinable facets on the results page."""

import re

import pytest


def test_browse_overview_counts_every_facet(client, service):
    html = client.get("/browse").get_data(as_text=True)
    counts = service.browse_counts()
    assert counts["lang"] == {"hu": 4, "en": 3, "cs": 1}
    assert counts["type"]["forum"] == 3 and counts["year"] == {"2018": 3, "2016": 2}
    for slug in ("type", "topic", "language", "organisation", "region", "year"):
        assert f'href="/browse/{slug}"' in html
    assert 'href="/search?lang=hu" hreflang="hu">Hungarian</a> <span class="count">4 documents</span>' in html
    assert 'href="/search?region=Moravskoslezsk%C3%BD+kraj">Moravskoslezský kraj</a>' in html


def test_browse_one_facet_lists_all_its_values(client):
    html = client.get("/browse/topic").get_data(as_text=True)
    assert html.count('href="/search?tag=') == 35
    client.set_cookie("kb_lang", "cs")
    html = client.get("/browse/type").get_data(as_text=True)
    assert '>Fórum</a> <span class="count">3 dokumenty</span>' in html  # Czech plural for 2–4


def test_unknown_facet_is_404(client):
    assert client.get("/browse/colour").status_code == 404


def test_browse_link_leads_to_matching_results(client):
    html = client.get("/search?organisation=FSZK+Nonprofit+Kft.+%E2%80%93+T%C3%81RS+Projekt").get_data(as_text=True)
    ids = set(re.findall(r'<h2><a href="/doc/([^"#]+)', html))
    assert ids == {"en/tl-service-ring-forum"}  # one entry for the family, in the interface language
    assert 'href="/doc/hu/tl-szolgaltatasi-gyuru-forum" hreflang="hu"' in html
    assert "Filters:" in html


def test_home_has_an_entry_point_per_user_group(client):
    html = client.get("/").get_data(as_text=True)
    for group in ("Practitioners", "Partners", "Editors"):
        assert f">{group}</h3>" in html
    assert 'href="/search?type=forum">Forum</a>' in html
    assert 'href="/editors"' in html and 'href="/browse/topic"' in html
    recent = html[html.index('id="recent-h"') :]
    assert recent.count("<li>") == 5  # 8 documents in 5 translation families
    assert "also in:" in recent


def test_editors_overview_lists_translation_gaps(client):
    html = client.get("/editors").get_data(as_text=True)
    gaps = html[html.index('id="gaps-h"') : html.index('id="warnings-h"')]
    assert 'href="/doc/hu/szakmakozi-halozat"' in gaps and "Czech, English" in gaps
    assert 'href="/doc/cs/transformace-socialnich-sluzeb-msk"' not in gaps or "Hungarian" in gaps


def test_facets_combine_and_stay_in_the_url(client):
    html = client.get("/search?q=&lang=hu&type=forum").get_data(as_text=True)
    assert len(re.findall(r'<li class="result">', html)) == 2
    # every facet link keeps the other filters; the active ones link to their removal
    assert 'href="/search?q=&amp;type=forum&amp;lang=hu&amp;year=2018"' in html
    assert re.search(r'aria-current="true" href="/search\?q=&amp;type=forum"', html)  # remove lang, keep type
    assert 'href="/search?q=">Clear all filters</a>' in html


def test_api_accepts_the_new_filters_and_keeps_its_shape(client):
    data = client.get("/api/search?q=&region=Orsz%C3%A1gos").get_json()
    assert set(data) >= {"query", "total", "took_ms", "results", "facets"}
    assert data["total"] == 5 and set(data["facets"]) >= {"lang", "type", "year", "tags", "region", "organisation"}


@pytest.mark.parametrize("path", ["/search?page=999&q=Szeged", "/search?limit=0&q=x", "/search?q=&year=abc"])
def test_odd_paging_and_filters_are_fine(client, path):
    assert client.get(path).status_code == 200
