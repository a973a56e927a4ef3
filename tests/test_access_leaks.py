"""Nothing leaks: a reader walks every route and link of a knowledge base with public, internal
and draft documents, and finds no trace of what their groups do not allow (PRODUCT.md, "Access").

The documents a reader may not see carry marker words that occur nowhere else
(tests/access_corpus.py). The crawler follows every link from the home page and asks what a
curious outsider would: the markers, their misspellings and every prefix of them in the
search box and autocomplete, every facet and browse list, page 2, the feeds, the sitemap, the
glossary, the API, and the restricted documents' own addresses and attachments. Whatever it
typed is taken out of each answer first (pages repeat the query); then no marker may be left.
"""

from __future__ import annotations

import html
import re
import time
from collections import deque
from urllib.parse import quote_plus, unquote_plus, urljoin, urlsplit

import pytest

from kb.web import create_app
from kb.web.auth import oidc
from tests.access_corpus import MARKER_WORDS, MARKERS, PUBLIC, RESTRICTED, build, commits, folded, misspellings

#: Every page the crawler may open (the corpus is small: this is far more than it has).
MAX_PAGES = 1500


_SITES: dict[str, object] = {}


def _site(mode: str, tmp_path_factory):
    """The access corpus indexed and served with ``auth.mode = mode`` (once per test session)."""
    if mode not in _SITES:
        _SITES[mode] = create_app(build(tmp_path_factory.mktemp(f"access-{mode}"), mode))
    return _SITES[mode]


@pytest.fixture(params=["none", "header", "oidc"])
def site(request, tmp_path_factory):
    return _site(request.param, tmp_path_factory)


@pytest.fixture(params=["header", "oidc"])
def signed_site(request, tmp_path_factory):
    """A site where readers sign in."""
    return _site(request.param, tmp_path_factory)


@pytest.fixture()
def proxied_site(tmp_path_factory):
    return _site("header", tmp_path_factory)


def _reader(app, groups: list[str] | None = None, peer: str = "127.0.0.1"):
    """A test client; with ``groups``, signed in: through the proxy's headers (header mode) or
    with the session a sign-in leaves in the cookie (oidc mode)."""
    client = app.test_client()
    headers = {}
    if groups is not None and app.config["KB"].auth_mode == "header":
        headers = {"X-Forwarded-User": "anna", "X-Forwarded-Groups": ",".join(groups)}
    elif groups is not None and app.config["KB"].auth_mode == "oidc":
        with client.session_transaction() as session:
            session[oidc.SESSION_KEY] = {"name": "anna", "groups": groups, "exp": time.time() + 3600}
    return client, {"REMOTE_ADDR": peer}, headers


def _seeds(app) -> list[str]:
    """What an outsider tries besides following links."""
    urls = []
    for commit in commits(app.config["KB"]):  # every version of every document, at every length of id
        for doc_id in [*RESTRICTED, *PUBLIC]:
            urls += [f"/doc/{doc_id}/history/{commit}", f"/doc/{doc_id}/history/{commit[:7]}"]
            urls.append(f"/doc/{doc_id}/history/{commit}?compare={commits(app.config['KB'])[-1]}")
    for doc_id in [*RESTRICTED, *PUBLIC]:
        urls += [f"/doc/{doc_id}/history", f"/doc/{doc_id}/history?on=2020-03-01"]
    for commit in commits(app.config["KB"]):  # the attachments as they were
        urls.append(f"/doc/internal/zorbla-protokoll/history/{commit[:12]}/files/zorbl-melleklet.pdf")
    # The editors' search analytics, and the opened-result redirect with a hidden document's id.
    urls += ["/editors/searches", "/editors/searches.json", "/editors/searches.csv"]
    urls += ["/go?e=x&p=1&d=internal/zorbla-protokoll", "/go?e=x&p=1&d=vexnarium-vazlat"]
    urls += ["/", "/search?q=", "/recent", "/feed.xml", "/sitemap.xml", "/robots.txt", "/glossary", "/browse"]
    urls += ["/glossary/support-plan", "/editors", "/healthz", "/api/documents?limit=100", "/api/documents?page=2"]
    for lang in ("hu", "cs", "en", "pl"):
        urls.append(f"/feed/{lang}.xml")
    for doc_id in RESTRICTED:
        urls += [f"/doc/{doc_id}", f"/api/documents/{doc_id}"]
    urls += ["/doc/internal/zorbl-melleklet.pdf", "/doc/internal/zorbla-protokoll/files/zorbl-melleklet.pdf"]
    urls += ["/doc/internal/zorbla-protokoll/files/zorbl-kep.png", "/doc/internal/zorbla-protokoll/history"]
    for word in MARKER_WORDS:
        for typed in [word, word.capitalize(), *misspellings(word), word + "nal", f'"{word} eljárás"', word[:6] + "*"]:
            urls += [f"/search?q={quote_plus(typed)}", f"/api/search?q={quote_plus(typed)}"]
            urls.append(f"/api/search?q={quote_plus(typed)}&page=2&limit=1")
        for end in range(1, len(word) + 1):
            urls.append(f"/api/suggest?q={quote_plus(word[:end])}")
            urls.append(f"/api/suggest?q={quote_plus('támogatott ' + word[:end])}")
    for facet in ("tag=zorbltag", "tag=quimbtag", "tag=vexntag", "year=1987", "organisation=Zorblorg+Egyesület"):
        urls += [f"/search?q=&{facet}", f"/api/search?q=&{facet}", f"/api/search?q=terv&{facet}"]
    for word in ("támogatási terv", "tamogatasi terv", "terv", "lakhatás", "plán podpory", "eljárás", "a"):
        urls += [f"/search?q={quote_plus(word)}", f"/api/search?q={quote_plus(word)}&limit=100"]
        urls.append(f"/search?q={quote_plus(word)}&page=2&limit=1")
    return urls


_LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]+)""")
_XML_LINK = re.compile(r"<(?:loc|id)>([^<]+)</|href=\"([^\"]+)\"")


def _links(base: str, body: str) -> list[str]:
    found = []
    for match in _LINK.finditer(body):
        found.append(match.group(1))
    for match in _XML_LINK.finditer(body):
        found.append(match.group(1) or match.group(2))
    local = []
    for link in found:
        url = urljoin("http://localhost" + base, link.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc in ("localhost", "") and parts.scheme in ("http", "https", ""):
            local.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return local


_TOKENS = re.compile(r'(name="refines" value=")[^"]*|([?&]e=)[^&"]*')


def _without_echo(url: str, body: str) -> str:
    """The answer with what the crawler typed taken out (the query box, "no results for ...", links
    that carry the query on, however many times URL-encoded), folded."""
    parts = urlsplit(url)
    typed = [parts.path]
    for pair in parts.query.split("&"):
        _, _, value = pair.partition("=")
        if value:
            text = unquote_plus(value)
            typed += [text, text.strip('"*'), *text.strip('"').split()]
    # Signed tokens (search analytics' refinement and event ids) are random letters: a marker may occur in one.
    decoded = _TOKENS.sub(r"\1", html.unescape(body))
    for _ in range(3):  # a link to the language switcher carries the page's address, encoded again
        decoded = unquote_plus(decoded)
    decoded = folded(decoded)
    for text in sorted({folded(t) for t in typed if len(t) > 2}, key=len, reverse=True):
        decoded = decoded.replace(text, " ")
    return decoded


def crawl(app, groups: list[str] | None = None, peer: str = "127.0.0.1") -> dict[str, tuple[int, str]]:
    """Every page reachable from the seeds and their links: url -> (status, body)."""
    client, environ, headers = _reader(app, groups, peer)
    queue = deque(_seeds(app))
    seen: dict[str, tuple[int, str]] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or url.startswith(("/language/", "/hooks/", "/_changes", "/auth/")):
            continue
        response = client.get(url, environ_base=environ, headers=headers)
        body = response.get_data(as_text=True) if _is_text(response) else ""
        seen[url] = (response.status_code, body)
        assert response.status_code != 500, f"{url}: 500"
        if response.status_code == 200 and body:
            queue.extend(link for link in _links(url, body) if link not in seen)
    return seen


def _is_text(response) -> bool:
    kind = response.mimetype or ""
    return kind.startswith("text/") or kind.endswith(("json", "xml"))


def _leaks(pages: dict[str, tuple[int, str]], hidden: list[str]) -> list[str]:
    """``url: marker`` for every page that shows one of the ``hidden`` marker stems (or a hidden year)."""
    found = []
    for url, (_status, body) in pages.items():
        text = _without_echo(url, body)
        for stem in hidden:
            if stem in text:
                at = text.index(stem)
                found.append(f"{url}: {stem!r} in ...{text[max(0, at - 60) : at + 40]!r}...")
    return found


def test_an_outsider_finds_no_trace_of_internal_or_draft_documents(site):
    pages = crawl(site)
    assert len(pages) > 200  # the crawl reached the site, not only its seeds
    assert _leaks(pages, [*MARKERS, "1987"]) == []
    for doc_id in RESTRICTED:  # exactly as a document that does not exist
        assert pages[f"/doc/{doc_id}"][0] == 404
        assert pages[f"/api/documents/{doc_id}"][0] == 404
    assert pages["/doc/internal/zorbla-protokoll/files/zorbl-melleklet.pdf"][0] == 404
    assert pages["/doc/internal/zorbla-protokoll/files/zorbl-kep.png"][0] == 404
    for doc_id in PUBLIC:
        assert pages.get(f"/doc/{doc_id}", (None,))[0] == 200, f"the crawl missed the public document {doc_id}"
    newest, _, first = commits(site.config["KB"])
    history = pages["/doc/hu/tamogatott-lakhatas/history"]
    assert history[0] == 200 and "protokoll közzététele" in history[1]  # the history is there ...
    assert pages[f"/doc/hu/tamogatott-lakhatas/history/{first}"][0] == 404  # ... but not the draft it was
    assert pages[f"/doc/hu/tamogatott-lakhatas/history/{newest}"][0] == 200


def test_the_answers_to_an_outsider_are_those_of_a_knowledge_base_without_the_hidden_documents(site):
    client, environ, _ = _reader(site)
    total = client.get("/api/documents?limit=100", environ_base=environ).get_json()["total"]
    assert total == len(PUBLIC)
    found = client.get("/api/search?q=t%C3%A1mogat%C3%A1si+terv&limit=100", environ_base=environ).get_json()
    assert {r["id"] for r in found["results"]} <= set(PUBLIC) and found["total"] == len(found["results"])
    missing = client.get("/api/documents/nincs-ilyen-dokumentum", environ_base=environ)
    hidden = client.get("/api/documents/internal/zorbla-protokoll", environ_base=environ)
    assert (hidden.status_code, hidden.get_json()["error"]) == (missing.status_code, missing.get_json()["error"])


def test_a_staff_member_finds_the_staff_documents_and_no_others(signed_site):
    site = signed_site
    pages = crawl(site, groups=["staff"])
    assert _leaks(pages, ["quimb", "vexn"]) == []
    assert pages["/doc/internal/zorbla-protokoll"][0] == 200
    found = pages["/api/search?q=zorblaxikon"][1]
    assert "internal/zorbla-protokoll" in found and "internal/fam-zorbla-cs" in found
    assert "belső változás" in pages["/doc/internal/zorbla-protokoll/history"][1]
    # What the app keeps between requests (feeds, browse counts, lists) is kept per audience:
    # after a staff member's visit, an outsider still sees none of it.
    assert _leaks(crawl(site), [*MARKERS, "1987"]) == []


def test_headers_from_an_untrusted_peer_are_ignored(proxied_site):
    pages = crawl(proxied_site, groups=["staff", "partners", "editors"], peer="203.0.113.9")
    assert _leaks(pages, [*MARKERS, "1987"]) == []


def test_editors_pages_are_for_editors(site):
    client, environ, _ = _reader(site)
    assert 'href="/editors"' not in client.get("/", environ_base=environ).get_data(as_text=True)
    if site.config["KB"].auth_mode == "none":
        assert client.get("/editors", environ_base=environ).status_code == 404  # production, not kb serve
        return
    assert client.get("/editors", environ_base=environ).status_code == 401
    staff, _, headers = _reader(site, ["staff"])
    assert staff.get("/editors", environ_base=environ, headers=headers).status_code == 404
    editor, _, headers = _reader(site, ["editors"])
    assert editor.get("/editors", environ_base=environ, headers=headers).status_code == 200
    assert 'href="/editors"' in editor.get("/", environ_base=environ, headers=headers).get_data(as_text=True)


def test_the_preview_shows_drafts_marked_as_drafts(tmp_path):
    config = build(tmp_path, "none")
    from dataclasses import replace

    app = create_app(replace(config, preview=True))
    page = app.test_client().get("/doc/vexnarium-vazlat")
    assert page.status_code == 200
    assert "Vexnardium" in page.get_data(as_text=True)
    assert 'class="draft' in page.get_data(as_text=True)


def test_kb_index_warns_that_group_documents_are_served_to_no_one_without_sign_in(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kb.cli import main
    from tests.access_corpus import write_corpus

    config = write_corpus(tmp_path, "none")
    monkeypatch.setenv("KB_CONFIG", str(config))
    args = ["index", "--content", str(tmp_path / "content"), "--index", str(tmp_path / "index")]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert "1 draft (not published)" in done.output and "3 documents for groups: staff 2, partners 1" in done.output
    assert "warning: 3 documents are for some groups only and served to no one" in done.stderr
    config.write_text(config.read_text("utf-8").replace('mode = "none"', 'mode = "header"'), "utf-8")
    again = CliRunner().invoke(main, [*args, "--full"])
    assert again.exit_code == 0 and "served to no one" not in again.stderr
