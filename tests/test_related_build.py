"""Related lists stored by the build equal Whoosh's more_like at query time, after full and incremental builds;
the catalogue behind the home page, /editors and document pages follows every new commit and generation."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.scoring import BM25F

from indexer import pipeline
from indexer.generation import catalogue, related, related_fields, storage
from indexer.generation.related_fields import NUMTERMS
from kb.search import SearchService
from kb.search import related as live
from kb.web import create_app

WORDS = {
    "hu": "lakhatás támogatás szolgáltatás gyermek család közösség program önkormányzat ellátás segítség "
    "munka képzés egészség iskola idős fogyatékos szociális módszertan fórum jog".split(),
    "cs": "bydlení podpora služba dítě rodina komunita program obec péče pomoc práce vzdělávání zdraví "
    "škola senior postižení sociální metodika fórum zákon".split(),
}


def _doc(rng: random.Random, lang: str, title: str, key: str | None = None) -> tuple[str, str]:
    words = WORDS[lang]
    body = "\n\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(15, 40))) + "." for _ in range(3))
    front = f"title: {title}\ntype: article\nlang: {lang}\ndate: 2020-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    if key:
        front += f"\ntranslation_key: {key}"
    return front, body


@pytest.fixture()
def corpus(content_factory, tmp_path):
    rng = random.Random(13)
    for n in range(24):
        lang = "hu" if n % 2 else "cs"
        key = f"family-{n // 4}" if n % 4 < 2 else None  # some translation pairs
        content_factory(f"{lang}/doc-{n:02d}.md", *_doc(rng, lang, f"Dokument {n:02d}", key))
    index = tmp_path / "index"
    pipeline.build(content_factory.root, index, full=True)
    return content_factory, index, rng


def _expected(index, doc_id: str, langs: list[str]) -> list[str]:
    ix = storage.open_index(index)
    with ix.searcher(weighting=BM25F()) as searcher:
        return [d["id"] for d in live.related(searcher, doc_id, langs)]


def _stored(index, doc_id: str, langs: list[str]) -> list[str]:
    svc = SearchService(index)
    try:
        return [d["id"] for d in svc.related(doc_id, langs)]
    finally:
        svc.close()


def _ids(index) -> list[str]:
    svc = SearchService(index)
    try:
        return [d["id"] for d in svc.documents(limit=300)[1]]
    finally:
        svc.close()


def test_stored_lists_equal_query_time_more_like(corpus):
    _, index, _ = corpus
    ids = _ids(index)
    assert len(ids) == 24
    for doc_id in ids:
        for langs in (["hu"], ["cs", "hu"]):
            assert _stored(index, doc_id, langs) == _expected(index, doc_id, langs), doc_id
    assert any(_stored(index, doc_id, ["hu"]) for doc_id in ids)


def _rank_both_ways_as_whoosh(index) -> int:
    """Hold both ways of ranking to Whoosh's more_like for every document; the segments checked."""
    generation = storage.current_generation(index)
    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(generation), supports_mmap=True).open_index()
    with ix.searcher(weighting=BM25F()) as searcher:
        reader = searcher.reader()
        for name in ("body_hu", "body_cs"):
            arrays, lookups = related_fields.FieldArrays(reader, name), related_fields.FieldLookups(reader, name)
            for docnum in reader.all_doc_ids():
                stored = reader.stored_fields(docnum)
                if f"body_{stored['lang']}" != name:
                    continue
                whoosh = [h.docnum for h in searcher.more_like(docnum, name, text=stored["text"], top=15, numterms=20)]
                assert arrays.more_like(docnum) == whoosh
                assert lookups.more_like(docnum, stored["text"]) == whoosh
        return len(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else 1


def test_index_lookups_rank_as_the_arrays_and_as_whoosh(corpus):
    """In one segment, then in two where the first still has the postings of documents deleted since."""
    content, index, rng = corpus
    assert _rank_both_ways_as_whoosh(index) == 1
    for n in (1, 2, 5):
        content(f"hu/doc-{n:02d}.md" if n % 2 else f"cs/doc-{n:02d}.md", *_doc(rng, "hu" if n % 2 else "cs", f"Új {n}"))
    (content.root / "cs/doc-06.md").unlink()
    pipeline.build(content.root, index)
    assert _rank_both_ways_as_whoosh(index) == 2


def _key_terms(index) -> dict[str, list[tuple[str, float]]]:
    """Each document's key terms as the catalogue keeps them."""
    import json
    import sqlite3

    conn = sqlite3.connect(catalogue.path(storage.current_generation(index)))
    try:
        return {
            i: [(t, b) for t, b in json.loads(terms)] for i, terms in conn.execute("SELECT id, terms FROM keyterms")
        }
    finally:
        conn.close()


def _expected_with(index, doc_id: str, langs: list[str], terms: dict[str, list[tuple[str, float]]]) -> list[str]:
    """Whoosh's related list, where each member in ``terms`` (by id) is searched for those key terms
    instead of the ones its text gives now (``searcher.more_like`` is a search for its key terms)."""
    ix = storage.open_index(index)
    with ix.searcher(weighting=BM25F()) as searcher:
        texts = {stored.get("text"): stored["id"] for stored in searcher.all_stored_fields()}
        own = searcher.key_terms_from_text

        def key_terms_from_text(fieldname, text, **kwargs):
            found = terms.get(texts.get(text))
            return found if found is not None else own(fieldname, text, **kwargs)

        searcher.key_terms_from_text = key_terms_from_text
        return [d["id"] for d in live.related(searcher, doc_id, langs)]


def test_incremental_build_refreshes_what_it_touched(corpus):
    """What changed is ranked afresh; a document whose text did not change, ranked again because its
    family or its list had a changed document, is searched for the key terms stored for it (its text is
    not analysed again); no list keeps a removed document."""
    content, index, rng = corpus
    ids = _ids(index)
    before = {doc_id: _stored(index, doc_id, ["hu"]) for doc_id in ids}
    stored_terms = _key_terms(index)
    assert len(stored_terms) == len(ids) and all(len(found) == NUMTERMS for found in stored_terms.values())
    removed = next(i for i in ids if any(i in found for found in before.values()))
    (content.root / f"{removed}.md").unlink()
    changed = "hu/doc-01"
    content(f"{changed}.md", *_doc(rng, "hu", "Dokument 01, új", "family-0"))
    added = "cs/doc-99"
    content(f"{added}.md", *_doc(rng, "cs", "Dokument 99", "family-0"))
    summary = pipeline.build(content.root, index)
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)

    now = _ids(index)
    assert removed not in now and added in now
    named = {i for i, found in before.items() if removed in found or changed in found}
    family = {i for i in now if i.endswith(("doc-00", "doc-01", "doc-99"))}
    unchanged = {i: found for i, found in stored_terms.items() if i not in (changed, added, removed)}
    for doc_id in {changed, added} | family | (named & set(now)):
        assert _stored(index, doc_id, ["hu"]) == _expected_with(index, doc_id, ["hu"], unchanged), doc_id
    assert _key_terms(index).keys() == set(now)
    for doc_id in now:
        assert removed not in _stored(index, doc_id, ["hu"])


