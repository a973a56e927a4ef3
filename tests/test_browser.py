"""What a person sees, in headless Chromium: search from the home page, open a document."""

import re


def test_search_from_home_and_open_document(page, live_server):
    page.goto(live_server + "/")
    page.get_by_label("Search documents").fill("tamogatott lakhatas")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=tamogatott"))
    first = page.locator("ol.results li.result").first
    assert "szolgáltatási gyűrű" in first.locator("h2").inner_text()
    assert first.locator("mark").count() >= 1
    first.locator("h2 a").click()
    page.wait_for_url(re.compile(r"/doc/hu/tl-szolgaltatasi-gyuru-forum"))
    assert page.locator("article h1").inner_text().startswith("Hogyan szervezzünk")
    assert page.locator(".doc-body h2").count() >= 1


def test_skip_link_is_first_focus(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to content" in focused


def test_narrow_screen_has_no_horizontal_scroll(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ("/", "/search?q=szolg%C3%A1ltat%C3%A1s", "/doc/cs/transformace-socialnich-sluzeb-msk"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    context.close()


def test_autocomplete_suggests_and_keyboard_selects(page, live_server):
    page.goto(live_server + "/")
    box = page.get_by_label("Search documents")
    box.press_sequentially("támog", delay=30)
    page.locator('#q-suggestions[data-for="támog"]').wait_for(state="attached")
    options = page.locator("#q-suggestions [role=option]")
    options.first.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert any(t.startswith("támogat") for t in texts), texts
    box.press("ArrowDown")
    chosen = options.first.inner_text()
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator("#q-header").input_value() == chosen


def test_pages_load_without_console_errors(page, live_server):
    """No missing asset (favicon, script, stylesheet) and no script error on the main pages."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    for path in ("/", "/search?q=szolg%C3%A1ltat%C3%A1s", "/doc/cs/transformace-socialnich-sluzeb-msk", "/browse"):
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
    assert errors == []
