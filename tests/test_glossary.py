"""The glossary: loading and validating its files, compiling it into the index, matching labels in queries."""

from __future__ import annotations

import textwrap
from importlib import resources

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import glossary, pipeline
from indexer.documents.load import discover
from indexer.generation import storage
from kb.cli import main
from kb.search import glossary as matcher
from kb.search.plan import parse

BROKEN = """\
- id: apple
  labels:
    hu: [alma, ""]
    zz: [jablko]
- id: apple
  labels: {en: [apple]}
- labels: {en: [pear]}
- id: pome
  labels:
    en: [Apple, pome]
- id: no-labels
- id: bare
  labels: {cs: []}
"""


def problems_of(text: str) -> list[str]:
    concepts, problems = glossary.parse_text(textwrap.dedent(text), "glossary/g.yaml")
    return [str(p) for p in problems]


def test_each_mistake_has_its_line(tmp_path):
    folder = tmp_path / "glossary"
    folder.mkdir()
    (folder / "fruit.yaml").write_text(BROKEN, "utf-8")
    concepts, problems = glossary.load(tmp_path, include_default=False)
    assert [str(p) for p in problems] == [
        "glossary/fruit.yaml:3: error: concept 'apple': empty label in 'hu'",
        "glossary/fruit.yaml:4: error: unknown language code 'zz' (expected one of hu, cs, en, sk, de, pl)",
        "glossary/fruit.yaml:5: error: duplicate id 'apple' (first at glossary/fruit.yaml:1)",
        "glossary/fruit.yaml:7: error: concept without an 'id'",
        "glossary/fruit.yaml:11: error: concept 'no-labels' has no 'labels'",
        "glossary/fruit.yaml:13: error: concept 'bare' has no usable label",
    ]
    assert [c.id for c in concepts] == ["apple", "pome"]


def test_the_same_label_under_two_concepts(tmp_path):
    folder = tmp_path / "glossary"
    folder.mkdir()
    (folder / "a.yaml").write_text("- id: one\n  labels: {cs: [Sociální práce]}\n", "utf-8")
    (folder / "b.yaml").write_text("- id: two\n  labels:\n    cs: [socialni prace]\n    en: [social work]\n", "utf-8")
    concepts, problems = glossary.load(tmp_path, include_default=False)
    assert [str(p) for p in problems] == [
        "glossary/b.yaml:3: error: label 'socialni prace' (cs) is also a label of concept 'one' (glossary/a.yaml:2)"
    ]
    assert {c.id: c.labels for c in concepts}["two"] == {"cs": [], "en": ["social work"]}


def test_broken_yaml_names_where_the_construct_starts():
    assert problems_of("- id: x\n  labels: {en: [a, [b\n") == [
        "glossary/g.yaml:2: error: invalid YAML: did not find expected ',' or ']'"
    ]
    assert problems_of("id: x\n") == [
        "glossary/g.yaml:1: error: a glossary file is a list of concepts ('- id: ...' entries)"
    ]
    assert problems_of("") == []


def test_unknown_keys_are_warnings_and_notes_are_kept():
    concepts, problems = glossary.parse_text(
        "- id: x\n  labels: {en: [x]}\n  note: {en: A note.}\n  lables: {}\n", "g.yaml"
    )
    assert [str(p) for p in problems] == ["g.yaml:4: warning: unknown key 'lables' (expected id, labels, note)"]
    assert concepts[0].note == {"en": "A note."}


def test_the_shipped_glossary_is_clean_and_acknowledges_eurovoc():
    concepts = glossary.load_default()
    ids = [c.id for c in concepts]
    assert len(ids) == len(set(ids)) > 716
    assert glossary.load(None)[1] == []
    for needed in ("supported-living", "deinstitutionalisation", "service-ring", "equal-opportunities-programme"):
        concept = next(c for c in concepts if c.id == needed)
        assert {"hu", "cs", "en"} <= set(concept.labels)
    header = (resources.files("indexer") / "data" / "glossary" / "eurovoc-social.yaml").read_text("utf-8")
    assert "© European Union, EuroVoc" in header[:1000]


