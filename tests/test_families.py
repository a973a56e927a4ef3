"""Translation families, related documents and presentation slides, as units and as pages."""

import re

from kb.search import Hit
from kb.web import families
from kb.web.slides import split_slides

TL_HU = "hu/tl-szolgaltatasi-gyuru-forum"
TL_EN = "en/tl-service-ring-forum"
MSK_CS = "cs/transformace-socialnich-sluzeb-msk"
MSK_EN = "en/msk-social-services-transformation"
HEP = "hu/hep-szekesfehervari-forum"


def hit(doc_id: str, lang: str) -> Hit:
    return Hit(id=doc_id, title=doc_id, lang=lang, type="forum", date=None, url="/doc/" + doc_id, snippet="", score=1)


def test_group_keeps_rank_and_shows_the_preferred_language():
    hits = [hit("a-hu", "hu"), hit("b", "hu"), hit("a-en", "en"), hit("a-cs", "cs")]
    keys = {"a-hu": "a", "a-en": "a", "a-cs": "a", "b": None}
    grouped = families.group(hits, keys, prefer=["en", "cs"])
    assert [f.primary.id for f in grouped] == ["a-en", "b"]  # the family keeps its best rank (first place)
    assert [m.id for m in grouped[0].matched] == ["a-hu", "a-cs"]
    assert [f.primary.id for f in families.group(hits, keys, prefer=["de"])] == ["a-hu", "b"]  # none preferred: best


def test_add_translations_lists_preferred_languages_first():
    grouped = families.group([hit("a-hu", "hu")], {"a-hu": "a"}, prefer=["hu", "en"])
    members = {"a": [{"id": "a-cs", "lang": "cs"}, {"id": "a-en", "lang": "en"}, {"id": "a-hu", "lang": "hu"}]}
    families.add_translations(grouped, members.__getitem__, prefer=["hu", "en"])
    assert grouped[0].also_in == ["en", "cs"]


def test_split_slides():
    html = '<p>Intro</p><h2 id="slide-1">1. First</h2><p>a</p><h2 id="slide-2">Second &amp; last</h2><h3>x</h3>'
    preamble, slides = split_slides(html)
    assert preamble == "<p>Intro</p>"
    assert [(s.number, s.anchor, s.label) for s in slides] == [
        (1, "slide-1", "1. First"),
        (2, "slide-2", "2. Second & last"),
    ]
    assert slides[1].html == '<h2 id="slide-2">Second &amp; last</h2><h3>x</h3>'
    assert split_slides("<p>no slides</p>") == ("<p>no slides</p>", [])


def test_related_prefers_the_readers_language(service):
    english = service.related(TL_HU, ["en"])
    hungarian = service.related(TL_HU, ["hu"])
    assert english and hungarian
    ids = [d["id"] for d in english + hungarian]
    assert TL_HU not in ids and TL_EN not in ids  # never the document or its own translations
    assert "en/support-services-network" in [d["id"] for d in english]
    assert "hu/tamogato-szolgalatok-szakmai-halozata" in [d["id"] for d in hungarian]
    assert len({d.get("translation_key") or d["id"] for d in english}) == len(english)  # one per family


def test_results_group_translations_into_one_entry(client):
    client.set_cookie("kb_lang", "en")
    html = client.get("/search?q=Klimkovice").get_data(as_text=True)  # in the Czech original and its translation
    entries = re.findall(r'<li class="result">(.*?)</li>\s*(?=<li class="result">|</ol>)', html, re.S)
    assert len(entries) == 1
    assert f'href="/doc/{MSK_EN}' in entries[0]  # the interface language is shown first
    assert "also in:" in entries[0] and f'href="/doc/{MSK_CS}" hreflang="cs"' in entries[0]
    assert "(2 documents, translations grouped)" in html
    client.set_cookie("kb_lang", "cs")
    html = client.get("/search?q=Klimkovice").get_data(as_text=True)
    assert re.search(rf'<h2><a href="/doc/{MSK_CS}[^"]*"', html)


def test_document_page_switches_translations_and_names_the_missing_ones(client):
    client.set_cookie("kb_lang", "en")
    html = client.get(f"/doc/{TL_HU}").get_data(as_text=True)
    assert f'<a href="/doc/{TL_EN}" hreflang="en"' in html
    assert "Czech — not translated yet" in html  # Czech is in the knowledge base, this family lacks it
    assert "also available in your language" in html
    single = client.get(f"/doc/{HEP}").get_data(as_text=True)
    assert "English — not translated yet" in single and "There is no English translation" in single


def test_document_page_shows_related_documents(client):
    client.set_cookie("kb_lang", "hu")
    html = client.get(f"/doc/{TL_HU}").get_data(as_text=True)
    related = html[html.index('id="related-h"') :]
    assert "Kapcsolódó dokumentumok" in related and 'href="/doc/hu/tamogato-szolgalatok-szakmai-halozata"' in related


def test_presentation_has_numbered_slides_and_a_navigator(client):
    html = client.get(f"/doc/{MSK_CS}").get_data(as_text=True)
    navigator = html[html.index('class="slide-nav"') : html.index("</nav>", html.index('class="slide-nav"'))]
    assert navigator.count('<a href="#slide-') == 14
    assert html.count('<section class="slide" aria-labelledby="slide-') == 14
    assert "Slide 3 of 14" in html and 'href="#slide-4" rel="next"' in html
    # no inline script (CSP); static names carry a content fingerprint (kb/assets.py)
    assert re.search(r'src="/static/slides\.[0-9a-f]{10}\.js"', html) and "<script>" not in html
