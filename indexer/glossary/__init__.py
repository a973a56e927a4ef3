"""The glossary: concepts with labels in several languages, for cross-language search.

Files are YAML lists of concepts (the format is in PRODUCT.md)::

    - id: supported-living
      labels: {hu: [támogatott lakhatás, TL], cs: [podporované bydlení]}
      note: {en: "Housing with individual support instead of an institution."}

The product ships a default glossary (``indexer/data/glossary/``: EuroVoc's social
questions and our own field terms); ``content/glossary/*.yaml`` adds to it. This module
loads and validates the files (every problem as ``path:line: message``, lines from
YAML's node marks) and compiles them, with each label's analysed word forms, into a
``glossary.json`` beside the index segments, so the query side reads one file per
index generation and analyses nothing.
"""

from __future__ import annotations

from indexer.glossary.compiled import (
    FINGERPRINT_FILE,
    SOURCES_FILE,
    build_into,
    compile_glossary,
    label_forms,
    read_compiled,
    stored_fingerprint,
)
from indexer.glossary.files import (
    DEFAULT_SOURCES,
    FORMAT_VERSION,
    GLOSSARY_DIR,
    GLOSSARY_FILE,
    LOCAL,
    Concept,
    content_files,
    label_key,
    load,
    load_default,
    parse_text,
)
from indexer.glossary.tagger import Tagger, tagger_for

__all__ = [
    "DEFAULT_SOURCES",
    "FINGERPRINT_FILE",
    "FORMAT_VERSION",
    "GLOSSARY_DIR",
    "GLOSSARY_FILE",
    "LOCAL",
    "SOURCES_FILE",
    "Concept",
    "Tagger",
    "build_into",
    "compile_glossary",
    "content_files",
    "label_forms",
    "label_key",
    "load",
    "load_default",
    "parse_text",
    "read_compiled",
    "stored_fingerprint",
    "tagger_for",
]
