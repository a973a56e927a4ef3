"""The budget one document may use: its size, how complex its Markdown may be, and its time.

python-markdown is quadratic or worse in a few shapes (deep ``[`` nesting, unclosed
links, many character references in one paragraph, deep lists), so a single odd
file could stall a build for minutes. :mod:`indexer.guards.markdown_shapes` measures those shapes in
one linear pass before rendering; the time limit (:mod:`indexer.guards.deadline`) is the
last line of defence.

Every limit is a setting of :mod:`kb.config` (``[limits]`` in kb.toml, or its ``KB_MAX_*``
environment variable), which builds a :class:`Limits` and hands it to :func:`use_limits` once per
process; the indexer never reads the environment. Each error message names the variable.
A build's worker processes are forks and inherit the values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Every limit's value (the defaults are the settings' defaults)."""

    #: Size of one content file (and of one imported document's Markdown), in bytes.
    doc_bytes: int = 2_000_000
    #: Depth of nested ``[`` brackets, list items and block quotes.
    nesting: int = 100
    #: Character references (``&#x41;``, ``&amp;``) in one paragraph.
    character_references: int = 5_000
    #: Link and image openers (``](``, ``][``, ``<http``) in one paragraph.
    links: int = 2_000
    #: Depth of nested elements in a web page given to ``kb import`` (the parser's tree gets slow beyond).
    html_nesting: int = 500
    #: Columns of a table row (``|`` separated cells).
    table_columns: int = 200
    #: Time to render one document, in seconds (the last line of defence behind the checks above).
    doc_seconds: int = 20
    #: Time to extract one file in ``kb import``, in seconds (a large PDF takes a while).
    import_seconds: int = 120
    #: Size of one file given to ``kb import``, in bytes.
    import_bytes: int = 100_000_000


_DEFAULTS = Limits()
_current = _DEFAULTS


def use_limits(values: Limits) -> Limits:
    """Apply ``values`` to this process (kb.config does, from the settings); returns the previous ones."""
    global _current
    previous, _current = _current, values
    return previous


def current() -> Limits:
    """The values in force: those given to :func:`use_limits`, else the defaults."""
    return _current


@dataclass(frozen=True)
class Limit:
    """One limit: its field of :class:`Limits`, the environment variable that sets it and its unit."""

    field: str
    setting: str
    unit: str

    @property
    def default(self) -> int:
        return getattr(_DEFAULTS, self.field)

    @property
    def value(self) -> int:
        """The value in force (:func:`current`)."""
        return getattr(_current, self.field)

    def describe(self) -> str:
        """``limit 2,000,000 bytes, set by KB_MAX_DOC_BYTES``, for error messages."""
        return f"limit {self.value:,} {self.unit}, set by {self.setting}"


MAX_DOC_BYTES = Limit("doc_bytes", "KB_MAX_DOC_BYTES", "bytes")
MAX_NESTING = Limit("nesting", "KB_MAX_NESTING", "levels")
MAX_CHARACTER_REFERENCES = Limit("character_references", "KB_MAX_CHARACTER_REFERENCES", "per paragraph")
MAX_LINKS = Limit("links", "KB_MAX_LINKS", "per paragraph")
MAX_HTML_NESTING = Limit("html_nesting", "KB_MAX_HTML_NESTING", "levels")
MAX_TABLE_COLUMNS = Limit("table_columns", "KB_MAX_TABLE_COLUMNS", "columns")
MAX_DOC_SECONDS = Limit("doc_seconds", "KB_MAX_DOC_SECONDS", "seconds")
MAX_IMPORT_SECONDS = Limit("import_seconds", "KB_MAX_IMPORT_SECONDS", "seconds")
MAX_IMPORT_BYTES = Limit("import_bytes", "KB_MAX_IMPORT_BYTES", "bytes")

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
