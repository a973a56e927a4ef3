"""Who the reader is, for every request: the one interface the rest of the app asks.

:func:`current_reader` says who signed in (``auth.mode``: nobody, a trusted proxy's headers,
or an OpenID Connect session); :func:`current_audience` is what the engine answers for;
:func:`editors_only` guards the editors' pages. Everything is computed once per request
(``flask.g``), so a page and its cache headers agree on who asked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb.search.audience import PREVIEW, Audience


@dataclass(frozen=True)
class Reader:
    name: str | None = None
    groups: frozenset[str] = frozenset()
    signed_in: bool = False


#: Nobody signed in: the reader of every request in mode "none".
SIGNED_OUT = Reader()


def current_reader() -> Reader:
    """This request's reader (worked out once, on first use)."""
    if "kb_reader" not in g:
        g.kb_reader = _read_reader()
    return g.kb_reader


def _read_reader() -> Reader:
    config = current_app.config["KB"]
    if config.auth_mode == "header":
        from kb.web.auth.header import reader_from_headers

        return reader_from_headers(config)
    if config.auth_mode == "oidc":
        from kb.web.auth.oidc import reader_from_session

        return reader_from_session(config)
    return SIGNED_OUT


def current_audience() -> Audience:
    """The audience of this request's reader: the preview sees everything, anyone else their groups."""
    if current_app.config["KB"].preview:
        return PREVIEW
    return Audience.of(current_reader().groups)


def is_editor(reader: Reader | None = None) -> bool:
    """Whether ``reader`` (default: this request's) is in one of ``auth.editor_groups``."""
    reader = current_reader() if reader is None else reader
    return reader.signed_in and bool(reader.groups & set(current_app.config["KB"].auth_editor_groups))


def editor_gate() -> Response | None:
    """None when this request may see an editors' page; else the answer instead of it.

    Mode "none": only ``kb serve`` (the editor's own machine) serves them; the production app
    answers 404 as if they did not exist. Otherwise: signed out, 401 and a way to sign in;
    signed in without an editors' group, 404 like any missing page (nothing to learn from it).
    """
    config = current_app.config["KB"]
    if config.auth_mode == "none":
        return None if config.local else abort(404)
    reader = current_reader()
    if not reader.signed_in:
        return sign_in_required()
    return None if is_editor(reader) else abort(404)


def sees_editors_pages() -> bool:
    """Whether this request's reader would be let through :func:`editor_gate` (links to those pages)."""
    config = current_app.config["KB"]
    return config.local if config.auth_mode == "none" else is_editor()


def require_editor() -> None:
    """:func:`editor_gate` for code inside a view: raises the 401 or 404 instead of returning it."""
    answer = editor_gate()
    if answer is not None:
        abort(answer)


def editors_only(view: Callable) -> Callable:
    """Decorate a view that only editors may see (see :func:`editor_gate`)."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        return editor_gate() or view(*args, **kwargs)

    return guarded


def sign_in_required() -> Response:
    """The 401 page: no word about what is behind it, only a way to sign in (when there is one)."""
    config = current_app.config["KB"]
    link = None
    if config.auth_mode == "oidc":
        link = url_for("auth.sign_in", next=request.full_path.rstrip("?"))
    elif config.auth_sign_in_url:
        link = config.auth_sign_in_url
    body = render_template("error.html", status=401, message=_("Please sign in to see this page."), sign_in=link)
    return current_app.response_class(body, status=401)


def etag_part() -> str:
    """What an ETag folds in so that one reader's 304 never validates another's page: the audience
    decides the documents, the name is shown in the header."""
    return f"{current_audience().key}|{current_reader().name or ''}"


def init_app(app: Flask) -> None:
    """The sign-in routes (oidc), the header's reader and the cache headers every answer needs."""
    config = app.config["KB"]
    if config.auth_mode == "oidc":
        from kb.web.auth import oidc

        oidc.init_app(app, config)

    @app.context_processor
    def reader_in_templates() -> dict:
        return {"reader": current_reader(), "auth_mode": config.auth_mode, "sees_editors_pages": sees_editors_pages}

    @app.after_request
    def private_when_signed_in(response: Response) -> Response:
        # A shared cache must not keep one reader's page for another: the answer depends on
        # the session cookie (oidc) or the proxy's headers (header mode).
        if config.auth_mode == "oidc":
            response.vary.add("Cookie")
        elif config.auth_mode == "header":
            response.vary.add(config.auth_user_header)
            response.vary.add(config.auth_groups_header)
        if current_reader().signed_in and request.endpoint != "static":
            response.cache_control.public = False
            response.cache_control.private = True
        return response
