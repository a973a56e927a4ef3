"""The Whoosh schema: per-language text fields plus stored metadata and facets.

Every document fills only its own language's ``head_<lang>`` (title, tags, summary)
and ``body_<lang>`` fields, analysed with that language's rules; a query is analysed
once per language and searched across all of them (or one, with a filter). Few
fields keep both the index writer and the query fast: each field multiplies the
terms of every query word.
"""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from indexer.analysis import (
    FIELD_LANGUAGES,
    folded_analyzer,
    index_positions,
    language_analyzer,
    words_analyzer,
    words_positions,
)

#: Bump when analysis or schema change: an index of another version is rebuilt in full.
SCHEMA_VERSION = 9

#: How much a match in each part of a document weighs (BM25F field boosts). The title
#: is written twice into ``head``, so it weighs more than the tags and summary beside it.
FIELD_BOOSTS = {"head": 2.5, "body": 1.0}


class LanguageText(TEXT):
    """A language's text field, indexed through :func:`index_positions` instead of a Token chain.

    Same terms, positions and weights as the analyzer gives (queries still use the
    analyzer); about a third of a full build's time went to the generic path.
    """

    def __init__(self, lang: str, **kwargs):
        super().__init__(analyzer=language_analyzer(lang), phrase=True, **kwargs)
        self.lang = lang

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, self.format.encode
        for term, positions in index_positions(value, self.lang).items():
            yield term.encode("utf-8"), len(positions), len(positions) * boost, encode(positions)


class WordsText(TEXT):
    """The ``words`` field, indexed through :func:`words_positions` (same terms and positions as the analyzer)."""

    def __init__(self):
        super().__init__(analyzer=words_analyzer(), phrase=True)

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, self.format.encode
        for term, positions in words_positions(value).items():
            yield term.encode("utf-8"), len(positions), len(positions) * boost, encode(positions)


def text_field(kind: str, lang: str) -> str:
    return f"{kind}_{lang}"


def build_schema() -> Schema:
    fields = {
        "id": ID(stored=True, unique=True, sortable=True),
        "path": STORED(),
        "title": STORED(),
        "lang": ID(stored=True, sortable=True),
        "lang_detected": BOOLEAN(stored=True),
        "lang_probability": STORED(),
        "type": ID(stored=True, sortable=True),
        "date": ID(stored=True, sortable=True),
        "year": ID(stored=True, sortable=True),
        "date_ordinal": NUMERIC(stored=False, sortable=True),
        "tags": KEYWORD(stored=True, commas=True, lowercase=True, scorable=True, sortable=True),
        "translation_key": ID(
            stored=True, sortable=True
        ),  # a column: results group into families without loading documents
        "organisation": ID(stored=True, sortable=True),
        "region": ID(stored=True, sortable=True),
        "summary": STORED(),
        "source": STORED(),
        "attachments": STORED(),
        "html": STORED(),
        "text": STORED(),
        "sections": STORED(),
        "content_hash": ID(stored=True, sortable=True),  # a column: kb index reads all hashes fast
        "mtime": STORED(),
        "warnings": STORED(),
        # Folded words and folded|accented keys: spelling, autocomplete, accents (see WordsFilter).
        "words": WordsText(),
        # The glossary concepts a document holds a label of (indexer.glossary.Tagger): cross-language search.
        "concepts": KEYWORD(scorable=True),
        # Folded title and tag words: title autocomplete.
        "suggest": TEXT(analyzer=folded_analyzer(), phrase=False),
    }
    for lang in FIELD_LANGUAGES:
        for kind, boost in FIELD_BOOSTS.items():
            fields[text_field(kind, lang)] = LanguageText(lang, field_boost=boost)
    return Schema(**fields)
