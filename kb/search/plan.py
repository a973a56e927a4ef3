"""From what a person typed to a query plan: built once, executed once.

We do not hand user input to Whoosh's query language: a stray quote or colon would
be an error or a surprise. The text is split into words and "quoted phrases"
(:func:`parse`); then each step adds what it knows, in this order:

1. word forms: each word analysed under every searched language's rules (stem,
   lemma, folded surface), a stop word of any of them dropped;
2. accented spellings: an unaccented word borrows the accented words and dictionary
   forms of the index that fold to it (``ules`` -> ``ülés``, ``sluzba`` -> ``služba``),
   whose lemmas the bare letters lack;
3. typos: a word the index holds in none of its forms that are not a guess
   (:func:`kb.search.known.known`) matches its nearest index words or dictionary forms, of the
   languages searched and typed (:mod:`kb.search.typos`; Damerau edits, accents free),
   and the last word, still being typed, its completions; "Did you mean" spells the
   nearest word as a person types it (accents);
4. phrases: the words in order, any inflected form, within one language's field;
5. glossary: labels of a concept found in the query add the concept's other labels
   as alternatives of that clause (``kb.search.glossary``; none when it has no match).

The plan is a list of :class:`Clause` (one per word or phrase). The engine counts
for each document how many clauses it matches and ranks by that coverage first,
then by how many it matches directly (not through a near spelling or the glossary),
then by BM25F (``whoosh_internals.dense``).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from whoosh import query as Q
from whoosh.query import spans

from indexer.format.schema import FIELD_BOOSTS, text_field
from indexer.text.analysis import (
    ACCENT_SEPARATOR,
    WORD_PATTERN,
    accent_key,
    fold,
    query_form_weights,
)
from kb.search import typos
from kb.search.audience import PREVIEW
from kb.search.known import in_languages, known, query_languages
from kb.search.matching import BulkOr
from kb.search.visibility import Visibility

MAX_QUERY_CHARS = 500
EXACT_BOOST = 0.5
EXACT_PHRASE_BOOST = 2.0
MAX_WORDS = 32
MAX_PHRASES = 4
#: How much a near spelling counts against the word itself, by edit distance; completions of the last word.
TYPO_BOOST = {1: 0.5, 2: 0.25}
PREFIX_BOOST = 0.4
TYPO_CANDIDATES = 4
COMPLETIONS = 100  # a stub's completions that match, as written
FORMED_COMPLETIONS = 4  # ... of which the most frequent also match in any inflected form
MIN_PREFIX = 3

_PHRASE = re.compile(r'"([^"]+)"')


@dataclass
class ParsedQuery:
    """The words and phrases of a query, cleaned and bounded."""

    text: str
    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    open_last: bool = False  # the last word may still be being typed (no space or quote after it)

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def all_words(self) -> list[str]:
        return self.words + [w for p in self.phrases for w in p]


@dataclass
class Alternative:
    """Another way to match a clause (a glossary concept's label in another language)."""

    query: Q.Query
    concept: str
    label: str  # the label this query looks for, as the glossary writes it
    query_label: str = ""  # the label found in the query


@dataclass
class Clause:
    """One word or phrase of the query, as the index is searched for it."""

    text: str
    query: Q.Query | None  # None: nothing in the index can match it directly
    alternatives: list[Alternative] = field(default_factory=list)
    typos: list[str] = field(default_factory=list)  # the near spellings it matches instead


@dataclass
class Plan:
    parsed: ParsedQuery
    langs: list[str]
    clauses: list[Clause] = field(default_factory=list)
    suggestion: str | None = None
    message: str | None = None

    @property
    def fuzzy(self) -> bool:
        return any(c.typos for c in self.clauses)

    def terms(self) -> set[tuple[str, str]]:
        """Every (field, term) the plan searches: what snippets highlight."""
        found: set[tuple[str, str]] = set()
        for clause in self.clauses:
            for q in [clause.query] + [a.query for a in clause.alternatives]:
                if q is not None:
                    found |= {(f, _text(t)) for f, t in q.all_terms()}
        return found


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
    rest_words = [w.lower() for w in WORD_PATTERN.findall(rest)]
    parsed.words.extend(rest_words)
    # Bound the work a single request can cause.
    parsed.words = list(dict.fromkeys(parsed.words))[:MAX_WORDS]
    parsed.phrases = parsed.phrases[:MAX_PHRASES]
    raw = (text or "").rstrip("\r\n")
    parsed.open_last = bool(rest_words) and bool(raw) and raw[-1].isalnum() and parsed.words[-1] == rest_words[-1]
    return parsed


#: The glossary step: (plan, searcher) -> None, adding alternatives to the plan's clauses.
GlossaryStep = Callable[["Plan", object], None]


def build_plan(
    searcher,
    parsed: ParsedQuery,
    langs: list[str],
    vocabularies: Callable[..., list[typos.Vocabulary] | None],
    glossary: GlossaryStep | None = None,
    visible: Visibility | None = None,
) -> Plan:
    """Every step of the plan (see the module's docstring), in order, for a parsed query.

    ``visible``: the reader's view of the index; the words only documents they may not see hold
    are no words to them (not known, no typo candidate, no completion, no accented spelling).
    """
    plan = Plan(parsed, langs)
    if parsed.empty:
        return plan
    visible = visible or Visibility(searcher, PREVIEW, None)
    reader = searcher.reader()
    spellings = accented_spellings(reader, parsed.all_words(), vocabularies(build=False), visible)
    suggestion, changed = [], False
    typed_langs = functools.cache(lambda: query_languages(parsed.all_words(), langs))  # for typos alone
    for position, word in enumerate(parsed.words):
        q = word_query(word, langs, spellings.get(word, ()))
        if q is None:  # a stop word
            suggestion.append(word)
            continue
        clause = Clause(word, q)
        if word not in spellings and not known(visible, word, langs):
            last = parsed.open_last and position == len(parsed.words) - 1
            near, clause.typos, spelled = _near_words(visible, word, langs, typed_langs, vocabularies, last)
            if near is not None:  # else the word's own forms (its stems) are all there is to go on
                clause.query = near
            if spelled and spelled != word:
                suggestion.append(spelled)
                changed = True
                plan.clauses.append(clause)
                continue
        plan.clauses.append(clause)
        suggestion.append(word)
    for words in parsed.phrases:
        q = phrase_query(words, langs, spellings)
        if q is not None:
            plan.clauses.append(Clause(" ".join(words), q))
    if glossary is not None:
        glossary(plan, searcher)
    if changed:
        plan.suggestion = " ".join(suggestion + [f'"{" ".join(p)}"' for p in parsed.phrases])
    if not plan.clauses:
        plan.message = "Only very common words in that query: add a more specific word."
    return plan


def required_coverage(clauses: int, best: int) -> int:
    """How many clauses a document must match: every one of one or two; of a longer query or a
    question, one: coverage orders those results (a document holding half of a question's words
    comes after those holding more), it does not cut them. Never more than the best document has
    (then the page says no document has all)."""
    wanted = clauses if clauses <= 2 else 1
    return max(1, min(wanted, best))


def word_query(word: str, langs: list[str], spellings: tuple[str, ...] = (), boost: float = 1.0) -> Q.Query | None:
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
        Q.Term(text_field(kind, lang), form, boost=weight * boost)
        for lang in langs
        for kind in FIELD_BOOSTS
        for form, weight in forms.items()
    ]
    # The word as typed earns a little more than its stems and lemmas (folded: accents aside),
    # and an exact, accented match more again (the typed word, or the spellings it stands for).
    alternatives.append(Q.Term("words", fold(word), boost=EXACT_BOOST * boost))
    alternatives += [
        Q.Term("words", accent_key(spelled), boost=EXACT_BOOST * boost)
        for spelled in (word, *spellings)
        if fold(spelled) != spelled
    ]
    return BulkOr(alternatives)


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


