"""Autocomplete: completions of the last word typed, and matching titles."""

from __future__ import annotations

from whoosh import query as Q
from whoosh.searching import Searcher

from indexer.text.analysis import WORD_PATTERN, fold
from kb.search import typos
from kb.search.audience import PREVIEW
from kb.search.plan import clean, visible_candidates
from kb.search.results import doc_url
from kb.search.visibility import Visibility


def complete(
    searcher: Searcher,
    vocabularies: list[typos.Vocabulary],
    text: str,
    limit: int = 8,
    visible: Visibility | None = None,
) -> list[dict]:
    """Frequent index words that start like the last word (as documents spell them), then titles;
    only words and titles of documents the reader may see (``visible``; None: every document)."""
    visible = visible or Visibility(searcher, PREVIEW, None)
    typed = WORD_PATTERN.findall(clean(text).lower())
    if not typed or len(typed[-1]) < 2:
        return []
    head = [fold(w) for w in typed[:-1]]
    last = fold(typed[-1])
    lead = text[: text.lower().rfind(typed[-1])] if typed[-1] in text.lower() else " ".join(typed[:-1]) + " "
    suggestions = []
    wanted = max(1, limit // 2)
    words = typos.completions(vocabularies, last, wanted if visible.everything else wanted * 8)
    for word in visible_candidates(visible, words, wanted):
        suggestions.append({"text": f"{lead}{word.spelled}".strip(), "kind": "term"})
    room = limit - len(suggestions)
    title_query = Q.And([Q.Term("suggest", w) for w in head] + [Q.Prefix("suggest", last)])
    # Whoosh's mask= costs milliseconds a search (a set per segment); the hidden titles are few, so
    # a few more hits are asked for and those the reader may not see left out.
    hits = searcher.search(title_query, limit=room if visible.everything else room * 4) if room > 0 else ()
    for hit in [h for h in hits if visible.sees(h.docnum)][: max(room, 0)]:
        suggestions.append({"text": hit["title"], "kind": "document", "url": doc_url(hit["id"])})
    return suggestions
