"""What changed between two versions of a document: front matter, sections and words.

Pure functions over parsed and rendered documents (indexer.documents.load/render), for
the version pages, and a cheap count over the Markdown for the document page and feeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.documents.model import Document
from kb.search.worddiff import Change, counts, diff_words

#: The front-matter fields a version page compares, as the reader knows them.
FIELDS = (
    "title",
    "type",
    "lang",
    "date",
    "tags",
    "summary",
    "organisation",
    "region",
    "source",
    "attachments",
    "translation_key",
)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


@dataclass
class Comparison:
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, before, after)
    added: list[str] = field(default_factory=list)  # headings of sections added
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[Change]]] = field(default_factory=list)  # (heading, word changes)
    words: tuple[int, int] = (0, 0)  # inserted, deleted

    @property
    def sections(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def compare(old: Document | None, new: Document) -> Comparison:
    """``new`` against ``old`` (None: the first version, everything is added)."""
    result = Comparison()
    old_sections = _by_heading(old.sections) if old else {}
    new_sections = _by_heading(new.sections)
    if old is not None:
        for name in FIELDS:
            before, after = _shown(getattr(old, name, None)), _shown(getattr(new, name, None))
            if before != after:
                result.fields.append((name, before, after))
    result.added = [h for h in new_sections if h not in old_sections]
    result.removed = [h for h in old_sections if h not in new_sections]
    inserted = deleted = 0
    for heading, text in new_sections.items():
        if heading in old_sections and old_sections[heading] != text:
            changes = diff_words(old_sections[heading], text)
            result.changed.append((heading, changes))
            plus, minus = counts(changes)
            inserted, deleted = inserted + plus, deleted + minus
    for heading in result.added:
        inserted += len(new_sections[heading].split())
    for heading in result.removed:
        deleted += len(old_sections[heading].split())
    result.words = (inserted, deleted)
    return result


def _by_heading(sections: list) -> dict[str, str]:
    """Section text by heading (a repeated heading gets its number, so it is not lost)."""
    found: dict[str, str] = {}
    for section in sections:
        name = section.heading or ""
        key, n = name, 1
        while key in found:
            n += 1
            key = f"{name} ({n})"
        found[key] = section.text
    return found


def markdown_sections(text: str) -> dict[str, str]:
    """The Markdown body cut at its headings (no rendering): heading -> text, for counting."""
    found: dict[str, str] = {}
    starts = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    bounds = [(0, "")] + starts
    for i, (start, heading) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        chunk = text[start:end]
        key, n = heading, 1
        while key in found:
            n += 1
            key = f"{heading} ({n})"
        found[key] = chunk
    return found


def summary(old: str | None, new: str) -> dict:
    """``{"sections", "words": (inserted, deleted), "details"}`` of the raw files ``old`` -> ``new``;
    ``details``: the front matter changed (counted apart from the sections)."""
    old_front, old_body = _split(old or "")
    new_front, new_body = _split(new)
    a, b = markdown_sections(old_body) if old is not None else {}, markdown_sections(new_body)
    changed = [h for h in b if a.get(h) != b[h] and (h or b[h].strip())] + [h for h in a if h not in b]
    plus, minus = counts(diff_words(old_body, new_body)) if old is not None else (len(new_body.split()), 0)
    return {"sections": len(changed), "words": (plus, minus), "details": old is not None and old_front != new_front}


def _split(text: str) -> tuple[str, str]:
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end > 0:
            return text[:end], text[end + 4 :]
    return "", text
