"""What changed: the "recently updated" list and Atom feeds of new and changed documents.

``/feed.xml`` covers every language, ``/feed/<lang>.xml`` one; ``/recent`` is the
same list as a page. Dates and authors come from the history stored at index time.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading

from flask import Blueprint, Response, abort, current_app, render_template
from markupsafe import escape

from kb.search.audience import Audience
from kb.search.updates import UpdatesService
from kb.web.auth import current_audience
from kb.web.i18n import ui_language
from kb.web.site import service
from kb.web.urls import absolute_url, site_root

bp = Blueprint("feeds", __name__)

FEED_ENTRIES = 50
RECENT_PAGE = 50


def updates() -> UpdatesService:
    return current_app.extensions["kb_updates"]


@bp.app_template_global()
def doc_history(doc: dict) -> dict | None:
    """The stored history of a document, for its page."""
    return updates().for_document(doc)


@bp.app_template_global()
def recently_updated(limit: int = 5) -> list[dict]:
    return updates().recent(limit=limit, audience=current_audience())


@bp.route("/recent")
def recent():
    return render_template("recent.html", docs=updates().recent(limit=RECENT_PAGE, audience=current_audience()))


@bp.route("/feed.xml")
def feed():
    return _feed(None)


@bp.route("/feed/<lang>.xml")
def feed_lang(lang: str):
    if lang not in service().languages():
        abort(404)
    return _feed(lang)


class FeedBodies:
    """Rendered feeds of one app, kept until the history or the catalogue changes.

    Kept per feed, interface language and audience (a reader's groups) only, never per site address: the address (the
    client's ``Host`` header when ``site.url`` is not set) is a placeholder in the kept body,
    put in when it is sent. Different ``Host`` headers cost nothing.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple = ()
        self.bodies: dict[tuple, str] = {}  # (lang, interface language, audience) -> XML, ``root`` for the address
        self.root = f"https://kb-site-root-{secrets.token_hex(8)}.invalid"  # what no document can hold


def _feed(lang: str | None) -> Response:
    """The feed, rendered once per state of the history and catalogue (and interface language)."""
    cache = current_app.extensions.setdefault("kb_feed_bodies", FeedBodies())
    stamp = updates().stamp()
    audience = current_audience()
    question = (lang, ui_language(), audience.key)
    with cache.lock:
        if cache.stamp != stamp or len(cache.bodies) >= 256:  # a key per set of groups: bounded
            cache.stamp, cache.bodies = stamp, {}
        bodies = cache.bodies
        body = bodies.get(question)
    if body is None:
        body = bodies[question] = _render_feed(lang, cache.root, audience)
    return Response(body.replace(cache.root, str(escape(site_root()))), mimetype="application/atom+xml")


def _render_feed(lang: str | None, root: str, audience: Audience) -> str:
    docs = updates().recent(limit=FEED_ENTRIES, lang=lang, texts=True, audience=audience)
    newest = max((d["history"]["updated"] for d in docs), default=None)
    self_url = absolute_url("feeds.feed_lang", root=root, lang=lang) if lang else absolute_url("feeds.feed", root=root)
    return render_template(
        "feed.xml",
        docs=docs,
        lang=lang,
        root=root,
        self_url=self_url,
        updated=newest or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )


@bp.app_template_global()
def service_languages() -> list[str]:
    return sorted(service().languages())
