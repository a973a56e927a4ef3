"""Turn an :class:`Extracted` document into a reviewed-to-be Markdown file beside its original.

The written file is read back with the project's own loader, so an import can never
leave a document behind that ``kb index`` would reject.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from indexer.documents.load import DocumentError, parse
from indexer.documents.model import DOC_TYPES
from indexer.importers.model import Extracted, ImportFailure
from indexer.text.language import detect

MAX_SLUG = 60

#: Words in a title that say what kind of document it is; the first type that matches wins.
TYPE_HINTS: list[tuple[str, tuple[str, ...]]] = [
    ("protocol", ("protokoll", "protokol", "protocol")),
    ("guidance", ("módszertan", "útmutató", "kézikönyv", "metodika", "příručka", "manuál", "guidance", "guide")),
    ("forum", ("fórum", "forum", "műhely", "workshop", "kerekasztal", "konferencia", "konference", "conference")),
    ("presentation", ("prezentáció", "prezentace", "presentation")),
]
DEFAULT_TYPE = "article"


@dataclass(frozen=True)
class Imported:
    """Where one imported file ended up, and what was guessed about it."""

    source: Path
    markdown: Path
    attachment: Path
    title: str
    type: str
    lang: str
    lang_detected: bool
    date: dt.date | None


def slugify(text: str) -> str:
    """ASCII file name stem: ``Támogatott Lakhatás — protokoll`` -> ``tamogatott-lakhatas-protokoll``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        slug = slug[:MAX_SLUG].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG] else slug[:MAX_SLUG]
    return slug


def guess_type(title: str, extracted: Extracted) -> str:
    """The format's own guess (a deck is a presentation), else a keyword in the title, else article."""
    if extracted.type in DOC_TYPES:
        return extracted.type
    words = title.casefold()
    for doc_type, hints in TYPE_HINTS:
        if any(re.search(rf"(?<!\w){re.escape(hint)}", words) for hint in hints):
            return doc_type
    return DEFAULT_TYPE


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar (a JSON string is one), safe for colons and quotes."""
    return json.dumps(value, ensure_ascii=False)


def front_matter(fields: dict[str, object], note: str) -> str:
    lines = ["---", f"# {note}"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key}: [{', '.join(_yaml_string(str(v)) for v in value)}]")
        elif isinstance(value, dt.date):
            lines.append(f"{key}: {value.isoformat()}")
        elif key in ("type", "lang"):
            lines.append(f"{key}: {value}")
        else:
            lines.append(f"{key}: {_yaml_string(str(value))}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def write(
    source: Path,
    extracted: Extracted,
    out_dir: Path | None,
    content_dir: Path,
    doc_type: str | None = None,
    lang: str | None = None,
    force: bool = False,
    claimed: set[Path] | None = None,
) -> Imported:
    """Write ``<out>/<slug>.md`` and copy the original beside it; refuse to overwrite without ``force``.

    ``claimed`` collects the Markdown paths written in this run, so two inputs with the
    same title get ``-2``, ``-3`` names instead of replacing each other.
    """
    claimed = claimed if claimed is not None else set()
    body = extracted.body.strip()
    if not body:
        raise ImportFailure("no text to import")
    title = (extracted.title or "").strip() or source.stem.replace("_", " ").replace("-", " ").strip()
    detected = detect(f"{title}\n{body}")
    language = (lang or detected.lang or extracted.lang or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2}", language):
        raise ImportFailure("cannot tell the language of the text; give it with --lang")
    kind = doc_type or guess_type(title, extracted)
    target_dir = out_dir if out_dir is not None else content_dir / language
    stem = slugify(title) or slugify(source.stem) or "document"
    markdown = target_dir / f"{stem}.md"
    number = 2
    while markdown.resolve() in claimed:
        markdown = target_dir / f"{stem}-{number}.md"
        number += 1
    attachment = target_dir / source.name
    if markdown.exists() and not force:
        raise ImportFailure(f"{markdown} already exists (use --force to replace it)")
    if attachment.exists() and not force and not _same_file(source, attachment):
        raise ImportFailure(f"{attachment} already exists and differs (use --force to replace it)")

    note = f"Imported by 'kb import' from {source.name}: review the text, then add tags, summary, translation_key."
    fields = {
        "title": title,
        "type": kind,
        "lang": language,
        "date": extracted.date,
        "source": f"Imported from {source.name}",
        "attachments": [source.name],
    }
    target_dir.mkdir(parents=True, exist_ok=True)
    markdown.write_text(front_matter(fields, note) + "\n" + body + "\n", "utf-8")
    try:
        parse(markdown, target_dir)
    except DocumentError as exc:
        markdown.unlink()
        raise ImportFailure(f"the converted document does not load: {exc.problem.message}") from None
    if source.resolve() != attachment.resolve():
        shutil.copyfile(source, attachment)
    claimed.add(markdown.resolve())
    return Imported(source, markdown, attachment, title, kind, language, lang is None, extracted.date)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
