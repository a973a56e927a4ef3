"""PDF files (pdfminer.six): text in reading order, headings guessed from font size.

pdfminer's layout analysis groups characters into text boxes and orders them
(columns included). A box set noticeably larger than the body text, and short, is a
heading; the largest one on the first page is the title when the file's properties
name none. Running headers, footers and page numbers repeated across pages are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFException, PSException
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from indexer.importers import chrome
from indexer.importers.markdown import heading, join_blocks, plain_text
from indexer.importers.model import Extracted, ImportFailure
from indexer.importers.text import BULLET, paragraphs

#: A box whose font is at least this much larger than the body text may be a heading.
HEADING_RATIO = 1.15
MAX_HEADING_CHARS = 200
_PAGE_NUMBER = re.compile(r"(?:-\s*)?\d{1,4}(?:\s*-)?|\d{1,4}\s*/\s*\d{1,4}|(?:page|oldal|strana)\s*\d+.*", re.I)
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?")


@dataclass
class _Box:
    page: int
    lines: list[str]
    size: float
    bold: bool

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.lines).split())


def extract(path: Path) -> Extracted:
    """Headings and paragraphs in reading order; title and date from the document info."""
    info = _info(path)
    try:
        boxes = _boxes(path)
    except (PDFException, PSException, ValueError, KeyError, TypeError) as exc:
        raise ImportFailure(f"cannot read the PDF ({_reason(exc)})") from None
    boxes = _drop_running(boxes)
    if not any(box.text for box in boxes):
        raise ImportFailure("no text layer found (a scanned PDF needs OCR before it can be imported)")
    body_size = _body_size(boxes)
    heads = [box for box in boxes if _is_heading(box, body_size)]
    title = _title_from_info(info)
    if title is None:
        first_page = [box for box in heads if box.page == boxes[0].page]
        if first_page:
            title = max(first_page, key=lambda box: box.size).text
    sizes = sorted({round(box.size) for box in heads if box.text != title}, reverse=True)
    levels = {size: min(2 + rank, 4) for rank, size in enumerate(sizes)}
    lines_out: list[str] = []
    blocks: list[str] = []
    title_dropped = False

    def flush() -> None:
        blocks.extend(paragraphs(chrome.clean_lines(lines_out)))
        lines_out.clear()

    for box in boxes:
        if box in heads:
            if box.text == title and not title_dropped:
                title_dropped = True
                continue
            flush()
            blocks.append(heading(levels.get(round(box.size), 4), plain_text(box.text, block=False)))
        else:
            lines_out.extend(_logical_lines(box.lines))
            lines_out.append("")  # one box is one paragraph
    flush()
    body = join_blocks(blocks)
    if not body.strip() and title:
        body = plain_text(title) + "\n"
    return Extracted(body=body, title=title, date=_date_from_info(info))


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__


def _info(path: Path) -> dict:
    """The document information dictionary; refuses encrypted and broken files clearly."""
    try:
        with path.open("rb") as handle:
            document = PDFDocument(PDFParser(handle))
            info = document.info[0] if document.info else {}
            return {key: resolve1(value) for key, value in info.items()}
    except PDFPasswordIncorrect:
        raise ImportFailure("the PDF is encrypted with a password; save an unprotected copy first") from None
    except (PDFException, PSException, ValueError, KeyError, TypeError) as exc:
        raise ImportFailure(f"not a readable PDF ({_reason(exc)})") from None


def _info_text(value: object) -> str:
    if isinstance(value, bytes):
        return decode_text(value)
    return str(value) if value is not None else ""


def _title_from_info(info: dict) -> str | None:
    title = " ".join(_info_text(info.get("Title")).split())
    return title or None


def _date_from_info(info: dict) -> dt.date | None:
    for key in ("CreationDate", "ModDate"):
        match = _PDF_DATE.match(_info_text(info.get(key)).strip())
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1))
            except ValueError:
                continue
    return None


@dataclass
class _Line:
    page: int
    text: str
    size: float
    bold: bool
    top: float
    bottom: float


def _lines(path: Path) -> list[_Line]:
    """Every text line in pdfminer's reading order, with its dominant font size and position."""
    out: list[_Line] = []
    for number, page in enumerate(extract_pages(str(path), laparams=LAParams()), start=1):
        for element in page:
            if not isinstance(element, LTTextContainer):
                continue
            for line in element:
                if not isinstance(line, LTTextLine) or not line.get_text().strip():
                    continue
                chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
                if not chars:
                    continue
                size = Counter(round(c.size, 1) for c in chars).most_common(1)[0][0]
                bold = all("bold" in c.fontname.lower() for c in chars)
                text = " ".join(line.get_text().split())
                out.append(_Line(number, text, size, bold, line.y1, line.y0))
    return out


