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
