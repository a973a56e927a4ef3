"""Live preview for editors (``kb serve --watch``): pages reload after a re-index, and a
document with mistakes shows them on its own page instead of failing.

The browser side is ``static/live-reload.js`` (no inline script, so a strict
Content-Security-Policy holds): it long-polls ``/_changes?since=<version>`` and
reloads the page when the version moves on.
"""

from __future__ import annotations

import secrets
import threading

from flask import Blueprint, current_app, render_template, request

from indexer.authoring.check import check_attachments, check_links
from indexer.documents.load import DocumentError, discover, parse
from indexer.documents.model import Problem
from indexer.documents.render import render
from indexer.pipeline import IndexSummary
from kb.web.site import int_arg, service

bp = Blueprint("preview", __name__)

#: Longest a ``/_changes`` request waits for a change before answering "no change" (seconds).
MAX_WAIT = 25.0


class PreviewState:
    """A version that moves on with every re-index, and the errors of the files that failed in it."""

    def __init__(self):
        self._cond = threading.Condition()
        self._boot = secrets.token_hex(4)  # a restarted server is a change too
        self._count = 0
        self.errors: dict[str, list[Problem]] = {}

    @property
    def version(self) -> str:
        return f"{self._boot}-{self._count}"

    def update(self, summary: IndexSummary) -> None:
        errors: dict[str, list[Problem]] = {}
        for problem in summary.problems:
            errors.setdefault(problem.path, []).append(problem)
        with self._cond:
            self.errors = errors
            self._count += 1
            self._cond.notify_all()

    def wait(self, since: str, timeout: float) -> str:
        """The current version, once it differs from ``since`` or ``timeout`` seconds have passed."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != since, timeout=timeout)
            return self.version


def state() -> PreviewState:
    return current_app.extensions["kb_preview"]


@bp.route("/_changes")
def changes():
    since = request.args.get("since", "")
    timeout = min(max(int_arg("timeout", int(MAX_WAIT)), 0), MAX_WAIT)
    response = current_app.json.response({"version": state().wait(since, timeout)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def live_reload_version() -> str:
    return state().version


@bp.app_template_global()
def preview_problems(doc: dict) -> list[dict]:
    """Every problem of the document's file as it is on disk now: ``{"text", "severity"}``."""
    found = file_problems(doc.get("path") or f"{doc['id']}.md", doc.get("warnings") or [])
    return [
        {"text": str(p), "severity": p.severity} if isinstance(p, Problem) else {"text": p, "severity": "warning"}
        for p in found
    ]


@bp.app_template_global()
def preview_failed(doc: dict) -> bool:
    """Whether the document's file failed the last re-index (the page shows its last good version)."""
    return bool(state().errors.get(doc.get("path") or f"{doc['id']}.md"))


def file_problems(rel: str, stored_warnings: list[str] = ()) -> list[Problem | str]:
    """The errors of the last re-index, or, for a file that indexed, its warnings and broken links."""
    errors = state().errors.get(rel)
    if errors:
        return list(errors)
    content_dir = current_app.config["KB"].content_dir
    try:
        doc = render(parse(content_dir / rel, content_dir))
    except DocumentError as exc:
        return [exc.problem]
    except OSError:
        return []
    ids = {path.relative_to(content_dir).with_suffix("").as_posix() for path in discover(content_dir)}
    found: list[Problem | str] = [
        *doc.warnings,
        *check_links(doc, content_dir, ids),
        *check_attachments(doc, content_dir),
    ]
    seen = {str(p) for p in found}
    found += [w for w in stored_warnings if w not in seen]  # e.g. a contradicted lang, found at index time
    return found


@bp.before_app_request
def failed_document_page():
    """A new file that has never indexed has no page yet: show its errors in its place."""
    if request.endpoint != "site.document":
        return None
    doc_id = (request.view_args or {}).get("doc_id", "")
    rel = f"{doc_id}.md"
    errors = state().errors.get(rel)
    if not errors or service().document(doc_id) is not None:
        return None
    return render_template("doc_problems.html", doc_id=doc_id, path=rel, problems=[str(p) for p in errors])
