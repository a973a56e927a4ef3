"""What every format importer hands back: Markdown body plus the metadata it could find.

Keeping one small shape means the writer (front matter, slug, copy) never needs to
know which format a document came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from indexer.errors import KbError


class ImportFailure(KbError):
    """A file that cannot be imported; the message is one line for the editor."""


@dataclass
class Extracted:
    """A converted document before it is written: body in Markdown, guesses for the front matter."""

    body: str
    title: str | None = None
    date: dt.date | None = None
    type: str | None = None  # a guess from the format or structure (pptx -> presentation)
    lang: str | None = None  # what the file declares (html lang=, Office language); detection is preferred
