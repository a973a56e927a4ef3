"""Array scoring (kb/collector.py) finds and ranks exactly what Whoosh's matchers do."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from whoosh import index
from whoosh import query as Q
from whoosh.filedb.filestore import FileStorage

from indexer.format.postings import posting_arrays, read_list
from indexer.format.schema import build_schema
from kb.search import collector
from kb.search.matching import BulkOr
from kb.search.ranking import RecencyBM25F

WORDS = "lakhatás lakhatási támogatott szolgáltatás ülés gyerek család segítség otthon munka".split()
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module", params=["w3", "index codec"])
def searcher(tmp_path_factory, request):
    """Three segments (one with deleted documents), posting lists longer than a block, dates and
    languages; written by Whoosh's W3 codec and by the index's (arrays, short lists inlined)."""
    from indexer.format.codec import build_codec

    codec = {"w3": None, "index codec": build_codec}[request.param]
    folder = tmp_path_factory.mktemp("dense")
    ix = index.create_in(str(folder), build_schema())
    rng = random.Random(5)
    number = 0
    for size in (900, 500, 300):
        writer = ix.writer(codec=codec()) if codec else ix.writer()
        for _ in range(size):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
            fields = {"id": f"d{number}", "lang": rng.choice(["hu", "cs"]), "body_hu": text, "words": text}
            fields["head_hu"] = rng.choice(WORDS)
            if number % 3:
                fields["date_ordinal"] = (TODAY - dt.timedelta(days=rng.randint(0, 8000))).toordinal()
            writer.add_document(**fields)
            number += 1
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in range(950, 1000):  # in the second segment
        writer.delete_by_term("id", f"d{gone}")
    writer.commit(merge=False)
    ix = FileStorage(str(folder), supports_mmap=False).open_index()  # as the service opens it
    with ix.searcher(weighting=RecencyBM25F(today=TODAY)) as s:
        assert len(s.ixreader.leaf_readers()) == 3
        assert s.ixreader.has_deletions()
        yield s


def word(*terms) -> BulkOr:
    return BulkOr([Q.Term(field, text, boost=boost) for field, text, boost in terms])


LAKHATAS = word(("body_hu", "lakhatas", 1.0), ("head_hu", "lakhatas", 2.5), ("words", "lakhatas|lakhatás", 0.5))
CSALAD = word(("body_hu", "csalad", 1.0), ("body_hu", "munka", 0.5), ("head_hu", "nincs-ilyen", 2.5))
ULES = word(("body_hu", "ules", 1.0))
QUERIES = {
    "word": LAKHATAS,
    "and": Q.And([LAKHATAS, CSALAD]),
    "or": Q.Or([ULES, CSALAD]),
    "and of three": Q.And([LAKHATAS, CSALAD, ULES]),
}


def whoosh_ranking(searcher, q, allow=None):
    """Whoosh's own answer: every match, best first, equal scores by document number."""
    found = searcher.search(q, limit=None, filter=allow)
    return [(hit.score, hit.docnum) for hit in found]


@pytest.mark.parametrize("name", QUERIES)
def test_dense_ranks_and_counts_like_whoosh(searcher, name):
    q = QUERIES[name]
    expected = whoosh_ranking(searcher, q)
    found = collector.search(searcher, q, top=25)
    assert 25 < len(expected) < searcher.doc_count()
    assert len(found) == len(expected)
    assert sorted(found.matched_docnums.tolist()) == sorted(docnum for _, docnum in expected)
    top = [(hit.score, hit.docnum) for hit in found]
    assert [docnum for _, docnum in top] == [docnum for _, docnum in expected[:25]]
    assert [score for score, _ in top] == pytest.approx([score for score, _ in expected[:25]], rel=1e-12)


def test_deleted_documents_never_match(searcher):
    found = collector.search(searcher, Q.Or([LAKHATAS, CSALAD, ULES]), top=10)
    deleted = set(searcher.ixreader.leaf_readers()[1][0].segment().deleted_docs())
    offset = searcher.ixreader.leaf_readers()[1][1]
    assert deleted and not {offset + d for d in deleted} & set(found.matched_docnums.tolist())


