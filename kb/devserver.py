"""``kb serve``'s HTTP server: werkzeug's threaded server, without the framework's banner.

Why werkzeug and not gunicorn here: ``kb serve`` is one editor's preview (and
``--watch`` runs its watcher thread in the same process), which a threaded
server does well and everywhere, Windows included. Production runs gunicorn
(``deploy/``). ``app.run`` would print Flask's and werkzeug's banners, including
a warning meant for someone deploying a Flask app; building the server with
``make_server`` prints nothing, so the one line below is all the user reads.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from flask import Flask
from werkzeug.serving import make_server


def serve(app: Flask, host: str, port: int, echo: Callable[[str], None] = print) -> None:
    """Serve ``app`` until Ctrl+C (a port in use: werkzeug explains and exits with status 1)."""
    server = make_server(host, port, app, threaded=True)
    # One line per request comes from kb.request (kb/web/http.py); werkzeug's own would repeat it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    shown = f"[{host}]" if ":" in host else host
    echo(f"Serving the knowledge base on http://{shown}:{server.server_port}/ (Ctrl+C to stop)")
    if threading.current_thread() is threading.main_thread():
        # A service manager's stop ends it as Ctrl+C does: atexit hooks run (the searches store writes what it holds).
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
