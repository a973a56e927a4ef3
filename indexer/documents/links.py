"""Where a link or image in a document points: another document, a file next to it, or elsewhere.

One set of rules for the renderer (which turns ``../cs/x.md`` into ``/doc/cs/x`` and
``slides.pdf`` into ``/doc/<id>/files/slides.pdf`` so links work on the site) and for
``kb check`` (which reports the targets that do not exist).
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from indexer.documents import paths

#: File types the site serves next to documents, with their content types.
ATTACHMENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".ppt": "application/vnd.ms-powerpoint",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".odp": "application/vnd.oasis.opendocument.presentation",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
#: Shown in the page (inline) rather than downloaded.
INLINE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp"})


@dataclass(frozen=True)
class Link:
    """One ``href`` or ``src`` in a document's body, as the editor wrote it."""

    kind: str  # "link" or "image"
    target: str


@dataclass(frozen=True)
class Target:
    """What a link resolves to inside the knowledge base.

    ``kind`` is ``document`` (``doc_id`` set), ``file`` (``doc_id`` and ``name``: a
    file in that document's folder) or ``outside`` (leaves the content directory or
    the document's folder, which the site cannot serve).
    """

    kind: str
    doc_id: str = ""
    name: str = ""
    fragment: str = ""

    @property
    def url(self) -> str:
        if self.kind == "document":
            return doc_url(self.doc_id) + (f"#{self.fragment}" if self.fragment else "")
        if self.kind == "file":
            return file_url(self.doc_id, self.name)
        return ""


def doc_url(doc_id: str) -> str:
    return "/doc/" + quote(doc_id, safe="/")


def file_url(doc_id: str, name: str) -> str:
    return f"{doc_url(doc_id)}/files/{quote(name, safe='/')}"


def safe_name(name: str) -> bool:
    """A relative path below a folder: no absolute paths, ``..``, hidden parts, NUL or backslashes."""
    if not name or "\x00" in name or "\\" in name or name.startswith("/"):
        return False
    parts = name.split("/")
    return all(part and part not in (".", "..") and not part.startswith(".") for part in parts)


def resolve(target: str, doc_id: str) -> Target | None:
    """The knowledge-base target of ``target`` written in document ``doc_id``; None for external links."""
    target = target.strip()
    if not target or target.startswith("#"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    path = unquote(parts.path)
    fragment = parts.fragment
    if not path:
        return None
    if path.startswith("/"):
        if not path.startswith("/doc/"):
            return None  # a site route such as /search?q=
        rest = path[len("/doc/") :]
        if "/files/" in rest:
            owner, name = rest.split("/files/", 1)
            return Target("file", owner, name)
        return Target("document", rest.rstrip("/"), fragment=fragment)
    folder = posixpath.dirname(doc_id)
    joined = posixpath.normpath(posixpath.join(folder, path))
    if joined == ".." or joined.startswith("../"):
        return Target("outside", name=path)
    if path.endswith(".md"):
        return Target("document", joined[: -len(".md")], fragment=fragment)
    relative = posixpath.relpath(joined, folder or ".")
    if relative.startswith(".."):
        return Target("outside", name=path)
    return Target("file", doc_id, relative)


def file_path(content_dir: Path, doc_path: str, name: str) -> Path | None:
    """The file ``name`` next to the document at ``doc_path``, only if it really is inside ``content_dir``.

    None for unsafe names, for anything (a symlink included) that leads outside or into a
    hidden or private folder (:mod:`indexer.documents.paths`), and for a file that is not there.
    """
    return locate(content_dir, doc_path, name)[0]


def locate(content_dir: Path, doc_path: str, name: str) -> tuple[Path | None, str | None]:
    """``(file, None)`` for a file that may be served; ``(None, why)`` for one that never may be;
    ``(None, None)`` when there is no such file."""
    if not safe_name(name):
        return None, "not a plain file name next to the document"
    candidate = content_dir / posixpath.dirname(doc_path) / name
    why = paths.refusal(content_dir, candidate)
    if why is not None:
        return None, why
    resolved = candidate.resolve()
    return (resolved, None) if resolved.is_file() else (None, None)


_URL_VALUE = re.compile(r'\b(?:href|src)="(/doc/[^"]*)"')


def files_used(fragment: str, doc_id: str) -> set[str]:
    """The names of the files next to document ``doc_id`` that its rendered HTML links to or shows
    (the ``/doc/<id>/files/<name>`` URLs :func:`link_targets <indexer.documents.render.link_targets>` wrote)."""
    prefix = f"{doc_url(doc_id)}/files/"
    names = set()
    for value in _URL_VALUE.findall(fragment):
        path = urlsplit(html.unescape(value)).path
        if path.startswith(prefix) and len(path) > len(prefix):
            names.add(unquote(path[len(prefix) :]))
    return names
