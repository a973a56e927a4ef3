"""PowerPoint presentations (python-pptx): one ``## N. Title`` section per slide.

Each section holds the slide's text (body placeholders as bullet lists, keeping
indent levels), its tables, and the speaker notes as a "Notes:" blockquote, as the
content conventions for presentations ask.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import pptx
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER
from pptx.exc import PackageNotFoundError

from indexer.importers.markdown import emphasis, escape_block_start, escape_inline, heading, join_blocks, link, quote
from indexer.importers.markdown import table as md_table
from indexer.importers.model import Extracted, ImportFailure
from indexer.importers.office import core_date, core_lang, core_title

_TITLES = {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.VERTICAL_TITLE}
_BULLETED = {PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT, PP_PLACEHOLDER.VERTICAL_BODY, PP_PLACEHOLDER.VERTICAL_OBJECT}
_FURNITURE = {PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.HEADER}


def extract(path: Path) -> Extracted:
    """Slides in order; the title from the properties or the first slide's title."""
    try:
        deck = pptx.Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImportFailure(f"not a readable PowerPoint presentation ({reason})") from None
    slides = list(deck.slides)
    if not slides:
        raise ImportFailure("the presentation has no slides")
    blocks: list[str] = []
    first_title: str | None = None
    for number, slide in enumerate(slides, start=1):
        title, content = _slide(slide)
        first_title = first_title or title
        blocks.append(heading(2, f"{number}. {escape_inline(title or '')}".rstrip()))
        blocks.extend(content)
        notes = _notes(slide)
        if notes:
            blocks.append(quote("Notes: " + notes))
    return Extracted(
        body=join_blocks(blocks),
        title=core_title(deck.core_properties) or first_title,
        date=core_date(deck.core_properties),
        type="presentation",
        lang=core_lang(deck.core_properties),
    )


def _placeholder_type(shape: object) -> object:
    if not getattr(shape, "is_placeholder", False):
        return None
    try:
        return shape.placeholder_format.type
    except ValueError:
        return None


def _shapes(shapes: Iterable) -> list:
    """Shapes in reading order (top to bottom, then left to right), groups opened up."""
    flat = []
    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            flat.extend(_shapes(shape.shapes))
        else:
            flat.append(shape)
    return sorted(flat, key=lambda s: ((s.top or 0) // 10000, s.left or 0))  # ~1 mm rows


def _slide(slide: object) -> tuple[str | None, list[str]]:
    title: str | None = None
    blocks: list[str] = []
    for shape in _shapes(slide.shapes):
        kind = _placeholder_type(shape)
        if kind in _FURNITURE:
            continue
        if kind in _TITLES and title is None and shape.has_text_frame:
            title = " ".join(shape.text_frame.text.split()) or None
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            rows = [[_runs(p) for cell in row.cells for p in [cell.text_frame]] for row in shape.table.rows]
            blocks.append(md_table([[cell.replace("|", "\\|") for cell in row] for row in rows]))
        elif shape.has_text_frame:
            blocks.extend(_text_frame(shape.text_frame, bulleted=kind in _BULLETED))
    if title is None and blocks:
        # no title placeholder: the first line of text names the slide
        first = blocks[0].split("\n")
        title = first[0].lstrip("- ").replace("\\", "")
        blocks = ["\n".join(first[1:])] + blocks[1:] if len(first) > 1 else blocks[1:]
    return title, [block for block in blocks if block.strip()]


def _text_frame(frame: object, bulleted: bool) -> list[str]:
    """Bullet lists (with indent levels) for body placeholders, paragraphs for other text."""
    if bulleted:
        items = [f"{'    ' * p.level}- {text}" for p in frame.paragraphs if (text := _runs(p))]
        # an indented first item would make a code block: start the list at level 0
        if items:
            items[0] = items[0].lstrip()
        return ["\n".join(items)] if items else []
    return [escape_block_start(text) for p in frame.paragraphs if (text := _runs(p))]


def _runs(container: object) -> str:
    """Text of a paragraph (or a whole text frame) with bold/italic and hyperlinks."""
    paragraphs = getattr(container, "paragraphs", None) or [container]
    out: list[str] = []
    for paragraph in paragraphs:
        for run in paragraph.runs:
            text = run.text.replace("\v", " ").replace("\n", " ")
            md = emphasis(escape_inline(text), bold=bool(run.font.bold), italic=bool(run.font.italic))
            address = run.hyperlink.address if run.hyperlink is not None else None
            if address and address.lower().startswith(("http://", "https://", "mailto:")):
                md = link(md, address)
            out.append(md)
        out.append(" ")
    return " ".join("".join(out).split(" ")).strip()


def _notes(slide: object) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    if frame is None:
        return ""
    paragraphs = [" ".join(p.split()) for p in frame.text.split("\n")]
    return "\n\n".join(escape_inline(p) for p in paragraphs if p)
