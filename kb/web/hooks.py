"""``POST /hooks/git``: a push webhook (GitHub, Gitea, Forgejo, GitLab-compatible signature) publishes the content.

The body must carry an HMAC-SHA256 signature with the shared secret
(``X-Hub-Signature-256: sha256=<hex>``), compared in constant time. The route is
registered only when a secret is configured (``hooks.git_secret``); without one
it does not exist (404). The answer is immediate (202): the pull and the
incremental re-index run in the background, one at a time (:mod:`kb.publish`);
before the 202 the request is recorded in a pending marker beside the index
folder, so a worker recycled or killed mid-publish delays it but never loses it
(the next worker to start, or ``kb publish``, finishes it). A host that cannot
write that marker answers 503: the forge shows the delivery as failed.

Nothing is read from the body before the headers have passed: a gunicorn sync
worker reading a body that trickles in is a worker lost until its timeout, so a
request without a well-formed signature header (403), without a Content-Length
(chunked: 411) or with one over ``hooks.max_body_bytes`` (413) is answered at
once. ``deploy/haproxy.cfg`` refuses the same before any worker sees them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re

from flask import Blueprint, Flask, current_app, request

from kb.config import build_options
from kb.publish import content_publisher, mark_pending, resume

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
log = logging.getLogger("kb.publish")

SIGNATURE_HEADER = "X-Hub-Signature-256"
#: What a signature header can be at all: checked before the body is read.
WELL_FORMED_SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")


def signature(secret: str, body: bytes) -> str:
    """The header value a sender computes: ``sha256=`` and the hex HMAC of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_signature(secret: str, body: bytes, given: str | None) -> bool:
    # Compared as bytes: compare_digest refuses non-ASCII text, and a header may hold anything.
    return given is not None and hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


@bp.before_request
def refuse_before_reading():
    """Refuse what cannot be a forge's push from the headers alone, before a byte of the body is read."""
    if request.routing_exception is not None:  # a GET: the 405 as usual
        return None
    given = request.headers.get(SIGNATURE_HEADER)
    if given is None or not WELL_FORMED_SIGNATURE.fullmatch(given.strip()):
        return {"error": "invalid or missing signature"}, 403
    limit = current_app.config["KB"].git_hook_max_body
    if "Transfer-Encoding" in request.headers or request.content_length is None:
        return {"error": "a Content-Length is required"}, 411
    if request.content_length > limit:
        return {"error": f"the body is over {limit} bytes"}, 413
    request.max_content_length = limit  # werkzeug reads no more than that, whatever the stream holds
    return None


@bp.route("/git", methods=["POST"])
def git_push():
    body = request.get_data(cache=False)
    if not valid_signature(current_app.config["KB"].git_hook_secret, body, request.headers.get(SIGNATURE_HEADER)):
        return {"error": "invalid or missing signature"}, 403
    event = request.headers.get("X-GitHub-Event") or request.headers.get("X-Gitea-Event") or "push"
    if event == "ping":  # sent once when the webhook is created
        return {"status": "pong"}, 200
    index_dir = current_app.config["KB"].index_dir
    try:
        mark_pending(index_dir, "hook")
    except OSError as error:  # a read-only or full disk: say so now rather than accept and forget
        log.error("cannot record a pushed publish beside %s: %s; nothing was started", index_dir, error.strerror)
        return {"error": "this host cannot record the publish"}, 503
    started = current_app.extensions["kb_publisher"].request()
    return {"status": "accepted", "queued": not started}, 202


def init_app(app: Flask) -> None:
    """Register the route when a secret is configured; otherwise there is nothing to find."""
    config = app.config["KB"]
    if not config.git_hook_secret:
        return
    publisher = content_publisher(config.content_dir, config.index_dir, build_options(config))
    app.extensions["kb_publisher"] = publisher
    app.register_blueprint(bp)
    resume(publisher, config.index_dir)  # a publish a recycled, restarted or killed worker left pending
