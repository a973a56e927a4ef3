"""The WSGI entry point for production servers: ``gunicorn 'kb.wsgi:app'``.

Configuration comes from kb.toml and the environment (``KB_INDEX_DIR``,
``KB_SECRET_KEY``, ...); the index is built by ``kb index``, never by a web
worker. Without a secret key it refuses to start: a production site must not
sign cookies with the development key. Without ``site.url`` it warns: the site's
absolute addresses then follow each request's ``Host`` header. Lemma dictionaries are read in their
compact form: a worker analyses only query words, and the in-memory
dictionaries would cost ~250 MB in every worker.
"""

from __future__ import annotations

import logging

from indexer.analysis import use_compact_dictionaries
from indexer.storage import IndexUnavailable
from kb.config import Config, apply_process_settings
from kb.web import create_app


class NoSecretKey(RuntimeError):
    """Raised at import: gunicorn then stops with "Worker failed to boot" instead of serving."""


config = Config.load()
if not config.secret_key:
    raise NoSecretKey(
        "kb.wsgi: no secret key. Set KB_SECRET_KEY (or server.secret_key in kb.toml) to a long random string, "
        "e.g. KB_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex())'); "
        "'kb serve' is the development server and needs none."
    )
logging.basicConfig(level=config.log_level, format="%(asctime)s %(name)s %(message)s")
if not config.site_url:
    logging.getLogger("kb").warning(
        "site.url is not set: feeds, the sitemap, robots.txt and OpenSearch name the site after each request's "
        "Host header, which any client chooses; set site.url (KB_SITE_URL) to its public address"
    )
apply_process_settings(config)
use_compact_dictionaries()
app = create_app(config)

try:  # each worker opens the index and loads its dictionaries before its first request
    app.extensions["kb_search"].open()
except IndexUnavailable:
    logging.getLogger("kb").warning("no usable index yet: pages show the maintenance message until 'kb index' runs")
