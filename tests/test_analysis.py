"""Table-driven analyzer tests: what a word becomes in each language's fields."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.text.analysis import fold, language_analyzer, query_forms


def tokens(lang: str, text: str) -> list[str]:
    return [t.text for t in language_analyzer(lang)(text)]


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        # Hungarian: agglutinative suffixes are stemmed, accents folded
        ("hu", "Szegeden", ["szegeden", "szeg"]),
        ("hu", "Támogatott Lakhatások", ["tamogatott", "tamogatot", "tamogat", "lakhatasok", "lakhatas"]),
        ("hu", "szolgáltatási gyűrűjének", ["szolgaltatasi", "szolgaltatas", "gyurujenek", "gyuru", "gyuruje"]),
        ("hu", "Székesfehérvárott", ["szekesfehervarott", "szekesfehervarot", "szekesfehervar"]),
        ("hu", "szolgáltatásokhoz", ["szolgaltatasokhoz", "szolgaltatas"]),
        # Czech: case endings and stem changes (lemma covers what the stemmer cannot)
        ("cs", "sociálních služeb", ["socialnich", "socialn", "socialni", "sluzeb", "sluzb", "sluzba"]),
        ("cs", "Moravskoslezském kraji", ["moravskoslezskem", "moravskoslezsk", "moravskoslezsky", "kraji", "kraj"]),
        ("cs", "lázně", ["lazne", "lazn", "lazen"]),
        ("cs", "cti", ["cti", "cest"]),
        # stop words vanish
        ("hu", "a és az", []),
        ("cs", "a v na", []),
        ("en", "supported living", ["supported", "support", "living", "live"]),
    ],
)
def test_index_tokens(lang, text, expected):
    assert tokens(lang, text) == expected


@pytest.mark.parametrize(
    "lang, indexed, typed",
    [
        ("hu", "Támogatott Lakhatás", "tamogatott lakhatas"),
        ("hu", "Szegeden", "Szeged"),
        ("hu", "Székesfehérvárott", "szekesfehervar"),
        ("hu", "gyűrűjének", "gyuru"),
        ("hu", "szolgáltatásokhoz", "szolgaltatas"),
        ("hu", "férőhely kiváltást", "ferohely kivaltas"),
        ("hu", "műhelyek", "muhely"),
        ("cs", "sociálních služeb", "sociální služby"),
        ("cs", "sociálních služeb", "socialni sluzby"),
        ("cs", "Moravskoslezském kraji", "moravskoslezsky kraj"),
        ("cs", "transformace", "transformaci"),
        ("cs", "pracovní skupiny", "pracovni skupina"),
        ("cs", "lázně", "lázeň"),
        ("cs", "cti", "čest"),
    ],
)
def test_query_word_meets_indexed_word(lang, indexed, typed):
    """Every typed word shares at least one token with the indexed word at the same place."""
    indexed_words = indexed.split()
    typed_words = typed.split()
    assert len(indexed_words) == len(typed_words)
    for doc_word, query_word in zip(indexed_words, typed_words, strict=True):
        assert set(tokens(lang, doc_word)) & set(query_forms(query_word, lang)), (doc_word, query_word)


def test_fold():
    assert fold("Támogatott Lakhatás") == "Tamogatott Lakhatas"
    assert fold("Příliš žluťoučký kůň úpěl ďábelské ódy") == "Prilis zlutoucky kun upel dabelske ody"
    assert fold("őrző űrhajó") == "orzo urhajo"


def test_other_language_is_folded_only():
    assert tokens("xx", "Über Straße") == ["uber", "strasse"]


def test_absurd_words_do_not_break_analysis():
    long_word = "a" * 5000
    assert tokens("hu", long_word) == [long_word]
    assert tokens("cs", "1234 \u0301\u0301 ") == ["1234"]


@pytest.mark.parametrize(
    "compound, head",
    [
        ("gyerekszegénység", "szegenyseg"),
        ("szolgáltatásfejlesztési", "fejlesztes"),
        ("megyeszékhely", "szekhely"),
    ],
)
def test_hungarian_compounds_are_found_by_their_head(compound, head):
    """The head of a compound is indexed too, so the plain word finds the compound."""
    indexed = {t.text for t in language_analyzer("hu")(compound, mode="index")}
    assert head in indexed
    assert set(query_forms(head, "hu")) & indexed


@pytest.mark.parametrize("word", ["támogatottak", "kormánypárt", "intézményközi", "lakhatás"])
def test_words_that_are_not_compounds_are_left_whole(word):
    assert {t.text for t in language_analyzer("hu")(word, mode="index")} == set(tokens("hu", word))


FAST_PATH_TEXTS = [
    "A támogatott lakhatás szolgáltatásai: gyerekszegénység és szolgáltatásfejlesztési tervek 2024-ben.",
    "Za ostatní plnění se považují zejména bezplatná předání k užívání, 12 věcí a služeb.",
    "The supported housing protocol, Kecskemét, 3rd edition — the the THE.",
    "",
    "a az egy",  # only stop words
    "x" * 200 + " 123 ÁRVÍZTŰRŐ tükörfúrógép",
]


@pytest.mark.parametrize("text", FAST_PATH_TEXTS)
@pytest.mark.parametrize("lang", ["hu", "cs", "en", "xx"])
def test_fast_index_path_equals_the_analyzer(lang, text):
    """The writer's fast path must give exactly the terms, positions and weights the analyzer does."""
    from whoosh.fields import TEXT

    from indexer.format.schema import build_schema, text_field

    schema = build_schema()
    for name in (text_field("head", lang), text_field("body", lang), "words"):
        field = schema[name]
        assert type(field) is not TEXT
        assert sorted(field.index(text)) == sorted(TEXT.index(field, text)), name


