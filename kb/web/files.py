"""Attachments: files next to a document (PDF, PPTX, DOCX, images), served for download.

Only a file the document names (in its ``attachments``, or as a link or image in its
body: the URLs its stored HTML holds), in the document's own folder (or below it), of a
known type, that really is inside the content directory once symlinks are resolved and
not in a hidden or private folder (``.git``, ``_private``: :mod:`indexer.documents.paths`), is
served; everything else is a 404 that tells nothing about the disk.
"""

from __future__ import annotations

import posixpath

from flask import Blueprint, abort, current_app, send_file

from indexer.documents.links import ATTACHMENT_TYPES, INLINE_TYPES, file_path, file_url, files_used
from kb.web.site import service

bp = Blueprint("files", __name__)


@bp.route("/doc/<path:doc_id>/files/<path:name>")
def attachment(doc_id: str, name: str):
    doc = service().document(doc_id)
    if doc is None:  # not an attachment URL after all: a document in a folder named "files"
        from kb.web.site import document

        return document(f"{doc_id}/files/{name}")
    if name not in named_files(doc):  # a file beside it that the document does not offer
        abort(404)
    suffix = posixpath.splitext(name)[1].lower()
    mimetype = ATTACHMENT_TYPES.get(suffix)
    path = file_path(current_app.config["KB"].content_dir, doc.get("path") or f"{doc_id}.md", name)
    if mimetype is None or path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=suffix not in INLINE_TYPES,
        download_name=posixpath.basename(name),
        max_age=300,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def named_files(doc: dict) -> set[str]:
    """What the document offers: its ``attachments`` and the files its body links to or shows."""
    return set(doc.get("attachments") or []) | files_used(doc.get("html") or "", doc["id"])


@bp.app_template_global()
def attachment_list(doc: dict) -> list[dict]:
    """The document's ``attachments`` with their links, types and sizes (missing ones are left out)."""
    content_dir = current_app.config["KB"].content_dir
    found = []
    for name in doc.get("attachments") or []:
        path = file_path(content_dir, doc.get("path") or f"{doc['id']}.md", name)
        suffix = posixpath.splitext(name)[1].lower()
        if path is None or suffix not in ATTACHMENT_TYPES:
            continue
        found.append(
            {
                "name": posixpath.basename(name),
                "url": file_url(doc["id"], name),
                "kind": suffix.lstrip(".").upper(),
                "size": _size(path.stat().st_size),
            }
        )
    return found


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if count < 1024 or unit == "MB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"
