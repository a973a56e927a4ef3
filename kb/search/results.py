"""What a search returns, and the stored documents as pages and the API want them."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field


@dataclass
class Via:
    """How a result was reached when not by the query's own words (a glossary concept)."""

    concept: str
    label: str  # the concept's label as the document holds it
    query_label: str = ""  # the label the query matched


@dataclass
class Hit:
    id: str
    title: str
    lang: str
    type: str
    date: str | None
    url: str
    snippet: str
    score: float
    anchor: str = ""
    section: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    via: list[Via] = field(default_factory=list)
    translation_key: str | None = None
    docnum: int = -1  # in the reader that found it (``reader``)
    reader: object = field(default=None, repr=False, compare=False)
    complete: bool = False  # title, summary, tags and snippet filled in (see SearchService.complete)
    # What a snippet is made from, until it is made (see snippets.fill_snippet).
    stored: dict | None = field(default=None, repr=False, compare=False)
    words: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "lang": self.lang,
            "type": self.type,
            "date": self.date,
            "url": self.url,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "section": self.section,
            "tags": self.tags,
            "via": [{"concept": v.concept, "label": v.label} for v in self.via],
        }


@dataclass
class SearchResult:
    query: str
    total: int = 0
    took_ms: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    limit: int = 10
    relaxed: bool = False  # no document has every word: these match some of them
    fuzzy: bool = False  # some words matched near spellings
    suggestion: str | None = None  # "Did you mean ..."
    message: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    def as_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "page": self.page,
            "limit": self.limit,
            "relaxed": self.relaxed,
            "fuzzy": self.fuzzy,
            "suggestion": self.suggestion,
            "message": self.message,
            "results": [h.as_json() for h in self.hits],
            "facets": self.facets,
        }


def doc_url(doc_id: str, anchor: str = "") -> str:
    return f"/doc/{doc_id}" + (f"#{anchor}" if anchor else "")


def text_of(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def decode_stored(stored: dict) -> dict:
    """Stored fields with JSON parts decoded, as the templates and the API want them."""
    doc = dict(stored)
    doc["tags"] = split_tags(doc.get("tags", ""))
    for name in ("sections", "attachments", "warnings"):
        try:
            doc[name] = json.loads(doc.get(name) or "[]")
        except ValueError:
            doc[name] = []
    doc.setdefault("date", None)
    doc["url"] = doc_url(doc["id"])
    return doc


def family_member(stored: dict) -> dict:
    """The light part of a stored document: enough to list and link it."""
    keep = ("id", "title", "lang", "type", "date", "year", "summary", "translation_key", "organisation", "region")
    member = {k: stored.get(k) for k in keep}
    member["tags"] = split_tags(stored.get("tags", ""))
    member["url"] = doc_url(stored["id"])
    return member


def prefer(candidates: list[dict], langs: list[str], fallback: str) -> dict:
    """The candidate in the most preferred language, else the one with id ``fallback``."""
    for lang in langs:
        for candidate in candidates:
            if candidate["lang"] == lang:
                return candidate
    return next((c for c in candidates if c["id"] == fallback), candidates[0])
