"""Who may read a document, as one string the index and the catalogue store: its *audience*.

``""`` is public. Otherwise the value is the document's groups, sorted and space-separated
(``"partners staff"``), with ``@draft`` first for a draft (``"@draft"``, ``"@draft staff"``).
The search side (:mod:`kb.search.audience`) decides from this value alone whether a reader
sees a document, so a new kind of restriction is added here and there, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC = ""
DRAFT = "@draft"


def audience_value(draft: bool, groups: Iterable[str]) -> str:
    """The stored audience of a document: drafts first, then its groups (none: public)."""
    parts = sorted(set(groups))
    return " ".join(([DRAFT] if draft else []) + parts)


def audience_parts(value: str | None) -> tuple[bool, frozenset[str]]:
    """``(is a draft, its groups)`` of a stored audience (an old index without one: public)."""
    tokens = (value or "").split()
    return DRAFT in tokens, frozenset(t for t in tokens if t != DRAFT)