def test_the_c_stemmer_stems_as_the_pure_python_one():
    """snowballstemmer hands out PyStemmer's C stemmers when installed; they must give the same stems."""
    import re
    from pathlib import Path

    import snowballstemmer
    from snowballstemmer import czech_stemmer, english_stemmer, german_stemmer, hungarian_stemmer, polish_stemmer

    text = " ".join(p.read_text("utf-8") for p in Path(__file__).parent.parent.joinpath("content").rglob("*.md"))
    words = sorted({w.lower() for w in re.findall(r"\w+", text)})
    assert len(words) > 1000
    for lang, pure in [
        ("hungarian", hungarian_stemmer.HungarianStemmer),
        ("czech", czech_stemmer.CzechStemmer),
        ("english", english_stemmer.EnglishStemmer),
        ("german", german_stemmer.GermanStemmer),
        ("polish", polish_stemmer.PolishStemmer),
    ]:
        fast = snowballstemmer.stemmer(lang)
        assert type(fast).__module__ == "Stemmer"  # PyStemmer
        assert fast.stemWords(words) == pure().stemWords(words), lang


def test_fold_by_table_equals_folding_the_normalised_string():
    import random
    import unicodedata

    from indexer.text.words import _EXTRA_FOLDS, fold

    def reference(text: str) -> str:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_EXTRA_FOLDS)

    rng = random.Random(3)
    alphabet = "aáäcčdďeéěiíĺľnňoóôöőrřsštťuúůüűyýzžłßøđ ﬁÅǅ\u0301\u030cΩωжй한글ｱ①"
    samples = ["Támogatott Lakhatás", "sociálních služeb", "Łódź", "Straße", "ﬁnále"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    for text in samples:
        assert fold(text) == reference(text), text


def _analyzer_positions(analyzer, text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True, mode="index"):
        found.setdefault(token.text, []).append(token.pos)
    return found


field_text = st.lists(
    st.sampled_from(["nem", "a", "na", "je", "vége", "Ügy", "služeb", "x", "AzSz", "szolgáltatás", ",", "-", "őű"]),
    max_size=30,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(text=field_text, lang=st.sampled_from(["hu", "cs", "en", "xx"]))
def test_fast_field_indexing_equals_the_analyzers(text, lang):
    """The writer's fast paths (index_positions, words_positions) give the analyzers' terms and positions."""
    from indexer.text.analysis import index_positions, language_analyzer, words_analyzer, words_positions

    assert index_positions(text, lang) == _analyzer_positions(language_analyzer(lang), text)
    assert words_positions(text) == _analyzer_positions(words_analyzer(), text)


@settings(max_examples=300, deadline=None)
@given(positions=st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=40, unique=True))
def test_position_encoding_is_whooshs_byte_for_byte(positions):
    """The writer's encoder of term positions writes exactly what Whoosh's Positions format does."""
    from whoosh.formats import Positions

    from indexer.format.schema import encode_positions, position_encoder

    positions.sort()
    assert encode_positions(positions) == Positions().encode(positions)
    assert encode_positions(positions) == Positions().encode(positions)  # a looked-up single position too
    assert position_encoder(Positions()) is encode_positions


def test_an_analysed_text_is_analysed_once_and_equals_a_fresh_analysis(monkeypatch):
    """A document's field text keeps its positions: the tagger and the writer read one analysis."""
    import pickle

    from indexer.text import analysis

    text = FAST_PATH_TEXTS[0]
    calls = []
    real = analysis._index_positions
    monkeypatch.setattr(analysis, "_index_positions", lambda *args: calls.append(args) or real(*args))
    analysed = analysis.AnalysedText(text, "hu")
    assert analysed == text and analysis.index_positions(analysed, "hu") is analysed.positions
    assert analysis.index_positions(analysed, "hu") is analysed.positions and len(calls) == 1  # kept
    assert analysed.positions == real(text, "hu")
    assert analysis.index_positions(analysed, "cs") == real(text, "cs") and len(calls) == 2  # per language
    assert analysis.index_positions(text, "hu") == analysed.positions and len(calls) == 3  # a plain text: no cache
    again = pickle.loads(pickle.dumps(analysed))  # to a pool's parent: with its positions
    assert (again, again.lang, again.positions) == (text, "hu", analysed.positions) and len(calls) == 3


def test_a_documents_fields_are_analysed_once_for_the_tagger_and_the_writer(content_factory, monkeypatch):
    from indexer import glossary
    from indexer.build.fields import index_fields
    from indexer.documents.prepare import prepare
    from indexer.format.schema import build_schema
    from indexer.text import analysis

    path = content_factory("hu/a.md", "title: Támogatott lakhatás\ntype: protocol\nlang: hu", FAST_PATH_TEXTS[0])
    doc = prepare(path, content_factory.root)
    tagger = glossary.Tagger(glossary.compile_glossary(glossary.load(None)[0]))
    calls = []
    real = analysis._index_positions
    monkeypatch.setattr(analysis, "_index_positions", lambda *args: calls.append(args) or real(*args))
    fields = index_fields(doc, tagger)
    assert "supported-living" in fields["concepts"].split()
    schema = build_schema()
    languages = {name: fields[name] for name in fields if name.startswith(("head_", "body_"))}
    for name, value in languages.items():
        list(schema[name].index(value))  # what the writer does with the value
    assert sorted(calls) == sorted((str(value), value.lang) for value in languages.values())


def test_the_lemmas_field_indexes_as_whoosh_would():
    """The ``lemmas`` field's own path yields what Whoosh's analyzer path yields for the same value."""
    from whoosh.fields import KEYWORD

    from indexer.format.schema import LemmaKeywords
    from indexer.text.analysis import lemma_terms

    value = " ".join(sorted(lemma_terms("A támogatott lakhatás szolgáltatásai és a szakemberek javaslatai.", "hu")))
    assert "szakember" in value.split() and "lakhatas|lakhatás" in value.split()
    assert sorted(LemmaKeywords().index(value)) == sorted(KEYWORD().index(value))
