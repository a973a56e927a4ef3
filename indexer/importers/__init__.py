"""Bring existing material (docx, pptx, pdf, html, txt) into the knowledge base as Markdown.

One module per format turns a file into an :class:`Extracted` (Markdown body plus
what the file says about its title, date and language); :mod:`.output` writes it
with front matter beside a copy of the original; :mod:`.chrome` holds the page-chrome
rules. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from indexer.guards import deadline, limits, markdown_shapes
from indexer.importers import docx, html, pdf, pptx, txt
from indexer.importers.model import Extracted, ImportFailure
from indexer.importers.output import Imported, write

__all__ = ["EXTRACTORS", "Extracted", "ImportFailure", "Imported", "extract", "import_file"]

#: File suffix -> the importer for that format.
EXTRACTORS: dict[str, Callable[[Path], Extracted]] = {
    ".docx": docx.extract,
    ".pptx": pptx.extract,
    ".pdf": pdf.extract,
    ".html": html.extract,
    ".htm": html.extract,
    ".txt": txt.extract,
}
#: Old binary Office formats: say what to do instead of failing obscurely.
_LEGACY = {".doc": ".docx", ".ppt": ".pptx", ".rtf": ".docx", ".odt": ".docx", ".odp": ".pptx"}


def extract(path: Path) -> Extracted:
    """Convert one file to Markdown; raises :class:`ImportFailure` with a one-line reason."""
    suffix = path.suffix.lower()
    if suffix in _LEGACY:
        raise ImportFailure(f"'{suffix}' files are not supported; save it as {_LEGACY[suffix]} and import that")
    if suffix not in EXTRACTORS:
        known = ", ".join(sorted(EXTRACTORS))
        raise ImportFailure(f"unsupported file type '{suffix or path.name}' (supported: {known})")
    if not path.is_file():
        raise ImportFailure("file not found" if not path.exists() else "not a file")
    try:
        size = path.stat().st_size
        if size == 0:
            raise ImportFailure("empty file")
        if size > limits.MAX_IMPORT_BYTES.value:
            raise ImportFailure(f"file too large: {size:,} bytes ({limits.MAX_IMPORT_BYTES.describe()})")
        with deadline.limit(limits.MAX_IMPORT_SECONDS.value):
            extracted = EXTRACTORS[suffix](path)
    except OSError as exc:
        raise ImportFailure(f"cannot read the file: {exc.strerror or exc}") from None
    except deadline.Expired:
        raise ImportFailure(f"reading the file took too long ({limits.MAX_IMPORT_SECONDS.describe()})") from None
    except RecursionError:
        raise ImportFailure("the file is nested too deeply to read") from None
    check_body(extracted.body)
    return extracted


def check_body(body: str) -> None:
    """The Markdown an import produced must be within the limits ``kb index`` applies to a document."""
    size = len(body.encode("utf-8"))
    if size > limits.MAX_DOC_BYTES.value:
        raise ImportFailure(f"the converted text is too large: {size:,} bytes ({limits.MAX_DOC_BYTES.describe()})")
    try:
        markdown_shapes.check_markdown(body)
    except markdown_shapes.TooComplex as exc:
        raise ImportFailure(f"the converted text, line {exc.line}: {exc.message}") from None


def import_file(
    path: Path,
    content_dir: Path,
    out_dir: Path | None = None,
    doc_type: str | None = None,
    lang: str | None = None,
    force: bool = False,
    claimed: set[Path] | None = None,
) -> Imported:
    """Convert ``path`` and write it under ``out_dir`` (default ``<content_dir>/<lang>/``)."""
    return write(path, extract(path), out_dir, content_dir, doc_type, lang, force, claimed)