def test_filter_keeps_only_allowed_documents(searcher):
    allow = set(searcher.docs_for_query(Q.Term("lang", "cs")))
    q = Q.And([LAKHATAS, CSALAD])
    expected = whoosh_ranking(searcher, q, allow=Q.Term("lang", "cs"))
    found = collector.search(searcher, q, top=10, allow=allow)
    assert len(found) == len(expected) > 10
    assert [hit.docnum for hit in found] == [docnum for _, docnum in expected[:10]]


def test_cached_postings_give_the_same_answer_and_stay_within_budget(searcher):
    cache = collector.PostingsCache(budget=4000)
    q = Q.Or([LAKHATAS, CSALAD, ULES])
    uncached = collector.search(searcher, q, top=20)
    first = collector.search(searcher, q, top=20, cache=cache)
    again = collector.search(searcher, q, top=20, cache=cache)
    for found in (first, again):
        assert [(h.docnum, h.score) for h in found] == [(h.docnum, h.score) for h in uncached]
        assert found.matched_docnums.tolist() == uncached.matched_docnums.tolist()
    assert 0 < cache.size <= 4000


def test_what_dense_does_not_evaluate_goes_to_whoosh(searcher):
    phrase = Q.Phrase("body_hu", ["lakhatas", "csalad"])
    assert collector.search(searcher, phrase, top=10) is None
    assert collector.search(searcher, Q.And([LAKHATAS, phrase]), top=10) is None
    assert collector.search(searcher, Q.Or([Q.FuzzyTerm("body_hu", "lakhtas")]), top=10) is None


def test_filtered_count_is_every_allowed_match(searcher):
    """The collector's own filter counts every allowed match (Whoosh's FilterCollector, which
    lets the matcher be pruned by its quality estimate, counted 61 of 647 here)."""
    q = Q.And([LAKHATAS, CSALAD])
    allow = set(searcher.docs_for_query(Q.Term("lang", "cs")))
    everything = {docnum for _, docnum in whoosh_ranking(searcher, q)}
    found = collector.search(searcher, q, top=10, allow=allow)
    assert len(found) == len(everything & allow) > 10
    assert set(found.matched_docnums.tolist()) == everything & allow


def _assert_top_ten_as_whoosh(searcher, clause) -> None:
    """The collector's top ten for one clause: Whoosh's documents, in its order, with its scores."""
    expected = whoosh_ranking(searcher, clause)
    found = collector.collect(searcher, [collector.ClauseQueries(clause, [])], top=10).results
    assert len(found) == len(expected) > 0
    assert [hit.docnum for hit in found] == [docnum for _, docnum in expected[:10]]
    for hit, (score, _) in zip(found, expected, strict=False):
        assert hit.score == pytest.approx(score, rel=1e-12)


def test_a_phrase_clause_scores_as_whoosh_does(searcher):
    """Clauses the postings path does not read (phrases) go through Whoosh's own matcher, same scores."""
    _assert_top_ten_as_whoosh(searcher, Q.Phrase("body_hu", ["lakhatas", "csalad"]))


def test_coverage_ranks_documents_with_more_clauses_first(searcher):
    """Documents matching more of a plan's clauses come first, and reported scores keep that order."""
    clauses = [collector.ClauseQueries(q, []) for q in (LAKHATAS, CSALAD, ULES)]
    found = collector.collect(searcher, clauses, top=50, required=lambda n, best: 1)
    both = {d for _, d in whoosh_ranking(searcher, Q.And([LAKHATAS, CSALAD, ULES]))}
    ranked = [hit.docnum for hit in found.results]
    scores = [hit.score for hit in found.results]
    assert scores == sorted(scores, reverse=True)
    assert set(ranked[: len(both)]) == both if len(both) <= 50 else True
    assert found.best == 3 if both else found.best < 3


