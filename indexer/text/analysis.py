"""Per-language text analysis for Hungarian, Czech and the partners' languages.

Practitioners type inflected forms, often without accents. Neither a stemmer nor a
lemmatizer alone matches them well enough (measured on the treebank data: lemma
~72 %, stem ~65 %, union ~93 %), so every word is indexed as several tokens at
the same position, all diacritic-folded:

* the folded surface form            (``Szegeden`` -> ``szegeden``)
* the folded Snowball stem            (``szolgáltatásokhoz`` -> ``szolgaltatas``)
* the Snowball stem of the folded word (what an unaccented query stems to)
* the folded simplemma lemma          (``služeb`` -> ``sluzba``)

A query word goes through the same analyzer, so any of its alternatives meeting
any of the document's alternatives is a match.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

import snowballstemmer
from whoosh.analysis import (
    Analyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)

from indexer.text import lemmas
from indexer.text.stopwords import STOP_WORDS

#: Languages with their own index fields and analyzer; everything else is "other".
LANGUAGES: tuple[str, ...] = ("hu", "cs", "en", "sk", "de", "pl")
OTHER = "xx"
FIELD_LANGUAGES: tuple[str, ...] = LANGUAGES + (OTHER,)

_SNOWBALL = {
    "hu": "hungarian",
    "cs": "czech",
    "en": "english",
    "de": "german",
    "pl": "polish",
    # Slovak has no Snowball stemmer; Czech's suffix rules are close enough.
    "sk": "czech",
}

# Words are runs of letters/digits, keeping inner hyphens and apostrophes out.
WORD_PATTERN = re.compile(r"\w+", re.UNICODE)

_MAX_WORD = 64  # longer "words" are noise (URLs, base64); don't stem them


def fold(text: str) -> str:
    """Remove diacritics: ``Támogatott Lakhatás`` -> ``Tamogatott Lakhatas``."""
    if text.isascii():
        return text
    return text.translate(_FOLDS)


class _FoldTable(dict):
    """Each character's folded form, worked out the first time it is seen.

    Decomposing (NFKD) and dropping combining marks works character by character, so
    ``str.translate`` over this table folds as normalising the whole string would
    (``tests/test_analysis.py``), without a Python loop per character: folding was a
    twentieth of a full build.
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_EXTRA_FOLDS)
        self[code] = folded
        return folded


_EXTRA_FOLDS = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})
_FOLDS = _FoldTable()


class WordCache:
    """A function of words with its results for the last ``size`` distinct arguments
    (``functools.lru_cache``), resizable: a build keeps many words, a web worker fewer
    (:func:`bound_word_caches`), since a stranger's queries of random words fill it."""

    def __init__(self, function, size: int):
        functools.update_wrapper(self, function)
        self.function = function
        self.size = size
        self._cached = functools.lru_cache(maxsize=size)(function)

    def __call__(self, *args):
        return self._cached(*args)

    def resize(self, size: int) -> None:
        """Keep at most ``size`` results from now on (those kept so far are dropped)."""
        self.size = size
        self._cached = functools.lru_cache(maxsize=size)(self.function)

    def cache_info(self):
        return self._cached.cache_info()

    def cache_clear(self) -> None:
        self._cached.cache_clear()


#: Every word cache of this module, with the size a build gives it.
WORD_CACHES: dict[WordCache, int] = {}


def word_cache(size: int):
    """Decorate a function of words with a :class:`WordCache` of ``size`` entries (a build's size)."""

    def decorate(function) -> WordCache:
        cache = WordCache(function, size)
        WORD_CACHES[cache] = size
        return cache

    return decorate


def bound_word_caches(entries: int | None) -> None:
    """Keep at most ``entries`` results in each word cache (None: a build's sizes again).

    A web worker analyses query words only; bench/README.md ("Memory a stranger can fill")
    has what the caches hold when full."""
    for cache, size in WORD_CACHES.items():
        cache.resize(size if entries is None else min(size, entries))


#: Languages with a Snowball stemmer, and its name (Slovak borrows Czech's).
SNOWBALL_LANGUAGES = _SNOWBALL


#: Stems PyStemmer keeps itself (its default is 10,000 a language): few, since :func:`weighted_forms`
#: keeps each word's forms.
STEMMER_CACHE = 1_000


@functools.cache
def _stemmer(lang: str):
    stemmer = snowballstemmer.stemmer(_SNOWBALL[lang])
    if hasattr(stemmer, "maxCacheSize"):  # PyStemmer's C stemmer (the pure-Python one keeps none)
        stemmer.maxCacheSize = STEMMER_CACHE
    return stemmer


