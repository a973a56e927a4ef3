"""Document history: every version of a document from git, an earlier version as it was,
and what changed (``/doc/<id>/history``, ``/doc/<id>/history/<commit>``).

A reader sees the history of a document only when they may see the document now
(``service().document``: None is the same 404 as a missing document); versions that were
drafts are left out. The version list comes from the index generation; an earlier
version's text is read from git on demand (kb.search.versions) and parsed and rendered
by the indexer's own loader and renderer, with its limits.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import threading
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from indexer.documents.links import ATTACHMENT_TYPES, INLINE_TYPES, doc_url, files_used, safe_name
from indexer.documents.load import DocumentError, parse_data
from indexer.documents.model import Document
from indexer.documents.render import render
from indexer.guards import limits
from kb.search import changes
from kb.search.versions import Version, VersionError, VersionsService
from kb.web.auth import current_audience
from kb.web.site import int_arg, service

bp = Blueprint("history", __name__)

PAGE = 50
_ROUTES = {"site.document", "history.versions", "history.version", "history.version_file", "files.attachment"}
_summaries: dict[tuple, dict] = {}
_summaries_lock = threading.Lock()


def versions_service() -> VersionsService:
    return current_app.extensions["kb_versions"]


def init_app(app) -> None:
    config = app.config["KB"]
    app.extensions["kb_versions"] = VersionsService(config.index_dir, config.content_dir, config.access)
    app.register_blueprint(bp)


def _visible_doc(doc_id: str) -> dict:
    doc = service().document(doc_id)
    if doc is None:
        abort(404)
    return doc


def _rel(doc: dict) -> str:
    return doc.get("path") or f"{doc['id']}.md"


@bp.before_app_request
def renamed_document():
    """A renamed document's old id (its page, history and files) is a permanent redirect to the new one."""
    if request.endpoint not in _ROUTES:
        return None
    doc_id = (request.view_args or {}).get("doc_id", "")
    if not doc_id or service().document(doc_id) is not None:
        return None
    target = versions_service().renamed(f"{doc_id}.md")
    if not target or not target.endswith(".md"):
        return None
    new_id = target[: -len(".md")]
    if service().document(new_id) is None:
        return None
    old, new = doc_url(doc_id), doc_url(new_id)
    path = request.path
    if not path.startswith(old):
        return None
    query = request.query_string.decode("latin-1")
    return redirect(new + path[len(old) :] + (f"?{query}" if query else ""), 308)


