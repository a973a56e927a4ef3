"""The WSGI entry point for production servers: ``gunicorn 'kb.wsgi:app'``.

Configuration comes from kb.toml and the environment (``KB_INDEX_DIR``,
``KB_SECRET_KEY``, ...); the index is built by ``kb index``, never by a web
worker. Without a secret key it refuses to start: a production site must not
sign cookies with the development key. Without ``site.url`` it warns: the site's
absolute addresses then follow each request's ``Host`` header. Lemma dictionaries are read in their
compact form: a worker analyses only query words, and the in-memory
dictionaries would be copied into every worker; for the same reason its word
caches keep fewer words than a build's (``search.word_cache``).
"""

from __future__ import annotations

import logging

from gunicorn.errors import AppImportError

from indexer.errors import KbError
from indexer.text.analysis import bound_word_caches, use_compact_dictionaries
from kb.config import MAKE_A_SECRET, Config, ConfigError, apply_process_settings
from kb.search import IndexUnavailable
from kb.web import create_app


class StartupError(KbError, AppImportError):
    """Raised at import when the site cannot start: gunicorn prints the message alone (no
    traceback) and stops ("App failed to load") instead of serving or retrying workers."""


class NoSecretKey(StartupError):
    """No secret key set."""


try:
    config = Config.load()
except ConfigError as error:
    raise StartupError(f"kb.wsgi: {error}") from None
if not config.secret_key:
    raise NoSecretKey(
        "kb.wsgi: no secret key. Set KB_SECRET_KEY (or server.secret_key in kb.toml) to a random string of "
        f"32 characters or more, e.g. KB_SECRET_KEY=$({MAKE_A_SECRET}); "
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
bound_word_caches(config.word_cache)  # queries of random words must not grow a worker without end
try:
    app = create_app(config)
except ConfigError as error:  # analytics.path is checked when the app makes its store
    raise StartupError(f"kb.wsgi: {error}") from None

try:  # each worker opens the index and loads its dictionaries before its first request
    app.extensions["kb_search"].open()
except IndexUnavailable:
    logging.getLogger("kb").warning("no usable index yet: pages show the maintenance message until 'kb index' runs")
