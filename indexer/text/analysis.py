"""Per-language text analysis for Hungarian, Czech and the partners' languages.

Practitioners type inflected forms, often without accents. Neither a stemmer nor a
lemmatizer alone matches them well enough (bench/README.md has the treebank figures;
their union matches far more), so every word is indexed as several tokens at the
same position, all diacritic-folded:

* the folded surface form            (``Szegeden`` -> ``szegeden``)
* the folded Snowball stem            (``szolgáltatásokhoz`` -> ``szolgaltatas``)
* the Snowball stem of the folded word (what an unaccented query stems to)
* the folded simplemma lemma          (``služeb`` -> ``sluzba``)

A query word goes through the same analyzer, so any of its alternatives meeting
any of the document's alternatives is a match.

Here: the Whoosh analyzers and filters, and the writer's fast path to a field's term positions.
A word's forms are :mod:`indexer.text.forms`, folding and the word caches :mod:`indexer.text.words`;
their names are importable from here too. Whoosh pickles the filters' module path
(``indexer.text.analysis.FoldFilter`` ...) into every index: they stay in this module.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)

from indexer.text.forms import (
    ACCENT_SEPARATOR,
    COMPOUND_LANGUAGES,
    FIELD_LANGUAGES,
    LANGUAGES,
    LEMMA_WEIGHT,
    OTHER,
    SNOWBALL_LANGUAGES,
    STEM_WEIGHT,
    STEMMER_CACHE,
    SURFACE_WEIGHT,
    accent_key,
    compound_forms,
    compound_head,
    dictionary_lemmas,
    field_language,
    index_forms,
    is_dictionary_word,
    lemma_terms,
    lemmas_of,
    use_compact_dictionaries,
    warm_up,
    weighted_forms,
    word_forms,
    words_terms,
)
from indexer.text.stopwords import STOP_WORDS
from indexer.text.words import (
    WORD_CACHES,
    WORD_PATTERN,
    WordCache,
    bound_word_caches,
    fold,
    word_cache,
)


class MorphologyFilter(Filter):
    """Expand each token into its folded surface, stem and lemma forms at one position."""

    is_morph = True

    def __init__(self, lang: str):
        self.lang = lang

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MorphologyFilter) and other.lang == self.lang

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        lang = self.lang
        for t in tokens:
            if t.mode == "query" and getattr(t, "no_morph", False):
                yield t
                continue
            forms = index_forms(t.text, lang) if t.mode == "index" else word_forms(t.text, lang)
            for form in forms:
                t.text = form
                yield t


def index_positions(text: str, lang: str) -> dict[str, list[int]]:
    """Term -> positions for one field of ``lang``: what :func:`language_analyzer` yields, faster.

    The writer's own path builds a Token per form and runs a filter chain per token;
    a full build spends most of its analysis time there. This does the same work
    (tokenise, lower-case, drop stop words and renumber, expand forms) with the
    per-word result cached. ``tests/test_analysis.py`` holds the two paths equal.

    An :class:`AnalysedText` of ``lang`` gives the positions it holds (callers must not change them).
    """
    if type(text) is AnalysedText and text.lang == lang:
        return text.positions
    return _index_positions(text, lang)


class AnalysedText(str):
    """A text of one language's field that keeps its :func:`index_positions`, worked out once.

    A document's texts are read by the glossary tagger and then by the index writer
    (:mod:`indexer.build.fields`); both get the same analysis. Equal to the plain text.
    """

    def __new__(cls, text: str, lang: str):
        self = super().__new__(cls, text)
        self.lang = lang
        return self

    def __getnewargs__(self) -> tuple[str, str]:
        return str(self), self.lang

    @functools.cached_property
    def positions(self) -> dict[str, list[int]]:
        return _index_positions(str(self), self.lang)


def _index_positions(text: str, lang: str) -> dict[str, list[int]]:
    stops = STOP_WORDS.get(lang, frozenset())
    words = [token.lower() for token in WORD_PATTERN.findall(text)]
    # Whoosh's StopFilter keeps the first kept word's position, then counts on.
    first = next((index for index, word in enumerate(words) if word not in stops), None)
    if first is None:
        return {}
    kept = [word for word in words if word not in stops] if stops else words
    return _expand(_positions_by_word(kept, first), lambda word: index_forms(word, lang))


def _positions_by_word(words: list[str], start: int = 0) -> dict[str, list[int]]:
    """Each distinct word's positions, numbered from ``start``."""
    found: dict[str, list[int]] = {}
    for position, word in enumerate(words, start):
        have = found.get(word)
        if have is None:
            found[word] = [position]
        else:
            have.append(position)
    return found


