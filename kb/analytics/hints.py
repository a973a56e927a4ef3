"""What might help a query that found nothing: the nearest documents (the search's own typo tolerance,
word by word), the glossary concept one of its words labels in another language, a ``kb new`` line."""

from __future__ import annotations

import re
import shlex

_WORDS = re.compile(r"[^\W\d_]+")


def hints(svc, query: str, qlang: str) -> dict:
    """What might help a query without results: near documents, a glossary label to add, a scaffold.

    ``svc`` is the search service as the editor sees it (:class:`kb.search.view.ReaderView`): the
    nearest documents are only ones they may see.
    """
    words = _WORDS.findall(query)
    near: dict[str, dict] = {}
    for text in [query, *words]:
        found = svc.search(text, limit=3, snippets=False)
        if not found.hits and found.suggestion:
            found = svc.search(found.suggestion, limit=3, snippets=False)
        for hit in found.hits:
            near.setdefault(hit.id, {"id": hit.id, "url": hit.url, "title": hit.title, "lang": hit.lang})
        if len(near) >= 3:
            break
    langs = [lang for lang in qlang.split(",") if lang and lang != "?"]
    labels = []
    for match in svc.glossary().match([w.lower() for w in words]):
        if langs and match.label.lang in langs:
            continue
        labels.append({"concept": match.concept, "label": match.label.text, "lang": match.label.lang})
    scaffold = "kb new --type guidance " + (f"--lang {langs[0]} " if len(langs) == 1 else "") + shlex.quote(query)
    titles = svc.documents_by_id(list(near)) if near else {}
    for doc_id, entry in near.items():
        entry["title"] = (titles.get(doc_id) or {}).get("title", entry["title"])
    return {"near": list(near.values())[:3], "labels": labels[:3], "scaffold": scaffold}
