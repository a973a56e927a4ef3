"""Cross-language search: find glossary labels in a query and widen it to the concept's other labels.

The compiled glossary (``glossary.json`` of an index generation, see indexer.glossary)
holds every label's analysed word forms, so matching a query compares sets of
strings and analyses nothing but the query's own words (which the query plan
analyses anyway, through the same cached functions). An index from each label's
first-word forms to the labels keeps a query that holds no label at a few dict
look-ups per word. No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer
from whoosh import query as Q

from indexer import glossary as compiled
from indexer.text.analysis import SNOWBALL_LANGUAGES, fold, word_cache, word_forms
from kb.search.matching import BulkOr

#: A glossary alternative's weight against the query's own words: below a direct hit.
GLOSSARY_BOOST = 0.3
#: Labels of one concept a query is widened to (EuroVoc has six; ours a few more).
MAX_LABELS = 16
#: Concepts one query is widened to.
MAX_CONCEPTS = 4


@dataclass(frozen=True)
class Label:
    concept: str
    lang: str
    text: str
    forms: tuple[frozenset[str], ...]  # per word: its folded index forms in ``lang``

    def __len__(self) -> int:
        return len(self.forms)


@dataclass(frozen=True)
class Concept:
    id: str
    source: str  # "eurovoc", "kb" (ours, shipped) or "local" (content/glossary/)
    labels: dict[str, list[str]]  # language -> labels, preferred first
    note: dict[str, str]

    def preferred(self, langs: Iterable[str]) -> tuple[str, str]:
        """(language, label) in the first of ``langs`` the concept has, else its first label."""
        for lang in langs:
            if self.labels.get(lang):
                return lang, self.labels[lang][0]
        lang = next(iter(self.labels))
        return lang, self.labels[lang][0]


@dataclass(frozen=True)
class Match:
    """A concept found in the query: words ``start:end`` are its label ``label``."""

    concept: str
    start: int
    end: int
    label: Label
    others: tuple[Label, ...]  # the concept's other labels, every language


class Glossary:
    """One index generation's glossary: concepts, labels and the first-word index."""

    def __init__(self, data: Mapping | None = None):
        self.concepts: dict[str, Concept] = {}
        self.labels: dict[str, list[Label]] = {}
        # language -> first-word form -> labels starting with a word of that form
        self._first: dict[str, dict[str, list[Label]]] = {}
        for item in (data or {}).get("concepts", []):
            concept = Concept(item["id"], item.get("source", ""), item["labels"], item.get("note") or {})
            self.concepts[concept.id] = concept
            own = self.labels.setdefault(concept.id, [])
            for lang, texts in concept.labels.items():
                for text, forms in zip(texts, item["forms"][lang], strict=True):
                    if not forms:
                        continue
                    label = Label(concept.id, lang, text, tuple(frozenset(f) for f in forms))
                    own.append(label)
                    first = self._first.setdefault(lang, {})
                    for form in label.forms[0]:
                        first.setdefault(form, []).append(label)

    def __len__(self) -> int:
        return len(self.concepts)

    def __bool__(self) -> bool:
        return bool(self.concepts)

    def match(
        self,
        words: list[str],
        spellings: Mapping[str, tuple[str, ...]] | None = None,
        *,
        nested: bool = False,
        full: Iterable[str] | None = None,
    ) -> list[Match]:
        """The concepts whose labels the consecutive lower-cased ``words`` hold, longest first.

        A word matches a label's word when they share an analysed form in the label's
        language (so inflected and unaccented words match); ``spellings`` are the accented
        words of the index an unaccented query word stands for. A match inside a longer
        one (``sociální služby`` in ``transformace pobytových sociálních služeb``) is left out,
        unless ``nested``. Languages outside ``full`` (None: every language) compare the
        words' folded surface and Snowball stems only: their lemma dictionaries (a
        language the index holds no document in) stay unloaded.
        """
        if not self._first or not words:
            return []
        spellings = spellings or {}
        full = None if full is None else frozenset(full)
        cache: dict[tuple[int, str], frozenset[str]] = {}

        def forms(index: int, lang: str) -> frozenset[str]:
            key = (index, lang)
            found = cache.get(key)
            if found is None:
                word = words[index]
                analyse = word_forms if full is None or lang in full else light_forms
                found = frozenset(analyse(word, lang)).union(*(analyse(s, lang) for s in spellings.get(word, ())))
                cache[key] = found
            return found

        # An unaccented word stems badly (Czech ``podporovaneho`` keeps its ending): it also
        # matches a label word whose stem it starts with, a short ending after it.
        loose = [fold(w) if fold(w) == w and len(w) > LOOSE_MIN else "" for w in words]

        def meets(index: int, lang: str, label_forms: frozenset[str]) -> bool:
            if forms(index, lang) & label_forms:
                return True
            bare = loose[index]
            return bool(bare) and any(_stem_of(bare, f) for f in label_forms)

        candidates: list[tuple[int, Label]] = []
        for start in range(len(words)):
            for lang, first in self._first.items():
                seen: set[int] = set()
                keys = set(forms(start, lang))
                if loose[start]:
                    bare = loose[start]
                    keys |= {bare[:cut] for cut in range(max(LOOSE_MIN, len(bare) - LOOSE_ENDING), len(bare))}
                for form in keys:
                    for label in first.get(form, ()):
                        if id(label) in seen or start + len(label) > len(words):
                            continue
                        seen.add(id(label))
                        if not meets(start, lang, label.forms[0]):
                            continue
                        if all(meets(start + i, lang, label.forms[i]) for i in range(1, len(label))):
                            candidates.append((start, label))
        return self._best(candidates, nested)

    def _best(self, candidates: list[tuple[int, Label]], nested: bool = False) -> list[Match]:
        candidates.sort(key=lambda c: (-len(c[1]), c[0]))
        kept: list[Match] = []
        for start, label in candidates:
            end = start + len(label)
            inside = not nested and any(
                m.start <= start and end <= m.end and (m.start, m.end) != (start, end) for m in kept
            )
            if inside or any(m.concept == label.concept for m in kept):
                continue
            kept.append(Match(label.concept, start, end, label, self._others(label)))
            if len(kept) == MAX_CONCEPTS:
                break
        kept.sort(key=lambda m: (m.start, m.end))
        return kept

    def _others(self, label: Label) -> tuple[Label, ...]:
        same = [x for x in self.labels[label.concept] if x is not label and x.forms != label.forms]
        return tuple(same[:MAX_LABELS])


