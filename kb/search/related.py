"""Documents like this one, computed from a searcher: Whoosh ``more_like`` within each translation's field.

Pages no longer run this: the build stores the same lists (``indexer.generation.related``) and
``kb.search.catalogue`` reads them. It stays as the reference the stored lists are
tested against (with a plain BM25F searcher, as the build scores).
"""

from __future__ import annotations

from whoosh.searching import Searcher

from indexer.text.analysis import field_language
from kb.search.results import family_member, prefer


def related(searcher: Searcher, doc_id: str, langs: list[str] | None = None, limit: int = 5) -> list[dict]:
    """Documents like ``doc_id``, one per translation family.

    Each translation of the document is compared within its own language's field and
    the rankings are fused; each related family is then shown in the first of
    ``langs`` it exists in, else in the language that matched best.
    """
    stored = searcher.document(id=doc_id)
    if not stored:
        return []
    key = stored.get("translation_key")
    members = [stored] + [d for d in (searcher.documents(translation_key=key) if key else []) if d["id"] != doc_id]
    own = {m["id"] for m in members} | ({key} if key else set())
    fused: dict[str, float] = {}
    best: dict[str, dict] = {}
    for member in members:
        docnum = searcher.document_number(id=member["id"])
        text = member.get("text") or ""
        if docnum is None or not text.strip():
            continue
        fieldname = f"body_{field_language(member.get('lang'))}"
        hits = searcher.more_like(docnum, fieldname, text=text, top=limit * 3, numterms=20)
        for rank, hit in enumerate(hits):
            other = hit.fields()
            group = other.get("translation_key") or other["id"]
            if other["id"] in own or group in own:
                continue
            fused[group] = fused.get(group, 0.0) + 1.0 / (10 + rank)
            best.setdefault(group, other)
    chosen = []
    for group in sorted(fused, key=lambda g: -fused[g])[:limit]:
        candidates = [family_member(d) for d in searcher.documents(translation_key=group)] or [
            family_member(best[group])
        ]
        chosen.append(prefer(candidates, langs or [], fallback=best[group]["id"]))
    return chosen
