"""Who the reader is without a provider: mode "none" (only `kb serve` shows the editors' pages) and
mode "header" (a trusted proxy names the reader and their groups); the editors' gate, the cache
headers of a signed-in reader's answers and the auth.* settings."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.config import Config, ConfigError
from kb.web import create_app
from kb.web.auth import Reader, current_audience, current_reader
from kb.web.auth.header import is_trusted, parse_groups
from tests.conftest import CONTENT, ROOT
from tests.servers import fetch, free_port, stop, wait_until_serving

PROXY = {"REMOTE_ADDR": "127.0.0.1"}
STRANGER = {"REMOTE_ADDR": "203.0.113.9"}
EDITOR = {"X-Forwarded-User": "eva", "X-Forwarded-Groups": "staff, editors"}
STAFF = {"X-Forwarded-User": "sam", "X-Forwarded-Groups": "staff"}


def make_app(corpus_index, **settings_):
    return create_app({"content_dir": CONTENT, "index_dir": corpus_index, "testing": True, **settings_})


@pytest.fixture()
def header_app(corpus_index):
    return make_app(corpus_index, auth_mode="header")


def reader_of(app, headers: dict, peer: dict) -> Reader:
    with app.test_request_context("/", headers=headers, environ_base=peer):
        return current_reader()


# -- who the reader is --------------------------------------------------------------------------


def test_the_trusted_proxy_is_believed(header_app):
    reader = reader_of(header_app, EDITOR, PROXY)
    assert reader == Reader(name="eva", groups=frozenset({"staff", "editors"}), signed_in=True)
    with header_app.test_request_context("/", headers=EDITOR, environ_base=PROXY):
        assert current_audience().key == "editors,staff"


def test_anyone_else_is_signed_out_whatever_they_send(header_app):
    assert reader_of(header_app, EDITOR, STRANGER) == Reader()
    with header_app.test_request_context("/", headers=EDITOR, environ_base=STRANGER):
        assert current_audience().anonymous


def test_cidr_networks_and_ipv6(corpus_index):
    app = make_app(corpus_index, auth_mode="header", auth_trusted_proxies=("10.1.0.0/16", "fd00::/8"))
    assert reader_of(app, STAFF, {"REMOTE_ADDR": "10.1.200.3"}).signed_in
    assert reader_of(app, STAFF, {"REMOTE_ADDR": "fd12::1"}).signed_in
    assert not reader_of(app, STAFF, {"REMOTE_ADDR": "10.2.0.1"}).signed_in
    assert not reader_of(app, STAFF, PROXY).signed_in  # the default loopback is no longer listed
    assert is_trusted("::ffff:10.1.0.1", ("10.1.0.0/16",))
    assert not is_trusted("", ("127.0.0.1",)) and not is_trusted(None, ("127.0.0.1",))
    assert not is_trusted("unix:/run/kb.sock", ("127.0.0.1",))


@pytest.mark.parametrize(
    "value, groups",
    [
        ("staff,editors", {"staff", "editors"}),
        ("  staff ,  editors  ", {"staff", "editors"}),
        ("staff,,, ,editors,", {"staff", "editors"}),
        ("", set()),
        (" , ", set()),
        ("Szociális munkások", {"Szociális munkások"}),
    ],
)
def test_groups_parsing(value, groups):
    assert parse_groups(value) == frozenset(groups)


def test_no_name_no_reader_and_utf8_names(header_app):
    assert reader_of(header_app, {"X-Forwarded-Groups": "editors"}, PROXY) == Reader()
    assert reader_of(header_app, {"X-Forwarded-User": "  "}, PROXY) == Reader()
    # A proxy sends UTF-8 bytes; WSGI hands them over as Latin-1 text.
    name = "Éva Kovács".encode().decode("latin-1")
    assert reader_of(header_app, {"X-Forwarded-User": name}, PROXY).name == "Éva Kovács"


def test_configured_header_names(corpus_index):
    app = make_app(corpus_index, auth_mode="header", auth_user_header="Remote-User", auth_groups_header="Remote-Groups")
    assert reader_of(app, {"Remote-User": "eva", "Remote-Groups": "editors"}, PROXY).groups == {"editors"}
    assert not reader_of(app, EDITOR, PROXY).signed_in


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user=st.text(max_size=40), groups=st.text(max_size=200))
def test_any_header_text_is_never_a_500(header_app, user, groups):
    # Header values are Latin-1 on the wire: anything else cannot be sent at all.
    headers = {
        "X-Forwarded-User": user.encode("utf-8").decode("latin-1"),
        "X-Forwarded-Groups": groups.encode("utf-8").decode("latin-1"),
    }
    if any(c in v for v in headers.values() for c in "\r\n\x00"):
        return
    client = header_app.test_client()
    for path in ("/", "/editors"):
        answer = client.get(path, headers=headers, environ_base=PROXY)
        assert answer.status_code in (200, 401, 404), (path, answer.status_code)


# -- the editors' gate --------------------------------------------------------------------------


def test_mode_none_editors_pages_only_in_kb_serve(corpus_index):
    assert make_app(corpus_index, local=True).test_client().get("/editors").status_code == 200
    production = make_app(corpus_index).test_client()
    answer = production.get("/editors")
    assert answer.status_code == 404 and "This page does not exist." in answer.get_data(as_text=True)
    # The proxy's headers mean nothing in mode "none".
    assert production.get("/editors", headers=EDITOR, environ_base=PROXY).status_code == 404


def test_header_mode_gate(header_app):
    client = header_app.test_client()
    signed_out = client.get("/editors", environ_base=PROXY)
    assert signed_out.status_code == 401
    html = signed_out.get_data(as_text=True)
    assert "Please sign in to see this page." in html
    assert "gaps-h" not in html and "translation" not in html.lower()  # nothing of the page itself
    assert 'class="sign-in"' not in html  # no auth.sign_in_url: the proxy signs readers in
    assert client.get("/editors", headers=STAFF, environ_base=PROXY).status_code == 404
    assert client.get("/editors", headers=EDITOR, environ_base=STRANGER).status_code == 401
    editor = client.get("/editors", headers=EDITOR, environ_base=PROXY)
    assert editor.status_code == 200 and 'id="gaps-h"' in editor.get_data(as_text=True)


def test_header_mode_sign_in_link_and_name(corpus_index):
    app = make_app(corpus_index, auth_mode="header", auth_sign_in_url="/oauth2/start")
    client = app.test_client()
    assert 'href="/oauth2/start"' in client.get("/editors", environ_base=PROXY).get_data(as_text=True)
    home = client.get("/", headers=STAFF, environ_base=PROXY).get_data(as_text=True)
    assert "Signed in as sam" in home and "Sign out" not in home  # the proxy signs out


def test_other_editor_groups(corpus_index):
    app = make_app(corpus_index, auth_mode="header", auth_editor_groups=("methodologists",))
    client = app.test_client()
    assert client.get("/editors", headers=EDITOR, environ_base=PROXY).status_code == 404
    headers = {"X-Forwarded-User": "mo", "X-Forwarded-Groups": "methodologists"}
    assert client.get("/editors", headers=headers, environ_base=PROXY).status_code == 200


HAPROXY = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)


@pytest.mark.skipif(HAPROXY is None, reason="haproxy is not installed (apt-get install haproxy)")
def test_deployed_haproxy_removes_the_clients_reader_headers(corpus_index, tmp_path):
    """deploy/haproxy.cfg in front of the app: what a client sends as X-Forwarded-User/Groups never
    reaches it, though the app believes those headers from the proxy's address."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, make_app(corpus_index, auth_mode="header"), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    front, app_url = free_port(), f"http://127.0.0.1:{server.server_port}"
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    config = config.replace("127.0.0.1:8000", f"127.0.0.1:{front}").replace("127.0.0.1:8001", app_url[7:])
    config = config.replace("    server replica-2 127.0.0.1:8002\n", "")
    config = config.replace("/run/haproxy/kb-admin.sock", str(tmp_path / "admin.sock"))
    (tmp_path / "haproxy.cfg").write_text(config)
    log = (tmp_path / "haproxy.log").open("w")
    proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(tmp_path / "haproxy.cfg")], stdout=log, stderr=log)
    try:
        wait_until_serving(f"http://127.0.0.1:{front}/healthz", proxy)
        for _ in range(100):  # until the health check has the app up
            if fetch(f"http://127.0.0.1:{front}/healthz")[0] == 200:
                break
        assert fetch(app_url + "/editors", headers=EDITOR)[0] == 200  # straight from loopback: believed
        status, body = fetch(f"http://127.0.0.1:{front}/editors", headers=EDITOR)
        assert status == 401 and b"Please sign in" in body
        status, body = fetch(f"http://127.0.0.1:{front}/", headers={"x-forwarded-user": "eva"})
        assert status == 200 and b"Signed in as" not in body
    finally:
        stop(proxy)
        log.close()
        server.shutdown()


