"""Snippets: the section with the most matches and a highlighted excerpt of it.

A document word matches when one of its forms (folded surface, stem, lemma) is a
form the query asked for, so inflected words light up as the document writes them.
The forms of each distinct word are looked up once (they are cached), which keeps
this cheap enough to run for every result shown.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator

from markupsafe import escape

from indexer.text.analysis import WORD_PATTERN, field_language, fold, word_forms
from kb.search.results import Hit, doc_url

SNIPPET_CHARS = 240
_BEFORE = 60  # context shown before the first match of a fragment
FRAGMENTS = 2


def matching_words(text: str, lang: str, wanted: set[str]) -> set[str]:
    """The lower-cased words of ``text`` that have a form in ``wanted``."""
    return _Matcher(lang, wanted).count(text)[1]


class _Matcher:
    """Finds the words of a text that have a form in ``wanted``, counting them.

    Only words starting like one of the wanted forms (three letters, or all of a
    shorter form) are analysed, and they are found by one regular expression over
    the text folded letter for letter (``tam`` matches ``Tám``): analysing every
    word of every result shown was most of a search.
    Inflection in Hungarian and Czech is mostly at the end of the word; a word whose
    forms start otherwise (``legjobb`` -> ``jó``, ``cti`` -> ``čest``) still matches
    the search, it is only not highlighted. Each distinct word is judged once.
    """

    def __init__(self, lang: str, wanted: set[str]):
        self.lang, self.wanted = lang, wanted
        self.pattern = _starts_pattern(frozenset(form[:3] for form in wanted if form))
        self.verdicts: dict[str, bool] = {}

    def count(self, text: str) -> tuple[int, set[str]]:
        """How many words of ``text`` match (every occurrence), and which (lower-cased)."""
        if self.pattern is None:
            return 0, set()
        count, matched, verdicts = 0, set(), self.verdicts
        for found in self.pattern.findall(text):
            word = found.lower()
            verdict = verdicts.get(word)
            if verdict is None:
                verdict = verdicts[word] = any(form in self.wanted for form in word_forms(word, self.lang))
            if verdict:
                count += 1
                matched.add(word)
        return count, matched


class _StartsPattern:
    """Finds the words that start with one of ``starts`` (folded, lower case) in a text, as
    the text writes them: the regular expression runs over the text folded and lower-cased
    letter for letter, so its matches are where the text's words are.

    Why not a pattern with a class of accented variants per letter: compiling that was a
    large part of a question's time.
    """

    def __init__(self, starts: frozenset[str]):
        alternatives = "|".join(re.escape(start) for start in sorted(starts, key=len, reverse=True))
        self.regex = re.compile(rf"(?<!\w)(?:{alternatives})\w*")

    def finditer(self, text: str) -> Iterator[re.Match]:
        """Matches over the folded text: their spans are the text's."""
        return self.regex.finditer(text.translate(_LETTERS))

    def findall(self, text: str) -> list[str]:
        return [text[m.start() : m.end()] for m in self.finditer(text)]


@functools.lru_cache(maxsize=2_000)
def _starts_pattern(starts: frozenset[str]) -> _StartsPattern | None:
    return _StartsPattern(starts) if starts else None


class _LetterTable(dict):
    """Each character folded and lower-cased when that is one character, else itself: a
    translation that keeps every character where it is (worked out as characters are seen)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = fold(char).lower()
        self[code] = found = folded if len(folded) == 1 else char
        return found


_LETTERS = _LetterTable()


def fill_snippet(hit: Hit) -> Hit:
    """Give a hit its snippet and deep link (the best-matching section); done once per hit.

    Separate from the search so a page that fetches many hits to group them into
    families pays for snippets only on the ones it shows.
    """
    if hit.stored is not None:
        hit.anchor, hit.section, hit.snippet = best_section(hit.stored, field_language(hit.lang), set(hit.words))
        hit.url = doc_url(hit.id, hit.anchor)
        hit.stored = None
    return hit


def best_section(stored: dict, lang: str, wanted: set[str]) -> tuple[str, str, str]:
    """(anchor, heading, snippet HTML) of the section with the most matching words."""
    try:
        sections = json.loads(stored.get("sections") or "[]")
    except ValueError:
        sections = []
    best = ("", "", "", 0, set())
    if wanted:
        matcher = _Matcher(lang, wanted)
        for section in sections:
            heading = section.get("heading", "")
            text = f"{heading}\n{section.get('text', '')}" if heading else section.get("text", "")
            count, matched = matcher.count(text)
            if count > best[3]:
                best = (section.get("anchor", ""), heading, text, count, matched)
    anchor, heading, text, count, matched = best
    if not count:
        return "", "", plain(stored.get("summary") or stored.get("text", ""))
    return anchor, heading, highlight(text, matched, words=matcher.pattern)


def highlight(text: str, matched: set[str], fragments: int = FRAGMENTS, words=WORD_PATTERN) -> str:
    """Up to ``fragments`` excerpts around matches, the matched words in ``<mark>``, all else escaped.

    ``words``: a pattern (``finditer``) that finds at least the matched words (by default every word).
    """
    text = " ".join(text.split())
    spans = [m.span() for m in words.finditer(text) if text[m.start() : m.end()].lower() in matched]
    if not spans:
        return plain(text)
    parts: list[str] = []
    budget = SNIPPET_CHARS
    i = 0
    while i < len(spans) and len(parts) < fragments and budget > 40:
        start = _word_start(text, max(0, spans[i][0] - _BEFORE))
        end = min(len(text), start + budget)
        end = _word_end(text, end)
        inside = [s for s in spans if start <= s[0] and s[1] <= end]
        parts.append(_mark(text, start, end, inside))
        budget -= end - start
        i = next((k for k, s in enumerate(spans) if s[0] >= end), len(spans))
    return " … ".join(parts)


def plain(text: str, length: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > length:
        text = text[:length].rsplit(" ", 1)[0] + " …"
    return str(escape(text))


def _mark(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out, pos = [], start
    for s, e in spans:
        out.append(str(escape(text[pos:s])))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(str(escape(text[pos:end])))
    return "".join(out).strip()


def _word_start(text: str, pos: int) -> int:
    """Move back to the start of the word ``pos`` falls in."""
    while pos > 0 and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_end(text: str, pos: int) -> int:
    """Move back to the end of the last whole word before ``pos``."""
    if pos >= len(text):
        return len(text)
    cut = text.rfind(" ", 0, pos)
    return cut if cut > 0 else pos
