"""Production hygiene: security headers, no inline script, conditional GET, gzip, fingerprinted
static files, path traversal, request limits, the request log, compact lemma dictionaries."""

from __future__ import annotations

import logging
import re
import threading

import pytest

from indexer.text import analysis, forms
from kb.web.http import MAX_QUERY_STRING, unsafe_path

PAGES = ["/", "/search?q=t%C3%A1mogatott+lakhat%C3%A1s", "/search?q=", "/no-such-page", "/doc/no/such/doc"]


@pytest.mark.parametrize("url", PAGES + ["/api/search?q=lakhatas", "/healthz"])
def test_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_pages_have_no_inline_script_or_style(client, service):
    doc_ids = [d["id"] for d in service.documents(limit=100)[1]]
    for url in PAGES + [f"/doc/{i}" for i in doc_ids]:
        html = client.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            assert "src=" in tag, (url, tag)
        assert not re.search(r"<style\b", html, re.I), url
        assert not re.search(r"\sstyle\s*=", html, re.I), url
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), url


@pytest.mark.parametrize("url", ["/", "/search?q=lakhatas", "/api/search?q=lakhatas", "/api/documents"])
def test_conditional_get(client, url):
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Content-Security-Policy"]
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304


def test_gzip_and_its_etag(client):
    plain = client.get("/search?q=lakhatas")
    packed = client.get("/search?q=lakhatas", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(plain.data)
    assert "Accept-Encoding" in packed.headers["Vary"]
    import gzip

    assert gzip.decompress(packed.data).rstrip().endswith(b"</html>")
    again = client.get(
        "/search?q=lakhatas", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
    )
    assert again.status_code == 304


def test_static_files_are_fingerprinted_and_immutable(client):
    html = client.get("/").text
    (href,) = re.findall(r'href="(/static/style\.[0-9a-f]{10}\.css)"', html)
    css = client.get(href)
    assert css.status_code == 200 and b"{" in css.data
    assert "immutable" in css.headers["Cache-Control"] and "max-age=31536000" in css.headers["Cache-Control"]
    for stale in ("/static/style.css", "/static/style.0000000000.css"):
        response = client.get(stale)
        assert response.status_code == 200 and response.data == css.data
        assert "immutable" not in response.headers["Cache-Control"]


TRAVERSALS = [
    "/doc/..%2f..%2fetc%2fpasswd",
    "/doc/../../etc/passwd",
    "/doc/%2e%2e/%2e%2e/etc/passwd",
    "/doc/hu/..%2F..%2Fpyproject",
    "/doc/%2Fetc%2Fpasswd",
    "/doc/hu%00.md",
    "/doc/hu/x%00/../../etc/passwd",
    "/doc/C:%5Cwindows%5Cwin.ini",
    "/doc/..%5c..%5cpyproject",
    "/api/documents/..%2f..%2fpyproject",
    "/api/documents/%00",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%2fetc%2fpasswd",
    "/static/style.css%00.png",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_path_traversal_is_refused(client, url):
    response = client.get(url, follow_redirects=True)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert b"root:" not in response.data and b"[project]" not in response.data
    assert b"Traceback" not in response.data


def test_unsafe_path():
    for bad in ["../x", "a/../b", "a/..", "/etc/passwd", "a\x00b", "a\\b", "C:/x", "a/./b", "\n"]:
        assert unsafe_path(bad), bad
    for good in ["hu/tl-protokoll", "cs/sociální-služby", "a..b/c", "x.md"]:
        assert not unsafe_path(good), good


def test_limits(client, app):
    limit = app.config["KB"].max_query_chars
    echoed = client.get("/api/search?q=" + "a " * limit).get_json()["query"]
    assert len(echoed) <= limit
    huge = "q=" + "a" * (MAX_QUERY_STRING + 1)
    page = client.get("/search?" + huge)
    assert page.status_code == 414 and b"too long" in page.data and b"Traceback" not in page.data
    api = client.get("/api/search?" + huge)
    assert api.status_code == 414 and "too long" in api.get_json()["error"]
    big = client.post("/api/search", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert big.status_code == 413 and "too large" in big.get_json()["error"]


def test_one_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="kb.request"):
        client.get("/api/search?q=lakhatas")
        client.get("/no-such-page")
    # This thread's requests only: a live server left by an earlier test may finish a long poll meanwhile.
    lines = [r.getMessage() for r in caplog.records if r.name == "kb.request" and r.thread == threading.get_ident()]
    assert len(lines) == 2
    assert re.fullmatch(r"GET /api/search 200 \d+\.\dms", lines[0])  # no query string: what was searched
    assert re.fullmatch(r"GET /no-such-page 404 \d+\.\dms", lines[1])


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("/no-such%0d%0aGET /forged 200 1.0ms", "GET /no-such\\x0d\\x0aGET /forged 200 1.0ms 404 "),
        ("/doc/a%0aforged", "GET /doc/a\\x0aforged 404 "),
        ("/search%0b%1b[31m%7f%c2%85%e2%80%a8?q=x", "GET /search\\x0b\\x1b[31m\\x7f\\x85\\u2028 404 "),
        ("/language/en?next=/%0d%0aSet-Cookie:x=1", "GET /language/en 303 "),
        ("/back%5cslash%5cx0a", "GET /back\\x5cslash\\x5cx0a 404 "),
    ],
)
def test_the_request_log_escapes_what_it_writes(client, caplog, url, logged):
    """One request, one line: control characters in the decoded path are written as escapes, never as
    line breaks or terminal codes, and an escape cannot be faked (a backslash is escaped too)."""
    with caplog.at_level(logging.INFO, logger="kb.request"):
        response = client.get(url)
    assert response.status_code < 500
    lines = [r.getMessage() for r in caplog.records if r.name == "kb.request" and r.thread == threading.get_ident()]
    assert len(lines) == 1
    assert lines[0].isprintable() and lines[0].startswith(logged), lines[0]
    assert re.search(r" \d+\.\dms$", lines[0])