@word_cache(50_000)
def light_forms(word: str, lang: str) -> tuple[str, ...]:
    """A word's folded surface and Snowball stems in ``lang``, without its lemma (no dictionary)."""
    folded = fold(word)
    if lang not in SNOWBALL_LANGUAGES:
        return (folded,)
    stemmer = snowballstemmer.stemmer(SNOWBALL_LANGUAGES[lang])
    return tuple(dict.fromkeys([folded, fold(stemmer.stemWord(word)), stemmer.stemWord(folded)]))


#: The loose match of an unaccented word: its stem at least this long, an ending of at most this many letters.
LOOSE_MIN = 4
LOOSE_ENDING = 4


def _stem_of(word: str, form: str) -> bool:
    return len(form) >= LOOSE_MIN and word.startswith(form) and len(word) - len(form) <= LOOSE_ENDING


_EMPTY = Glossary()
_loaded: dict[tuple[Path, str | None], Glossary] = {}


def for_generation(generation: Path | None) -> Glossary:
    """The glossary compiled into an index generation (empty when it has none).

    Parsed once per generation and compiled version: a 64-byte fingerprint file says
    whether an incremental build rewrote it.
    """
    if generation is None:
        return _EMPTY
    key = (generation, compiled.stored_fingerprint(generation))
    found = _loaded.get(key)
    if found is None:
        found = Glossary(compiled.read_compiled(generation))
        _loaded.clear()  # one generation serves at a time
        _loaded[key] = found
    return found


# -- queries -------------------------------------------------------------------

#: The index field of the concepts each document holds a label of (indexer.glossary.Tagger).
CONCEPTS_FIELD = "concepts"


def concept_query(concept: str, boost: float = 1.0) -> Q.Query:
    """Documents holding any label of ``concept``, in any language: one term, tagged at indexing."""
    return BulkOr([Q.Term(CONCEPTS_FIELD, concept, boost=boost)])


# -- the query plan's glossary step ---------------------------------------------------


def plan_step(glossary: Glossary, plan, searcher=None) -> None:
    """Add each concept found in the query to the plan's clauses for its words, as an alternative.

    The alternative is the concept's term: the documents holding any of its labels,
    in any language (as a phrase, any inflected form: tagged at indexing). Such a
    document counts as matching those clauses, ranked below documents matching the
    words themselves (kb.search.collector). A phrase clause takes a
    concept whose label is the whole phrase. A query holding no label costs a few
    dictionary look-ups per word.
    """
    if not glossary:
        return
    from kb.search.plan import Alternative  # the plan imports nothing of this module: no cycle

    by_text = {clause.text: clause for clause in plan.clauses}
    spans = [(plan.parsed.words, False)] + [(words, True) for words in plan.parsed.phrases]
    for words, whole in spans:
        for match in glossary.match(words, full=plan.langs):
            if whole and (match.start, match.end) != (0, len(words)):
                continue
            texts = [" ".join(words)] if whole else words[match.start : match.end]
            alternative = Alternative(
                concept_query(match.concept, GLOSSARY_BOOST), match.concept, match.label.text, match.label.text
            )
            for clause in (by_text.get(text) for text in texts):
                if clause is not None:
                    clause.alternatives.append(alternative)


def label_in(glossary: Glossary, concept: str, lang: str) -> str | None:
    """The concept's preferred label in ``lang`` (what a document in that language holds)."""
    found = glossary.concepts.get(concept)
    labels = found.labels.get(lang) if found else None
    return labels[0] if labels else None