def _boxes(path: Path) -> list[_Box]:
    """Lines grouped into paragraphs: a new one where the page, font or spacing changes."""
    lines = _lines(path)
    gaps = [
        prev.bottom - cur.top
        for prev, cur in zip(lines, lines[1:], strict=False)
        if prev.page == cur.page and prev.size == cur.size and 0 <= prev.bottom - cur.top < prev.size * 2
    ]
    usual = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    boxes: list[_Box] = []
    prev: _Line | None = None
    for line in lines:
        gap = prev.bottom - line.top if prev else 0.0
        if (
            prev is None
            or line.page != prev.page
            or abs(line.size - prev.size) > 0.5
            or line.bold != prev.bold
            or gap < -1  # moved up: next column or a box placed higher
            or gap > usual + 0.4 * line.size
        ):
            boxes.append(_Box(line.page, [line.text], line.size, line.bold))
        else:
            boxes[-1].lines.append(line.text)
        prev = line
    return boxes


def _drop_running(boxes: list[_Box]) -> list[_Box]:
    """Without page numbers and running headers/footers: a one-line first or last box of a page
    whose text (digits aside) is also the first or last box on at least half of the pages."""
    boxes = [box for box in boxes if not _PAGE_NUMBER.fullmatch(box.text)]
    edges: dict[int, set[int]] = {}
    for index, box in enumerate(boxes):
        edges.setdefault(box.page, set())
        if index == 0 or boxes[index - 1].page != box.page:
            edges[box.page].add(index)
        if index == len(boxes) - 1 or boxes[index + 1].page != box.page:
            edges[box.page].add(index)
    edge_indexes = set().union(*edges.values()) if edges else set()
    pages_of: dict[str, set[int]] = {}
    edge_indexes = {i for i in edge_indexes if len(boxes[i].lines) == 1 and len(boxes[i].text) <= 120}
    for index in edge_indexes:
        pages_of.setdefault(_shape(boxes[index].text), set()).add(boxes[index].page)
    pages = len(edges)
    kept = []
    for index, box in enumerate(boxes):
        if index in edge_indexes and pages >= 3 and len(pages_of[_shape(box.text)]) >= max(3, (pages + 1) // 2):
            continue
        kept.append(box)
    return kept


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _body_size(boxes: list[_Box]) -> float:
    weights: Counter[float] = Counter()
    for box in boxes:
        weights[box.size] += len(box.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _is_heading(box: _Box, body_size: float) -> bool:
    text = box.text
    if not text or len(text) > MAX_HEADING_CHARS or len(box.lines) > 3 or BULLET.match(text):
        return False
    if body_size and box.size >= body_size * HEADING_RATIO:
        return True
    # a bold line of body size standing alone: a run-in heading, unless it reads as a sentence
    return box.bold and len(box.lines) == 1 and len(text) <= 80 and not text.endswith((".", ",", ";", ":"))


def _logical_lines(lines: list[str]) -> list[str]:
    """Lines of a box joined into paragraphs and bullet items (a bullet starts a new one)."""
    out: list[str] = []
    for line in lines:
        if not out or BULLET.match(line):
            out.append(line)
        elif re.search(r"\w-$", out[-1]) and line[:1].islower():
            out[-1] = out[-1][:-1] + line  # a word hyphenated at the line end
        else:
            out[-1] += " " + line
    return out
