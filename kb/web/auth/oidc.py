"""OIDC mode: signing in at an OpenID Connect provider (authorization code flow with PKCE).

Authlib does the protocol: discovery, state, nonce, the S256 code challenge and the ID token's
checks (signature by the provider's JWKS, iss, aud, exp, nonce). What stays here: the routes,
the reader kept in Flask's signed session cookie (name, groups and an expiry, nothing else: no
token, address or user agent), and a clear page for every way a sign-in can fail.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.config import Config
from kb.web.auth import SIGNED_OUT, Reader
from kb.web.urls import absolute_url

log = logging.getLogger("kb.auth")
bp = Blueprint("auth", __name__, url_prefix="/auth")

SESSION_KEY = "kb_reader"
NEXT_KEY = "kb_next"
#: Seconds to wait for the provider (discovery, keys, token); a reader waits that long at most.
PROVIDER_TIMEOUT = 10
MAX_NAME_CHARS = 200
MAX_GROUPS = 200


def init_app(app: Flask, config: Config) -> None:
    from authlib.integrations.flask_client import OAuth

    # Authlib logs the PKCE code verifier at DEBUG: never, whatever the site's log level.
    logging.getLogger("authlib").setLevel(logging.INFO)
    oauth = OAuth(app)
    oauth.register(
        "kb",
        client_id=config.auth_client_id,
        client_secret=config.auth_client_secret or None,
        server_metadata_url=f"{config.auth_issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile",
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
            # No secret: a public client, which proves itself by PKCE alone.
            "token_endpoint_auth_method": "client_secret_basic" if config.auth_client_secret else "none",
        },
    )
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=config.auth_session_hours)
    app.register_blueprint(bp)


def _client():
    return current_app.extensions["authlib.integrations.flask_client"].kb


def reader_from_session(config: Config) -> Reader:
    """The reader this session's cookie names, while its sign-in lasts."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return SIGNED_OUT
    expires, now = data.get("exp"), time.time()
    # Past its expiry, or further ahead than auth.session_hours allows now (the setting was shortened).
    if not isinstance(expires, int | float) or not now < expires <= now + config.auth_session_hours * 3600:
        session.pop(SESSION_KEY, None)
        return SIGNED_OUT
    name, groups = data.get("name"), data.get("groups")
    if not isinstance(name, str) or not isinstance(groups, list):
        return SIGNED_OUT
    return Reader(name=name, groups=frozenset(g for g in groups if isinstance(g, str)), signed_in=True)


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site, else the home page: never a way off the site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(not c.isprintable() for c in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def groups_of(value: object) -> frozenset[str]:
    """A groups claim: a list of names, or one string of names separated by commas or spaces."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return frozenset()
    return frozenset(g.strip()[:MAX_NAME_CHARS] for g in value[:MAX_GROUPS] if isinstance(g, str) and g.strip())


def _refused(status: int, message: str, reason: str) -> tuple[str, int]:
    """The page a failed sign-in gets; the log says why in one line (no token, code or address)."""
    log.warning("sign-in refused: %s", reason)
    link = url_for("auth.sign_in", next=session.get(NEXT_KEY, "/"))
    return render_template("error.html", status=status, message=message, sign_in=link), status


def _callback_url() -> str:
    if current_app.config["KB"].site_url:  # the address registered at the provider, whatever Host says
        return absolute_url("auth.callback")
    return url_for("auth.callback", _external=True)


@bp.get("/sign-in")
def sign_in() -> Response | tuple[str, int]:
    from requests import RequestException

    session[NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        client = _client()
        issuer = client.load_server_metadata().get("issuer", "").rstrip("/")
        if issuer != current_app.config["KB"].auth_issuer:  # a discovery document for another provider
            return _refused(502, _("The sign-in service is misconfigured."), f"issuer mismatch: {issuer[:100]!r}")
        return client.authorize_redirect(_callback_url())
    except (RequestException, ValueError) as error:
        return _refused(503, _("The sign-in service cannot be reached. Please try again later."), _why(error))
    except Exception as error:  # noqa: BLE001 - a discovery document without its endpoints, ...: a page, not a 500
        return _refused(502, _("The sign-in service is misconfigured."), "unexpected " + _why(error))


@bp.get("/callback")
def callback() -> Response | tuple[str, int]:
    from authlib.integrations.base_client import MismatchingStateError
    from requests import RequestException

    again = _("Signing in did not work. Please try again.")
    if request.args.get("error"):  # the provider's answer: refused, cancelled, ...
        return _refused(400, again, "provider error " + _short(request.args.get("error")))
    try:
        token = _client().authorize_access_token()
        claims = token.get("userinfo")
        if not claims:  # no ID token: nothing says who this is
            return _refused(400, again, "no ID token in the provider's answer")
        claims = dict(claims)
        claim = current_app.config["KB"].auth_groups_claim
        if claim not in claims:  # many providers put the groups in userinfo only
            extra = _client().userinfo(token=token)
            if extra.get("sub") == claims.get("sub"):
                claims = {**dict(extra), **claims}
    except MismatchingStateError:
        return _refused(400, _("This sign-in has expired or was already used. Please sign in again."), "state")
    except RequestException as error:
        return _refused(503, _("The sign-in service cannot be reached. Please try again later."), _why(error))
    except (*_protocol_errors(), ValueError, KeyError, TypeError) as error:  # forged, expired, replayed
        return _refused(400, again, _why(error))
    except Exception as error:  # noqa: BLE001 - whatever else a provider's answer does, a page, not a 500
        return _refused(400, again, "unexpected " + _why(error))
    next_path = session.pop(NEXT_KEY, "/")
    # A new session for the new reader: nothing from before sign-in carries over.
    session.clear()
    session.permanent = True
    name = claims.get("name") or claims.get("preferred_username") or claims.get("email") or claims.get("sub")
    session[SESSION_KEY] = {
        "name": str(name)[:MAX_NAME_CHARS],
        "groups": sorted(groups_of(claims.get(claim))),
        "exp": int(time.time() + current_app.config["KB"].auth_session_hours * 3600),
    }
    return redirect(safe_next(next_path))


@bp.post("/sign-out")
def sign_out() -> Response:
    """Sign out: POST only, and only from this site's own pages (a cross-site form cannot sign a reader out)."""
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site") == "cross-site" or (origin and origin != _origin(request.host_url)):
        abort(403)
    session.pop(SESSION_KEY, None)
    return redirect(safe_next(request.form.get("next")), code=303)


def _protocol_errors() -> tuple[type[Exception], ...]:
    """Authlib's own errors, and those of joserfc, which checks ID tokens in Authlib 1.6 and later."""
    from authlib.common.errors import AuthlibBaseError

    try:
        from joserfc.errors import JoseError
    except ImportError:
        return (AuthlibBaseError,)
    return AuthlibBaseError, JoseError


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _short(text: str | None) -> str:
    return "".join(c for c in (text or "")[:60] if c.isalnum() or c in "_-.")


def _why(error: Exception) -> str:
    """One line about an error: its kind and Authlib's error code, never its text (it may quote a token)."""
    code = getattr(error, "error", None)
    return type(error).__name__ + (f" {_short(code)}" if isinstance(code, str) else "")
