"""The glossary pages and the home page's way to them."""

from __future__ import annotations


def test_the_glossary_lists_concepts_in_the_readers_language_first(client):
    client.set_cookie("kb_lang", "cs")
    page = client.get("/glossary").get_data(as_text=True)
    assert "Slovník pojmů" in page
    assert "© European Union, EuroVoc" in page
    assert 'href="/glossary/supported-living" lang="cs">podporované bydlení</a>' in client.get(
        "/glossary?q=bydleni"
    ).get_data(as_text=True)


def test_the_glossary_filters_by_language_and_label(client):
    page = client.get("/glossary?q=lakhatas&lang=hu").get_data(as_text=True)
    assert 'lang="hu">támogatott lakhatás</a>' in page
    assert "podporované bydlení" in page  # the concept's other labels are shown beside it
    assert "eurovoc-965" not in page  # family: no label with "lakhatas"
    assert client.get("/glossary?lang=xx&page=999").status_code == 200


def test_a_concept_page_has_every_label_a_search_link_its_source_and_documents(client):
    page = client.get("/glossary/supported-living").get_data(as_text=True)
    for label in ("támogatott lakhatás", "podporované bydlení", "supported living"):
        assert f">{label}</a>" in page
    assert 'href="/search?q=podporovan%C3%A9+bydlen%C3%AD"' in page
    assert "/doc/hu/tl-szolgaltatasi-gyuru-forum" in page and "/doc/en/tl-service-ring-forum" in page
    eurovoc = client.get("/glossary/eurovoc-965").get_data(as_text=True)
    assert "http://eurovoc.europa.eu/965" in eurovoc and "© European Union, EuroVoc" in eurovoc


def test_an_unknown_concept_is_a_404(client):
    assert client.get("/glossary/no-such-concept").status_code == 404


def test_the_partners_box_links_the_glossary(client):
    client.set_cookie("kb_lang", "hu")
    assert 'href="/glossary">Fogalomtár' in client.get("/").get_data(as_text=True)
