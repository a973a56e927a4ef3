"""Plain text files, typically pages captured from the web: chrome removed, paragraphs kept."""

from __future__ import annotations

from pathlib import Path

from indexer.importers import chrome
from indexer.importers.markdown import join_blocks
from indexer.importers.model import Extracted, ImportFailure
from indexer.importers.text import looks_hard_wrapped, paragraphs, slide_transcript, slides_markdown

#: Tried in order; cp1250 is the legacy Windows encoding of Hungarian and Czech text.
ENCODINGS = ("utf-8-sig", "cp1250")
MAX_TITLE = 200


def decode(data: bytes) -> str:
    """The text of a file in the first encoding that reads it; a binary file is refused."""
    if b"\x00" in data[:4096]:
        raise ImportFailure("not a text file (it contains binary data)")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailure("cannot decode the text (not UTF-8 or Windows-1250)")


def extract(path: Path) -> Extracted:
    """Title from the first line, body as paragraphs; a slide transcript becomes a presentation."""
    text = decode(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    lines = chrome.clean_lines(text.split("\n"))
    if not any(line.strip() for line in lines):
        raise ImportFailure("no text to import (the file is empty or only page chrome)")
    first = next(i for i, line in enumerate(lines) if line.strip())
    title = None
    if len(lines[first].strip()) <= MAX_TITLE:
        title = " ".join(lines[first].split())
        rest = lines[first + 1 :]
        # the same title repeated right below it (page heading + article heading)
        while rest and (not rest[0].strip() or " ".join(rest[0].split()) == title):
            rest = rest[1:]
        lines = rest
    slides = slide_transcript(lines)
    if slides:
        return Extracted(body=join_blocks(slides_markdown(slides)), title=title, type="presentation")
    return Extracted(body=join_blocks(paragraphs(lines, looks_hard_wrapped(lines))), title=title)