_lemmatizer = None  # None: indexer.text.lemmas (simplemma's dictionaries, from disk for a few words, else in memory)


def use_compact_dictionaries() -> None:
    """Look lemmas up in simplemma's front-coded streams instead of Python dicts.

    Same answers, roughly a fifth of the memory (hu+cs: ~50 MB instead of ~290 MB),
    slower look-ups; right for a serving worker, which analyses only query words.
    """
    global _lemmatizer
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy
    from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamDictionaryFactory

    global _lookup
    from indexer.text.lemma_store import LEMMATIZER_CACHE

    factory = StreamDictionaryFactory()
    strategy = DefaultStrategy(dictionary_factory=factory)
    _lemmatizer = Lemmatizer(cache_max_size=LEMMATIZER_CACHE, lemmatization_strategy=strategy)
    _lookup = None
    _dictionary_lookup(factory)
    weighted_forms.cache_clear()
    is_dictionary_word.cache_clear()
    dictionary_lemmas.cache_clear()
    lemmas_of.cache_clear()


_lookup = None  # simplemma's dictionary look-up alone (no guessing rules), over the dictionaries in use


def _dictionary_lookup(factory=None):
    global _lookup
    if _lookup is None:
        from simplemma.strategies import DictionaryLookupStrategy

        _lookup = DictionaryLookupStrategy(factory or lemmas.FACTORY)
    return _lookup


@word_cache(50_000)
def is_dictionary_word(word: str, lang: str) -> bool:
    """Whether simplemma's dictionary lists ``word`` for ``lang`` (its rules guess a lemma for any word)."""
    return lang in LANGUAGES and _dictionary_lookup().get_lemma(word, lang) is not None


def _lemmatize(word: str, lang: str) -> str:
    if _lemmatizer is not None:
        return _lemmatizer.lemmatize(word, lang=lang)
    return lemmas.lemmatize(word, lang)  # an on-disk table for a few words, memory for many


#: How much a match on each kind of form counts: the same word or the same lemma is
#: stronger evidence than a shared stem (Snowball over-stems Hungarian: Szeged -> szeg).
SURFACE_WEIGHT = 1.0
LEMMA_WEIGHT = 1.0
STEM_WEIGHT = 0.5


@word_cache(200_000)
def weighted_forms(word: str, lang: str) -> tuple[tuple[str, float], ...]:
    """The folded forms of one lower-cased word with their weights; the surface form first."""
    folded = fold(word)
    forms: dict[str, float] = {folded: SURFACE_WEIGHT}
    if len(word) <= _MAX_WORD and not word.isdigit():
        if lang in _SNOWBALL:
            stemmer = _stemmer(lang)
            stems = [fold(stemmer.stemWord(word))]
            if folded != word:  # what an unaccented query stems to (the same for a word without accents)
                stems.append(stemmer.stemWord(folded))
            for stem in stems:
                if stem:
                    forms.setdefault(stem, STEM_WEIGHT)
        for lemma in lemmas_of(word, lang):
            folded_lemma = fold(lemma)
            forms[folded_lemma] = max(forms.get(folded_lemma, 0.0), LEMMA_WEIGHT)
    return tuple(forms.items())


@word_cache(200_000)
def lemmas_of(word: str, lang: str) -> tuple[str, ...]:
    """simplemma's lemma of a lower-cased word, as written, and the lemma of that when it differs:
    simplemma sometimes stops at a possessive form (``ülésének`` -> ``ülése`` -> ``ülés``)."""
    if lang not in LANGUAGES or len(word) > _MAX_WORD or word.isdigit():
        return ()
    first = _lemmatize(word, lang).lower()
    second = _lemmatize(first, lang).lower() if first != word else first
    return tuple(dict.fromkeys(lemma for lemma in (first, second) if lemma))


@word_cache(200_000)
def word_forms(word: str, lang: str) -> tuple[str, ...]:
    """All folded index forms of one lower-cased word in ``lang``."""
    return tuple(form for form, _ in weighted_forms(word, lang))


