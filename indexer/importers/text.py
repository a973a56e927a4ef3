"""Plain text to Markdown blocks: paragraphs, bullet lists and slide transcripts.

Shared by the txt and pdf importers, whose input is lines of text without markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from indexer.importers.markdown import heading, plain_text

#: Characters that start a bullet item in captured or extracted text.
BULLET = re.compile(r"^\s*[•●▪■◦○·‣⁃►✓➢\-–*+]\s+(?=\S)")
_SLIDE = re.compile(r"^(\d{1,3})(?:\s+(\S.*))?$")


def paragraphs(lines: Sequence[str], hard_wrapped: bool = False) -> list[str]:
    """Markdown blocks from text lines.

    Web captures put one paragraph per line; hand-written text files wrap lines and
    separate paragraphs by blank lines, so ``hard_wrapped`` joins the lines of a block.
    """
    blocks: list[str] = []
    items: list[str] = []
    current: list[str] = []

    def flush_paragraph() -> None:
        if current:
            blocks.append(plain_text(_join(current)))
            current.clear()

    def flush_items() -> None:
        if items:
            blocks.append("\n".join(f"- {plain_text(item, block=False)}" for item in items))
            items.clear()

    for line in lines:
        if not line.strip():
            flush_paragraph()
            flush_items()
            continue
        bullet = BULLET.match(line)
        if bullet:
            flush_paragraph()
            items.append(line[bullet.end() :])
        elif items and hard_wrapped and line[:1].isspace():
            items[-1] += " " + line.strip()
        else:
            flush_items()
            current.append(line)
            if not hard_wrapped:
                flush_paragraph()
    flush_paragraph()
    flush_items()
    return blocks


def _join(lines: list[str]) -> str:
    """Join wrapped lines; a word hyphenated at a line end is put back together."""
    text = lines[0].strip()
    for line in lines[1:]:
        line = line.strip()
        if re.search(r"\w-$", text) and line[:1].islower():
            text = text[:-1] + line
        else:
            text += " " + line
    return text


def looks_hard_wrapped(lines: Sequence[str]) -> bool:
    """True for text wrapped at a fixed width (an editor's .txt), false for one-line paragraphs."""
    lengths = [len(line) for line in lines if line.strip()]
    if len(lengths) < 3:
        return False
    multi = sum(1 for a, b in zip(lines, lines[1:], strict=False) if a.strip() and b.strip())
    return max(lengths) <= 100 and multi >= len(lengths) // 3


def slide_transcript(lines: Sequence[str]) -> list[tuple[int, str, list[str]]] | None:
    """Slides of a captured presentation transcript (``1 Title`` / text / ``2 Title`` ...), or None.

    Slide-sharing sites number each slide at the start of a line. Only a complete run
    1, 2, 3, ... of at least three such lines counts, so a stray number does not.
    """
    slides: list[tuple[int, str, list[str]]] = []
    for line in lines:
        match = _SLIDE.match(line.strip())
        if match and int(match.group(1)) == len(slides) + 1:
            slides.append((int(match.group(1)), (match.group(2) or "").strip(), []))
        elif slides:
            slides[-1][2].append(line)
        elif line.strip():
            return None  # text before slide 1: not a transcript
    return slides if len(slides) >= 3 else None


def slides_markdown(slides: Sequence[tuple[int, str, Sequence[str]]]) -> list[str]:
    """One ``## N. Title`` section per slide, as content/README.md asks of presentations."""
    blocks: list[str] = []
    for number, title, body in slides:
        blocks.append(heading(2, f"{number}. {plain_text(title, block=False)}".rstrip()))
        blocks.extend(paragraphs(body))
    return blocks
