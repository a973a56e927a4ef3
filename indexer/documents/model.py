"""What a content file becomes: a validated document, or a problem that names its place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

#: The documented ``type`` vocabulary (content/README.md explains each).
DOC_TYPES: tuple[str, ...] = ("protocol", "forum", "presentation", "guidance", "article", "news")

REQUIRED_FIELDS: tuple[str, ...] = ("title", "type")
OPTIONAL_FIELDS: tuple[str, ...] = (
    "lang",
    "date",
    "tags",
    "translation_key",
    "summary",
    "organisation",
    "region",
    "source",
    "attachments",
    "draft",
    "access",
)
KNOWN_FIELDS: tuple[str, ...] = REQUIRED_FIELDS + OPTIONAL_FIELDS


@dataclass(frozen=True)
class Problem:
    """One mistake in one file: printed as ``path:line: severity: message``."""

    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class Section:
    """A heading-delimited part of a document, so search can deep-link into it."""

    anchor: str
    heading: str
    text: str
    lang: str | None = None  # set when the section is written in another language than its document


@dataclass
class Document:
    """A loaded, rendered document ready for language detection and indexing."""

    id: str
    path: str
    title: str
    type: str
    body: str  # Markdown source of the body
    html: str = ""  # sanitised HTML
    text: str = ""  # plain text of the body, for indexing and snippets
    sections: list[Section] = field(default_factory=list)
    lang: str | None = None
    lang_detected: bool = False
    lang_probability: float = 0.0
    date: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    translation_key: str | None = None
    summary: str = ""
    organisation: str = ""
    region: str = ""
    source: str = ""
    attachments: list[str] = field(default_factory=list)
    draft: bool = False  # kept off the published site (the preview shows it)
    access: tuple[str, ...] = ()  # the groups that may read it, after kb.toml's rules; () is public
    content_hash: str = ""
    mtime: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    field_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line
    body_line: int = 1  # line of the file where the body starts
    links: list = field(default_factory=list)  # indexer.documents.links.Link of the body, as written


def doc_id(path: Path, content_dir: Path) -> str:
    """``content/hu/tl-protokoll.md`` -> ``hu/tl-protokoll``."""
    rel = path.relative_to(content_dir).with_suffix("")
    return rel.as_posix()