def test_glossary_files_are_not_documents(content_factory):
    make = content_factory
    make("hu/doc.md", "title: Cím\ntype: forum", "Szöveg.")
    make("glossary/README.md", None, "Notes.")
    make("glossary/notes.md", "title: Not a document\ntype: forum", "Text.")
    assert [p.name for p in discover(make.root)] == ["doc.md"]


def test_kb_check_reports_glossary_files(content_factory):
    make = content_factory
    make(
        "hu/doc.md",
        "title: Cím\ntype: forum\nlang: hu",
        "A támogatott lakhatás a fogyatékos emberek önálló életét segíti.",
    )
    (make.root / "glossary").mkdir()
    (make.root / "glossary" / "g.yaml").write_text("- id: x\n  labels:\n    xx: [y]\n", "utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(make.root)])
    assert result.exit_code == 1
    assert "glossary/g.yaml:3: error: unknown language code 'xx'" in result.stdout


def test_kb_index_reports_the_glossary_and_indexes_the_documents(content_factory, tmp_path):
    make = content_factory
    make("hu/doc.md", "title: Cím\ntype: forum\nlang: hu", "Szöveg a támogatott lakhatásról.")
    (make.root / "glossary").mkdir()
    (make.root / "glossary" / "g.yaml").write_text("- id: x\n  labels: [oops\n", "utf-8")
    index_dir = tmp_path / "index"
    result = CliRunner().invoke(main, ["index", "--content", str(make.root), "--index", str(index_dir)])
    assert result.exit_code == 0
    assert "glossary/g.yaml:2: error: invalid YAML" in result.output
    assert "1 added" in result.output
    compiled = glossary.read_compiled(storage.current_generation(index_dir))
    assert any(c["id"] == "supported-living" for c in compiled["concepts"])


def test_an_incremental_build_refreshes_the_compiled_glossary(content_factory, tmp_path):
    make = content_factory
    make("hu/doc.md", "title: Cím\ntype: forum\nlang: hu", "Szöveg.")
    index_dir = tmp_path / "index"
    pipeline.build(make.root, index_dir, full=True, glossary_default=False)
    generation = storage.current_generation(index_dir)
    assert glossary.read_compiled(generation)["concepts"] == []
    (make.root / "glossary").mkdir()
    (make.root / "glossary" / "g.yaml").write_text("- id: x\n  labels: {hu: [szöveg], en: [text]}\n", "utf-8")
    pipeline.build(make.root, index_dir, glossary_default=False)
    assert storage.current_generation(index_dir) == generation
    assert [c["id"] for c in glossary.read_compiled(generation)["concepts"]] == ["x"]
    from kb.search import SearchService

    service = SearchService(index_dir)
    assert list(service.glossary().concepts) == ["x"]
    service.close()


def test_an_unchanged_glossary_is_not_parsed_again_and_its_problems_are_still_reported(
    content_factory, tmp_path, monkeypatch
):
    make = content_factory
    make("hu/doc.md", "title: Cím\ntype: forum\nlang: hu", "Szöveg.")
    (make.root / "glossary").mkdir()
    g = make.root / "glossary" / "g.yaml"
    g.write_text("- id: x\n  labels: {hu: [szöveg], zz: [text]}\n", "utf-8")
    index_dir = tmp_path / "index"
    first = pipeline.build(make.root, index_dir, glossary_default=False)
    loads = []
    real = glossary.files.load
    monkeypatch.setattr(glossary.files, "load", lambda *a, **k: loads.append(1) or real(*a, **k))
    again = pipeline.build(make.root, index_dir, glossary_default=False)
    assert loads == [] and again.glossary_problems == first.glossary_problems != []
    assert again.unchanged == 1
    with_default = pipeline.build(make.root, index_dir)  # the setting is part of what was loaded
    assert loads == [1] and with_default.updated == 1
    g.write_text("- id: x\n  labels: {hu: [szöveg], en: [text]}\n", "utf-8")  # an edit: loaded again
    fixed = pipeline.build(make.root, index_dir)
    assert loads == [1, 1] and fixed.glossary_problems == []


# -- the matcher ---------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> matcher.Glossary:
    concepts, _ = glossary.load(None)
    return matcher.Glossary(glossary.compile_glossary(concepts))


def found(g: matcher.Glossary, text: str) -> list[tuple[str, int, int]]:
    return [(m.concept, m.start, m.end) for m in g.match(parse(text).words)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("podporované bydlení", [("supported-living", 0, 2)]),
        ("podporovaného bydlení v kraji", [("supported-living", 0, 2)]),  # inflected
        ("tamogatott lakhatasban", [("supported-living", 0, 2)]),  # unaccented and inflected
        ("podporovaneho bydleni", [("supported-living", 0, 2)]),  # the stemmer keeps an unaccented ending
        ("Szeged TL", [("supported-living", 1, 2)]),
        ("gyerekszegénységet", [("child-poverty", 0, 1)]),
        ("deinstitutionalization", [("deinstitutionalisation", 0, 1)]),
        # the longest label wins over the ones inside it (sociální služby, pobytové sociální služby)
        ("transformace pobytových sociálních služeb", [("deinstitutionalisation", 0, 4)]),
        ("child poverty and supported living", [("child-poverty", 0, 2), ("supported-living", 3, 5)]),
    ],
)
def test_labels_are_found_in_any_form(shipped, query, expected):
    assert found(shipped, query) == expected


