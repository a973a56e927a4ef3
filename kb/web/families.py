"""Translation families: the translations of one document shown as one entry.

A result list may hold a Hungarian original and its English and Czech translations.
The reader sees one entry, in the language they read best, with "also in: CS · EN"
links to the others. This module only groups; the search service does the searching.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Family:
    """One entry of a result list: the document shown and its other translations."""

    primary: Any  # a kb.search.Hit or a document dict: whatever the list held
    key: str | None = None
    matched: list[Any] = field(default_factory=list)  # other members that were in the list too
    translations: list[dict] = field(default_factory=list)  # every other member in the knowledge base

    @property
    def also_in(self) -> list[str]:
        return [t["lang"] for t in self.translations]


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def preference_rank(lang: str | None, prefer: Sequence[str]) -> int:
    """0 for the reader's first language, 1 for the second ... and len(prefer) for the rest."""
    return prefer.index(lang) if lang in prefer else len(prefer)


def group(items: Sequence[Any], keys: dict[str, str | None], prefer: Sequence[str]) -> list[Family]:
    """Group ``items`` (hits or documents, best first) by translation key.

    A family takes the place of its best-ranked member, so grouping never reorders
    the ranking; the member shown is the one in the reader's most preferred language
    among those in the list (the best-ranked one when none is).
    """
    families: list[Family] = []
    by_key: dict[str, Family] = {}
    for item in items:
        doc_id = _get(item, "id")
        key = keys.get(doc_id)
        if key and key in by_key:
            by_key[key].matched.append(item)
            continue
        family = Family(primary=item, key=key)
        families.append(family)
        if key:
            by_key[key] = family
    for family in families:
        if family.matched:
            candidates = [family.primary, *family.matched]
            best = min(candidates, key=lambda c: preference_rank(_get(c, "lang"), prefer))  # stable: ties keep rank
            family.matched = [c for c in candidates if c is not best]
            family.primary = best
    return families


def add_translations(families: Sequence[Family], members: Callable[[str], list[dict]], prefer: Sequence[str]) -> None:
    """Fill in each family's other translations (``members(key)`` lists a family), preferred languages first.

    Separate from ``group`` so that only the entries on the page shown are looked up.
    """
    for family in families:
        if family.key:
            others = [m for m in members(family.key) if m["id"] != _get(family.primary, "id")]
            family.translations = sorted(others, key=lambda m: (preference_rank(m["lang"], prefer), m["lang"]))
