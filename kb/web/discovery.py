"""How crawlers and browsers find the site: ``/sitemap.xml``, ``/robots.txt``, ``/opensearch.xml``,
and the "edit this page" link to the content repository (``site.edit_uri``). Their absolute
addresses start with ``site.url`` when it is set (:mod:`kb.web.urls`)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, current_app, render_template, request

from kb.search.audience import ANONYMOUS
from kb.web.site import engine
from kb.web.urls import absolute_url

bp = Blueprint("discovery", __name__)

XML = "application/xml; charset=utf-8"


@bp.route("/sitemap.xml")
def sitemap():
    # For crawlers: the public pages only, whoever asks (a sitemap is not a reader's list).
    documents, families = engine().documents_and_families(audience=ANONYMOUS)
    # A family of one has no alternates to name (a translation_key no other document shares).
    family_of = {
        doc: sorted(members, key=lambda m: m[1]) for members in families if len(members) > 1 for doc in members
    }
    updates = current_app.extensions["kb_updates"]
    entries = []
    for doc_id, lang in documents:
        history = updates.for_document({"id": doc_id}) or {}
        entries.append(
            {
                "loc": absolute_url("site.document", doc_id=doc_id),
                "lastmod": (history.get("updated") or "")[:10],
                "alternates": [
                    (member_lang, absolute_url("site.document", doc_id=member_id))
                    for member_id, member_lang in family_of.get((doc_id, lang), [])
                    if member_lang
                ],
            }
        )
    body = render_template("sitemap.xml", home=absolute_url("site.home"), entries=entries)
    return current_app.response_class(body, mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        "Disallow: /search",  # endless combinations of filters: the sitemap lists every page worth indexing
        "Disallow: /api/",
        "Disallow: /language/",
        "",
        f"Sitemap: {absolute_url('discovery.sitemap')}",
        "",
    ]
    return current_app.response_class("\n".join(lines), mimetype="text/plain")


@bp.route("/opensearch.xml")
def opensearch():
    body = render_template(
        "opensearch.xml",
        search_url=absolute_url("site.search"),
        icon=absolute_url("static", filename="favicon.svg"),
        language=request.accept_languages.best or "*",
    )
    return current_app.response_class(body, mimetype="application/opensearchdescription+xml")


def edit_url(doc: dict) -> str | None:
    """The content repository's edit page for ``doc`` when ``site.edit_uri`` is set (MkDocs' model)."""
    base = current_app.config["KB"].edit_uri
    if not base:
        return None
    path = doc.get("path") or f"{doc['id']}.md"
    return base + ("" if base.endswith("/") else "/") + quote(path)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(edit_url)
    app.add_template_global(absolute_url)
