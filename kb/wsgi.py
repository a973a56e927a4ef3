"""The WSGI entry point for production servers: ``gunicorn 'kb.wsgi:app'``.

Configuration comes from the environment (``KB_INDEX_DIR``, ``KB_CONTENT_DIR``,
``KB_SECRET_KEY``); the index is built by ``kb index``, never by a web worker.
Lemma dictionaries are read in their compact form: a worker analyses only query
words, and the in-memory dictionaries would cost ~250 MB in every worker.
"""

from __future__ import annotations

import logging
import os

from indexer.analysis import use_compact_dictionaries
from indexer.storage import IndexUnavailable
from kb.web import create_app

logging.basicConfig(level=os.environ.get("KB_LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(message)s")
use_compact_dictionaries()
app = create_app()

try:  # each worker opens the index and loads its dictionaries before its first request
    app.extensions["kb_search"].open()
except IndexUnavailable:
    logging.getLogger("kb").warning("no usable index yet: pages show the maintenance message until 'kb index' runs")
