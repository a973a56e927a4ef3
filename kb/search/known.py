"""Which words the index knows, and which languages a query is written in: what the query plan
asks before it takes a word for a typo (:mod:`kb.search.plan`)."""

from __future__ import annotations

from indexer.format.schema import FIELD_BOOSTS, text_field
from indexer.text.analysis import LANGUAGES, dictionary_lemmas, fold, is_dictionary_word, query_form_weights
from kb.search import typos


def known(terms, word: str, langs: list[str]) -> bool:
    """Whether the index holds the word in a form that is not a guess about what was typed: as
    typed (folded) in any field, among them the dictionary forms of the words documents write
    (``služba`` of *služeb*) and their analysed forms (``felvonás`` of *felvonása*); or through the
    word's own dictionary forms (``služeb`` when documents write *služby*); or, for a word the
    dictionary lists, through its stem in that language. Else it is likely a typo.

    The guessed forms of a word the dictionary lacks do not count: Snowball cuts a mistyped word
    to a real stem (``szerent`` -> ``szer``) and simplemma's rules guess a lemma for any word,
    either of which would match unrelated documents instead of the near spelling (``szerint``).

    ``terms`` (a :class:`kb.search.visibility.Visibility`) answers for the documents the reader may see.
    """
    folded = fold(word)
    fields = [*typos.FIELDS, *(text_field(kind, lang) for lang in langs for kind in FIELD_BOOSTS)]
    if any(terms.has(name, folded) for name in fields):
        return True
    lemmas = {fold(lemma) for lang in langs for lemma in dictionary_lemmas(word, lang)} - {folded}
    if any(terms.has(name, lemma) for lemma in lemmas for name in fields[1:]):
        return True
    # A word the dictionary lists is no typo's guess: its stem in its own language's fields is
    # known too (``přivřený`` where documents write *přivřené*, a form the dictionary lacks).
    return any(
        terms.has(text_field(kind, lang), form)
        for lang in langs
        if is_dictionary_word(word, lang)
        for form in query_form_weights(word, lang)
        for kind in FIELD_BOOSTS
    )


#: The letters each language writes besides a-z: a word with others is not that language's, and a
#: typo of it is not corrected into that language's words (``stratégia`` is no English word).
ALPHABETS = {
    "hu": "áéíóöőúüű",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "de": "äöüß",
    "pl": "ąćęłńóśźż",
    "en": "",
}


def query_languages(words: list[str], langs: list[str]) -> list[str]:
    """The searched languages the query is likely written in: those whose alphabet writes every
    word, and of those the ones in whose dictionary most of its words are; all of ``langs`` when
    nothing tells (then a typo may be corrected into any of them)."""
    letters = {c for word in words for c in word if c.isalpha() and not c.isascii()}
    written = [lang for lang in langs if lang not in ALPHABETS or letters <= set(ALPHABETS[lang])]
    if not written:
        return langs
    counts = {lang: sum(is_dictionary_word(w, lang) for w in words) for lang in written if lang in LANGUAGES}
    best = max(counts.values(), default=0)
    if best and len(words) > 1:
        return [lang for lang in written if counts.get(lang, best) == best]
    return written


def in_languages(terms, word: str, langs: list[str]) -> bool:
    """Whether documents of one of ``langs`` that the reader may see hold the folded ``word`` (as written,
    or as a lemma); ``terms`` is a :class:`kb.search.visibility.Visibility`."""
    return any(terms.has(text_field(kind, lang), word) for lang in langs for kind in FIELD_BOOSTS)
