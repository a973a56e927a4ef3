"""Signing in at a real OpenID provider (tests/oidc/provider.mjs: node's oidc-provider on loopback),
the app served by a real server thread, driven by an HTTP client with a cookie jar like a browser:
sign-in, groups from the claim, the editors' page, sign-out, the session's end, and every forged,
expired, replayed or refused answer turned into a clear page (never a 500)."""

from __future__ import annotations

import copy
import logging
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import CONTENT
from tests.servers import free_port, stop, wait_until_serving

requests = pytest.importorskip("requests")

HERE = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs npm)")
CLIENT_ID, CLIENT_SECRET = "kb-test", "test-only-client-secret"


@pytest.fixture(scope="module")
def app_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def provider(app_port, tmp_path_factory):
    """The provider's issuer address; it knows the app at 127.0.0.1:<app_port>."""
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm")
        assert npm, "tests/oidc needs its npm packages: npm ci --prefix tests/oidc (scripts/test does it)"
        subprocess.run([npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"], check=True, timeout=300)
    port = free_port()
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("w")
    redirect = f"http://127.0.0.1:{app_port}/auth/callback"
    process = subprocess.Popen(
        [NODE, str(HERE / "provider.mjs"), str(port), CLIENT_ID, CLIENT_SECRET, redirect],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(issuer + "/.well-known/openid-configuration", process)
        yield issuer
    finally:
        stop(process)
        log.close()


@pytest.fixture(scope="module")
def server(app_port):
    """A real HTTP server on the app's port; each test hands it a fresh app (``server.app = ...``)."""
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", app_port, lambda environ, start: [], threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


@pytest.fixture()
def site(server, provider, corpus_index, app_port):
    """Start an app with these settings on the server; returns (base URL, app)."""
    from kb.web import create_app

    requests.get(provider + "/__mode", params={"forge": 0, "expired": 0}, timeout=10)

    def start(**settings):
        config = {"content_dir": CONTENT, "index_dir": corpus_index, "auth_mode": "oidc", "auth_issuer": provider}
        config.update(auth_client_id=CLIENT_ID, auth_client_secret=CLIENT_SECRET, **settings)
        server.app = create_app(config)
        return f"http://127.0.0.1:{app_port}", server.app

    return start


def to_callback(browser, base: str, account: str = "eva", next_path: str = "/editors") -> str:
    """Sign in at the provider as ``account`` (its login and consent forms) up to the redirect
    back to the app; returns that callback address, not yet visited."""
    url = f"{base}/auth/sign-in?next={next_path}"
    answer = browser.get(url, allow_redirects=False)
    for _ in range(12):
        if answer.is_redirect:
            url = requests.compat.urljoin(url, answer.headers["Location"])
            if url.startswith(f"{base}/auth/callback"):
                return url
            answer = browser.get(url, allow_redirects=False)
            continue
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
        action = requests.compat.urljoin(url, re.search(r'<form[^>]*action="([^"]+)"', answer.text)[1])
        prompt = re.search(r'name="prompt" value="(\w+)"', answer.text)[1]
        form = {"prompt": prompt, "login": account, "password": "any"} if prompt == "login" else {"prompt": prompt}
        answer = browser.post(action, data=form, allow_redirects=False)
        url = action
    raise AssertionError("the provider never sent the reader back")


def sign_in(browser, base: str, account: str = "eva", next_path: str = "/editors"):
    return browser.get(to_callback(browser, base, account, next_path))


def session_of(app, browser) -> dict:
    cookie = browser.cookies.get("session")
    return dict(app.session_interface.get_signing_serializer(app).loads(cookie)) if cookie else {}


def refused(answer, status: int = 400) -> str:
    text = answer.text
    assert answer.status_code == status, (answer.status_code, text[:300])
    assert "Traceback" not in text and 'class="sign-in"' in text
    return text


# -- signing in and out ---------------------------------------------------------------------------


def test_an_editor_signs_in_reaches_the_editors_page_and_signs_out(site):
    base, app = site()
    browser = requests.Session()
    signed_out = browser.get(base + "/editors")
    assert signed_out.status_code == 401 and "/auth/sign-in?next=/editors" in signed_out.text
    assert 'href="/auth/sign-in?next=' in browser.get(base + "/").text  # the header's "Sign in"

    page = sign_in(browser, base)
    assert page.status_code == 200 and page.url == base + "/editors" and 'id="gaps-h"' in page.text
    assert "Signed in as Éva Editor" in page.text and "Sign out" in page.text
    assert "private" in page.headers["Cache-Control"] and "Cookie" in page.headers["Vary"]
    stored = session_of(app, browser)
    assert set(stored) - {"_permanent"} == {"kb_reader"}  # no token, state, code, address or user agent
    assert stored["kb_reader"]["name"] == "Éva Editor" and stored["kb_reader"]["groups"] == ["editors", "staff"]
    assert stored["kb_reader"]["exp"] - time.time() == pytest.approx(8 * 3600, abs=60)
    cookie = next(c for c in browser.cookies if c.name == "session")
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    assert cookie.get_nonstandard_attr("SameSite") == "Lax"

    # A sign-out from another site is refused; from the site's own header it works.
    assert browser.post(base + "/auth/sign-out", headers={"Origin": "https://evil.example"}).status_code == 403
    assert browser.get(base + "/editors").status_code == 200
    out = browser.post(base + "/auth/sign-out", data={"next": "/browse"}, headers={"Origin": base})
    assert out.status_code == 200 and out.url == base + "/browse" and "Sign in" in out.text
    assert browser.get(base + "/editors").status_code == 401


def test_groups_from_a_string_claim_and_no_editors_page_without_the_group(site):
    base, app = site()
    browser = requests.Session()
    home = sign_in(browser, base, account="sam", next_path="/")
    assert home.status_code == 200 and "Signed in as Sam Staff" in home.text
    assert session_of(app, browser)["kb_reader"]["groups"] == ["partners", "staff"]
    missing = browser.get(base + "/editors")
    assert missing.status_code == 404 and "This page does not exist." in missing.text


def test_next_must_stay_on_the_site(site):
    base, _ = site()
    browser = requests.Session()
    assert sign_in(browser, base, next_path="https://evil.example/").url == base + "/"
    browser = requests.Session()
    assert sign_in(browser, base, next_path="//evil.example/x").url == base + "/"


def test_the_session_ends_after_session_hours(site, monkeypatch):
    from kb.web.auth import oidc

    base, app = site(auth_session_hours=2)
    browser = requests.Session()
    assert sign_in(browser, base).status_code == 200
    real = time.time
    monkeypatch.setattr(oidc, "time", SimpleNamespace(time=lambda: real() + 2 * 3600 + 5))
    assert browser.get(base + "/editors").status_code == 401
    monkeypatch.setattr(oidc, "time", SimpleNamespace(time=real))
    assert "kb_reader" not in session_of(app, browser)  # and the cookie forgot the reader


def test_a_shortened_session_hours_ends_longer_sessions(site):
    base, _ = site(auth_session_hours=8)
    browser = requests.Session()
    assert sign_in(browser, base).status_code == 200
    site(auth_session_hours=1)  # the same secret key: the cookie is still valid, its expiry too far ahead
    assert browser.get(base + "/editors").status_code == 401


# -- every way a sign-in can fail: a page, never a 500 ------------------------------------------------


def test_a_forged_id_token_is_refused(site, provider, caplog):
    base, _ = site()
    requests.get(provider + "/__mode", params={"forge": 1}, timeout=10)
    browser = requests.Session()
    answer = sign_in(browser, base)
    assert "Signing in did not work" in refused(answer)
    assert browser.get(base + "/editors").status_code == 401
    assert "sign-in refused: BadSignatureError" in caplog.text and "eyJ" not in caplog.text  # no token logged


def test_an_expired_id_token_is_refused(site, provider, caplog):
    base, _ = site()
    requests.get(provider + "/__mode", params={"expired": 1}, timeout=10)
    browser = requests.Session()
    assert "Signing in did not work" in refused(sign_in(browser, base))
    assert browser.get(base + "/editors").status_code == 401
    assert "sign-in refused: ExpiredTokenError" in caplog.text


def test_a_wrong_state_is_refused(site):
    base, _ = site()
    browser = requests.Session()
    callback = to_callback(browser, base)
    forged = re.sub(r"state=[^&]+", "state=somebody-elses", callback)
    assert "expired or was already used" in refused(browser.get(forged))
    no_state = re.sub(r"&?state=[^&]+", "", callback)
    assert "expired or was already used" in refused(browser.get(no_state))
    assert browser.get(base + "/editors").status_code == 401


def test_a_replayed_code_is_refused(site, caplog):
    caplog.set_level(logging.INFO, logger="kb")
    base, _ = site()
    browser = requests.Session()
    callback = to_callback(browser, base)
    cookies = copy.deepcopy(browser.cookies)  # what an attacker holding the old cookie and the code has
    assert browser.get(callback).status_code == 200
    attacker = requests.Session()
    attacker.cookies = cookies
    assert "Signing in did not work" in refused(attacker.get(callback))  # the provider refuses the code again
    assert attacker.get(base + "/editors").status_code == 401
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("kb"))
    assert "sign-in refused: OAuthError invalid_grant" in ours
    code, state = re.search(r"code=([^&]+)", callback)[1], re.search(r"state=([^&]+)", callback)[1]
    assert "GET /auth/callback 400" in ours  # the request log has the line, without its query
    assert code not in ours and state not in ours


def test_the_providers_error_answer_is_shown_as_a_page(site):
    base, _ = site()
    browser = requests.Session()
    answer = browser.get(base + "/auth/callback", params={"error": "access_denied", "state": "x"})
    assert "Signing in did not work" in refused(answer)
    assert "Traceback" not in browser.get(base + "/auth/callback").text  # no parameters at all


def test_an_unreachable_provider_is_a_page(server, corpus_index, app_port):
    from kb.web import create_app

    settings = {"content_dir": CONTENT, "index_dir": corpus_index, "auth_mode": "oidc"}
    settings.update(auth_issuer=f"http://127.0.0.1:{free_port()}", auth_client_id=CLIENT_ID)
    server.app = create_app(settings)
    answer = requests.get(f"http://127.0.0.1:{app_port}/auth/sign-in?next=/editors", allow_redirects=False)
    assert "cannot be reached" in refused(answer, 503)


def test_sign_out_is_post_only(site):
    base, _ = site()
    assert requests.get(base + "/auth/sign-out").status_code == 405


def test_the_cookie_is_secure_when_the_site_is_https(site):
    _, app = site(site_url="https://kb.example.org")
    with app.test_request_context("/"):
        assert app.session_interface.get_cookie_secure(app)


def test_messages_are_translated(site):
    base, _ = site()
    answer = requests.get(base + "/editors", headers={"Accept-Language": "hu"})
    assert answer.status_code == 401 and "Az oldal megtekintéséhez jelentkezzen be." in answer.text
    assert "Bejelentkezés" in answer.text
