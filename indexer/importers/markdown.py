"""Small Markdown writers shared by the format importers.

Source documents are plain text that happens to contain Markdown syntax now and
then (a paragraph starting with "2016." would become a numbered list); escaping
here keeps the body verbatim when rendered, while leaving it readable for review.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BLOCK_START = re.compile(r"^(\s*)(#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d+[.)](?:\s|$))")
_INLINE_SPECIAL = re.compile(r"([\\`*\[\]]|(?<!\w)_|_(?!\w))")
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_START = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")  # text that reads as a reference
_LINKABLE = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]])|(?P<mail>[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,})"
)


def escape_inline(text: str) -> str:
    """Escape characters that would turn plain text into Markdown formatting or HTML.

    Underscores inside words (snake_case, file_names) are left alone: Markdown does
    not read them as emphasis, and the editor reviews this text.
    """
    # References first: the "&lt;" written for a tag start must stay one.
    return _HTML_START.sub("&lt;", _ENTITY_START.sub("&amp;", _INLINE_SPECIAL.sub(r"\\\1", text)))


def escape_block_start(text: str) -> str:
    """Escape a line start that would read as a heading, quote or list (text already inline-escaped)."""
    match = _BLOCK_START.match(text)
    if not match:
        return text
    at = match.start(2)
    digits = re.match(r"\d+", match.group(2))
    if digits:
        return text[: at + digits.end()] + "\\" + text[at + digits.end() :]
    return text[:at] + "\\" + text[at:]


def escape_block(text: str) -> str:
    """Escape inline syntax and a line start that would read as a heading, quote or list."""
    return escape_block_start(escape_inline(text))


def escape_cell(text: str) -> str:
    """Inline escaping plus the pipe, which would split a table cell."""
    return escape_inline(text).replace("|", "\\|")


def plain_text(raw: str, block: bool = True) -> str:
    """Plain source text as Markdown: escaped, with web and e-mail addresses turned into links."""
    raw = " ".join(raw.split())
    parts: list[str] = []
    last = 0
    for match in _LINKABLE.finditer(raw):
        parts.append(escape_inline(raw[last : match.start()]))
        if match.group("mail"):
            parts.append(f"[{match.group('mail')}](mailto:{match.group('mail')})")
        else:
            parts.append(f"<{match.group('url')}>")
        last = match.end()
    parts.append(escape_inline(raw[last:]))
    text = "".join(parts)
    return escape_block_start(text) if block else text


def emphasis(text: str, bold: bool = False, italic: bool = False) -> str:
    """Wrap ``text`` in ** / * keeping surrounding spaces outside the markers."""
    if not text.strip() or not (bold or italic):
        return text
    marker = ("**" if bold else "") + ("*" if italic else "")
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{text.strip()}{marker[::-1]}{trail}"


def link(text: str, url: str) -> str:
    """A Markdown link; ``text`` must already be escaped."""
    url = url.strip().replace(" ", "%20").replace(")", "%29").replace("(", "%28")
    if not url:
        return text
    return f"[{text.strip() or escape_inline(url)}]({url})"


def table(rows: Sequence[Sequence[str]]) -> str:
    """A pipe table; the first row is the header. Cells must already be escaped with :func:`escape_cell`."""
    rows = [[" ".join(cell.split()) for cell in row] for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    rows = [list(row) + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def heading(level: int, text: str) -> str:
    """An ATX heading; ``text`` must already be escaped."""
    return f"{'#' * max(1, min(level, 6))} {' '.join(text.split())}"


def quote(text: str) -> str:
    """A blockquote over every line of ``text``."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def join_blocks(blocks: Sequence[str]) -> str:
    """Blocks separated by one blank line, with runs of blank lines collapsed."""
    text = "\n\n".join(block.strip("\n") for block in blocks if block and block.strip())
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
