"""The index forms of one word: folded surface form, Snowball stems, simplemma lemmas, compound heads
(why several forms: :mod:`indexer.text.analysis`), and the ``words`` and ``lemmas`` fields' terms."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import snowballstemmer

from indexer.text import lemmas
from indexer.text.stopwords import STOP_WORDS
from indexer.text.words import _MAX_WORD, WORD_PATTERN, fold, word_cache

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

    Same answers, much less memory (bench/README.md), slower look-ups; right for a serving
    worker, which analyses only query words.
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


ACCENT_SEPARATOR = "|"


def accent_key(word: str) -> str:
    """The ``words`` term of an accented, lower-cased word."""
    return f"{fold(word)}{ACCENT_SEPARATOR}{word}"


@word_cache(200_000)
def words_terms(word: str) -> tuple[str, ...]:
    """The ``words`` terms of one lower-cased word (see :class:`WordsFilter`)."""
    folded = fold(word)
    return (folded,) if folded == word else (folded, accent_key(word))


def field_language(lang: str | None) -> str:
    """The index-field language for a document language code."""
    return lang if lang in LANGUAGES else OTHER
