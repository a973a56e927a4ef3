"""``/editors/searches``: what readers look for and do not find; and ``/go``, where a result link's
``ping`` says which result was opened.

Why ``ping`` and not a redirect in ``href``: the address a reader copies, bookmarks or shares stays
the document's own, and no script is needed (browsers send the ping themselves; Firefox does not by
default, so its readers' opens are not counted). ``GET /go`` redirects too, for a client that
follows it as a link; it only ever redirects to ``/doc/<id>`` on this site, built here, never to
an address taken from the request. Documents on the editors' page come from :func:`service`: the
reader's own audience, whatever the store holds.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from kb.analytics import hints, store
from kb.analytics import report as reports
from kb.web import recording
from kb.web.auth import editors_only
from kb.web.http import unsafe_path
from kb.web.site import service

bp = Blueprint("searches", __name__)

#: Queries without results that get hints (each costs a few searches).
HINTED = 10


@bp.route("/go", methods=["GET", "POST"])
def go():
    """``e``: the signed search event, ``p``: the position, ``d``: the document id, ``a``: its anchor."""
    event = recording.read_event(request.args.get("e", ""))
    doc_id, anchor = request.args.get("d", ""), request.args.get("a", "")[:300]
    position = request.args.get("p", type=int)
    if event is None or not doc_id or unsafe_path(doc_id) or position is None or not 0 < position <= 10_000:
        abort(404)
    recording.record_open(event, position, doc_id)
    if request.method == "POST":  # the ping: nothing to answer
        return "", 204
    fragment = f"#{anchor}" if anchor else ""
    return redirect(url_for("site.document", doc_id=doc_id) + fragment, code=302)


def since_arg() -> date | None:
    try:
        return date.fromisoformat(request.args.get("since", ""))
    except ValueError:
        return None


def current_report() -> reports.Report:
    config = current_app.config["KB"]
    since = since_arg()
    data = store.load(config.analytics_dir, since) if config.analytics_dir.is_dir() else store.Data()
    report = reports.build(data, min_days=config.analytics_min_days, since=since)
    # Opened documents only as this reader may see them: the store keeps ids of any document.
    visible = service().documents_by_id([doc for doc, _ in report.opened])
    report.opened = [(doc, n) for doc, n in report.opened if doc in visible]
    return report


@bp.route("/editors/searches")
@editors_only
def page():
    report = current_report()
    helped = {}
    for lang, found in report.empty.items():
        for query, _count in found[:HINTED]:
            helped[(lang, query)] = hints.hints(service(), query, lang)
    peak = max((n for _, n in report.weeks), default=0)
    return render_template("searches.html", report=report, hints=helped, peak=peak, since=since_arg())


@bp.route("/editors/searches.json")
@editors_only
def as_json():
    return current_report().as_json()


@bp.route("/editors/searches.csv")
@editors_only
def as_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "key", "value", "count"))
    writer.writerows(reports.csv_rows(current_report()))
    return current_app.response_class(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=searches.csv"},
    )
