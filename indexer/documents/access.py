"""Who may read a document, as one string the index and the catalogue store: its *audience*.

``""`` is public. Otherwise the value is the document's groups, sorted and space-separated
(``"partners staff"``), with ``@draft`` first for a draft (``"@draft"``, ``"@draft staff"``).
The search side (:mod:`kb.search.audience`) decides from this value alone whether a reader
sees a document, so a new kind of restriction is added here and there, and nowhere else.

Where a document's groups come from (the build side): its front matter's ``access:``
(:func:`parse_groups`), else the first of kb.toml's ``[[access.rules]]`` whose glob matches
its path (:class:`AccessRules`), else public. ``kb index`` reports the result as
:class:`AudienceCounts`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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


# -- group names, as front matter and kb.toml write them -------------------------------------

#: What a group name may hold: it travels in a header (``X-Forwarded-Groups``, comma-separated)
#: and in the stored audience (space-separated), so neither separator, nor ``@`` (``@draft``).
GROUP_NAME = re.compile(r"[A-Za-z0-9_-]+")
#: The word that means "no groups" where a list of groups is expected.
PUBLIC_WORD = "public"


class AccessError(ValueError):
    """A value that is not ``public``, a group name or a list of them; the message says why."""


def group_name(value: object) -> str:
    """One group name, stripped (kept as written: groups are compared as the sign-in gives them)."""
    if not isinstance(value, str):
        raise AccessError(f"a group name is text, not {_shown(value)}")
    name = value.strip()
    if not name:
        raise AccessError("a group name is empty")
    if name == PUBLIC_WORD:
        raise AccessError("'public' cannot be a group name; write 'public' alone for a public document")
    if not GROUP_NAME.fullmatch(name):
        raise AccessError(f"group name '{name}' may only hold letters, digits, '-' and '_'")
    return name


def parse_groups(value: object) -> tuple[str, ...]:
    """``public`` -> ``()``; a group name or a list of them -> the names, each once, in order.

    :class:`AccessError` for anything else (an empty list: public or no one? the writer says).
    """
    if isinstance(value, str) and value.strip() == PUBLIC_WORD:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise AccessError(f"expected 'public' or a list of group names such as [staff], got {_shown(value)}")
    if not items:
        raise AccessError("an empty list: write 'public', or name the groups such as [staff]")
    if len(items) == 1 and isinstance(items[0], str) and items[0].strip() == PUBLIC_WORD:
        return ()
    return tuple(dict.fromkeys(group_name(item) for item in items))


def _shown(value: object) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- rules: a folder's default audience (kb.toml [[access.rules]]) ----------------------------


@dataclass(frozen=True)
class AccessRule:
    """``path = "internal/**"``, ``groups = ["staff"]`` (``()``: public)."""

    path: str
    groups: tuple[str, ...] = ()

    def matches(self, doc_id: str) -> bool:
        """Whether the glob matches the document's id (``internal/a``) or its file (``internal/a.md``)."""
        pattern = _compiled(self.path)
        return bool(pattern.fullmatch(doc_id) or pattern.fullmatch(doc_id + ".md"))


@dataclass(frozen=True)
class AccessRules:
    """The groups a site knows and its rules, in kb.toml's order: the first rule that matches wins."""

    groups: tuple[str, ...] = ()
    rules: tuple[AccessRule, ...] = ()

    def default_for(self, doc_id: str) -> tuple[str, ...] | None:
        """The groups of the first rule matching ``doc_id`` (``()``: public), None when none matches."""
        for rule in self.rules:
            if rule.matches(doc_id):
                return rule.groups
        return None

    def resolve(self, doc_id: str, own: tuple[str, ...] | None) -> tuple[str, ...]:
        """A document's groups: its own ``access:`` when it has one, else its rule's, else public."""
        if own is not None:
            return own
        return self.default_for(doc_id) or ()

    def stamp(self) -> list[list]:
        """The rules as plain data, stored with the index: a build compares it with its own rules
        to find the documents whose default changed (their bytes did not)."""
        return [[rule.path, list(rule.groups)] for rule in self.rules]

    @classmethod
    def from_stamp(cls, stamp: object) -> AccessRules:
        """The rules a :meth:`stamp` describes (anything unreadable: no rules)."""
        try:
            return cls(rules=tuple(AccessRule(str(path), tuple(groups)) for path, groups in stamp))
        except (TypeError, ValueError):
            return cls()


NO_RULES = AccessRules()


def clean_glob(pattern: str) -> str:
    """A rule's path as matched: relative to the content folder (a leading ``/`` or ``./`` dropped),
    a trailing ``/`` meaning everything under the folder."""
    text = pattern.strip()
    while text.startswith(("./", "/")):
        text = text[2:] if text.startswith("./") else text[1:]
    return text + "**" if text.endswith("/") else text


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``*`` and ``?`` stay within a folder; ``**`` crosses folders (``a/**/b`` also matches ``a/b``)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)


# -- what an index holds, for kb index's summary ----------------------------------------------


@dataclass
class AudienceCounts:
    """Documents per stored audience value, and what an editor is told of them."""

    by_value: Mapping[str, int] = field(default_factory=dict)

    @property
    def drafts(self) -> int:
        """Drafts: indexed, served to no reader but the preview."""
        return sum(n for value, n in self.by_value.items() if audience_parts(value)[0])

    @property
    def restricted(self) -> int:
        """Published documents (not drafts) only some groups may read."""
        return sum(n for value, n in self.by_value.items() if value and not audience_parts(value)[0])

    @property
    def per_group(self) -> Counter[str]:
        """Group -> published documents restricted to it (a document of two groups counts in both)."""
        found: Counter[str] = Counter()
        for value, n in self.by_value.items():
            draft, groups = audience_parts(value)
            if not draft:
                found.update(dict.fromkeys(groups, n))
        return found

    def line(self) -> str:
        """``2 drafts (not published), 3 documents for groups: staff 2, partners 1``; "" when all are public."""
        parts = []
        if self.drafts:
            parts.append(f"{self.drafts} draft{'s' if self.drafts != 1 else ''} (not published)")
        if self.restricted:
            groups = ", ".join(f"{g} {n}" for g, n in sorted(self.per_group.items(), key=lambda i: (-i[1], i[0])))
            parts.append(f"{self.restricted} document{'s' if self.restricted != 1 else ''} for groups: {groups}")
        return ", ".join(parts)
