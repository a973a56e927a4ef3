"""Which language is a text in?

langdetect is seeded so the same text always gets the same answer. Deciding a
document's language from this and its front matter is :mod:`indexer.documents.prepare`.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass

from langdetect import DetectorFactory, detector_factory

from indexer.text import langprofiles, lemmas

DetectorFactory.seed = 0

#: A detection at least this sure that disagrees with the declared ``lang`` is reported.
CONFIDENT = 0.90
#: Languages this knowledge base expects; detection chooses among these only.
EXPECTED = ("hu", "cs", "en", "sk", "de", "pl")
#: Characters of a document that detection reads: langdetect's cost grows with the
#: sample, and 2,000 characters agree with 5,000 on every document of the benchmark corpus.
SAMPLE_CHARS = 2000

# Evidence langdetect's n-grams weigh too little in a short text: letters that only some
# of the expected languages write, and their commonest short words. Log-odds added to
# langdetect's log-probabilities; capped so that a long text is langdetect's to judge.
#: Log-odds of one word that Czech or Slovak writes and the other does not.
CS_SK_WORD = 2.0
_LETTERS: dict[str, dict[str, float]] = {
    "ő": {"hu": 3.0},
    "ű": {"hu": 3.0},
    "õ": {"hu": 2.0},  # ő and ű as Latin-1 mojibake, common in old Hungarian web text
    "û": {"hu": 2.0},
    "ř": {"cs": 3.0},
    "ů": {"cs": 3.0},
    "ě": {"cs": 3.0},
    "ľ": {"sk": 3.0},
    "ĺ": {"sk": 3.0},
    "ŕ": {"sk": 3.0},
    "ô": {"sk": 2.0},
    "ä": {"sk": 1.5, "de": 1.5},
    "ł": {"pl": 3.0},
    "ą": {"pl": 3.0},
    "ę": {"pl": 3.0},
    "ś": {"pl": 3.0},
    "ź": {"pl": 3.0},
    "ż": {"pl": 3.0},
    "ć": {"pl": 2.0},
    "ń": {"pl": 2.0},
    "ß": {"de": 3.0},
    "ö": {"de": 1.0, "hu": 1.0},
    "ü": {"de": 1.0, "hu": 1.0},
}
_WORDS: dict[str, str] = {
    "hu": "a az és hogy nem is egy meg van volt de csak már még ez azt mint vagy sem kell lesz ami aki amely "
    "ezt itt ott pedig szerint után között által nincs voltak vannak lehet minden ő ők",
    "cs": "se ve pro jsou jako jsem být který která které není také nebo jak jen byl byla bylo když což před "
    "jejich může mají jsme jste ještě již tento této jsme až už že při však",
    "sk": "sa vo pre sú ako som byť ktorý ktorá ktoré nie tiež alebo podľa keď bol bola bolo aj len čo sme ste "
    "medzi môže ich jej už až že pri však tento tejto ešte",
    "pl": "i w się nie do jest jak po co tak za od już jego tylko przez być był może są dla czy który która "
    "które oraz jednak także ich jej gdy",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an als wird bei "
    "nach aus sind oder wie werden hat ich",
    "en": "the and of to in is that for it with as was on be by this are at from or an which not have has but "
    "were their been will you",
}
# Czech and Slovak share most short words and n-grams; these tell them apart (with and
# without accents: much Czech and Slovak web text is typed without them).
_CS_ONLY = (
    "se ve ze ke jsou jsem jsme jste být byl byla bylo byly jak když co tedy také nebo ještě který která které "
    "kterou kteří není před při podle proto jen jako může než pak již jenž zda této tyto jejich jí mě mně teď "
    "zde proč něco někdo nejen neni jeste muze kdyz ktery ktera ktere take jiz tedy nez proc neco"
)
_SK_ONLY = (
    "sa vo zo ku sú som sme ste byť bol bola bolo boli ako keď čo teda tiež alebo ešte ktorý ktorá ktoré ktorú "
    "ktorí nie pri podľa preto len môže potom aj iba dňa tejto tieto ich jej ma teraz prečo niečo niekto "
    "ked tiez este ktory ktora ktore podla moze preco niekto su"
)
_WORD_EVIDENCE: dict[str, dict[str, float]] = {}
for _lang, _words in _WORDS.items():
    for _word in _words.split():
        _WORD_EVIDENCE.setdefault(_word, {})[_lang] = 1.0
# A word several languages share says less: split its weight between them.
_WORD_EVIDENCE = {w: {lang: 1.5 / len(langs) for lang in langs} for w, langs in _WORD_EVIDENCE.items()}
for _lang, _words in (("cs", _CS_ONLY), ("sk", _SK_ONLY)):
    for _word in _words.split():
        _WORD_EVIDENCE[_word] = {**_WORD_EVIDENCE.get(_word, {}), _lang: CS_SK_WORD}
_EVIDENCE_CAP = 8.0
#: The n-grams of a text overlap (1-, 2- and 3-grams of the same letters): their summed
#: log-likelihood counts a third; the letter and word evidence twice. Chosen on the
#: treebank and lingua's sentences (bench/langid.py).
NGRAM_WEIGHT = 0.33
EVIDENCE_WEIGHT = 2.0
_SMOOTHING = 0.5 / 10_000  # langdetect's alpha / BASE_FREQ
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    lang: str | None
    probability: float


_factory: DetectorFactory | None = None
_factory_lock = threading.Lock()


def _profiles() -> DetectorFactory:
    """langdetect's factory with its n-gram profiles (from the on-disk cache when there is one)."""
    global _factory
    if _factory is None:
        with _factory_lock:
            if _factory is None:
                langprofiles.install(lemmas.SETTINGS.cache_dir)  # from the on-disk cache: no parse per process
                if detector_factory._factory is None:
                    detector_factory.init_factory()
                _factory = detector_factory._factory
    return _factory


