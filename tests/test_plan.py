"""The query plan: typo candidates held to a brute-force reference, phrases with function words,
coverage ranking for questions, completions of the last word, and any input planned without error."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from indexer import pipeline
from kb.search import SearchService, typos
from kb.search.plan import parse, required_coverage

from .conftest import write_doc

DOCS = {
    "hu/komponens.md": ("title: Komponens\ntype: guidance\nlang: hu", "A szolgáltatási gyűrű komponensei és háttere."),
    "cs/hacek.md": (
        "title: Háček\ntype: article\nlang: cs",
        "Písmeno s háčkem a komponentní rozhraní potřebují pozornost.",
    ),
    "cs/vege.md": ("title: Konec\ntype: article\nlang: cs", "Nakonec na to bychom neměli zapomenout, řekl ředitel."),
    "hu/vege.md": ("title: Vége\ntype: forum\nlang: hu", "A találkozónak még nem volt vége, amikor elment."),
    "hu/vege2.md": ("title: Nincs vége\ntype: forum\nlang: hu", "A vége felé volt egy szünet, de nem mentek haza."),
    "hu/kerdes.md": (
        "title: Lakhatás Szegeden\ntype: protocol\nlang: hu",
        "Hogyan működik a támogatott lakhatás Szegeden a fogyatékos emberek számára?",
    ),
    "hu/reszben.md": ("title: Lakhatás\ntype: protocol\nlang: hu", "A támogatott lakhatás Pécsett működik."),
}


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    root = tmp_path_factory.mktemp("content")
    for rel, (front, body) in DOCS.items():
        write_doc(root, rel, front, body)
    index = tmp_path_factory.mktemp("index")
    assert pipeline.build(root, index, full=True).failed == 0
    service = SearchService(index)
    yield service
    service.close()


def ids(result) -> list[str]:
    return [h.id for h in result.hits]


# -- typo candidates ----------------------------------------------------------------


def _vocabulary(seed: int, size: int) -> list[str]:
    rng = random.Random(seed)
    return sorted({"".join(rng.choice("abcdeilmnorst") for _ in range(rng.randint(3, 12))) for _ in range(size)})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_edit_candidates_equal_a_brute_force_search(seed):
    """Every index word within one Damerau edit is found (and nothing farther), as a full scan finds them."""
    words = _vocabulary(seed, 3000)
    vocabulary = typos.Vocabulary((w, 1, "") for w in words)
    rng = random.Random(seed)
    for query in rng.sample(words, 150):
        i = rng.randrange(len(query))
        typed = rng.choice([query[:i] + query[i + 1 :], query[:i] + "x" + query[i + 1 :], query[:i] + "e" + query[i:]])
        if len(typed) < typos.MIN_LENGTH:
            continue
        expected = {w for w in words if w != typed and OSA.distance(typed, w) <= 1}
        found = set(vocabulary.lookup(typed, 1))
        assert found == expected, typed


def test_two_edit_candidates_are_within_two_edits_and_include_single_edits():
    words = _vocabulary(9, 3000)
    vocabulary = typos.Vocabulary((w, 1, "") for w in words)
    for query in words[:300]:
        found = vocabulary.lookup(query + "ab", 2)
        assert all(OSA.distance(query + "ab", w) == d <= 2 for w, (d, _, _) in found.items())
        assert query in found or len(query) + 2 < typos.MIN_LENGTH


def test_a_transposition_is_one_edit_and_accents_are_free():
    terms = [("hacek", 1), ("hacek|háček", 1), ("komponentni", 3), ("komponentni|komponentní", 3), ("potrebuji", 2)]
    vocabulary = typos.vocabulary_from_terms(terms)
    assert [c.spelled for c in typos.candidates([vocabulary], "háek")] == ["háček"]
    assert [(c.word, c.distance) for c in typos.candidates([vocabulary], "komponnetní")] == [("komponentni", 1)]
    assert [(c.word, c.distance) for c in typos.candidates([vocabulary], "háek")] == [("hacek", 1)]
    assert typos.candidates([vocabulary], "abc") == []  # too short to correct


def test_typos_in_search_find_the_document_and_suggest_its_spelling(svc):
    result = svc.search("komponnetní")
    assert result.fuzzy and ids(result)[0] == "cs/hacek"
    assert result.suggestion == "komponentní"
    result = svc.search("szolgáltatási gyürü komponnesei")
    assert ids(result)[0] == "hu/komponens"
    assert "komponensei" in (result.suggestion or "")


def test_a_word_documents_hold_is_not_a_typo(svc):
    result = svc.search("háčkem")
    assert not result.fuzzy and result.suggestion is None and ids(result) == ["cs/hacek"]


# -- phrases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase, expected",
    [('"nem volt vége"', "hu/vege"), ('"na to bychom"', "cs/vege"), ('"a vége felé"', "hu/vege2")],
)
def test_phrases_with_function_words_are_found_first(svc, phrase, expected):
    result = svc.search(phrase)
    assert ids(result)[0] == expected


def test_a_phrase_matches_any_inflected_form(svc):
    assert ids(svc.search('"támogatott lakhatást"'))[:1] in (["hu/kerdes"], ["hu/reszben"])


# -- coverage -------------------------------------------------------------------------


def test_a_question_ranks_by_how_many_of_its_words_match(svc):
    result = svc.search("hogyan működik a támogatott lakhatás Szegeden?")
    assert ids(result)[0] == "hu/kerdes"
    result = svc.search("működik a támogatott lakhatás Szegeden")  # 3 of 4 words are enough for "reszben"
    assert ids(result) == ["hu/kerdes", "hu/reszben"] and not result.relaxed
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_two_words_must_both_match_else_the_page_says_so(svc):
    both = svc.search("lakhatás Pécsett")
    assert ids(both) == ["hu/reszben"] and not both.relaxed
    some = svc.search("lakhatás Debrecenben")
    assert some.relaxed and "hu/reszben" in ids(some)


def test_required_coverage():
    """One or two words must all match; of three or more, coverage orders and does not cut."""
    assert [required_coverage(n, n) for n in range(1, 8)] == [1, 2, 1, 1, 1, 1, 1]
    assert required_coverage(6, 2) == 1 and required_coverage(2, 1) == 1 and required_coverage(1, 0) == 1


def test_a_question_keeps_a_document_holding_half_its_words(svc):
    """Six words, of which "hu/reszben" holds three (működik, támogatott, lakhatás): it is still found,
    after the document holding five, and the page says no document holds every word."""
    result = svc.search("működik támogatott lakhatás Szegeden fogyatékos idősek")
    assert ids(result)[:2] == ["hu/kerdes", "hu/reszben"] and result.relaxed


# -- completions ----------------------------------------------------------------------


def test_the_last_word_being_typed_matches_its_completions(svc):
    assert parse("támogatott lakh").open_last and not parse("támogatott lakh ").open_last
    assert "hu/kerdes" in ids(svc.search("fogyaték"))
    assert svc.search("fogyaték ").total == 0 or "hu/kerdes" in ids(svc.search("fogyaték "))


# -- any input ------------------------------------------------------------------------

query_text = st.text(
    alphabet=st.sampled_from(list("abcáéíóöőúüűčěřšžý \"'*:()-?!.,") + ["\u0301", "\x00", "\t", "\u200b"]),
    max_size=80,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=query_text, page=st.integers(1, 5))
def test_any_text_is_planned_and_answered(svc, text, page):
    result = svc.search(text, page=page, limit=3)
    assert result.total >= len(result.hits)
    assert all(h.id in {k[:-3] for k in DOCS} for h in result.hits)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


# -- snippets --------------------------------------------------------------------------

snippet_text = st.text(
    alphabet=st.sampled_from(list("aáeéiíoóöőuúüűcčrřsšzžSÁÉŐŰČŘŠ -.,\n") + ["ß", "Ł", "ǅ"]), max_size=200
)


@settings(max_examples=200, deadline=None)
@given(text=snippet_text, wanted=st.sets(st.sampled_from(["sz", "szo", "ces", "ruz", "uzs", "a", "er"]), max_size=4))
def test_snippet_word_matching_equals_analysing_every_word(text, wanted):
    """The fast path (one regex over the folded text) finds what analysing every word would."""
    from indexer.text.analysis import WORD_PATTERN, fold, word_forms
    from kb.search.snippets import matching_words

    starts = {w[:3] for w in wanted}
    expected = {
        word
        for word in {w.lower() for w in WORD_PATTERN.findall(text)}
        if fold(word)[:3] in starts or fold(word)[:2] in starts or fold(word)[:1] in starts
        if any(form in wanted for form in word_forms(word, "hu"))
    }
    assert matching_words(text, "hu", set(wanted)) == expected
    # best_section's count: every occurrence of a matching word, as the word pattern splits the text
    from kb.search.snippets import _Matcher

    count = sum(1 for w in WORD_PATTERN.findall(text) if w.lower() in expected)
    matcher = _Matcher("hu", set(wanted))
    assert matcher.count(text) == (count, expected)
    if matcher.pattern is not None:  # the highlight finds the matched words through the same pattern
        from kb.search.snippets import highlight

        assert highlight(text, expected, words=matcher.pattern) == highlight(text, expected)


def test_spellings_reach_their_word_past_longer_words_in_term_order():
    terms = sorted(
        [("lakhatas", 5), ("lakhatasa", 1), ("lakhatasa|lakhatása", 1), ("lakhatasi", 2)]
        + [("lakhatas|lakhatás", 5), ("lakhatas|lakhatäs", 1), ("lakhatasi|lakhatási", 2), ("la", 9)]
    )
    vocabulary = typos.vocabulary_from_terms(terms)
    spelled = {vocabulary.word(i): vocabulary.spelling(i) for i in range(len(vocabulary))}
    assert spelled == {"lakhatas": "lakhatás", "lakhatasa": "lakhatása", "lakhatasi": "lakhatási"}


def test_a_segment_without_some_columns_keeps_search_working(tmp_path):
    """An incremental update whose documents have no date, organisation, region or translation key
    writes a segment without those columns; facets, hits and recency still line up by document."""
    root = tmp_path / "content"
    write_doc(
        root,
        "hu/a.md",
        "title: A\ntype: guidance\nlang: hu\ndate: 2020-01-01\norganisation: Org\nregion: Dél\ntranslation_key: k",
        "Lakhatás és támogatás.",
    )
    index = tmp_path / "index"
    pipeline.build(root, index, full=True)
    service = SearchService(index)
    assert service.search("lakhatás").total == 1
    write_doc(root, "hu/b.md", "title: B\ntype: forum\nlang: hu", "Lakhatás Pécsett.")
    pipeline.build(root, index)
    with service.reading() as searcher:
        assert len(searcher.ixreader.leaf_readers()) == 2
    result = service.search("lakhatás")
    assert sorted(ids(result)) == ["hu/a", "hu/b"]
    assert result.facets["organisation"] == {"Org": 1} and result.facets["type"] == {"forum": 1, "guidance": 1}
    by_id = {h.id: h for h in result.hits}
    assert by_id["hu/b"].translation_key is None and by_id["hu/a"].translation_key == "k"
    assert by_id["hu/b"].date is None and by_id["hu/a"].date == "2020-01-01"
    assert service.browse_counts()["region"] == {"Dél": 1}
    service.close()


@pytest.mark.parametrize("seed", [4, 5])
def test_completions_equal_a_scan_of_the_vocabulary(seed):
    words = _vocabulary(seed, 2000)
    rng = random.Random(seed)
    frequencies = [rng.randint(1, 50) for _ in words]
    vocabulary = typos.Vocabulary((w, f, "") for w, f in zip(words, frequencies, strict=True))
    for prefix in ["a", "be", "lim", "zzz", "", "oste", words[7], words[-1]]:
        lo, hi = vocabulary.starting(prefix)
        assert [vocabulary.word(i) for i in range(lo, hi)] == [w for w in words if w.startswith(prefix)]
        best = typos.completions([vocabulary, vocabulary], prefix, 5)
        expected = sorted((w for w in words if w.startswith(prefix)), key=lambda w: (-frequencies[words.index(w)], w))
        assert [c.word for c in best] == expected[:5]
        assert all(c.frequency == 2 * frequencies[words.index(c.word)] for c in best)  # summed over segments


def test_hits_completed_after_the_index_changed_read_their_own_document(tmp_path):
    """The results page searches, then completes the hits it shows in a second call; a rebuild
    in between renumbers documents, and each hit must still get its own title and snippet."""
    root = tmp_path / "content"
    for name in "abcdef":
        write_doc(root, f"hu/{name}.md", f"title: Cím {name}\ntype: guidance\nlang: hu", f"Lakhatás {name}.")
    index = tmp_path / "index"
    pipeline.build(root, index, full=True)
    service = SearchService(index)
    hits = service.search("lakhatás", snippets=False, limit=10).hits
    (root / "hu" / "a.md").unlink()
    write_doc(root, "hu/0.md", "title: Cím 0\ntype: guidance\nlang: hu", "Más szöveg.")
    pipeline.build(root, index, full=True)  # a new generation: every document number is new
    service.complete(hits)
    for hit in hits:
        if hit.id == "hu/a":
            assert not hit.complete  # gone from the index: nothing read for it
        else:
            assert hit.title == f"Cím {hit.id[-1]}" and hit.id[-1] in hit.snippet
    service.close()


def test_a_spelled_unaccented_query_does_not_build_the_typo_index(corpus_index):
    """A one-off search (``kb search``) of correctly spelled words without accents finds the
    accented documents without building the typo index, which a web worker builds at start."""
    from kb.search import SearchService

    service = SearchService(corpus_index)
    try:
        cold = [hit.id for hit in service.search("tamogatott lakhatas").hits]
        assert service._typo_index == {}
        service.open()  # what kb serve and the WSGI workers do
        assert service._typo_index
        assert [hit.id for hit in service.search("tamogatott lakhatas").hits] == cold
        assert cold
    finally:
        service.close()
