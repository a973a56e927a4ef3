"""The process pool prepares documents exactly as the serial path does, bad files included."""

from __future__ import annotations

from indexer import parallel, pipeline


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
    serial = list(parallel.prepare_all(paths, root, processes=1))
    pooled = list(parallel.prepare_all(paths, root, processes=2, threshold=0))
    assert [p.path for p in pooled] == paths
    assert [(p.fields, p.lang, p.problem) for p in pooled] == [(p.fields, p.lang, p.problem) for p in serial]
    broken = [p for p in pooled if p.problem]
    assert [p.problem.path for p in broken] == ["hu/broken.md"]
    assert "type" in broken[0].problem.message
    assert {p.lang for p in pooled if p.fields} == {"hu", "cs"}


def test_full_build_through_the_pool(content_factory, tmp_path, monkeypatch):
    root = _corpus(content_factory)
    monkeypatch.setattr(parallel, "POOL_THRESHOLD", 2)
    monkeypatch.setenv("KB_INDEX_WORKERS", "2")
    summary = pipeline.build(root, tmp_path / "index", full=True)
    assert (summary.added, summary.failed) == (13, 1)
    assert summary.per_language == {"hu": 12, "cs": 1}
    again = pipeline.build(root, tmp_path / "index")
    assert (again.added, again.updated, again.unchanged, again.failed) == (0, 0, 13, 1)
