"""What every reader gets, in headless Chromium: axe-core finds no serious or critical WCAG problem,
the site works with the keyboard alone, fits a 360 px phone, prints cleanly, and speaks three languages.

axe-core is vendored in tests/vendor (npm package axe-core, MPL-2.0). The README screenshots are
taken here: run with KB_UPDATE_SCREENSHOTS=1 to write them into docs/screenshots/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"

PAGES = {
    "home": "/",
    "results": "/search?q=szolg%C3%A1ltat%C3%A1s",
    "document": "/doc/hu/tl-szolgaltatasi-gyuru-forum",
    "presentation": "/doc/cs/transformace-socialnich-sluzeb-msk",
    "browse": "/browse",
    "browse-facet": "/browse/topic",
    "editors": "/editors",
    "searches": "/editors/searches",
    "glossary": "/glossary",
    "concept": "/glossary/supported-living",
}


@pytest.fixture()
def axe_page(browser):
    # The page's own Content-Security-Policy (script-src 'self') would refuse the injected axe script.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def set_language(page, base: str, lang: str) -> None:
    page.context.add_cookies([{"name": "kb_lang", "value": lang, "url": base}])


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )


@pytest.mark.parametrize("lang", ["en", "hu", "cs"])
def test_axe_finds_no_serious_or_critical_violations(axe_page, live_server, lang):
    set_language(axe_page, live_server, lang)
    report = {}
    for name, path in PAGES.items():
        axe_page.goto(live_server + path)
        assert axe_page.locator("html").get_attribute("lang") == lang
        serious = [v for v in axe_violations(axe_page) if v["impact"] in ("serious", "critical")]
        if serious:
            report[name] = serious
    assert not report, report


def test_keyboard_only_search_filter_and_open(page, live_server):
    """Tab order: skip link, then the main content; a search, a facet and a result, all by keyboard."""
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"  # the labelled search box comes first in <main>
    page.keyboard.type("szolgaltatas")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=szolgaltatas"))
    facet = page.locator(".facets a", has_text="Forum").first
    facet.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"type=forum"))
    assert page.locator("ol.results li.result").count() == 2
    page.go_back()  # facets are plain links: the back button restores the previous results
    page.wait_for_url(re.compile(r"/search\?q=szolgaltatas$"))
    assert page.locator("ol.results li.result").count() == 4


def test_language_switcher_by_keyboard_is_remembered(page, live_server):
    page.goto(live_server + "/search?q=Szeged")
    page.locator(".lang-switch a[lang=cs]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Szeged"))
    assert page.locator("html").get_attribute("lang") == "cs"
    assert "Přejít na obsah" in page.locator(".skip-link").inner_text()
    page.goto(live_server + "/browse")  # the cookie keeps the choice on every page
    assert page.locator("h1").inner_text() == "Procházet znalostní bázi"


def test_slide_navigator_and_arrow_keys(page, live_server):
    page.goto(live_server + PAGES["presentation"])
    nav = page.locator("nav.slide-nav a")
    assert nav.count() == 14
    nav.nth(4).click()
    assert page.evaluate("location.hash") == "#slide-5"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.hash") == "#slide-6"
    assert page.evaluate("document.activeElement.id") == "slide-6"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("location.hash") == "#slide-4"
    assert nav.nth(3).get_attribute("aria-current") == "step"


def test_new_pages_fit_a_360px_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in PAGES.values():
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    context.close()


def test_print_stylesheet_keeps_only_the_document(page, live_server):
    page.goto(live_server + PAGES["presentation"])
    page.emulate_media(media="print")
    hidden = ".site-header, .lang-switch, .translations, .related, .slide-nav, .slide-steps"
    assert page.evaluate(
        f"[...document.querySelectorAll('{hidden}')].every(e => getComputedStyle(e).display === 'none')"
    )
    assert page.locator("article h1").is_visible() and page.locator(".slide").first.is_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"


def test_readme_screenshots(browser, live_server, tmp_path):
    """Home, results and document pages; the home page in all three interface languages."""
    target = SCREENSHOTS if os.environ.get("KB_UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    shots = [("home", "en"), ("home", "hu"), ("home", "cs"), ("results", "en"), ("document", "en")]
    for name, lang in shots:
        context = browser.new_context(viewport={"width": 1100, "height": 800}, locale=lang)
        page = context.new_page()
        set_language(page, live_server, lang)
        page.goto(live_server + PAGES[name])
        path = target / f"{name}-{lang}.png"
        page.screenshot(path=str(path))
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        context.close()
