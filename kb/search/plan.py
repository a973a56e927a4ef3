"""From what a person typed to a Whoosh query, without ever failing to parse.

We do not hand user input to Whoosh's query language: a stray quote or colon
would be an error or a surprise. Instead the text is split into words and
"quoted phrases"; each word is analysed with every language's rules and may
match any of its forms (stem, lemma, folded) in that language's fields.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as Q
from whoosh.query import spans

from indexer.analysis import ACCENT_SEPARATOR, WORD_PATTERN, accent_key, fold, query_form_weights
from indexer.schema import FIELD_BOOSTS, text_field
from kb.search.whoosh_internals.matching import BulkOr

MAX_QUERY_CHARS = 500
EXACT_BOOST = 0.5
MAX_WORDS = 32

_PHRASE = re.compile(r'"([^"]+)"')


@dataclass
class ParsedQuery:
    """The words and phrases of a query, cleaned and bounded."""

    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def all_words(self) -> list[str]:
        return self.words + [w for p in self.phrases for w in p]


def clean(text: str) -> str:
    """NFC, no control characters, no combining marks left dangling, bounded length."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def parse(text: str) -> ParsedQuery:
    cleaned = clean(text)
    parsed = ParsedQuery(cleaned)
    for match in _PHRASE.finditer(cleaned):
        words = WORD_PATTERN.findall(match.group(1))
        if len(words) > 1:
            parsed.phrases.append([w.lower() for w in words])
        elif words:
            parsed.words.append(words[0].lower())
    rest = _PHRASE.sub(" ", cleaned)
    parsed.words.extend(w.lower() for w in WORD_PATTERN.findall(rest))
    # Bound the work a single request can cause.
    parsed.words = list(dict.fromkeys(parsed.words))[:MAX_WORDS]
    parsed.phrases = parsed.phrases[:4]
    return parsed


def word_query(word: str, langs: list[str], spellings: tuple[str, ...] = ()) -> Q.Query | None:
    """Any form of ``word`` in any of ``langs``' fields, or an exact match; None for a stop word.

    The forms of every language are tried in every field: a Hungarian query
    ``Kecskeméten`` should find the English text that says ``Kecskemét``.
    ``spellings`` are the accented words of the index an unaccented word folds
    from (``ules`` -> ``ülés``): their lemmas are what an unaccented query lacks.
    """
    forms = all_forms(word, langs, spellings)
    if not forms:
        return None
    alternatives: list[Q.Query] = [
        Q.Term(text_field(kind, lang), form, boost=weight)
        for lang in langs
        for kind in FIELD_BOOSTS
        for form, weight in forms.items()
    ]
    # An exact, accented match earns a little more (the typed word, or the spellings it stands for).
    alternatives += [
        Q.Term("words", accent_key(spelled), boost=EXACT_BOOST)
        for spelled in (word, *spellings)
        if fold(spelled) != spelled
    ]
    return _preloaded_or(alternatives)


def all_forms(word: str, langs: list[str], spellings: tuple[str, ...] = ()) -> dict[str, float]:
    """The union of the word's weighted query forms under each language's rules (empty for a stop word)."""
    per_lang = [query_form_weights(word, lang) for lang in langs]
    if any(not forms for forms in per_lang):
        return {}  # a stop word in one of the languages searched is noise in all of them
    if spellings:
        # The accented spellings know the word better than the unaccented letters do:
        # stemming or lemmatizing "bejelentes" guesses wrong, "bejelentés" does not.
        per_lang = [{fold(word): 1.0}]
        per_lang += [query_form_weights(spelling, lang) for spelling in spellings for lang in langs]
    merged: dict[str, float] = {}
    for forms in per_lang:
        for form, weight in forms.items():
            merged[form] = max(merged.get(form, 0.0), weight)
    return merged


def _preloaded_or(alternatives: list[Q.Query]) -> Q.Or:
    """An Or that reads its terms' matches into one array instead of a deep tree of union
    matchers: a word expands to dozens of terms, and walking that tree dominated query time."""
    return BulkOr(alternatives)


class _SpanOr(spans.SpanOr):
    """Whoosh's SpanOr cannot estimate its size, which a SpanNear inside an And needs."""

    def estimate_size(self, ixreader) -> int:
        return self.q.estimate_size(ixreader)


