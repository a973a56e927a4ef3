"""Tagging documents with the glossary's concepts they hold (the ``concepts`` field)."""

from __future__ import annotations


class Tagger:
    """Which concepts a document holds: a label's words at consecutive positions of its text
    (one word may stand between, as stop words are dropped), in any indexed form.

    Done at indexing time, so a query reaches every document holding any label of a
    concept through one term (``concepts:<id>``) instead of a phrase per label.
    """

    def __init__(self, compiled: dict):
        # language -> first-word form -> [(concept, forms of the following words)]
        self._first: dict[str, dict[str, list[tuple[str, tuple[frozenset[str], ...]]]]] = {}
        for item in compiled.get("concepts", []):
            for lang, labels in item.get("forms", {}).items():
                first = self._first.setdefault(lang, {})
                for words in labels:
                    if not words:
                        continue
                    rest = tuple(frozenset(forms) for forms in words[1:])
                    for form in words[0]:
                        first.setdefault(form, []).append((item["id"], rest))

    def concepts(self, positions: dict[str, list[int]], lang: str) -> set[str]:
        """The concepts whose labels in ``lang`` a text holds, given its term -> positions."""
        first = self._first.get(lang)
        if not first:
            return set()
        found: set[str] = set()
        for term in first.keys() & positions.keys():
            for concept, rest in first[term]:
                if concept in found:
                    continue
                ends = set(positions[term])
                for forms in rest:
                    following = {p for form in forms for p in positions.get(form, ())}
                    ends = {p for p in following if p - 1 in ends or p - 2 in ends}
                    if not ends:
                        break
                if ends:
                    found.add(concept)
        return found


def tagger_for(compiled: dict | None) -> Tagger | None:
    """The tagger of a compiled glossary (:func:`indexer.glossary.compiled.read_compiled`); None: no concepts."""
    return Tagger(compiled) if compiled else None