def test_a_document_joining_a_family_refreshes_that_familys_lists(corpus):
    """hu/doc-03 (no translation key) joins family-1: the lists of family-1's members are ranked
    again, as the family they now share with it is left out of them."""
    content, index, rng = corpus
    stored_terms = _key_terms(index)
    content("hu/doc-03.md", *_doc(rng, "hu", "Dokument 03, új", "family-1"))
    summary = pipeline.build(content.root, index)
    assert summary.updated == 1
    unchanged = {i: found for i, found in stored_terms.items() if i != "hu/doc-03"}
    members = [i for i in _ids(index) if i.endswith(("doc-04", "doc-05"))]
    assert len(members) == 2
    for doc_id in members:
        assert _stored(index, doc_id, ["hu"]) == _expected_with(index, doc_id, ["hu"], unchanged), doc_id


def test_catalogue_follows_commits_and_generations(corpus):
    content, index, rng = corpus
    app = create_app({"content_dir": content.root, "index_dir": index, "testing": True, "local": True})
    client = app.test_client()
    assert "Dokument" in client.get("/").get_data(as_text=True)
    editors = client.get("/editors").get_data(as_text=True)
    assert 'href="/doc/cs/doc-02"' in editors and "What needs attention among the 24 documents" in editors

    front, body = _doc(rng, "cs", "Nový dokument 50", None)
    content("cs/doc-50.md", front.replace("date: 2020", "date: 2025"), body)
    pipeline.build(content.root, index)  # a new commit in the same generation
    assert "Nový dokument 50" in client.get("/").get_data(as_text=True)  # the newest on the home page
    assert "Nový dokument 50" in client.get("/editors").get_data(as_text=True)
    assert "among the 25 documents" in client.get("/editors").get_data(as_text=True)

    (content.root / "cs/doc-50.md").unlink()
    first = storage.current_generation(index)
    pipeline.build(content.root, index, full=True)  # a new generation
    assert storage.current_generation(index) != first
    assert "Nový dokument 50" not in client.get("/editors").get_data(as_text=True)
    assert "Nový dokument 50" not in client.get("/").get_data(as_text=True)
    assert "among the 24 documents" in client.get("/editors").get_data(as_text=True)


