"""``kb new``: a new document with its front matter filled in, at a path made from its title."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from indexer.documents.model import DOC_TYPES
from indexer.errors import KbError

#: Letters that do not decompose into an ASCII letter plus accents.
_SPECIAL = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D"})
_MAX_SLUG = 60
_MAX_TRIES = 1000


class ScaffoldError(KbError, ValueError):
    """The scaffold cannot be written; the message says which option to fix."""


def slugify(title: str) -> str:
    """ASCII file name stem: ``Támogatott lakhatás – új protokoll`` -> ``tamogatott-lakhatas-uj-protokoll``."""
    decomposed = unicodedata.normalize("NFKD", title.translate(_SPECIAL))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > _MAX_SLUG:
        slug = slug[:_MAX_SLUG].rsplit("-", 1)[0]
    return slug


def front_matter(title: str, doc_type: str, lang: str | None, date: dt.date, translation_key: str | None) -> str:
    """The YAML lines; free text double-quoted (JSON strings are valid YAML), as content/README.md advises."""
    lines = [f"title: {_quoted(title)}", f"type: {doc_type}"]
    if lang:
        lines.append(f"lang: {lang}")
    lines += [f"date: {date.isoformat()}", "tags: []"]
    if translation_key:
        lines.append(f"translation_key: {_quoted(translation_key)}")
    lines.append('summary: ""')
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


BODY_HINT = (
    "<!-- Write the document here in Markdown. Fill in 'tags' (3-6 lowercase words) and a one-sentence\n"
    "     'summary' above. Use ## headings for sections; in a presentation each ## heading is one slide.\n"
    "     Files next to this one (PDF, PPTX, DOCX, images) can be listed under 'attachments'. -->\n"
)


def create(
    content_dir: Path,
    title: str,
    doc_type: str,
    *,
    lang: str | None = None,
    translation_key: str | None = None,
    date: str | dt.date | None = None,
    types: Sequence[str] = DOC_TYPES,
) -> Path:
    """Write the scaffold and return its path; a taken name gets ``-2``, ``-3``, ... (never overwrites)."""
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("the title is empty")
    if doc_type not in types:
        raise ScaffoldError(f"type '{doc_type}' is not one of: {', '.join(types)}")
    if lang is not None:
        lang = lang.strip().lower()
        if len(lang) != 2 or not lang.isalpha() or not lang.isascii():
            raise ScaffoldError(f"lang '{lang}' is not a two-letter ISO 639-1 code such as hu or cs")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise ScaffoldError(f"date '{date}' is not an ISO date like 2018-09-04") from None
    date = date or dt.date.today()
    slug = slugify(title)
    if not slug:
        raise ScaffoldError(f"the title '{title}' has no letters or digits to make a file name from")
    folder = content_dir / lang if lang else content_dir
    folder.mkdir(parents=True, exist_ok=True)
    text = f"---\n{front_matter(title, doc_type, lang, date, translation_key)}---\n\n{BODY_HINT}"
    for number in range(1, _MAX_TRIES + 1):
        path = folder / (f"{slug}.md" if number == 1 else f"{slug}-{number}.md")
        try:
            with path.open("x", encoding="utf-8") as handle:  # "x": fails if it exists, even in a race
                handle.write(text)
        except FileExistsError:
            continue
        return path
    raise ScaffoldError(f"{folder / slug}.md and {_MAX_TRIES - 1} numbered variants already exist")
