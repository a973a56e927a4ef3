"""The budget one document may use: its size, how complex its Markdown may be, and its time.

python-markdown is quadratic or worse in a few shapes (deep ``[`` nesting, unclosed
links, many character references in one paragraph, deep lists), so a single odd
file could stall a build for minutes. :mod:`indexer.guards.markdown_shapes` measures those shapes in
one linear pass before rendering; the time limit (:mod:`indexer.guards.deadline`) is the
last line of defence. Every limit is a setting: an environment variable overrides
the default here, and each error message names the variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One limit: its environment variable, its default and the unit it counts in."""

    setting: str
    default: int
    unit: str

    @property
    def value(self) -> int:
        """The environment's value when it is a positive whole number, else the default."""
        text = os.environ.get(self.setting, "").strip().replace("_", "")
        return int(text) if text.isdigit() and int(text) > 0 else self.default

    def describe(self) -> str:
        """``limit 2,000,000 bytes, set by KB_MAX_DOC_BYTES``, for error messages."""
        return f"limit {self.value:,} {self.unit}, set by {self.setting}"


#: Size of one content file (and of one imported document's Markdown).
MAX_DOC_BYTES = Limit("KB_MAX_DOC_BYTES", 2_000_000, "bytes")
#: Depth of nested ``[`` brackets, list items and block quotes.
MAX_NESTING = Limit("KB_MAX_NESTING", 100, "levels")
#: Character references (``&#x41;``, ``&amp;``) in one paragraph.
MAX_CHARACTER_REFERENCES = Limit("KB_MAX_CHARACTER_REFERENCES", 5_000, "per paragraph")
#: Link and image openers (``](``, ``][``, ``<http``) in one paragraph.
MAX_LINKS = Limit("KB_MAX_LINKS", 2_000, "per paragraph")
#: Depth of nested elements in a web page given to ``kb import`` (the parser's tree gets slow beyond).
MAX_HTML_NESTING = Limit("KB_MAX_HTML_NESTING", 500, "levels")
#: Columns of a table row (``|`` separated cells).
MAX_TABLE_COLUMNS = Limit("KB_MAX_TABLE_COLUMNS", 200, "columns")
#: Time to render one document (the last line of defence behind the checks above).
MAX_DOC_SECONDS = Limit("KB_MAX_DOC_SECONDS", 20, "seconds")
#: Time to extract one file in ``kb import`` (a large PDF takes a while).
MAX_IMPORT_SECONDS = Limit("KB_MAX_IMPORT_SECONDS", 120, "seconds")
#: Size of one file given to ``kb import``.
MAX_IMPORT_BYTES = Limit("KB_MAX_IMPORT_BYTES", 100_000_000, "bytes")

ALL: tuple[Limit, ...] = (
    MAX_DOC_BYTES,
    MAX_NESTING,
    MAX_CHARACTER_REFERENCES,
    MAX_LINKS,
    MAX_HTML_NESTING,
    MAX_TABLE_COLUMNS,
    MAX_DOC_SECONDS,
    MAX_IMPORT_SECONDS,
    MAX_IMPORT_BYTES,
)
