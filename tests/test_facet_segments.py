"""Facet counts over several segments when one segment has no value for a facet at all."""

from __future__ import annotations

from indexer import pipeline
from kb.search import SearchService


def test_a_segment_without_dates_does_not_shift_the_year_counts(content_factory, tmp_path):
    make = content_factory
    for n in range(3):
        make(f"hu/undated-{n}.md", f"title: Dátum nélkül {n}\ntype: forum\nlang: hu", "Szöveg a szolgáltatásról.")
    index_dir = tmp_path / "index"
    pipeline.build(make.root, index_dir, full=True, glossary_default=False)
    make("hu/dated.md", "title: Dátummal\ntype: forum\nlang: hu\ndate: 2019-05-01", "Szöveg a szolgáltatásról.")
    pipeline.build(make.root, index_dir, glossary_default=False)  # a second segment, the only one with a date
    service = SearchService(index_dir)
    with service.reading() as searcher:
        assert len(searcher.reader().leaf_readers()) == 2
    result = service.search("szolgáltatás")
    assert result.total == 4
    assert result.facets["year"] == {"2019": 1}
    service.close()


def test_hits_read_their_columns_right_across_segments_and_commits(content_factory, tmp_path):
    """Hits are made from each segment's columns, read once and kept while the segment is
    in the index: after an update and a new segment every hit still names its own document."""
    make = content_factory
    for n in range(3):
        make(
            f"hu/d{n}.md",
            f"title: Első {n}\ntype: forum\nlang: hu\ndate: 2019-05-0{n + 1}\ntranslation_key: k{n}",
            "Szöveg a szolgáltatásról.",
        )
    index_dir = tmp_path / "index"
    pipeline.build(make.root, index_dir, full=True, glossary_default=False)
    service = SearchService(index_dir)

    def hits() -> dict[str, tuple]:
        found = service.search("szöveg", limit=50, snippets=False).hits  # every document writes it
        return {h.id: (h.lang, h.type, h.date, h.translation_key) for h in found}

    assert hits()["hu/d1"] == ("hu", "forum", "2019-05-02", "k1")
    first = service._columns._segments.copy()
    make("cs/new.md", "title: Nový\ntype: guidance\nlang: cs", "Szöveg a szolgáltatásról.")  # undated, no key
    make("hu/d1.md", "title: Első 1\ntype: protocol\nlang: hu\ndate: 2020-01-01", "Szöveg a szolgáltatásról.")
    pipeline.build(make.root, index_dir, glossary_default=False)
    assert hits() == {
        "hu/d0": ("hu", "forum", "2019-05-01", "k0"),
        "hu/d1": ("hu", "protocol", "2020-01-01", None),
        "hu/d2": ("hu", "forum", "2019-05-03", "k2"),
        "cs/new": ("cs", "guidance", None, None),
    }
    kept = service._columns._segments
    assert all(kept[key] is values for key, values in first.items())  # the first segment was not read again
    service.close()