# -- caching ------------------------------------------------------------------------------------


def test_signed_in_answers_are_private_and_vary(header_app):
    client = header_app.test_client()
    anonymous = client.get("/browse", environ_base=PROXY)
    assert "private" not in anonymous.headers.get("Cache-Control", "")
    assert {"X-Forwarded-User", "X-Forwarded-Groups"} <= set(anonymous.vary)
    staff = client.get("/browse", headers=STAFF, environ_base=PROXY)
    assert "private" in staff.headers["Cache-Control"] and "public" not in staff.headers["Cache-Control"]


def test_etags_differ_per_audience(header_app):
    client = header_app.test_client()
    tags = {}
    for name, groups in (("a", ""), ("b", "staff"), ("c", "staff,editors"), ("d", "partners")):
        headers = {"X-Forwarded-User": name, "X-Forwarded-Groups": groups}
        tags[groups] = client.get("/browse", headers=headers, environ_base=PROXY).headers["ETag"]
    tags["anonymous"] = client.get("/browse", environ_base=PROXY).headers["ETag"]
    assert len(set(tags.values())) == len(tags)
    # One audience's ETag does not validate another's page ...
    answer = client.get("/browse", headers={**STAFF, "If-None-Match": tags["partners"]}, environ_base=PROXY)
    assert answer.status_code == 200
    # ... and does validate its own.
    answer = client.get("/browse", headers={**STAFF, "If-None-Match": tags["staff"]}, environ_base=PROXY)
    assert answer.status_code in (200, 304)  # the name differs (b, sam): 200; the same reader: 304 below
    headers = {"X-Forwarded-User": "b", "X-Forwarded-Groups": "staff", "If-None-Match": tags["staff"]}
    assert client.get("/browse", headers=headers, environ_base=PROXY).status_code == 304


