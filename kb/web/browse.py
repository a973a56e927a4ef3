"""Browsing without a query: every facet's values with document counts, each a link to the results."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from kb.web.facets import BY_SLUG, FACETS, value_label
from kb.web.site import service

bp = Blueprint("browse", __name__)

#: How many values of each facet the overview shows before "all ...".
OVERVIEW_VALUES = 8


@bp.route("/browse")
def overview():
    counts = service().browse_counts()
    sections = [(facet, counts.get(facet.field, {})) for facet in FACETS]
    return render_template("browse.html", sections=sections, overview_values=OVERVIEW_VALUES, facet=None)


@bp.route("/browse/<slug>")
def facet(slug: str):
    chosen = BY_SLUG.get(slug)
    if chosen is None:
        abort(404)
    counts = service().browse_counts((chosen.field,))
    return render_template(
        "browse.html", sections=[(chosen, counts.get(chosen.field, {}))], overview_values=None, facet=chosen
    )


def all_documents() -> list[dict]:
    """Every document's stored metadata, page by page through the search service."""
    svc = service()
    docs: list[dict] = []
    page = 1
    while True:
        total, chosen = svc.documents(page=page, limit=100)
        docs.extend(chosen)
        if not chosen or len(docs) >= total:
            return docs
        page += 1


@bp.route("/editors")
def editors():
    """What needs an editor's attention: translation gaps, documents with warnings, recent changes."""
    docs = all_documents()
    present = service().languages()
    by_family: dict[str, list[dict]] = {}
    for doc in docs:
        by_family.setdefault(doc.get("translation_key") or doc["id"], []).append(doc)
    gaps = []
    for members in by_family.values():
        have = {m["lang"] for m in members}
        missing = [lang for lang in present if lang not in have]
        if missing:
            gaps.append((sorted(members, key=lambda m: m["lang"]), missing))
    gaps.sort(key=lambda gap: gap[0][0]["title"].lower())
    with_warnings = [d for d in docs if d.get("warnings")]
    changed = sorted(docs, key=lambda d: -(d.get("mtime") or 0.0))[:10]
    return render_template("editors.html", gaps=gaps, with_warnings=with_warnings, changed=changed, total=len(docs))


@bp.app_context_processor
def facet_helpers() -> dict:
    return {"all_facets": FACETS, "facet_value": value_label}