def _near_words(visible: Visibility, word: str, langs: list[str], typed_langs, vocabularies, last: bool):
    """(query, near words, the nearest spelled as documents write it) for a word the index lacks.

    Only the nearest candidates are kept (none two edits away when one is one edit away), and
    only words of the languages searched and typed (``typed_langs()``, :func:`kb.search.known.query_languages`).
    """
    near = typos.candidates(vocabularies(), word, limit=TYPO_CANDIDATES * 4)
    if near:
        near = [seen_spelling(visible, c) for c in near if in_languages(visible, c.word, typed_langs())]
        near = near[:TYPO_CANDIDATES]
    near = [c for c in near if c.distance == near[0].distance]
    spellings = {c.word: (c.spelled,) for c in near if c.spelled != c.word}
    weighted = {c.word: TYPO_BOOST.get(c.distance, 0.2) for c in near}
    parts = [word_query(w, langs, spellings.get(w, ()), boost=b) for w, b in weighted.items()]
    terms = [t for p in parts if p is not None for t in p.subqueries]
    if last and len(word) >= MIN_PREFIX:
        # Completions match as written (one term each, in the ``words`` field), the frequent ones
        # with all their forms: a stub stands for every word it starts, as ``stub*`` does in FTS5.
        many = COMPLETIONS * (1 if visible.everything else 4)
        fresh = (c for c in typos.completions(vocabularies(), fold(word), many) if c.word not in weighted)
        completed = visible_candidates(visible, fresh, COMPLETIONS)
        found = [c.word for c in completed if c.word != fold(word)]
        frequent = found[:FORMED_COMPLETIONS]
        forms = {c.word: (c.spelled,) for c in completed if c.spelled != c.word}
        terms += [
            t for w in frequent if (q := word_query(w, langs, forms.get(w, ()), PREFIX_BOOST)) for t in q.subqueries
        ]
        terms += [Q.Term("words", w, boost=PREFIX_BOOST) for w in found[FORMED_COMPLETIONS:]]
        weighted.update((w, PREFIX_BOOST) for w in found)
    query = BulkOr(terms) if terms else None
    spelled = near[0].spelled if near else None
    return query, list(weighted), spelled