# -- settings -----------------------------------------------------------------------------------


def load(tmp_path, text: str, environ: dict | None = None) -> Config:
    path = tmp_path / "kb.toml"
    path.write_text(text, "utf-8")
    return Config.load(environ={"KB_CONFIG": str(path), **(environ or {})})


def test_auth_settings_are_read(tmp_path):
    config = load(
        tmp_path,
        '[auth]\nmode = "header"\ntrusted_proxies = ["10.0.0.0/8", "::1"]\neditor_groups = ["kb-editors"]\n'
        'user_header = "Remote-User"\nsession_hours = 0.5\nsign_in_url = "https://sso.example.org/start"\n',
    )
    assert config.auth_mode == "header" and config.auth_trusted_proxies == ("10.0.0.0/8", "::1")
    assert config.auth_editor_groups == ("kb-editors",) and config.auth_user_header == "Remote-User"
    assert config.auth_session_hours == 0.5 and not config.local
    defaults = Config()
    assert defaults.auth_mode == "none" and defaults.auth_groups_header == "X-Forwarded-Groups"
    assert defaults.auth_trusted_proxies == ("127.0.0.1", "::1") and defaults.auth_editor_groups == ("editors",)


@pytest.mark.parametrize(
    "text, key, words",
    [
        ('[auth]\nmode = "ldap"', "auth.mode", "one of none, header, oidc"),
        ('[auth]\ntrusted_proxies = ["10.0.0.300"]', "auth.trusted_proxies", "IP addresses or networks"),
        ('[auth]\ntrusted_proxies = "127.0.0.1"', "auth.trusted_proxies", "a list of IP"),
        ("[auth]\neditor_groups = [1]", "auth.editor_groups", "non-empty names"),
        ('[auth]\nuser_header = "X User"', "auth.user_header", "header name"),
        ("[auth]\nsession_hours = 0", "auth.session_hours", "hours above 0"),
        ('[auth]\nissuer = "http://login.example.org"', "auth.issuer", "https address"),
        ('[auth]\nsign_in_url = "//evil.example"', "auth.sign_in_url", "http(s) address"),
        ('[auth]\nmode = "oidc"\nclient_id = "kb"', "auth.issuer", 'required when auth.mode is "oidc"'),
        ('[auth]\nmode = "oidc"\nissuer = "https://login.example.org"', "auth.client_id", "required"),
        ("[auth]\nclient_secret = 12345", "auth.client_secret", "a string"),
    ],
)
def test_bad_auth_settings_name_file_key_and_hint(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, text)
    message = str(error.value)
    assert message.startswith(str(tmp_path / "kb.toml")) and f": {key}: " in message, message
    assert words in message and "hint:" in message, message
    assert "12345" not in message  # a secret is never echoed