def test_bulk_term_list_equals_whoosh_iter_field(searcher):
    """The typo index's one-pass read of a field's terms gives what Whoosh's iter_field gives."""
    from indexer.format.term_file import field_terms

    for leaf, _ in searcher.ixreader.leaf_readers():
        for fieldname in ("words", "body_hu", "head_hu", "id", "body_pl"):
            expected = [(t.decode("utf-8"), info.doc_frequency()) for t, info in leaf.iter_field(fieldname)]
            assert list(field_terms(leaf, fieldname)) == expected
            assert list(field_terms(leaf, fieldname, chunk=37)) == expected  # records across chunks
        assert list(field_terms(leaf, "words"))


def test_one_read_postings_equal_whoosh_matchers(searcher):
    """Every posting list, decoded from one read of its bytes, is what Whoosh's matcher walks
    (lists of one block and of many, with deletions in the segment: deleted documents are
    masked by the collector, not here)."""
    longest = 0
    for leaf, _ in searcher.ixreader.leaf_readers():
        for fieldname in ("words", "body_hu", "head_hu", "id"):
            for text, info in leaf.iter_field(fieldname):
                if info.is_inlined():  # a short list, kept in the term info (the index codec)
                    continue
                ids, weights = posting_arrays(read_list(leaf._terms._postfile, info))
                matcher = leaf._terms.matcher(fieldname, text, leaf.schema[fieldname].format)
                expected = []
                while matcher.is_active():
                    expected.append((matcher.id(), matcher.weight()))
                    matcher.next()
                assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == expected, (fieldname, text)
                longest = max(longest, len(expected))
    assert longest > 128  # more than one block


def test_term_table_finds_what_whoosh_term_info_finds(searcher):
    """The pread look-up gives Whoosh's term info for every term of a segment, and None for
    terms it lacks (other segments' terms, made-up ones, unknown fields)."""
    from whoosh.reading import TermNotFound

    from indexer.format.term_file import TermTable

    leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
    mapped = index.open_dir(searcher._ix.storage.folder).reader()  # memory-mapped: Whoosh's own look-up
    fields = ("words", "body_hu", "head_hu", "id")
    everything = {(f, t.decode()) for leaf in leaves for f in fields for t, _ in leaf.iter_field(f)}
    probes = everything | {("body_hu", "nincs-ilyen"), ("words", ""), ("body_pl", "lakhatas"), ("no_such_field", "x")}
    for leaf, (mapped_leaf, _) in zip(leaves, mapped.leaf_readers(), strict=True):
        tables = [TermTable(leaf), TermTable(mapped_leaf)]
        assert tables[0]._raw is not None and tables[1]._raw is None
        for fieldname, text in probes:
            try:
                expected = _info_fields(leaf.term_info(fieldname, text))
            except TermNotFound:
                expected = None
            for table in tables:
                found = table.info(fieldname, text)
                assert (_info_fields(found) if found is not None else None) == expected, (fieldname, text)
    mapped.close()


def _info_fields(info) -> tuple:
    # (W3TermInfo.to_bytes fails on a decoded info: from_bytes leaves its length in a 1-tuple)
    return (info.weight(), info.doc_frequency(), info.min_id(), info.max_id(), info.max_weight(), info.extent())


def test_a_phrase_clause_of_many_parts_scores_as_whoosh_does(searcher):
    """A phrase clause as the plan builds it (an OR of an exact phrase, per-field span queries over
    each word's forms and single-word parts) finds and scores what Whoosh's matcher does, including
    parts skipped because a word is absent or the rarest words never share a document."""
    from whoosh.query import spans

    from kb.search.plan import _SpanOr

    forms = _SpanOr([Q.Term("body_hu", "lakhatas"), Q.Term("body_hu", "csalad")])
    clause = Q.Or(
        [
            Q.Phrase("body_hu", ["csalad", "munka"], boost=2.0),
            spans.SpanNear2([forms, Q.Term("body_hu", "ules")], slop=1, ordered=True),
            spans.SpanNear2([Q.Term("head_hu", "ules"), Q.Term("head_hu", "munka")], slop=1),  # one word a title
            Q.Phrase("body_hu", ["csalad", "nincs-ilyen"]),
            word(("head_hu", "otthon", 1.0)),
        ]
    )
    _assert_top_ten_as_whoosh(searcher, clause)
    skipped = Q.Or([spans.SpanNear2([Q.Term("head_hu", "ules"), Q.Term("head_hu", "munka")], slop=1)])
    assert whoosh_ranking(searcher, skipped) == []
    assert len(collector.collect(searcher, [collector.ClauseQueries(skipped, [])], top=10).results) == 0


