"""The pages a person sees: home, results and document pages, and the health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from indexer.storage import IndexUnavailable
from kb.search import SearchService

bp = Blueprint("site", __name__)


def service() -> SearchService:
    return current_app.extensions["kb_search"]


def int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable):
    current_app.logger.warning("index unavailable: %s", error)
    if request.path.startswith("/api/"):
        return {"error": "index unavailable", "detail": str(error)}, 503
    return render_template("unavailable.html", reason=str(error)), 503


@bp.route("/")
def home():
    svc = service()
    return render_template("home.html", recent=svc.recent(limit=6), stats=svc.stats())


@bp.route("/search")
def search():
    q = request.args.get("q", "")
    filters = {name: request.args.get(name) or None for name in ("lang", "type", "tag", "year")}
    result = service().search(q, page=int_arg("page", 1), limit=int_arg("limit", 10), **filters)
    return render_template("search.html", result=result, filters=filters)


@bp.route("/doc/<path:doc_id>")
def document(doc_id: str):
    svc = service()
    doc = svc.document(doc_id)
    if doc is None:
        abort(404)
    translations = svc.translations(doc.get("translation_key"), exclude=doc["id"])
    return render_template("document.html", doc=doc, translations=translations)


@bp.route("/healthz")
def healthz():
    try:
        service().check()
        stats = service().stats()
    except IndexUnavailable as error:
        return {"status": "unavailable", "reason": str(error)}, 503
    return {"status": "ok", **stats}
