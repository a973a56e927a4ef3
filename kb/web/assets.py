"""Fingerprinted static files: ``url_for('static', filename='style.css')`` -> ``/static/style.1a2b3c4d5e.css``.

Why: a name that changes with the content can be cached by browsers for a year
(``immutable``), and a new deploy is still seen at once. Templates keep calling
``url_for('static', ...)`` as usual; old or plain names still work but are
revalidated on every use.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, abort, send_from_directory
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

ONE_YEAR = 365 * 24 * 3600
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<ext>\.[A-Za-z0-9]+)$")
_digests: dict[tuple[str, float, int], str] = {}


def digest(path: Path) -> str:
    """The first ten hex digits of the file's SHA-256 (cached by path, mtime and size)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _digests:
        _digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _digests[key]


def fingerprinted(folder: Path, filename: str) -> str:
    """``style.css`` -> ``style.<digest>.css``; unknown files keep their name."""
    joined = safe_join(str(folder), filename)
    if joined is None or not Path(joined).is_file():
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        return f"{filename}.{digest(Path(joined))}"
    return f"{stem}.{digest(Path(joined))}.{ext}"


def install(app: Flask) -> None:
    """Rewrite static URLs to fingerprinted names and serve those with a one-year immutable lifetime."""
    folder = Path(app.static_folder)

    @app.url_defaults
    def add_fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprinted(folder, values["filename"])

    def static(filename: str) -> Response:
        match = _FINGERPRINTED.match(filename)
        if match:
            original = match["stem"] + match["ext"]
            joined = safe_join(str(folder), original)
            if joined is not None and Path(joined).is_file() and digest(Path(joined)) == match["digest"]:
                response = send_from_directory(folder, original, max_age=ONE_YEAR)
                response.cache_control.immutable = True
                response.cache_control.public = True
                return response
            filename = original
        if safe_join(str(folder), filename) is None:
            abort(404)
        response = send_from_directory(folder, filename, max_age=0)
        response.cache_control.no_cache = True
        return response

    app.view_functions["static"] = static
