"""The Whoosh schema: per-language text fields plus stored metadata and facets.

Every document fills only its own language's ``head_<lang>`` (title, tags, summary)
and ``body_<lang>`` fields, analysed with that language's rules; a query is analysed
once per language and searched across all of them (or one, with a filter). Few
fields keep both the index writer and the query fast: each field multiplies the
terms of every query word.
"""

from __future__ import annotations

import operator

from whoosh.compat import dumps
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import pack_uint

from indexer.text.analysis import (
    FIELD_LANGUAGES,
    folded_analyzer,
    index_positions,
    language_analyzer,
    words_analyzer,
    words_positions,
)

#: Bump when analysis or schema change: an index of another version is rebuilt in full.
SCHEMA_VERSION = 11

#: How much a match in each part of a document weighs (BM25F field boosts). The title
#: is written twice into ``head``, so it weighs more than the tags and summary beside it.
FIELD_BOOSTS = {"head": 2.5, "body": 1.0}


class _PositionsText(TEXT):
    """A text field whose subclass gives each value's term positions (:meth:`term_positions`),
    indexed from them instead of through a Token chain: same terms, positions and weights."""

    def term_positions(self, value: str) -> dict[str, list[int]]:
        raise NotImplementedError

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, position_encoder(self.format)
        for term, positions in self.term_positions(value).items():
            yield term.encode("utf-8"), len(positions), len(positions) * boost, encode(positions)


class LanguageText(_PositionsText):
    """A language's text field, indexed through :func:`index_positions` instead of a Token chain.

    Same terms, positions and weights as the analyzer gives (queries still use the
    analyzer); the generic path was a large part of a full build (bench/README.md).
    """

    def __init__(self, lang: str, **kwargs):
        super().__init__(analyzer=language_analyzer(lang), phrase=True, **kwargs)
        self.lang = lang

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Term -> ascending positions of one value (what :meth:`index` yields, before encoding)."""
        return index_positions(value, self.lang)


class WordsText(_PositionsText):
    """The ``words`` field, indexed through :func:`words_positions` (same terms and positions as the analyzer)."""

    def __init__(self):
        super().__init__(analyzer=words_analyzer(), phrase=True)

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Term -> ascending positions of one value (what :meth:`index` yields, before encoding)."""
        return words_positions(value)


class LemmaKeywords(KEYWORD):
    """The ``lemmas`` field: space-separated terms, indexed as Whoosh's analyzer path would index
    them (each once, the field boost as its weight) without a Token a term (``tests/test_analysis.py``)."""

    def index(self, value, **kwargs):
        if not isinstance(value, str):
            yield from super().index(value, **kwargs)
            return
        boost, once = self.format.field_boost, pack_uint(1)  # Frequency's encoding of one occurrence
        for term in set(value.split()):
            yield term.encode("utf-8"), 1, boost, once


def position_encoder(fmt):
    """``fmt.encode``, or for Whoosh's ``Positions`` format :func:`encode_positions` (the same bytes)."""
    return encode_positions if type(fmt) is Positions else fmt.encode


_SINGLE: dict[int, bytes] = {}  # position -> the encoding of a term found there only
_SINGLE_MAX = 1 << 16


def encode_positions(positions: list[int]) -> bytes:
    """What ``Positions.encode`` writes for ascending ``positions``: their count, then the pickled deltas.

    Encoding was a tenth of a full build, mostly its Python loop per position; most of
    a document's terms occur once, and those encodings are looked up.
    ``tests/test_analysis.py`` holds it equal to Whoosh's.
    """
    if len(positions) == 1:
        pos = positions[0]
        found = _SINGLE.get(pos)
        if found is None:
            found = pack_uint(1) + dumps([pos], 2)
            if pos < _SINGLE_MAX:
                _SINGLE[pos] = found
        return found
    deltas = [positions[0], *map(operator.sub, positions[1:], positions)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


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
        # Who may read it (indexer.documents.access.audience_value; "" public): a column, so the
        # search side filters a result list without loading documents.
        "audience": ID(stored=True, sortable=True),
        # Folded words and folded|accented keys: spelling, autocomplete, accents (see WordsFilter).
        "words": WordsText(),
        # The dictionary forms of the words, folded and folded|as written (analysis.lemma_terms): what
        # people type, for the typo index, the accents step and telling a known word from a typo.
        "lemmas": LemmaKeywords(),
        # The glossary concepts a document holds a label of (indexer.glossary.Tagger): cross-language search.
        "concepts": KEYWORD(scorable=True),
        # Folded title and tag words: title autocomplete.
        "suggest": TEXT(analyzer=folded_analyzer(), phrase=False),
    }
    for lang in FIELD_LANGUAGES:
        for kind, boost in FIELD_BOOSTS.items():
            fields[text_field(kind, lang)] = LanguageText(lang, field_boost=boost)
    return Schema(**fields)
