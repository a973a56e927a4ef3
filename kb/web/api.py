"""The JSON API: the same search and documents as the pages, for tools and the search box."""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, request

from kb.search.facets import FILTER_ARGS
from kb.web import openapi, recording
from kb.web.site import int_arg, query_arg, service

bp = Blueprint("api", __name__, url_prefix="/api")

API_MAX_LIMIT = 100  # results per API page
MAX_SUGGESTIONS = 20

_DOC_LIST_FIELDS = ("id", "title", "lang", "lang_detected", "type", "date", "url")
_DOC_FIELDS = _DOC_LIST_FIELDS + (
    "lang_probability",
    "tags",
    "translation_key",
    "summary",
    "organisation",
    "region",
    "source",
    "attachments",
    "html",
    "warnings",
    "path",
)


@bp.route("/search")
def search():
    started = time.perf_counter()
    q, page = query_arg(), int_arg("page", 1)
    filters = {name: request.args.get(name) or None for name in FILTER_ARGS}
    svc = service()
    result = svc.search(q, **filters, page=page, limit=min(int_arg("limit", 10), API_MAX_LIMIT))
    took_ms = (time.perf_counter() - started) * 1000
    recording.record_search(result, q, filters, page, took_ms, "api")
    return result.as_json()


@bp.route("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 description of these routes."""
    return openapi.spec(current_app.config["KB"].max_query_chars, API_MAX_LIMIT, MAX_SUGGESTIONS)


@bp.route("/suggest")
def suggest():
    """Autocomplete for the search box: word completions and matching document titles."""
    q = query_arg()
    return {"query": q, "suggestions": service().suggest(q, limit=min(max(1, int_arg("limit", 8)), MAX_SUGGESTIONS))}


def _translations(doc: dict) -> list[dict]:
    return [
        {"id": t["id"], "lang": t["lang"], "title": t["title"], "url": t["url"]}
        for t in service().translations(doc.get("translation_key"), exclude=doc["id"])
    ]


@bp.route("/documents")
def documents():
    total, docs = service().documents(page=int_arg("page", 1), limit=min(int_arg("limit", 50), API_MAX_LIMIT))
    return {
        "total": total,
        "documents": [{**{k: d.get(k) for k in _DOC_LIST_FIELDS}, "translations": _translations(d)} for d in docs],
    }


@bp.route("/documents/<path:doc_id>")
def document(doc_id: str):
    doc = service().document(doc_id)
    if doc is None:
        abort(404)
    return {**{k: doc.get(k) for k in _DOC_FIELDS}, "translations": _translations(doc)}
