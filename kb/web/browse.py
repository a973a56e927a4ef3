"""Browsing without a query: every facet's values with document counts, each a link to the results."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from kb.web.auth import editors_only
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


#: Translation gaps listed per page of the editors' overview.
GAPS_PER_PAGE = 100


@bp.route("/editors")
@editors_only
def editors():
    """What needs an editor's attention: translation gaps, documents with warnings, recent changes."""
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    view = service().editors(page=page, per_page=GAPS_PER_PAGE)
    pages = max(1, -(-view.gap_count // GAPS_PER_PAGE))
    if page > pages:
        page = pages
        view = service().editors(page=page, per_page=GAPS_PER_PAGE)
    return render_template("editors.html", view=view, page=page, pages=pages)


@bp.app_context_processor
def facet_helpers() -> dict:
    return {"all_facets": FACETS, "facet_value": value_label}
