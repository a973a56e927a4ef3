"""Word documents (python-docx): headings, lists, tables, bold/italic and links."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.hyperlink import Hyperlink
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from indexer.importers.markdown import emphasis, escape_block_start, escape_inline, heading, join_blocks, link, table
from indexer.importers.model import Extracted, ImportFailure
from indexer.importers.office import core_date, core_lang, core_title


def extract(path: Path) -> Extracted:
    """Body in document order; the title from the properties, a Title paragraph or the first heading."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFailure(f"not a readable Word document ({_reason(exc)})") from None
    title = core_title(document.core_properties)
    blocks: list[str] = []
    items: list[str] = []
    first_heading: str | None = None
    first_line: str | None = None
    numbering = _Numbering(document)
    for part in document.iter_inner_content():
        if isinstance(part, Table):
            _flush(blocks, items)
            blocks.append(_table(part))
            continue
        text = _inline(part)
        if not text.strip():
            continue
        style = (part.style.name if part.style is not None else "") or ""
        plain = " ".join(part.text.split())
        first_line = first_line or plain
        if style == "Title":
            if title is None:
                title = plain
                continue
            if plain == title:
                continue
        level = _heading_level(style)
        if level:
            _flush(blocks, items)
            if first_heading is None:
                first_heading = plain
                if title is None:
                    title = plain
                if plain == title:
                    continue
            blocks.append(heading(level + 1, text))
            continue
        marker = numbering.marker(part, style)
        if marker:
            top = [item for item in items if not item[0].isspace()]
            if top and not marker[0].isspace() and _kind(top[-1]) != _kind(marker):
                _flush(blocks, items)  # a bullet list right after a numbered one: two lists
            items.append(marker + text.strip())
            continue
        _flush(blocks, items)
        blocks.append(escape_block_start(text.strip()))
    _flush(blocks, items)
    body = join_blocks(blocks)
    if not body.strip():
        raise ImportFailure("the document has no text")
    return Extracted(
        body=body,
        title=title or first_line,
        date=core_date(document.core_properties),
        lang=core_lang(document.core_properties),
    )


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _flush(blocks: list[str], items: list[str]) -> None:
    if items:
        blocks.append("\n".join(items))
        items.clear()


def _kind(item: str) -> str:
    return "bullet" if item.lstrip().startswith("-") else "number"


def _heading_level(style: str) -> int:
    """``Heading 2`` -> 2 (localised Word names like ``Címsor 2`` are mapped by number too)."""
    words = style.split()
    if len(words) == 2 and words[1].isdigit() and words[0].lower() in {"heading", "címsor", "nadpis", "überschrift"}:
        return min(int(words[1]), 5)
    return 0


def _inline(paragraph: Paragraph) -> str:
    """Runs and hyperlinks with bold/italic; neighbouring runs with the same formatting are merged."""
    pieces: list[tuple[str, bool, bool, str | None]] = []
    for item in paragraph.iter_inner_content():
        if isinstance(item, Run):
            pieces.append((item.text, bool(item.bold), bool(item.italic), None))
        elif isinstance(item, Hyperlink):
            url = item.url or (f"#{item.fragment}" if item.fragment else "")
            for run in item.runs:
                pieces.append((run.text, bool(run.bold), bool(run.italic), url or None))
    merged: list[tuple[str, bool, bool, str | None]] = []
    for piece in pieces:
        if merged and merged[-1][1:] == piece[1:]:
            merged[-1] = (merged[-1][0] + piece[0], *piece[1:])
        else:
            merged.append(piece)
    out: list[str] = []
    for text, bold, italic, url in merged:
        text = text.replace("\t", " ").replace("\n", " ")
        md = emphasis(escape_inline(text), bold=bold, italic=italic)
        if url and url.lower().startswith(("http://", "https://", "mailto:")):
            md = link(md, url)
        out.append(md)
    return "".join(out)


def _table(tbl: Table) -> str:
    rows = []
    for row in tbl.rows:
        cells = []
        for cell in row.cells:
            text = " ".join(_inline(p) for p in cell.paragraphs if p.text.strip())
            cells.append(text.replace("|", "\\|"))
        rows.append(cells)
    return table(rows)


class _Numbering:
    """Bullet or number for a list paragraph, from its style name or its numbering definition."""

    def __init__(self, document: docx.document.Document):
        try:
            self.root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            self.root = None
        self.counters: dict[tuple[str, int], int] = {}

    def marker(self, paragraph: Paragraph, style: str) -> str | None:
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        level = 0
        ordered = "Number" in style
        if num_pr is not None and num_pr.numId is not None:
            level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
            ordered = self._format(str(num_pr.numId.val), level) not in ("bullet", "none", None)
        elif style.startswith(("List Bullet", "List Number")):
            words = style.split()
            level = int(words[-1]) - 1 if words[-1].isdigit() else 0
        elif style != "List Paragraph":
            return None
        indent = "    " * level
        if not ordered:
            return f"{indent}- "
        key = (style if num_pr is None else str(num_pr.numId.val), level)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{indent}{self.counters[key]}. "

    def _format(self, num_id: str, level: int) -> str | None:
        if self.root is None:
            return None
        found = self.root.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId')
        if not found:
            return None
        abstract = found[0].get(qn("w:val"))
        fmt = self.root.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract}"]/w:lvl[@w:ilvl="{level}"]/w:numFmt')
        return fmt[0].get(qn("w:val")) if fmt else None