def test_random_phrases_find_and_score_what_whoosh_spans_do(searcher):
    """Phrases read from arrays (kb/search/phrases.py) against Whoosh's span
    matchers: exact phrases and per-field span queries over words of one or several forms,
    ordered or not, slop 1 or 2, on texts full of repeated and adjacent words."""
    from whoosh.query import spans

    from kb.search.plan import _SpanOr

    rng = random.Random(11)
    leaf = searcher.ixreader.leaf_readers()[0][0]
    vocabulary = {f: sorted(t.decode() for t, _ in leaf.iter_field(f)) for f in ("body_hu", "words")}
    checked = 0
    for _ in range(150):
        fieldname = rng.choice(["body_hu", "words"])
        words = [rng.choice(vocabulary[fieldname]) for _ in range(rng.randint(2, 4))]
        slop = rng.choice([1, 1, 2])
        if rng.random() < 0.4:
            q = Q.Phrase(fieldname, words, slop=slop, boost=rng.choice([1.0, 2.0]))
        else:
            parts = []
            for word in words:
                forms = [word] + [rng.choice(vocabulary[fieldname]) for _ in range(rng.randint(0, 2))]
                if len(forms) == 1 and rng.random() < 0.5:
                    parts.append(Q.Term(fieldname, word))
                else:
                    parts.append(_SpanOr([Q.Term(fieldname, f) for f in dict.fromkeys(forms)]))
            q = spans.SpanNear2(parts, slop=slop, ordered=rng.random() < 0.8)
        expected = {docnum: score for score, docnum in whoosh_ranking(searcher, q)}
        found = collector.collect(searcher, [collector.ClauseQueries(q, [])], top=searcher.doc_count_all()).results
        assert {hit.docnum for hit in found} == set(expected), q
        for hit in found:
            assert hit.score == pytest.approx(expected[hit.docnum], rel=1e-9), q
        checked += bool(expected)
    assert checked > 30  # most phrases match something


def test_typo_vocabularies_tell_which_words_have_accented_spellings(searcher):
    """The plan asks the term file for a word's accented spellings only when a typo vocabulary
    says it has some: the same spellings as asking for every word (one vocabulary per segment
    or one for all)."""
    from kb.search import typos
    from kb.search.plan import accented_spellings

    leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
    words = sorted({w for leaf in leaves for w, _ in leaf.iter_field("words")})
    words = [w.decode().partition("|")[0] for w in words] + ["ules", "ul", "nincsilyen", "csalad"]
    expected = accented_spellings(searcher.ixreader, words)
    for vocabularies in ([typos.vocabulary_of([leaf]) for leaf in leaves], [typos.vocabulary_of(leaves)]):
        assert accented_spellings(searcher.ixreader, words, vocabularies) == expected
    assert expected["lakhatas"] == ("lakhatás",) and expected["ules"] == ("ülés",)


def test_doc_frequency_through_the_term_tables_is_whoosh_s(searcher):
    from indexer.format.term_file import doc_frequency

    probes = [("words", w) for w in ("lakhatas", "csalad", "nincs-ilyen", "")] + [("body_pl", "x"), ("id", "d3")]
    probes += [("body_hu", t.decode()) for t, _ in searcher.ixreader.leaf_readers()[1][0].iter_field("body_hu")]
    for fieldname, text in probes:
        expected = searcher.doc_frequency(fieldname, text) if fieldname in searcher.schema else 0
        assert doc_frequency(searcher, fieldname, text) == expected, (fieldname, text)
