"""What changed: the "recently updated" list and Atom feeds of new and changed documents.

``/feed.xml`` covers every language, ``/feed/<lang>.xml`` one; ``/recent`` is the
same list as a page. Dates and authors come from the history stored at index time.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from kb.search.updates import UpdatesService
from kb.web.i18n import ui_language
from kb.web.site import service

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
    return updates().recent(limit=limit)


@bp.route("/recent")
def recent():
    return render_template("recent.html", docs=updates().recent(limit=RECENT_PAGE))


@bp.route("/feed.xml")
def feed():
    return _feed(None)


@bp.route("/feed/<lang>.xml")
def feed_lang(lang: str):
    if lang not in service().languages():
        abort(404)
    return _feed(lang)


class FeedBodies:
    """Rendered feeds of one app, kept until the history or the catalogue changes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple = ()
        self.bodies: dict[tuple, str] = {}  # (lang, site address, interface language) -> XML


def _feed(lang: str | None) -> Response:
    """The feed, rendered once per state of the history and catalogue (and site address, interface language)."""
    cache = current_app.extensions.setdefault("kb_feed_bodies", FeedBodies())
    stamp = updates().stamp()
    question = (lang, request.url_root, ui_language())
    with cache.lock:
        if cache.stamp != stamp:
            cache.stamp, cache.bodies = stamp, {}
        bodies = cache.bodies
        body = bodies.get(question)
    if body is None:
        body = bodies[question] = _render_feed(lang)
    return Response(body, mimetype="application/atom+xml")


def _render_feed(lang: str | None) -> str:
    docs = updates().recent(limit=FEED_ENTRIES, lang=lang, texts=True)
    newest = max((d["history"]["updated"] for d in docs), default=None)
    self_url = url_for("feeds.feed_lang", lang=lang, _external=True) if lang else url_for("feeds.feed", _external=True)
    return render_template(
        "feed.xml",
        docs=docs,
        lang=lang,
        self_url=self_url,
        updated=newest or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )


@bp.app_template_global()
def service_languages() -> list[str]:
    return sorted(service().languages())
