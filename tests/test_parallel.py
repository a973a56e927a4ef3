"""The process pool prepares documents exactly as the serial path does, bad files included."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as Query

from indexer import pipeline
from indexer.build import preparation, segments
from indexer.generation import storage


def _corpus(content_factory):
    for number in range(12):
        content_factory(
            f"hu/doc-{number}.md",
            f"title: Támogatott lakhatás {number}\ntype: protocol\nlang: hu",
            f"## Szakasz\n\nA támogatott lakhatás szolgáltatásairól, {number}. rész.",
        )
    content_factory("cs/sluzby.md", "title: Sociální služby\ntype: guidance", "Poskytování sociálních služeb v kraji.")
    content_factory("hu/broken.md", "title: Hibás\ntype: nonsense", "Szöveg.")
    return content_factory.root


def test_pool_matches_serial(content_factory):
    root = _corpus(content_factory)
    paths = sorted(root.rglob("*.md"))
    serial = list(preparation.prepare_all(paths, preparation.Preparer(root), processes=1))
    pooled = list(preparation.prepare_all(paths, preparation.Preparer(root), processes=2, threshold=0))
    assert [p.path for p in pooled] == paths
    assert [(p.fields, p.lang, p.problem) for p in pooled] == [(p.fields, p.lang, p.problem) for p in serial]
    broken = [p for p in pooled if p.problem]
    assert [p.problem.path for p in broken] == ["hu/broken.md"]
    assert "type" in broken[0].problem.message
    assert {p.lang for p in pooled if p.fields} == {"hu", "cs"}


@given(files=st.integers(0, 400), processes=st.integers(1, 6))
def test_dealing_gives_every_file_once_each_worker_a_contiguous_run(files, processes):
    paths = [Path(f"doc-{number:04}.md") for number in range(files)]
    own, shared = segments.deal(paths, processes)
    assert len(own) == processes
    dealt = [path for chunks in own for chunk in chunks for path in chunk] + [p for chunk in shared for p in chunk]
    assert sorted(dealt) == paths
    for chunks in own:  # a worker's own chunks are one run of neighbouring files
        mine = [path for chunk in chunks for path in chunk]
        assert mine == paths[paths.index(mine[0]) : paths.index(mine[0]) + len(mine)] if mine else True
    if files >= segments._CHUNK * processes * 10:  # enough work: most of it is in the workers' own runs
        assert len(shared) <= len(dealt) / segments._CHUNK * segments._SHARED + processes


def test_full_build_through_the_pool(content_factory, tmp_path, monkeypatch):
    root = _corpus(content_factory)
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(segments, "_CHUNK", 4)  # work for both workers
    summary = pipeline.build(root, tmp_path / "index", full=True, workers=2)
    assert (summary.added, summary.failed) == (13, 1)
    assert summary.per_language == {"hu": 12, "cs": 1}
    assert [p.path for p in summary.problems] == ["hu/broken.md"]
    # Each worker wrote a segment of its own; together they hold every good document once.
    ix = storage.open_index(tmp_path / "index")
    with ix.searcher() as searcher:
        assert len(searcher.ixreader.leaf_readers()) == 2
        assert searcher.doc_count() == 13
        ids = sorted(fields["id"] for fields in searcher.all_stored_fields())
        assert ids == sorted(["cs/sluzby"] + [f"hu/doc-{n}" for n in range(12)])
        found = searcher.search(Query.Term("body_hu", "lakhatas"), limit=None)
        assert len(found) == 12
    again = pipeline.build(root, tmp_path / "index")
    assert (again.added, again.updated, again.unchanged, again.failed) == (0, 0, 13, 1)


def test_a_one_core_full_build_runs_one_worker(content_factory, tmp_path, monkeypatch):
    """``index.workers = 1``: the one worker writes the segment (not Whoosh's own pool in the parent)."""
    root = _corpus(content_factory)
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)
    started = []
    real = segments.write_segments
    monkeypatch.setattr(segments, "write_segments", lambda *a, **k: started.append(k["processes"]) or real(*a, **k))
    summary = pipeline.build(root, tmp_path / "index", full=True, workers=1)
    assert started == [1]
    assert (summary.added, summary.failed) == (13, 1)
    with storage.open_index(tmp_path / "index").searcher() as searcher:
        assert len(searcher.ixreader.leaf_readers()) == 1 and searcher.doc_count() == 13
        assert len(searcher.search(Query.Term("body_hu", "lakhatas"), limit=None)) == 12


