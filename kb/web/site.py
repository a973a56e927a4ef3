"""The pages a person sees: home, results and document pages, and the health check."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, render_template, request

from kb.search import IndexUnavailable, SearchService
from kb.search.audience import PREVIEW
from kb.search.view import ReaderView
from kb.web import families, recording
from kb.web.auth import current_audience, is_editor
from kb.web.facets import BY_SLUG, FILTER_ARGS
from kb.web.i18n import reader_languages, ui_language
from kb.web.slides import split_slides

bp = Blueprint("site", __name__)

#: How many hits the results page groups into translation families (beyond it, pages are approximate).
GROUP_WINDOW = 300
PAGE_SIZE = 10


def service() -> ReaderView:
    """The search service as this request's reader sees it (:mod:`kb.search.view`)."""
    return ReaderView(current_app.extensions["kb_search"], current_audience())


def engine() -> SearchService:
    """The bare service, for what answers no reader: the health check, the editors' pages."""
    return current_app.extensions["kb_search"]


def int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def query_arg() -> str:
    """The search text, cut to ``search.max_query_chars``."""
    return request.args.get("q", "")[: current_app.config["KB"].max_query_chars]


@dataclass
class Pager:
    page: int
    limit: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    @property
    def start(self) -> int:
        return (self.page - 1) * self.limit


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable):
    current_app.logger.warning("index unavailable: %s", error)  # the log has where; answers only what to run
    if request.path.startswith("/api/"):
        return {"error": "index unavailable", "detail": error.public}, 503
    return render_template("unavailable.html", reason=error.public), 503


@bp.route("/")
def home():
    svc = service()
    langs = reader_languages()
    recent = svc.recent(limit=24)
    entries = families.group(recent, {d["id"]: d.get("translation_key") for d in recent}, langs)[:6]
    families.add_translations(entries, svc.family, langs)
    return render_template(
        "home.html", recent=entries, stats=svc.stats(), counts=svc.browse_counts(), reader_langs=langs
    )


@bp.route("/search")
def search():
    started = time.perf_counter()
    q = query_arg()
    filters = {name: request.args.get(name) or None for name in FILTER_ARGS}
    svc = service()
    # One search for the whole grouping window; snippets only for the entries shown.
    result = svc.search(q, page=1, limit=GROUP_WINDOW, snippets=False, **filters)
    hits = result.hits
    langs = reader_languages()
    entries = families.group(hits, {h.id: h.translation_key for h in hits}, langs)
    limit = min(max(1, int_arg("limit", PAGE_SIZE)), 50)
    pager = Pager(page=1, limit=limit, total=len(entries))
    pager.page = min(max(1, int_arg("page", 1)), pager.pages)
    shown = entries[pager.start : pager.start + limit]
    svc.complete([entry.primary for entry in shown])
    families.add_translations(shown, svc.family, langs)
    took_ms = (time.perf_counter() - started) * 1000
    recorded = recording.record_search(result, q, filters, pager.page, took_ms, "page")
    return render_template(
        "search.html",
        analytics=recorded,
        result=result,
        filters=filters,
        entries=shown,
        pager=pager,
        took_ms=took_ms,
        facets=[BY_SLUG[slug] for slug in current_app.config["KB"].facets if result.facets.get(BY_SLUG[slug].field)],
    )


@bp.route("/doc/<path:doc_id>")
def document(doc_id: str):
    svc = service()
    doc = svc.document(doc_id)
    if doc is None:
        abort(404)
    translations = [m for m in svc.family(doc.get("translation_key")) if m["id"] != doc["id"]]
    have = {doc["lang"]} | {t["lang"] for t in translations}
    missing = [lang for lang in svc.languages() if lang not in have]
    ui = ui_language()
    in_ui = next((t for t in translations if t["lang"] == ui), None) if doc["lang"] != ui else None
    preamble, slides = split_slides(doc.get("html", "")) if doc.get("type") == "presentation" else ("", [])
    return render_template(
        "document.html",
        doc=doc,
        translations=translations,
        missing=missing,
        in_ui=in_ui,
        related=svc.related(doc["id"], reader_languages()),
        preamble=preamble,
        slides=slides,
    )


def may_see_health_details() -> bool:
    """Whether this caller may read the index statistics and the reason of a 503 on ``/healthz``.

    The one place that decides: the ``health.details`` setting, or a signed-in editor.
    """
    return current_app.config["KB"].health_details or is_editor()


@bp.route("/healthz")
def healthz():
    """200 or 503 with a status for anyone (a load balancer needs no more); statistics only when allowed."""
    details = may_see_health_details()
    try:
        engine().check()
        engine().catalogue.stamp()  # the pages' lists come from it: without it they are 503s too
        stats = engine().stats(audience=PREVIEW) if details else {}
    except IndexUnavailable as error:
        return {"status": "unavailable", **({"reason": error.public} if details else {})}, 503
    return {"status": "ok", **stats}