def test_client_secret_from_the_environment(tmp_path):
    config = load(
        tmp_path,
        '[auth]\nmode = "oidc"\nissuer = "https://login.example.org/"\nclient_id = "kb"\n',
        {"KB_OIDC_CLIENT_SECRET": "s3cret"},
    )
    assert config.auth_client_secret == "s3cret" and config.auth_issuer == "https://login.example.org"


def test_local_is_not_a_site_setting(tmp_path):
    with pytest.raises(ConfigError, match="unknown setting"):
        load(tmp_path, "local = true")


def test_kb_serve_is_local_and_kb_wsgi_is_not(monkeypatch, corpus_index, tmp_path):
    from click.testing import CliRunner

    from kb import devserver
    from kb.cli import main

    served = []
    monkeypatch.setattr(devserver, "serve", lambda app, host, port, echo: served.append(app))
    monkeypatch.chdir(tmp_path)  # no kb.toml here
    result = CliRunner().invoke(main, ["serve", "--no-index", "--content", str(CONTENT), "--index", str(corpus_index)])
    assert result.exit_code == 0, result.output
    assert served[0].config["KB"].local and served[0].test_client().get("/editors").status_code == 200
    assert not Config.load(environ={}).local  # what kb.wsgi loads


@pytest.mark.parametrize(
    "target, kept",
    [
        ("/editors", True), ("/search?q=a&lang=hu", True), (None, False), ("", False), ("editors", False),
        ("//evil.example/x", False), ("/\\evil.example", False), ("https://evil.example/", False),
        ("/x\r\nSet-Cookie: a=b", False), ("javascript:alert(1)", False),
    ],
)  # fmt: skip
def test_sign_in_next_stays_on_the_site(target, kept):
    from kb.web.auth.oidc import safe_next

    assert safe_next(target) == (target if kept else "/")


@pytest.mark.parametrize(
    "claim, groups",
    [
        (["staff", "editors"], {"staff", "editors"}), ("staff editors", {"staff", "editors"}),
        ("staff, editors,", {"staff", "editors"}), ([" staff ", "", 3, None], {"staff"}), (None, set()), (7, set()),
    ],
)  # fmt: skip
def test_groups_claim_shapes(claim, groups):
    from kb.web.auth.oidc import groups_of

    assert groups_of(claim) == frozenset(groups)
