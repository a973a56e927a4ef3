"""Autocomplete: completions of the last word typed, and matching titles."""

from __future__ import annotations

from whoosh import query as Q
from whoosh.searching import Searcher

from indexer.text.analysis import WORD_PATTERN, fold
from kb.search import typos
from kb.search.plan import clean
from kb.search.results import doc_url


def complete(searcher: Searcher, vocabularies: list[typos.Vocabulary], text: str, limit: int = 8) -> list[dict]:
    """Frequent index words that start like the last word (as documents spell them), then titles."""
    typed = WORD_PATTERN.findall(clean(text).lower())
    if not typed or len(typed[-1]) < 2:
        return []
    head = [fold(w) for w in typed[:-1]]
    last = fold(typed[-1])
    lead = text[: text.lower().rfind(typed[-1])] if typed[-1] in text.lower() else " ".join(typed[:-1]) + " "
    suggestions = []
    for word in typos.completions(vocabularies, last, max(1, limit // 2)):
        suggestions.append({"text": f"{lead}{word.spelled}".strip(), "kind": "term"})
    room = limit - len(suggestions)
    title_query = Q.And([Q.Term("suggest", w) for w in head] + [Q.Prefix("suggest", last)])
    for hit in searcher.search(title_query, limit=room) if room > 0 else ():
        suggestions.append({"text": hit["title"], "kind": "document", "url": doc_url(hit["id"])})
    return suggestions