def phrase_query(words: list[str], langs: list[str], spellings: dict[str, tuple[str, ...]]) -> Q.Query | None:
    """The words in order, each in any of its forms, within one field."""
    per_field: list[Q.Query] = []
    for lang in langs:
        forms = [list(all_forms(w, [lang], spellings.get(w, ()))) for w in words]
        kept = [f for f in forms if f]
        if len(kept) < 2:
            continue
        slop = 1 + (len(forms) - len(kept))  # room for dropped stop words
        for kind in FIELD_BOOSTS:
            fieldname = text_field(kind, lang)
            parts = [_SpanOr([Q.Term(fieldname, f) for f in alts]) for alts in kept]
            per_field.append(spans.SpanNear2(parts, slop=slop, ordered=True))
    return Q.Or(per_field) if per_field else None


def build(
    parsed: ParsedQuery,
    langs: list[str],
    *,
    conjunction: bool = True,
    misspelled: frozenset[str] = frozenset(),
    spellings: dict[str, tuple[str, ...]] | None = None,
) -> Q.Query | None:
    """The whole query: AND (or OR) of its words and phrases; None when nothing is searchable.

    Words in ``misspelled`` (not in the index in any form) match near spellings instead.
    """
    spellings = spellings or {}
    clauses = []
    for word in parsed.words:
        if word in misspelled:
            clause = fuzzy_word_query(word, langs)
        else:
            clause = word_query(word, langs, spellings.get(word, ()))
        if clause is not None:
            clauses.append(clause)
    clauses += [q for q in (phrase_query(p, langs, spellings) for p in parsed.phrases) if q is not None]
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    return Q.And(clauses) if conjunction else Q.Or(clauses)


def fuzzy_word_query(word: str, langs: list[str]) -> Q.Query | None:
    """Typo tolerance: the word within one (short words) or two edits of an indexed form."""
    folded = fold(word)
    if len(folded) < 4:
        return None
    maxdist = 1 if len(folded) < 8 else 2
    return Q.Or(
        [
            Q.FuzzyTerm(text_field(kind, lang), folded, maxdist=maxdist, prefixlength=1)
            for lang in langs
            for kind in FIELD_BOOSTS
        ]
    )


def word_forms_by_field(word: str, langs: list[str]) -> list[tuple[str, str]]:
    """Every (field, term) a word could match: to tell a known word from a misspelling."""
    forms = all_forms(word, langs) or [word]
    return [("words", fold(word))] + [
        (text_field(kind, lang), f) for lang in langs for kind in FIELD_BOOSTS for f in forms
    ]


def accented_spellings(reader, words: list[str]) -> dict[str, tuple[str, ...]]:
    """For each unaccented word, the most frequent accented words of the index that fold to it."""
    found: dict[str, tuple[str, ...]] = {}
    for word in words:
        if fold(word) != word or not word.isalpha():
            continue
        prefix = word + ACCENT_SEPARATOR
        keys = list(itertools.islice(reader.expand_prefix("words", prefix), 20))
        if keys:
            keys.sort(key=lambda k: -reader.doc_frequency("words", k))
            found[word] = tuple(_text(k)[len(prefix) :] for k in keys[:3])
    return found


def misspelled(searcher, parsed: ParsedQuery, langs: list[str]) -> frozenset[str]:
    """Words that are in the index in none of their forms (likely typos)."""
    return frozenset(
        word
        for word in parsed.words
        if not any(searcher.doc_frequency(f, t) for f, t in word_forms_by_field(word, langs))
    )


def did_you_mean(searcher, parsed: ParsedQuery, wrong: frozenset[str]) -> str | None:
    """The query with each misspelled word replaced by the closest indexed word."""
    corrector = searcher.corrector("words")
    words, changed = [], False
    for word in parsed.words:
        if word in wrong:
            candidates = [
                c for c in corrector.suggest(fold(word), limit=5, maxdist=2, prefix=1) if ACCENT_SEPARATOR not in c
            ]
            if candidates:
                words.append(candidates[0])
                changed = True
                continue
        words.append(word)
    words += [f'"{" ".join(p)}"' for p in parsed.phrases]
    return " ".join(words) if changed else None


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
