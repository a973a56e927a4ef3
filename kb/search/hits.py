"""A hit as the service makes it: from the index's columns first, its stored document later."""

from __future__ import annotations

from indexer.text.analysis import field_language
from kb.search import glossary as glossary_search
from kb.search import plan as plans
from kb.search.results import Hit, Via, doc_url, split_tags, text_of


def via_of(plan: plans.Plan, pairs: list[tuple[int, int]], glossary=None, lang: str = "") -> list[Via]:
    """What a hit found through the glossary was found through (clause, alternative) -> Via;
    the label is the concept's in the document's language, which the document holds."""
    found = []
    for clause, alternative in pairs:
        alt = plan.clauses[clause].alternatives[alternative]
        label = (glossary_search.label_in(glossary, alt.concept, lang) if glossary else None) or alt.label
        via = Via(concept=alt.concept, label=label, query_label=alt.query_label)
        if via not in found:  # a concept of two words is an alternative of both their clauses
            found.append(via)
    return found


def light_hit(columns: dict, score: float, docnum: int, terms: set, via: list[Via]) -> Hit:
    """A hit from the index's columns alone (no stored document read): enough to rank and group."""
    lang = columns["lang"][docnum] or "xx"
    field_lang = field_language(lang)
    wanted = (f"body_{field_lang}", f"head_{field_lang}")
    doc_id = columns["id"][docnum]
    return Hit(
        id=doc_id,
        title=doc_id,
        lang=lang,
        type=columns["type"][docnum],
        date=columns["date"][docnum] or None,
        url=doc_url(doc_id),
        snippet="",
        score=float(score or 0.0),
        via=via,
        translation_key=columns["translation_key"][docnum] or None,
        docnum=docnum,
        words=frozenset(text_of(text) for fieldname, text in terms if fieldname in wanted),
    )


def fill_stored(hit: Hit, stored: dict) -> None:
    hit.title = stored.get("title", hit.id)
    hit.summary = stored.get("summary", "")
    hit.tags = split_tags(stored.get("tags", ""))
    hit.stored = stored
    hit.complete = True