@bp.route("/doc/<path:doc_id>/history")
def versions(doc_id: str):
    doc = _visible_doc(doc_id)
    svc = versions_service()
    rel = _rel(doc)
    shown = svc.visible(rel, current_audience())
    day = request.args.get("on", "")
    if day:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            abort(400)
        found = svc.on_day(rel, day, current_audience())
        if found is None:
            abort(404)
        return redirect(url_for("history.version", doc_id=doc["id"], ref=found.commit[:12]), 302)
    total = len(shown)
    pages = max(1, -(-total // PAGE))
    page = min(max(1, int_arg("page", 1)), pages)
    rows = []
    start = (page - 1) * PAGE
    window = shown[start : start + PAGE]
    texts = svc.texts([v.blob for v in shown[start:] if not v.deleted][: PAGE + 1])
    for i, v in enumerate(window):
        before = next((o for o in shown[start + i + 1 :] if not o.deleted), None)
        words = None
        if not v.deleted and v.blob in texts:
            old = svc.texts([before.blob]).get(before.blob) if before else None
            words = _summary(v, before, texts[v.blob], old)["words"]
        rows.append({"version": v, "words": words})
    return render_template("history.html", doc=doc, rows=rows, page=page, pages=pages, total=total, in_git=svc.in_git())


def _summary(v: Version, before: Version | None, new: bytes, old: bytes | None) -> dict:
    key = (v.blob, before.blob if before else None)
    with _summaries_lock:
        found = _summaries.get(key)
    if found is None:
        found = changes.summary(
            old.decode("utf-8", "replace") if old is not None else None, new.decode("utf-8", "replace")
        )
        with _summaries_lock:
            if len(_summaries) > 20_000:
                _summaries.clear()
            _summaries[key] = found
    return found


@bp.app_template_global()
def doc_change(doc: dict) -> dict | None:
    """How the document last changed: ``{"date", "sections", "words", "details", "url", "first"}``, or None."""
    try:
        svc = versions_service()
        shown = [v for v in svc.visible(_rel(doc), current_audience()) if not v.deleted][:2]
    except Exception:  # noqa: BLE001 - a line of the page, never its failure
        current_app.logger.exception("history of %s", doc.get("id"))
        return None
    if not shown:
        return None
    newest, before = shown[0], (shown[1] if len(shown) > 1 else None)
    texts = svc.texts([v.blob for v in shown])
    if newest.blob not in texts:
        return None
    found = _summary(newest, before, texts[newest.blob], texts.get(before.blob) if before else None)
    return {
        **found,
        "date": newest.date,
        "first": before is None,
        "url": url_for("history.version", doc_id=doc["id"], ref=newest.commit[:12]),
    }


def _load(version: Version) -> Document:
    """The version parsed and rendered by the indexer's loader and renderer (kept per commit and path)."""
    svc = versions_service()
    key = ("render", version.commit, version.path)
    found = svc.cache.get(key)
    if found is None:
        config = current_app.config["KB"]
        try:
            doc = render(parse_data(svc.read(version), version.path, 0.0, config.doc_types, config.access))
            found = doc
            size = len(doc.html) + len(doc.text) + 1000
        except DocumentError as exc:
            found, size = VersionError(str(exc.problem)), 500
        except VersionError as exc:
            found, size = exc, 500
        svc.cache.put(key, found, size)
    if isinstance(found, VersionError):
        raise found
    return found


@bp.route("/doc/<path:doc_id>/history/<ref>")
def version(doc_id: str, ref: str):
    doc = _visible_doc(doc_id)
    svc = versions_service()
    rel = _rel(doc)
    found = svc.find(rel, ref, current_audience())
    if found is None:
        abort(404)
    shown, before = found
    other = request.args.get("compare")
    if other:
        picked = svc.find(rel, other, current_audience())
        if picked is None:
            abort(404)
        before = picked[0]
    problem = None
    old = comparison = None
    try:
        old = _load(shown)
    except VersionError as exc:
        problem = str(exc)
    if old is not None:
        earlier = None
        if before is not None:
            try:
                earlier = _load(before)
            except VersionError:
                earlier = None
        comparison = changes.compare(earlier, old)
    html = ""
    if old is not None:  # its files as they were in that version
        prefix = doc_url(old.id) + "/files/"
        html = old.html.replace(f'"{prefix}', f'"{doc_url(doc["id"])}/history/{quote(shown.commit[:12])}/files/')
    return render_template(
        "version.html",
        doc=doc,
        version=shown,
        before=before,
        old=old,
        html=html,
        problem=problem,
        comparison=comparison,
        compared=bool(other),
    )


@bp.route("/doc/<path:doc_id>/history/<ref>/files/<path:name>")
def version_file(doc_id: str, ref: str, name: str):
    doc = _visible_doc(doc_id)
    svc = versions_service()
    found = svc.find(_rel(doc), ref, current_audience())
    if found is None:
        abort(404)
    shown = found[0]
    try:
        old = _load(shown)
    except VersionError:
        abort(404)
    suffix = posixpath.splitext(name)[1].lower()
    offered = set(old.attachments) | files_used(old.html, old.id)
    if name not in offered or not safe_name(name) or suffix not in ATTACHMENT_TYPES:
        abort(404)
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(shown.path), name))
    if rel.startswith("../") or rel.startswith("/"):
        abort(404)
    try:
        data = svc.attachment(shown, rel, limits.MAX_IMPORT_BYTES.value)
    except VersionError:
        abort(404)
    response = Response(data, mimetype=ATTACHMENT_TYPES[suffix])
    if suffix not in INLINE_TYPES:
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(posixpath.basename(name))}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "max-age=300"
    return response
