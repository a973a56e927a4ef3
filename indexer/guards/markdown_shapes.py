"""One linear pass over a document's Markdown that finds the shapes python-markdown is slow on.

python-markdown's inline processing rescans a paragraph for every unclosed ``[``,
every unclosed link and every character reference in it, and its block parser
recurses once per list or quote level (figures in bench/README.md). Those shapes
are counted here, per paragraph, before the renderer sees them, so such a file is
rejected at once with a message that says what it is, where, and which setting
allows more.
"""

from __future__ import annotations

import re

from indexer.errors import KbError
from indexer.guards import limits

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
_LINK_OPENER = re.compile(r"\]\(|\]\[|<[A-Za-z/!?]")
_BLOCK_MARKER = re.compile(r"(?:>|[-+*](?=\s)|\d{1,9}[.)](?=\s))\s*")


class TooComplex(KbError):
    """The Markdown exceeds a limit; ``line`` counts from the first line of the body (1)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def check_markdown(body: str) -> None:
    """Raise :class:`TooComplex` for the first limit ``body`` exceeds."""
    max_nesting = limits.MAX_NESTING.value
    max_columns = limits.MAX_TABLE_COLUMNS.value
    paragraph: list[str] = []
    start = 1
    in_fence = False
    for number, line in enumerate(body.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if not line.strip():
            _check_paragraph(paragraph, start)
            paragraph, start = [], number + 1
            continue
        depth = _block_depth(line)
        if depth > max_nesting:
            raise TooComplex(
                number, f"lists or quotes nested too deeply: {depth:,} levels ({limits.MAX_NESTING.describe()})"
            )
        if line.count("|") > max_columns:
            columns = len(line.replace("\\|", "").strip().strip("|").split("|"))
            if columns > max_columns:
                raise TooComplex(
                    number,
                    f"table row with too many columns: {columns:,} ({limits.MAX_TABLE_COLUMNS.describe()})",
                )
        paragraph.append(line)
    _check_paragraph(paragraph, start)


def _block_depth(line: str) -> int:
    """Levels a line opens: four columns of indentation each, plus its quote and list markers."""
    stripped = line.lstrip(" \t")
    indent = line[: len(line) - len(stripped)]
    depth = (indent.count(" ") + 4 * indent.count("\t")) // 4
    at = 0
    while match := _BLOCK_MARKER.match(stripped, at):
        depth += 1
        at = match.end()
    return depth


def _check_paragraph(lines: list[str], start: int) -> None:
    if not lines:
        return
    text = "\n".join(lines)
    depth = _bracket_depth(text)
    if depth > limits.MAX_NESTING.value:
        raise TooComplex(
            start,
            f"'[' brackets nested or left open too deeply in one paragraph: {depth:,} levels "
            f"({limits.MAX_NESTING.describe()})",
        )
    if "&" in text:
        references = len(_CHARACTER_REFERENCE.findall(text))
        if references > limits.MAX_CHARACTER_REFERENCES.value:
            raise TooComplex(
                start,
                f"too many character references (like &#x41;) in one paragraph: {references:,} "
                f"({limits.MAX_CHARACTER_REFERENCES.describe()})",
            )
    openers = len(_LINK_OPENER.findall(text))
    if openers > limits.MAX_LINKS.value:
        raise TooComplex(
            start,
            f"too many links or tags in one paragraph: {openers:,} openers like '](' or '<' "
            f"({limits.MAX_LINKS.describe()})",
        )


def _bracket_depth(text: str) -> int:
    """The deepest run of ``[`` not yet closed by ``]`` (an escaped ``\\[`` does not count)."""
    if text.count("[") <= limits.MAX_NESTING.value:
        return text.count("[")
    depth = deepest = 0
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" and depth:
            depth -= 1
    return deepest