def visible_word(visible: Visibility, word: str) -> bool:
    """Whether the reader may see a document holding the folded ``word`` (as written or as a dictionary form)."""
    return visible.everything or any(visible.has(name, word) for name in typos.FIELDS)


def visible_candidates(visible: Visibility, candidates: Iterable[typos.Candidate], limit: int) -> list[typos.Candidate]:
    """The first ``limit`` candidates the reader may see a document of, spelled as they may see it
    (each is looked up only when the ones before it did not fill the list)."""
    if visible.everything:
        return list(itertools.islice(candidates, limit))
    seen = (seen_spelling(visible, c) for c in candidates if visible_word(visible, c.word))
    return list(itertools.islice(seen, limit))


def seen_spelling(visible: Visibility, candidate: typos.Candidate) -> typos.Candidate:
    """The candidate as the reader may see it spelled: the vocabulary's spelling is the index's most
    frequent, which may be written only in documents they may not see (then the folded word)."""
    if visible.everything or candidate.spelled == candidate.word:
        return candidate
    key = accent_key(candidate.spelled)
    if any(visible.has(name, key) for name in typos.FIELDS):
        return candidate
    return dataclasses.replace(candidate, spelled=candidate.word)


class _SpanOr(spans.SpanOr):
    """Whoosh's SpanOr cannot estimate its size, which a SpanNear inside an And needs."""

    def estimate_size(self, ixreader) -> int:
        return self.q.estimate_size(ixreader)


def phrase_query(words: list[str], langs: list[str], spellings: dict[str, tuple[str, ...]]) -> Q.Query | None:
    """The words in order: exactly as typed (accents aside), or each in any of its forms.

    The ``words`` field holds every word at its position, stop words included, so
    the exact phrase is matched there and ranks first. In a language's fields stop
    words hold no position (the indexer renumbers the words around them), so the
    phrase's other words, in any inflected form, stand next to each other there:
    ``"nem volt vége"`` is ``vége`` in the Hungarian fields.
    """
    per_field: list[Q.Query] = [Q.Phrase("words", [fold(w) for w in words], boost=EXACT_PHRASE_BOOST)]
    for lang in langs:
        kept = [forms for forms in (list(_phrase_forms(w, lang, spellings.get(w, ()))) for w in words) if forms]
        if not kept:
            continue
        for kind in FIELD_BOOSTS:
            fieldname = text_field(kind, lang)
            if len(kept) == 1:
                per_field.append(BulkOr([Q.Term(fieldname, f) for f in kept[0]]))
                continue
            parts = [_SpanOr([Q.Term(fieldname, f) for f in alts]) for alts in kept]
            per_field.append(spans.SpanNear2(parts, slop=1, ordered=True))
    return Q.Or(per_field)


def _phrase_forms(word: str, lang: str, spellings: tuple[str, ...]) -> dict[str, float]:
    """A phrase word's forms in one language (empty for that language's stop words)."""
    forms = dict(query_form_weights(word, lang))
    if forms:
        for spelling in spellings:
            forms.update(query_form_weights(spelling, lang))
    return forms


def accented_spellings(
    reader, words: list[str], vocabularies: list[typos.Vocabulary] | None = None, visible: Visibility | None = None
) -> dict[str, tuple[str, ...]]:
    """For each unaccented word, the most frequent accented words or dictionary forms of the index that fold to it.

    ``vocabularies`` (the typo index's, one per group of segments, when built) tell at once which
    words have accented spellings at all, so the term file is searched only for those.
    """
    found: dict[str, tuple[str, ...]] = {}
    for word in words:
        if fold(word) != word or not word.isalpha():
            continue
        known = vocabularies is not None and len(word) >= typos.MIN_LENGTH - 1  # shorter words are not in them
        if known and not any(v.is_spelled_otherwise(word) for v in vocabularies):
            continue
        prefix = word + ACCENT_SEPARATOR
        frequencies: dict[str, int] = {}
        for name in typos.FIELDS:  # as documents write it, and dictionary forms (``sluzba`` -> ``služba``)
            for key in itertools.islice(reader.expand_prefix(name, prefix), 20):
                if visible is not None and not visible.everything and not visible.has(name, _text(key)):
                    continue
                spelled = _text(key)[len(prefix) :]
                frequencies[spelled] = max(frequencies.get(spelled, 0), reader.doc_frequency(name, key))
        if frequencies:
            found[word] = tuple(sorted(frequencies, key=lambda k: (-frequencies[k], k))[:3])
    return found


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


__all__ = ["Plan", "Clause", "Alternative", "ParsedQuery", "build_plan", "parse", "clean"]
