"""Absolute URLs (feeds, sitemap, robots.txt, OpenSearch, Atom ids) start with ``site.url`` when it is set.

Without it they start with the request's own address, which the client chooses: any
``Host`` header, and a scheme a proxy may have taken from the client's
``X-Forwarded-Proto``. So a production site sets ``site.url``, and nothing cached is
ever kept per address (:mod:`kb.web.feeds` keeps one body with a placeholder root).
"""

from __future__ import annotations

from flask import current_app, request, url_for


def site_root() -> str:
    """The site's address without a trailing slash: ``site.url``, else this request's scheme, host and prefix."""
    return (current_app.config["KB"].site_url or request.url_root).rstrip("/")


def absolute_url(endpoint: str, *, root: str | None = None, **values) -> str:
    """The absolute address of ``endpoint`` under ``root`` (default :func:`site_root`).

    ``url_for`` gives the path with the request's script root (a prefix the proxy passed);
    ``site.url`` names the prefix itself, so that part is replaced, not repeated.
    """
    path = url_for(endpoint, **values)
    prefix = request.script_root
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix) :]
    return (site_root() if root is None else root) + path