def test_a_failing_worker_cancels_the_full_build_and_the_old_keeps_serving(content_factory, tmp_path, monkeypatch):
    root = _corpus(content_factory)
    index_dir = tmp_path / "index"
    pipeline.build(root, index_dir, full=True)  # serial: below the threshold
    before = storage.current_generation(index_dir)
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)

    def explode(path, preparer):
        raise MemoryError(f"out of memory on {path.name}")

    monkeypatch.setattr(segments, "prepare_one", explode)  # the forked workers inherit it
    with pytest.raises(pipeline.BuildFailed, match="out of memory on"):  # a WorkerFailed, in one line
        pipeline.build(root, index_dir, full=True, workers=2)
    assert storage.current_generation(index_dir) == before
    assert sorted(p.name for p in index_dir.glob("gen-*")) == [before.name]
    with storage.open_index(index_dir).searcher() as searcher:
        assert searcher.doc_count() == 13


def test_workers_start_new_segments_instead_of_spilling(content_factory, tmp_path, monkeypatch):
    root = _corpus(content_factory)
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(segments, "_CHUNK", 2)
    monkeypatch.setattr(segments, "_ROLLOVER", 0)  # every chunk fills the pool
    summary = pipeline.build(root, tmp_path / "index", full=True, workers=2)
    assert (summary.added, summary.failed) == (13, 1)
    with storage.open_index(tmp_path / "index").searcher() as searcher:
        assert len(searcher.ixreader.leaf_readers()) == 7  # 14 files in chunks of 2, one bad
        assert searcher.doc_count() == 13
        assert len(set(f["id"] for f in searcher.all_stored_fields())) == 13


def test_an_update_of_many_documents_runs_the_workers_and_keeps_what_fails(content_factory, tmp_path, monkeypatch):
    """A changed glossary re-tags every document: more than one writer's pool, so the workers write
    new segments and the earlier versions are deleted (old segments left empty are dropped); a file
    that fails now keeps its last good version; related lists are ranked again as a full build's."""
    from whoosh.scoring import BM25F

    from indexer import glossary
    from indexer.format import segment_writer
    from indexer.generation import catalogue
    from kb.search import SearchService
    from kb.search import related as live

    root = _corpus(content_factory)
    index = tmp_path / "index"
    pipeline.build(root, index, full=True)  # serial, one segment
    monkeypatch.setattr(preparation, "POOL_THRESHOLD", 2)
    monkeypatch.setattr(segment_writer, "POOL_DOCUMENTS", 4)
    monkeypatch.setattr(segments, "_CHUNK", 4)
    (root / "hu/doc-3.md").write_text("---\ntitle: [unclosed\n---\nSzöveg.\n", "utf-8")  # fails from now on
    content_factory("glossary/mine.yaml", None, "- id: tl\n  labels:\n    hu: [szakasz]\n")
    summary = pipeline.build(root, index, workers=2)
    assert (summary.added, summary.updated, summary.removed, summary.failed) == (0, 12, 0, 2)
    assert summary.per_language == {"hu": 12, "cs": 1}
    generation = storage.current_generation(index)
    assert summary.glossary_problems == [], summary.glossary_problems
    assert any(concept["id"] == "tl" for concept in glossary.read_compiled(generation)["concepts"])
    ix = storage.open_index(index)
    with ix.searcher() as searcher:
        # One new segment per worker, and the old one, where only hu/doc-3's last good version lives.
        assert sorted(leaf.doc_count() for leaf, _ in searcher.ixreader.leaf_readers())[0] == 1
        assert searcher.doc_count() == 13 and len(searcher.ixreader.leaf_readers()) == 3
        ids = sorted(fields["id"] for fields in searcher.all_stored_fields())
        assert ids == sorted(["cs/sluzby"] + [f"hu/doc-{n}" for n in range(12)])  # hu/doc-3 as it was
        tagged = {searcher.stored_fields(d)["id"] for d in searcher.docs_for_query(Query.Term("concepts", "tl"))}
        assert tagged == {f"hu/doc-{n}" for n in range(12) if n != 3}
    assert catalogue.is_current(generation, ix)
    service = SearchService(index)
    try:
        stored = {doc_id: [d["id"] for d in service.related(doc_id, ["hu"])] for doc_id in ids}
    finally:
        service.close()
    with ix.searcher(weighting=BM25F()) as searcher:  # what Whoosh's more_like gives now
        assert stored == {doc_id: [d["id"] for d in live.related(searcher, doc_id, ["hu"])] for doc_id in ids}
    assert any(stored.values())

    # Every document re-tagged again, none failing: the segments left without a live document go.
    content_factory("hu/doc-3.md", "title: Támogatott lakhatás 3\ntype: protocol\nlang: hu", "## Szakasz\n\nÚj.")
    content_factory("glossary/mine.yaml", None, "- id: tl\n  labels:\n    hu: [szakasz, rész]\n")
    summary = pipeline.build(root, index, workers=2)
    assert (summary.updated, summary.failed) == (13, 1)
    with storage.open_index(index).searcher() as searcher:
        assert searcher.doc_count() == 13 and len(searcher.ixreader.leaf_readers()) == 2
