"""``kb serve --watch``: a saved file is re-indexed within about a second, open pages reload, and a
document with mistakes shows them on its own page. Real files, a real watchdog thread."""

from __future__ import annotations

import re
import threading
import time

import pytest

from indexer import pipeline
from kb.watch import ContentWatcher
from kb.web import create_app

HU = "A támogatott lakhatás a fogyatékos emberek önálló életét segíti a lakóotthonokban."
DEADLINE = 15.0  # generous for a loaded CI machine; a change normally shows in well under a second


def write(path, title, body, extra=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ntype: forum\nlang: hu\n{extra}---\n\n{body}\n", "utf-8")


@pytest.fixture()
def preview(tmp_path):
    content = tmp_path / "content"
    write(content / "hu" / "a.md", "Első változat", HU)
    index = tmp_path / "ix"
    summary = pipeline.build(content, index)
    app = create_app({"content_dir": content, "index_dir": index, "testing": True, "preview": True})
    state = app.extensions["kb_preview"]
    state.update(summary)
    watcher = ContentWatcher(content, index, state.update).start()
    yield app, content, watcher
    watcher.stop()


def wait_until(client, version, predicate):
    """Follow /_changes like the browser does until ``predicate(page html)`` holds."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        version = client.get(f"/_changes?since={version}&timeout=2").get_json()["version"]
        if predicate():
            return version
    raise AssertionError("the change did not show in time")


def test_save_reindexes_and_moves_the_version_on(preview):
    app, content, _ = preview
    client = app.test_client()
    version = client.get("/_changes?since=&timeout=0").get_json()["version"]
    assert client.get(f"/_changes?since={version}&timeout=0").get_json() == {"version": version}

    started = time.monotonic()
    write(content / "hu" / "a.md", "Második változat", HU + " Nyíregyházán is.")

    def shows_new_title():
        return "Második változat" in client.get("/doc/hu/a").get_data(as_text=True)

    wait_until(client, version, shows_new_title)
    assert time.monotonic() - started < DEADLINE
    assert client.get("/api/search?q=Nyíregyháza").get_json()["results"][0]["id"] == "hu/a"


def test_a_broken_document_shows_its_errors_on_its_page(preview):
    app, content, _ = preview
    client = app.test_client()
    version = client.get("/_changes?since=&timeout=0").get_json()["version"]
    (content / "hu" / "a.md").write_text("---\ntitle: [Első változat\ntype: forum\n---\n\nSzöveg.\n", "utf-8")

    def page():
        return client.get("/doc/hu/a").get_data(as_text=True)

    version = wait_until(client, version, lambda: "doc-problems" in page())
    html = page()
    assert "hu/a.md:2: error: invalid YAML in front matter" in html
    assert "the page shows the last version that indexed" in html
    assert "<h1>Első változat</h1>" in html  # the last good version still serves

    write(content / "hu" / "uj.md", "Új", HU, extra="date: 2024-02-30\n")
    version = wait_until(client, version, lambda: client.get("/doc/hu/uj").status_code == 200)
    response = client.get("/doc/hu/uj")
    text = response.get_data(as_text=True)
    assert "is not indexed yet" in text
    assert "hu/uj.md:5: error: field &#39;date&#39; is &#39;2024-02-30&#39;, expected an ISO date" in text

    write(content / "hu" / "a.md", "Javítva", HU, extra="tittle: elírás\n")
    wait_until(client, version, lambda: "<h1>Javítva</h1>" in page())
    html = page()
    assert "hu/a.md:5: warning: unknown field &#39;tittle&#39; (did you mean &#39;title&#39;?)" in html
    assert "last version that indexed" not in html

    write(content / "hu" / "a.md", "Link", HU + "\n\n[hiányzik](nincs.md)")
    wait_until(client, version, lambda: "<h1>Link</h1>" in page())
    html = page()
    assert "hu/a.md:9: error: broken link &#39;nincs.md&#39;: no document &#39;hu/nincs&#39;" in html
    assert "last version that indexed" not in html


def test_pages_load_the_reload_script_and_no_inline_script(preview):
    app, _, _ = preview
    html = app.test_client().get("/doc/hu/a").get_data(as_text=True)
    tags = re.findall(r"<script\b[^>]*>", html)
    reload_tags = [t for t in tags if re.search(r'src="/static/live-reload(\.[0-9a-f]+)?\.js"', t)]
    assert len(reload_tags) == 1 and 'data-version="' in reload_tags[0]
    assert all(' src="' in t for t in tags)
    assert {body.strip() for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)} == {""}  # none inline
    src = re.search(r'src="([^"]+)"', reload_tags[0]).group(1)
    assert app.test_client().get(src).status_code == 200


def test_preview_pages_are_never_answered_304(preview):
    """The problems box depends on the file on disk, which a failed re-index does not commit."""
    app, _, _ = preview
    client = app.test_client()
    response = client.get("/doc/hu/a")
    assert response.status_code == 200 and "ETag" not in response.headers
    assert client.get("/doc/hu/a", headers={"If-None-Match": "*"}).status_code == 200


def test_published_site_has_no_preview(client):
    html = client.get("/doc/hu/szakmakozi-halozat").get_data(as_text=True)
    assert "live-reload" not in html and "doc-problems" not in html
    assert client.get("/_changes").status_code == 404


def test_scratch_and_hidden_files_do_not_trigger_a_build(preview):
    _, content, watcher = preview
    time.sleep(0.5)
    builds = watcher.builds
    (content / ".git").mkdir()
    (content / ".git" / "index").write_text("x", "utf-8")
    (content / "hu" / ".a.md.swp").write_text("x", "utf-8")
    time.sleep(1.0)
    assert watcher.builds == builds


def test_browser_reloads_by_itself_under_a_strict_csp(preview, browser):
    """A person keeps the page open, saves the file in an editor, and sees the new text."""
    from playwright.sync_api import expect
    from werkzeug.serving import make_server

    app, content, _ = preview

    @app.after_request
    def strict_csp(response):
        response.headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; object-src 'none'"
        return response

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    page = context.new_page()
    violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/doc/hu/a")
        assert page.locator("article h1").inner_text() == "Első változat"
        page.wait_for_timeout(300)  # the script has sent its first /_changes request
        write(content / "hu" / "a.md", "Mentés után", HU)
        expect(page.locator("article h1")).to_have_text("Mentés után", timeout=DEADLINE * 1000)
        assert violations == []
    finally:
        context.close()
        server.shutdown()


def test_kb_serve_watch_wires_the_watcher_and_preview(tmp_path, monkeypatch):
    """``kb serve --watch`` end to end, with the blocking server replaced by a visit."""
    from click.testing import CliRunner

    from kb import devserver
    from kb.cli import main

    content = tmp_path / "content"
    write(content / "hu" / "a.md", "Első", HU)
    seen = {}

    def visit(app, host, port, echo):
        client = app.test_client()
        version = client.get("/_changes?since=&timeout=0").get_json()["version"]
        write(content / "hu" / "a.md", "Második", HU)
        seen["version"] = wait_until(client, version, lambda: "<h1>Második</h1>" in client.get("/doc/hu/a").text)
        seen["script"] = "/static/live-reload." in client.get("/").text

    monkeypatch.setattr(devserver, "serve", visit)
    result = CliRunner().invoke(
        main, ["serve", "--watch", "--content", str(content), "--index", str(tmp_path / "ix")], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Watching" in result.output and "full rebuild: 1 added" in result.output
    assert "incremental: 0 added, 1 updated" in result.output
    assert seen["script"] is True
