"""Words: the word pattern, diacritic folding, and the caches of per-word results (see :mod:`indexer.text.analysis`)."""

from __future__ import annotations

import functools
import re
import unicodedata

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
    (``tests/test_analysis.py``), without a Python loop per character: folding is done for
    every word of a full build.
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