def test_log_safe():
    from kb.web.http import log_safe

    assert log_safe("/a\nb\r\x00\x1b\x7f\x85\u2028\\") == "/a\\x0ab\\x0d\\x00\\x1b\\x7f\\x85\\u2028\\x5c"
    assert log_safe("/doc/hu/szolgáltatás čeština") == "/doc/hu/szolgáltatás čeština"


def test_the_language_cookie_is_secure_over_https(client):
    """Behind TLS (gunicorn believes haproxy's X-Forwarded-Proto: request.is_secure) the cookie is Secure."""
    over_https = client.get("/language/hu?next=/", base_url="https://kb.example").headers["Set-Cookie"]
    assert "; Secure" in over_https and "HttpOnly" in over_https and "SameSite=Lax" in over_https
    over_http = client.get("/language/hu?next=/").headers["Set-Cookie"]
    assert "Secure" not in over_http and "HttpOnly" in over_http  # a plain-HTTP preview still keeps the choice


def test_the_session_cookie_is_secure_over_https(app):
    """No page uses the session yet; when one does, its cookie follows the request's scheme too."""

    @app.route("/_test/session")
    def remember():
        from flask import session

        session["seen"] = True
        return "ok"

    client = app.test_client()
    over_https = client.get("/_test/session", base_url="https://kb.example").headers["Set-Cookie"]
    assert over_https.startswith("session=") and "; Secure" in over_https and "HttpOnly" in over_https
    assert "SameSite=Lax" in over_https
    over_http = app.test_client().get("/_test/session").headers["Set-Cookie"]
    assert "Secure" not in over_http


def test_haproxy_has_the_hsts_line():
    from .conftest import ROOT

    text = (ROOT / "deploy" / "haproxy.cfg").read_text("utf-8")
    assert 'http-response set-header Strict-Transport-Security "max-age=31536000"' in text


@pytest.fixture()
def compact_dictionaries():
    analysis.use_compact_dictionaries()
    yield
    forms._lemmatizer = None
    analysis.weighted_forms.cache_clear()


def test_compact_dictionaries_give_the_same_forms(compact_dictionaries):
    words = [("szolgáltatásokhoz", "hu"), ("szegeden", "hu"), ("služeb", "cs"), ("sociálních", "cs"), ("houses", "en")]
    compact = [analysis.word_forms(w, lang) for w, lang in words]
    forms._lemmatizer = None
    analysis.weighted_forms.cache_clear()
    assert compact == [analysis.word_forms(w, lang) for w, lang in words]
    assert "sluzba" in compact[2]