def test_a_multi_word_label_needs_its_words_in_order(shipped):
    for text in ("bydlení podporované", "podporované nové bydlení"):
        assert "supported-living" not in [concept for concept, _, _ in found(shipped, text)]


def test_no_label_no_match(shipped):
    assert found(shipped, "Kecskemét ülés jegyzőkönyv") == []
    assert found(shipped, "") == []


def test_a_match_carries_the_other_labels_with_their_languages(shipped):
    (match,) = shipped.match(parse("podporované bydlení").words)
    assert match.label.text == "podporované bydlení"
    others = {(label.lang, label.text) for label in match.others}
    assert {("hu", "támogatott lakhatás"), ("hu", "TL"), ("en", "supported living")} <= others
    hu = next(label for label in match.others if label.text == "támogatott lakhatás")
    assert "tamogatott" in hu.forms[0] and "lakhatas" in hu.forms[1]


def test_accented_spellings_help_an_unaccented_word(shipped):
    words = parse("detska chudoba").words
    assert [m.concept for m in shipped.match(words, {"detska": ("dětská",)})] == ["child-poverty"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_query_text_never_crashes_the_matcher(shipped, text):
    parsed = parse(text)
    for m in shipped.match(parsed.words):
        assert 0 <= m.start < m.end <= len(parsed.words)


def test_documents_are_tagged_with_the_concepts_they_hold():
    concepts, _ = glossary.load(None)
    tagger = glossary.Tagger(glossary.compile_glossary(concepts))
    from indexer.text.analysis import index_positions

    def tags(text: str, lang: str) -> set[str]:
        return tagger.concepts(index_positions(text, lang), lang)

    assert "supported-living" in tags("A támogatott lakhatásban élők saját lakásban élnek.", "hu")
    assert "supported-living" in tags("Služba podporovaného bydlení v kraji.", "cs")
    assert "supported-living" not in tags("Bydlení je podporované obcí.", "cs")  # the words, not the label
    assert "child-poverty" in tags("A gyerekszegénység csökkentése a cél.", "hu")
    assert tags("Nothing to see here.", "en") == set()