def test_kb_index_rewrites_a_missing_catalogue(corpus):
    from click.testing import CliRunner

    from kb.cli import main

    content, index, _ = corpus
    generation = storage.current_generation(index)
    catalogue.path(generation).unlink()
    app = create_app({"content_dir": content.root, "index_dir": index, "testing": True, "local": True})
    assert app.test_client().get("/editors").status_code == 503
    result = CliRunner().invoke(main, ["index", "--content", str(content.root), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert catalogue.is_current(generation, storage.open_index(index))
    assert app.test_client().get("/editors").status_code == 200
    assert _stored(index, "hu/doc-01", ["hu"]) == _expected(index, "hu/doc-01", ["hu"])


def test_editors_gaps_are_paged(content_factory, tmp_path, monkeypatch):
    from kb.web import browse

    rng = random.Random(5)
    for n in range(7):
        content_factory(f"hu/gap-{n}.md", *_doc(rng, "hu", f"Hiány {n}"))
    content_factory("cs/only.md", *_doc(rng, "cs", "Jen česky"))
    index = tmp_path / "index"
    pipeline.build(content_factory.root, index, full=True)
    monkeypatch.setattr(browse, "GAPS_PER_PAGE", 3)
    settings = {"content_dir": content_factory.root, "index_dir": index, "testing": True, "local": True}
    client = create_app(settings).test_client()

    def gaps(url: str) -> str:
        html = client.get(url).get_data(as_text=True)
        return html[html.index('id="gaps-h"') : html.index('id="warnings-h"')]

    first = gaps("/editors")
    assert "Hiány 0" in first and "Hiány 2" in first and "Hiány 3" not in first and 'rel="next"' in first
    last = gaps("/editors?page=9")
    assert "Jen česky" in last and "Hiány 6" in last and 'rel="next"' not in last


def test_the_catalogue_tells_an_incremental_build_what_the_index_holds(corpus):
    """``kb index`` reads each document's content hash and language from the catalogue when it
    describes the latest commit: the same as the index's columns, after full and incremental
    builds; a lagging catalogue is not asked."""
    content, index, rng = corpus

    def both():
        ix = storage.open_index(index)
        generation = storage.current_generation(index)
        assert catalogue.is_current(generation, ix)
        return catalogue.indexed(generation), pipeline._indexed(ix)

    from_catalogue, from_columns = both()
    assert from_catalogue == from_columns and len(from_columns) == 24
    content("hu/doc-01.md", *_doc(rng, "hu", "Dokument 01, új", "family-0"))
    (content.root / "cs/doc-02.md").unlink()
    pipeline.build(content.root, index)
    from_catalogue, from_columns = both()
    assert from_catalogue == from_columns and len(from_columns) == 23
    ix = storage.open_index(index)
    writer = ix.writer()
    writer.delete_by_term("id", "hu/doc-03")
    writer.commit()  # a commit the catalogue does not describe
    assert not catalogue.is_current(storage.current_generation(index), storage.open_index(index))
    summary = pipeline.build(content.root, index)
    assert summary.added == 1  # the columns told: hu/doc-03 is indexed again


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 6), st.integers(0, 400), st.floats(0.0, 1.0)
        ),  # weight, cf beyond it, share in one segment
        min_size=1,
        max_size=80,
    ),
    st.integers(500, 60_000),
)
def test_key_terms_looked_up_by_bound_are_the_best_of_all(terms, doc_count):
    """However few terms the bounds leave to look up, the key terms are the best of every term's
    score (what Whoosh's expander gives), and a term left out could not have been chosen."""
    weights = [(f"t{n:03d}".encode(), float(weight)) for n, (weight, _, _) in enumerate(terms)]
    cf = {t: w + extra for (t, w), (_, extra, _) in zip(weights, terms, strict=True)}
    in_one = {t: cf[t] * share for (t, _), (_, _, share) in zip(weights, terms, strict=True)}
    max_cf = sum(cf.values())
    looked_up: list[bytes] = []

    def frequency(term: bytes) -> float:
        looked_up.append(term)
        return cf[term]

    found = related_fields.key_terms(weights, frequency, doc_count, max_cf, least=in_one.__getitem__)
    scores = {t: related_fields.bo1(w, cf[t], doc_count) for t, w in weights}
    norm = max(scores.values())
    expected = sorted(((s / norm, t) for t, s in scores.items()), key=lambda st_: (-st_[0], st_[1]))[:NUMTERMS]
    assert found == [(t, s) for s, t in expected]
    assert found == related_fields.key_terms(
        weights, cf.__getitem__, doc_count, max_cf
    )  # no bound but the text's own weight


