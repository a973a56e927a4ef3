"""HTTP hygiene for production: security headers, conditional GET, gzip, limits, request log.

Why here and not in the views: every page and API answer needs the same headers,
the same 304 handling and the same log line, and the views should stay about
search. ``install(app)`` wires it all; the order of the after-request hooks
matters (ours runs before compression, so the ETag names the uncompressed body
and Flask-Compress appends ``:gzip`` for the compressed one).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, abort, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from werkzeug.wrappers import Response

from kb.search import current_generation
from kb.web.auth import etag_part

log = logging.getLogger("kb.request")

#: No inline script or style anywhere: templates link /static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Largest request body accepted (the site takes no uploads; forms are GETs).
MAX_CONTENT_LENGTH = 64 * 1024
#: Endpoints that take a larger body (a push webhook lists its commits).
BODY_LIMITS = {"hooks.git_push": 25 * 1024 * 1024}
#: Longest query string accepted, in bytes.
MAX_QUERY_STRING = 16 * 1024

_UNSAFE_PATH = re.compile(r"[\x00-\x1f\x7f\\]|(^|/)\.\.?(/|$)|^/|^[A-Za-z]:")


#: What a log line never holds as is: C0 and C1 controls (CR, LF, ESC ...), DEL, the Unicode line and
#: paragraph separators, and the backslash (so that an escape written by a client cannot pass for ours).
_LOG_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\\]")


def log_safe(text: str) -> str:
    """``text`` for one log line: control characters and the backslash as ``\\xNN`` (``\\uNNNN``) escapes."""
    return _LOG_UNSAFE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def unsafe_path(value: str) -> bool:
    """True for a path that could step out of its folder: ``..``, absolute, drive, NUL or control bytes."""
    return bool(_UNSAFE_PATH.search(value))


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its cookie ``Secure`` whenever the site is served over HTTPS.

    ``SESSION_COOKIE_SECURE`` is one value for the whole app; the same app answers the
    editors' plain-HTTP preview and, behind a TLS proxy, the public site.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        over_https = app.config["KB"].site_url.startswith("https://") or (has_request_context() and request.is_secure)
        return super().get_cookie_secure(app) or over_https


def install(app: Flask, *, max_query_chars: int) -> None:
    """Compression, limits, security headers, conditional GET and the request log for ``app``."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.session_interface = SessionCookies()
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)  # static files: sent as they are
    Compress(app)  # registered first, so its after-request hook runs last

    @app.before_request
    def start_clock() -> None:
        g.kb_started = time.perf_counter()

    @app.before_request
    def check_limits() -> Response | None:
        limit = BODY_LIMITS.get(request.endpoint or "", app.config["MAX_CONTENT_LENGTH"])
        request.max_content_length = limit  # also bounds a body sent without Content-Length
        if (request.content_length or 0) > limit:
            abort(413, description="That request is too large.")
        # Over-long search text is cut to ``max_query_chars`` by the query parser; an address
        # longer than this is refused outright (gunicorn's own request-line limit is lower).
        if len(request.query_string) > MAX_QUERY_STRING:
            abort(414, description=f"The address is too long: searches are limited to {max_query_chars} characters.")
        for value in (request.view_args or {}).values():
            if isinstance(value, str) and unsafe_path(value):
                abort(404)
        return _revalidate()

    @app.after_request
    def finish(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        _conditional(response)
        _log(response)
        return response


def _validators() -> tuple[str, datetime | None] | None:
    """A weak ETag and Last-Modified for this URL, from the index state and the deployed code.

    Search answers carry their own timing, so they are not byte-identical twice:
    the validators name what the answer depends on instead (the index generation
    and its last commit, the templates and static files, the URL), which also
    lets a revalidation be answered before any search runs.
    """
    if request.method not in ("GET", "HEAD") or request.endpoint in _NOT_CACHED or request.endpoint is None:
        return None
    if current_app.config["KB"].preview:  # kb serve --watch: pages show the files on disk, not only the index
        return None
    generation = current_generation(current_app.config["KB"].index_dir)
    if generation is None:
        return None
    try:
        index_mtime = generation.stat().st_mtime_ns
    except OSError:
        return None
    code_stamp, code_mtime = _code_stamp(current_app)
    # Pages also vary by the interface language (cookie, Accept-Language): part of the key.
    varies = f"{request.headers.get('Cookie', '')}|{request.headers.get('Accept-Language', '')}"
    # And by the reader: one audience's 304 must never validate a page made for another.
    key = f"{generation.name}:{index_mtime}:{code_stamp}:{request.full_path}:{varies}:{etag_part()}"
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    modified = datetime.fromtimestamp(max(index_mtime / 1e9, code_mtime), tz=UTC).replace(microsecond=0)
    return etag, modified


#: ``files.attachment`` has send_file's own validators (the file's, not the index's); ``preview.changes`` waits.
_NOT_CACHED = {"static", "site.healthz", "files.attachment", "preview.changes", "searches.go"}


@functools.lru_cache(maxsize=4)
def _code_stamp(app: Flask) -> tuple[str, float]:
    """What the deployed templates and static files look like (read once per process)."""
    files = sorted(
        p for folder in (app.template_folder, app.static_folder) for p in Path(folder).rglob("*") if p.is_file()
    )
    stats = [(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files]
    latest = max((s[1] for s in stats), default=0) / 1e9
    return hashlib.sha256(repr(stats).encode()).hexdigest()[:12], latest


def _revalidate() -> Response | None:
    """304 before any work when the client already has this answer."""
    validators = _validators()
    g.kb_validators = validators
    if validators is None:
        return None
    etag, modified = validators
    fresh = (
        request.if_none_match.contains_weak(etag)
        if request.if_none_match
        else (request.if_modified_since is not None and modified <= request.if_modified_since)
    )
    if not fresh:
        return None
    response = current_app.response_class(status=304)
    _stamp(response, etag, modified)
    return response


def _stamp(response: Response, etag: str, modified: datetime | None) -> None:
    response.set_etag(etag, weak=True)
    response.last_modified = modified
    response.cache_control.no_cache = True  # always revalidate; a 304 costs a few bytes


def _conditional(response: Response) -> None:
    validators = g.get("kb_validators")
    if validators is None or response.status_code != 200:
        if request.endpoint == "site.healthz":
            response.cache_control.no_store = True
        return
    _stamp(response, *validators)


def index_modified(index_dir: Path) -> datetime | None:
    """When the serving index last changed: a commit or a new generation touches its folder."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    try:
        return datetime.fromtimestamp(int(generation.stat().st_mtime), tz=UTC)
    except OSError:
        return None


def _log(response: Response) -> None:
    started = g.get("kb_started")
    took = (time.perf_counter() - started) * 1000 if started else 0.0
    # No query string, ever: it holds what readers searched for (search analytics keep that masked,
    # kb.analytics) and, on the sign-in callback, a one-time code.
    path = request.path
    # The decoded path may hold any character a client sent (%0d%0a too): one request, one line.
    log.info("%s %s %s %.1fms", log_safe(request.method), log_safe(path[:300]), response.status_code, took)