def _expand(by_word: dict[str, list[int]], terms_of) -> dict[str, list[int]]:
    """Term -> positions, from each distinct word's positions and its terms.

    A word's terms share its list (read only); a term that several words give gets their
    positions merged. Per distinct word, not per word: a text repeats most of its words.
    """
    positions: dict[str, list[int]] = {}
    for word, found in by_word.items():
        for term in terms_of(word):
            have = positions.get(term)
            positions[term] = found if have is None else sorted(have + found)
    return positions


def words_positions(text: str) -> dict[str, list[int]]:
    """Term -> positions for the ``words`` field: what :func:`words_analyzer` yields, faster.

    Every word keeps its position, stop words included: an exact quoted phrase
    (``"nem volt vége"``) is matched here, word for word.
    """
    return _expand(_positions_by_word([token.lower() for token in WORD_PATTERN.findall(text)]), words_terms)


class FoldFilter(Filter):
    """Diacritic folding alone (for the language-neutral fields)."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FoldFilter)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold(t.text)
            yield t


def tokenizer() -> RegexTokenizer:
    return RegexTokenizer(WORD_PATTERN)


def language_analyzer(lang: str) -> Analyzer:
    """The analyzer for one language's fields; ``lang`` may be :data:`OTHER`."""
    chain = tokenizer() | LowercaseFilter()
    stops = STOP_WORDS.get(lang)
    if stops:
        chain = chain | StopFilter(stoplist=stops, minsize=1)
    if lang == OTHER:
        return chain | FoldFilter()
    return chain | MorphologyFilter(lang)


class WordsFilter(Filter):
    """Each word folded (``tamogatott``), plus ``tamogatott|támogatott`` when it has accents.

    One field serves three needs: "did you mean" and autocomplete (folded words),
    an unaccented query word learning its accented spellings (``expand_prefix`` on
    ``word|``), and rewarding an exact, accented match (the ``folded|accented`` key).
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordsFilter)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            for term in words_terms(t.text):
                t.text = term
                yield t


def words_analyzer() -> Analyzer:
    return tokenizer() | LowercaseFilter() | WordsFilter()


def folded_analyzer() -> Analyzer:
    """Lower-cased, folded words: titles for autocomplete and spelling suggestions."""
    return tokenizer() | LowercaseFilter() | FoldFilter()


def query_forms(word: str, lang: str) -> list[str]:
    """The tokens a single query word turns into for ``lang``'s fields (empty for a stop word)."""
    return [t.text for t in language_analyzer(lang)(word, mode="query")]


def query_form_weights(word: str, lang: str) -> dict[str, float]:
    """Like :func:`query_forms`, with how much a match on each form counts."""
    lowered = word.lower()
    if lowered in STOP_WORDS.get(lang, ()):
        return {}
    if lang == OTHER:
        return {fold(lowered): SURFACE_WEIGHT}
    return dict(weighted_forms(lowered, lang))


__all__ = [
    "ACCENT_SEPARATOR",
    "AnalysedText",
    "COMPOUND_LANGUAGES",
    "FIELD_LANGUAGES",
    "FoldFilter",
    "LANGUAGES",
    "LEMMA_WEIGHT",
    "MorphologyFilter",
    "OTHER",
    "SNOWBALL_LANGUAGES",
    "STEMMER_CACHE",
    "STEM_WEIGHT",
    "SURFACE_WEIGHT",
    "WORD_CACHES",
    "WORD_PATTERN",
    "WordCache",
    "WordsFilter",
    "accent_key",
    "bound_word_caches",
    "compound_forms",
    "compound_head",
    "dictionary_lemmas",
    "field_language",
    "fold",
    "folded_analyzer",
    "index_forms",
    "index_positions",
    "is_dictionary_word",
    "language_analyzer",
    "lemma_terms",
    "lemmas_of",
    "query_form_weights",
    "query_forms",
    "tokenizer",
    "use_compact_dictionaries",
    "warm_up",
    "weighted_forms",
    "word_cache",
    "word_forms",
    "words_analyzer",
    "words_positions",
    "words_terms",
]