def test_common_terms_of_a_text_are_not_looked_up_in_every_segment():
    """A text of 20 rare and 180 common terms: the common ones' weight in one segment rules them out."""
    weights = [(f"r{n:03d}".encode(), 1.0) for n in range(20)] + [(f"c{n:03d}".encode(), 2.0) for n in range(180)]
    cf = {t: 1.0 if t.startswith(b"r") else 3000.0 for t, _ in weights}
    looked_up: list[bytes] = []

    def frequency(term: bytes) -> float:
        looked_up.append(term)
        return cf[term]

    found = related_fields.key_terms(weights, frequency, 50_000, 10**7, least=lambda t: cf[t] / 4)
    assert sorted(t for t, _ in found) == sorted(t for t, _ in weights[:20])
    assert len(looked_up) == 20


_PARENT = os.getpid()
_real_rank_field = related._rank_field


def _dies_in_a_child(job):
    """A ranking process killed mid-task (as the kernel kills one out of memory)."""
    if os.getpid() != _PARENT:
        os._exit(9)
    return _real_rank_field(job)


def test_a_killed_ranking_process_neither_hangs_nor_loses_the_lists(content_factory, tmp_path, monkeypatch, caplog):
    """Both fields are ranked in processes; every one of them dies: the build ranks them itself (a
    multiprocessing Pool waited for the dead child's task for ever) and stores the same lists."""
    rng = random.Random(5)
    for n in range(8):
        lang = "hu" if n % 2 else "cs"
        content_factory(f"{lang}/doc-{n}.md", *_doc(rng, lang, f"Dokument {n}"))
    serial = tmp_path / "serial"
    pipeline.build(content_factory.root, serial, full=True, workers=1)
    monkeypatch.setattr(related, "_rank_field", _dies_in_a_child)
    killed = tmp_path / "killed"
    pipeline.build(content_factory.root, killed, full=True, workers=2)
    assert "a ranking process died" in caplog.text  # the processes were used, and died
    for doc_id in _ids(serial):
        assert _stored(killed, doc_id, ["hu", "cs"]) == _stored(serial, doc_id, ["hu", "cs"]), doc_id