@word_cache(200_000)
def dictionary_lemmas(word: str, lang: str) -> tuple[str, ...]:
    """The dictionary forms simplemma's dictionary lists for a lower-cased word, as written (accents).

    Its lemma, and that lemma's own when it differs (``ülésének`` -> ``ülése`` -> ``ülés``);
    nothing for a word the dictionary lacks: a rule's guess is no word a person would type.
    """
    if lang not in LANGUAGES or len(word) > _MAX_WORD or not word.isalpha():
        return ()
    found: list[str] = []
    lookup = _dictionary_lookup()
    current = word
    for _ in range(2):
        lemma = lookup.get_lemma(current, lang)
        if lemma is None:
            break
        lemma = lemma.lower()
        if lemma.isalpha() and lemma not in found:
            found.append(lemma)
        if lemma == current:
            break
        current = lemma
    return tuple(found)


def lemma_terms(text: str, lang: str) -> set[str]:
    """The ``lemmas`` terms of a text in ``lang``: each word's lemmas (those its fields are indexed
    with), folded and as written.

    What people type is mostly the dictionary form, which the text may hold only inflected:
    the typo index and the accents step look for it here (``words`` holds the surface forms).
    """
    stops = STOP_WORDS.get(lang, frozenset())
    terms: set[str] = set()
    for word in set(WORD_PATTERN.findall(text.lower())):
        if len(word) < 3 or word in stops:
            continue
        for lemma in lemmas_of(word, lang):
            if lemma.isalpha():
                terms.update(words_terms(lemma))
    return terms


#: Languages that write compounds as one word: ``gyerekszegénység`` should be found by ``szegénység``.
COMPOUND_LANGUAGES = frozenset({"hu"})
_COMPOUND_MIN = 10  # letters; shorter words are rarely compounds worth splitting
_PART_MIN = 3  # the modifier (gyerek-, olaj-) may be short ...
_HEAD_MIN = 5  # ... the head carries the meaning and must not be a stray ending


@word_cache(100_000)
def compound_head(word: str, lang: str) -> str | None:
    """The longest dictionary word ending ``word`` whose remaining front is a dictionary word too.

    ``gyerekszegénységet`` -> ``szegénységet``; ``szolgáltatásfejlesztési`` -> ``fejlesztési``.
    Both parts must be known words, so an ending such as ``-ottak`` is never taken for a head.
    """
    if len(word) < _COMPOUND_MIN or not word.isalpha():
        return None
    known = lemmas.FACTORY.get_dictionary(lang)
    for cut in range(_PART_MIN, len(word) - _HEAD_MIN + 1):
        head, front = word[cut:], word[:cut]
        if head in known and front in known:
            return head
    return None


def compound_forms(word: str, lang: str) -> tuple[str, ...]:
    """Index forms of a compound's head that the whole word does not already have."""
    head = compound_head(word, lang)
    if head is None:
        return ()
    own = set(word_forms(word, lang))
    return tuple(f for f in word_forms(head, lang) if f not in own)


def warm_up(langs: Iterable[str]) -> None:
    """Load the lemma dictionaries now (seconds each), not in the first visitor's request."""
    for lang in langs:
        if lang in LANGUAGES:
            if _lemmatizer is None:
                lemmas.load(lang)  # the whole in-memory dictionary: a site answers many queries
            else:
                _lemmatize("warmup", lang)


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


def index_forms(word: str, lang: str) -> tuple[str, ...]:
    """Every term one lower-cased word is indexed as in ``lang``'s fields, at its position."""
    if lang not in LANGUAGES:
        return (fold(word),)
    if lang in COMPOUND_LANGUAGES:
        return _forms_with_compound(word, lang)
    return word_forms(word, lang)


@word_cache(200_000)
def _forms_with_compound(word: str, lang: str) -> tuple[str, ...]:
    return word_forms(word, lang) + compound_forms(word, lang)


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


ACCENT_SEPARATOR = "|"


def accent_key(word: str) -> str:
    """The ``words`` term of an accented, lower-cased word."""
    return f"{fold(word)}{ACCENT_SEPARATOR}{word}"


@word_cache(200_000)
def words_terms(word: str) -> tuple[str, ...]:
    """The ``words`` terms of one lower-cased word (see :class:`WordsFilter`)."""
    folded = fold(word)
    return (folded,) if folded == word else (folded, accent_key(word))


def words_analyzer() -> Analyzer:
    return tokenizer() | LowercaseFilter() | WordsFilter()


def folded_analyzer() -> Analyzer:
    """Lower-cased, folded words: titles for autocomplete and spelling suggestions."""
    return tokenizer() | LowercaseFilter() | FoldFilter()


def field_language(lang: str | None) -> str:
    """The index-field language for a document language code."""
    return lang if lang in LANGUAGES else OTHER


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
