"""The web application: ``create_app(config)`` wires the search service and the blueprints."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kb.config import DEVELOPMENT_SECRET, Config

if TYPE_CHECKING:
    from flask import Flask

# Flask is imported inside the functions: the ``kb`` command line imports this
# package too, and ``kb index`` after one edit should not pay for loading Flask.

PACKAGE = Path(__file__).resolve().parents[1]
#: The templates live at the top of the repository (the design card); a wheel carries
#: them as ``kb/templates`` (pyproject.toml maps the folder into the package).
TEMPLATES = next(
    (p for p in (PACKAGE / "templates", PACKAGE.parent / "templates") if p.is_dir()), PACKAGE / "templates"
)


def create_app(config: Config | dict | None = None) -> Flask:
    from flask import Flask

    from kb.search import SearchService
    from kb.web import assets, http

    if not isinstance(config, Config):
        config = Config.load(config)
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder="static")
    app.config.update(TESTING=config.testing, SECRET_KEY=config.secret_key or DEVELOPMENT_SECRET)
    app.json.sort_keys = False  # facets most frequent first, as kb search --json (JSON_SORT_KEYS is gone in Flask 3)
    app.config["KB"] = config
    app.extensions["kb_search"] = SearchService(config.index_dir)

    from kb.search.updates import UpdatesService
    from kb.web import api, auth, browse, discovery, feeds, files, glossary, hooks, i18n, recording, searches, site

    i18n.init_app(app)
    app.extensions["kb_updates"] = UpdatesService(app.extensions["kb_search"])
    app.register_blueprint(site.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(glossary.bp)
    app.register_blueprint(searches.bp)
    recording.init_app(app, config)
    discovery.init_app(app)
    hooks.init_app(app)
    auth.init_app(app)
    from kb.web import history  # after auth: its redirect asks what the reader may see

    history.init_app(app)
    if config.preview:
        from kb.web import preview

        app.extensions["kb_preview"] = preview.PreviewState()
        app.register_blueprint(preview.bp)
    _register_error_pages(app)
    http.install(app, max_query_chars=config.max_query_chars)
    assets.install(app)
    app.add_template_filter(select_filters)
    return app


def select_filters(filters: dict, drop: str | None = None, add: tuple[str, str] | None = None) -> dict:
    """The active search filters as URL arguments, with one dropped or added (facet links)."""
    chosen = {k: v for k, v in filters.items() if v and k != drop}
    if add:
        chosen[add[0]] = add[1]
    return chosen


def _register_error_pages(app: Flask) -> None:
    """Friendly pages (or JSON for the API) instead of stack traces."""
    from flask import render_template, request
    from flask_babel import gettext as _

    from kb.web import http

    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(404)
    def not_found(error):
        if wants_json():
            return {"error": "not found", "path": request.path}, 404
        return render_template("error.html", status=404, message=_("This page does not exist.")), 404

    @app.errorhandler(405)
    def not_allowed(error):
        if wants_json():  # the Allow header as werkzeug would send it
            return {"error": "method not allowed"}, 405, {"Allow": ", ".join(error.valid_methods or ())}
        return render_template("error.html", status=405, message=_("That method is not allowed here.")), 405

    @app.errorhandler(Exception)
    def unexpected(error):
        from werkzeug.exceptions import HTTPException

        if isinstance(error, HTTPException):
            if wants_json():
                return {"error": error.description}, error.code
            return render_template("error.html", status=error.code, message=error.description), error.code
        logging.getLogger("kb").exception("unhandled error on %s", http.log_safe(request.path))
        if wants_json():
            return {"error": "internal error"}, 500
        return render_template("error.html", status=500, message=_("Something went wrong on our side.")), 500