@functools.lru_cache(maxsize=200_000)
def _log_row(ngram: str) -> tuple[float, ...] | None:
    """log P(n-gram | language) for each expected language, smoothed as langdetect smooths it."""
    factory = _profiles()
    row = factory.word_lang_prob_map.get(ngram) if ngram in factory.word_lang_prob_map else None
    if row is None:
        return None
    return tuple(math.log(_SMOOTHING + row[i]) for i in _columns())


@functools.cache
def _columns() -> tuple[int, ...]:
    langlist = _profiles().langlist
    return tuple(langlist.index(lang) for lang in EXPECTED)


def _ngram_scores(sample: str) -> dict[str, float]:
    """Naive-Bayes log-likelihood of the text's n-grams per expected language, from langdetect's profiles.

    Every n-gram counts once, deterministically: langdetect's own estimate samples
    n-grams at random and saturates at 1.0 on a short text, leaving nothing for other
    evidence to weigh against ({} when the text has no n-gram the profiles know).
    """
    totals = [0.0] * len(EXPECTED)
    found = False
    for ngram, count in Counter(ngrams(sample, _profiles().word_lang_prob_map.keys())).items():
        row = _log_row(ngram)
        if row is not None:
            found = True
            for i, value in enumerate(row):
                totals[i] += value * count
    return dict(zip(EXPECTED, totals, strict=True)) if found else {}


class _Normalised(dict):
    """Each character as langdetect's ``NGram.normalize`` gives it, worked out the first time it is seen."""

    def __missing__(self, code: int) -> str:
        from langdetect.utils.ngram import NGram

        found = self[code] = NGram.normalize(chr(code))
        return found


_NORMALISED = _Normalised()
_SPACES = re.compile(" {2,}")
_LATIN = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z', the six signs between Z and a included
# What langdetect's cleaning_text counts as not Latin: everything from U+0300 on (it means to leave out Latin
# Extended Additional, but compares the block with a name; unicode_block returns a number).
_NOT_LATIN = re.compile("[\u0300-\U0010ffff]")
_MAX_TEXT = 10_000  # langdetect's Detector.max_text_length


def ngrams(text: str, known: Container[str]) -> list[str]:
    """The n-grams of ``text`` that ``known`` has (the profiles' keys), in order: what langdetect's
    ``Detector`` gives after ``append(text)`` and ``cleaning_text()`` from ``_extract_ngrams()``
    (``tests/test_language.py``).

    langdetect does each of those steps with a Python call per character (a block look-up, an
    n-gram object's method); here the characters are normalised with ``str.translate`` and the
    n-grams taken in one loop, a small part of a detection's time.
    """
    from langdetect.detector import Detector
    from langdetect.utils.ngram import NGram

    text = NGram.normalize_vi(Detector.MAIL_RE.sub(" ", Detector.URL_RE.sub(" ", text)))
    text = _SPACES.sub(" ", text[:_MAX_TEXT])
    if len(_LATIN.findall(text)) * 2 < len(_NOT_LATIN.findall(text)):
        text = _LATIN.sub("", text)
    found: list[str] = []
    grams, capital = " ", False
    for char in text.translate(_NORMALISED):
        last = grams[-1]
        if last == " ":
            grams, capital = " ", False
            if char == " ":
                continue
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += char
        if char.isupper():
            if last.isupper():
                capital = True
        else:
            capital = False
        if capital:
            continue
        if char != " " and char in known:
            found.append(char)
        if len(grams) >= 2:
            if grams[-2:] in known:
                found.append(grams[-2:])
            if len(grams) >= 3 and grams in known:
                found.append(grams)
    return found


def evidence(text: str) -> dict[str, float]:
    """Log-odds per language from distinctive letters and common short words, each capped."""
    scores = dict.fromkeys(EXPECTED, 0.0)
    lowered = text.lower()
    for letter, weights in _LETTERS.items():
        count = lowered.count(letter)
        if count:
            for lang, weight in weights.items():
                scores[lang] += weight * min(count, 3)
    for word in _TOKEN.findall(lowered):
        for lang, weight in _WORD_EVIDENCE.get(word, {}).items():
            scores[lang] += weight
    return {lang: min(score, _EVIDENCE_CAP) for lang, score in scores.items()}


def detect(text: str) -> Detection:
    """The most likely of the expected languages for ``text`` (None when there is nothing to go on).

    langdetect restricted to the expected languages, seeded, and combined with letter and
    function-word evidence, which decides the short texts n-grams alone get wrong (Czech
    and Slovak, a one-line Polish or Hungarian sentence).
    """
    sample = " ".join(text.split())[:SAMPLE_CHARS]
    if sum(map(str.isalpha, sample)) < 3:
        return Detection(None, 0.0)
    ngrams = _ngram_scores(sample)
    extra = evidence(sample)
    if not ngrams and not any(extra.values()):
        return Detection(None, 0.0)
    scores = {lang: NGRAM_WEIGHT * ngrams.get(lang, 0.0) + EVIDENCE_WEIGHT * extra[lang] for lang in EXPECTED}
    top = max(scores.values())
    weights = {lang: math.exp(score - top) for lang, score in scores.items()}
    best = max(weights, key=lambda lang: (weights[lang], -EXPECTED.index(lang)))
    return Detection(best, round(weights[best] / sum(weights.values()), 4))
