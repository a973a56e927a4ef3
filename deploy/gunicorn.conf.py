"""gunicorn settings for one replica of the knowledge base: ``gunicorn -c deploy/gunicorn.conf.py kb.wsgi:app``.

Run two or more replicas (this file with a different ``--bind`` each, on one host
or several) behind haproxy (``deploy/haproxy.cfg``); all of them read the same
index folder (``KB_INDEX_DIR``). Command-line options override these values.
"""

import os

bind = os.environ.get("KB_BIND", "127.0.0.1:8001")
# Sync workers: each is a process with one open searcher; one or two per core.
worker_class = "sync"
workers = int(os.environ.get("KB_WEB_WORKERS", "2"))
# Each worker opens the index itself (kb/wsgi.py), so a new worker never shares a parent's file handles.
preload_app = False
# A search takes milliseconds; a worker stuck for 30 s is killed and replaced.
timeout = 30
graceful_timeout = 20
keepalive = 5  # haproxy keeps connections to the replicas open
# The site refuses query strings over 16 KB itself (414); gunicorn's own limit on the request line.
limit_request_line = 8190
# gunicorn believes these headers from forwarded_allow_ips (127.0.0.1: haproxy). Only the one haproxy
# sets itself, after removing the client's (deploy/haproxy.cfg), decides the scheme: by default
# X-Forwarded-Ssl and X-Forwarded-Protocol would too. And no header sets SCRIPT_NAME (the default
# lets one, which would put a client's prefix into every address the site writes).
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarder_headers = ""
# The app logs one line per request (kb.request); gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
# Recycle workers now and then: bounded memory growth, staggered so they never restart together.
max_requests = 5000
max_requests_jitter = 500


# An answer's headers and body are two writes. Sent at once, the headers wake haproxy, which may
# run before this worker writes the body; a replica killed in that gap leaves haproxy with half an
# answer it can no longer retry elsewhere. Corked (Linux), the kernel sends both together.
def pre_request(worker, req):
    _cork(req, True)


def post_request(worker, req, environ, resp):
    _cork(req, False)


def _cork(req, on):
    import socket

    sock = getattr(getattr(req, "unreader", None), "sock", None)  # gunicorn's SocketUnreader
    if sock is not None and hasattr(socket, "TCP_CORK"):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, int(on))
        except OSError:
            pass  # the client is gone


# A worker stopping gracefully (SIGTERM, max_requests recycling, a reload) writes the searches its
# analytics thread still holds (kb/analytics/store.py); atexit would too, this says it explicitly.
def worker_exit(server, worker):
    from kb.analytics.store import close_all

    close_all()
