"""The glossary pages: every concept with its labels per language, and one concept with its documents."""

from __future__ import annotations

import math

from flask import Blueprint, abort, render_template, request

from kb.search import LANGUAGES, fold
from kb.search.glossary import Concept, Glossary
from kb.web.i18n import reader_languages, ui_language
from kb.web.site import int_arg, service

bp = Blueprint("glossary", __name__)

PAGE_SIZE = 100
#: EuroVoc's page of one descriptor (the number after ``eurovoc-`` in our ids).
EUROVOC_URL = "http://eurovoc.europa.eu/{}"


def language_order(langs: list[str]) -> list[str]:
    """The reader's languages first, then the glossary's others in their usual order."""
    first = [lang for lang in langs if lang in LANGUAGES]
    return list(dict.fromkeys(first + list(LANGUAGES)))


def _matches(concept: Concept, needle: str, lang: str | None) -> bool:
    if lang and not concept.labels.get(lang):
        return False
    if not needle:
        return True
    chosen = [concept.labels.get(lang, [])] if lang else concept.labels.values()
    return any(needle in fold(text.lower()) for labels in chosen for text in labels)


def _sort_key(concept: Concept, order: list[str]) -> tuple:
    rank = next((i for i, lang in enumerate(order) if concept.labels.get(lang)), len(order))
    lang, label = concept.preferred(order)
    return (rank, fold(label.lower()), concept.id)


@bp.route("/glossary")
def index():
    glossary: Glossary = service().glossary()
    q = " ".join(request.args.get("q", "").split())[:100]
    lang = request.args.get("lang") or None
    if lang not in LANGUAGES:
        lang = None
    order = language_order(([lang] if lang else []) + reader_languages())
    needle = fold(q.lower())
    chosen = sorted(
        (c for c in glossary.concepts.values() if _matches(c, needle, lang)), key=lambda c: _sort_key(c, order)
    )
    pages = max(1, math.ceil(len(chosen) / PAGE_SIZE))
    page = min(max(1, int_arg("page", 1)), pages)
    shown = chosen[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return render_template(
        "glossary.html",
        concepts=shown,
        total=len(chosen),
        all_count=len(glossary),
        q=q,
        lang=lang,
        order=order,
        page=page,
        pages=pages,
        has_eurovoc=any(c.source == "eurovoc" for c in glossary.concepts.values()),
    )


@bp.route("/glossary/<concept_id>")
def concept(concept_id: str):
    svc = service()
    found = svc.glossary().concepts.get(concept_id)
    if found is None:
        abort(404)
    order = language_order(reader_languages())
    note_lang = next((lang for lang in order if found.note.get(lang)), next(iter(found.note), None))
    eurovoc_url = EUROVOC_URL.format(concept_id.removeprefix("eurovoc-")) if found.source == "eurovoc" else None
    return render_template(
        "concept.html",
        concept=found,
        title_lang=found.preferred(order)[0],
        order=[lang for lang in order if found.labels.get(lang)],
        note_lang=note_lang,
        eurovoc_url=eurovoc_url,
        documents=svc.concept_documents(concept_id, limit=50),
        ui=ui_language(),
    )
