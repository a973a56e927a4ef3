"""Loading and validating documents: each mistake names the file, line and field."""

import datetime as dt

import pytest

from indexer.documents.load import DocumentError, load_all, parse

GOOD = 'title: "Támogatott lakhatás protokoll"\ntype: protocol\nlang: hu\ndate: 2018-09-04\ntags: [tl, protokoll]'


def problem_of(path, root) -> str:
    with pytest.raises(DocumentError) as info:
        parse(path, root)
    return str(info.value.problem)


def test_good_document(content_factory):
    path = content_factory("hu/tl-protokoll.md", GOOD, "# Cím\n\nSzöveg.\n")
    doc = parse(path, content_factory.root)
    assert doc.id == "hu/tl-protokoll"
    assert doc.title == "Támogatott lakhatás protokoll"
    assert doc.type == "protocol"
    assert doc.lang == "hu"
    assert doc.date == dt.date(2018, 9, 4)
    assert doc.tags == ["tl", "protokoll"]
    assert doc.warnings == []


def test_id_is_path_without_md_any_depth(content_factory):
    path = content_factory("hu/a/b/mely.md", GOOD)
    assert parse(path, content_factory.root).id == "hu/a/b/mely"


@pytest.mark.parametrize(
    "front, body, expected",
    [
        (None, "Csak szöveg.", "x.md:1: error: no front matter: the file must start with a '---' line"),
        ('title: "Cím"\ntype: [protocol', "", "x.md:3: error: invalid YAML in front matter"),
        ("type: protocol", "", "x.md:1: error: missing required field 'title'"),
        ('title: "Cím"', "", "x.md:1: error: missing required field 'type'"),
        ('title: "Cím"\ntype: recipe', "", "x.md:3: error: field 'type' is 'recipe', expected one of: protocol"),
        ('title: "Cím"\ntype: forum\ndate: 2018-13-45', "", "x.md:4: error: field 'date' is '2018-13-45'"),
        ('title: "Cím"\ntype: forum\ntags: 12', "", "x.md:4: error: field 'tags' must be a list of strings"),
        ('title: "Cím"\ntype: forum\nlang: hungarian', "", "x.md:4: error: field 'lang' is 'hungarian'"),
        ("title: [a, b]\ntype: forum", "", "x.md:2: error: field 'title' must be a string"),
    ],
)
def test_errors_name_file_line_and_field(content_factory, front, body, expected):
    path = content_factory("x.md", front, body)
    assert problem_of(path, content_factory.root).startswith(expected)


def test_unclosed_front_matter(content_factory):
    path = content_factory.root / "x.md"
    path.write_text("---\ntitle: Cím\ntype: forum\n\nSzöveg\n", "utf-8")
    assert problem_of(path, content_factory.root) == (
        "x.md:1: error: front matter is not closed: add a '---' line after the fields"
    )


def test_not_utf8(content_factory):
    path = content_factory.root / "latin2.md"
    path.write_bytes("---\ntitle: Cím\ntype: forum\n---\nműhely\n".encode("iso-8859-2"))
    message = problem_of(path, content_factory.root)
    assert message.startswith("latin2.md:2: error: not valid UTF-8")


def test_empty_file(content_factory):
    path = content_factory("empty.md", None, "")
    assert problem_of(path, content_factory.root) == "empty.md:1: error: empty file"


def test_unknown_field_is_a_warning_with_suggestion(content_factory):
    path = content_factory("x.md", 'title: "Cím"\ntype: forum\ntittle: "Cím"\nauthor: Valaki')
    warnings = [str(w) for w in parse(path, content_factory.root).warnings]
    assert "x.md:4: warning: unknown field 'tittle' (did you mean 'title'?)" in warnings
    assert "x.md:5: warning: unknown field 'author'" in warnings


def test_empty_body_is_a_warning(content_factory):
    path = content_factory("x.md", 'title: "Cím"\ntype: forum', "")
    warnings = [str(w) for w in parse(path, content_factory.root).warnings]
    assert warnings == ["x.md:5: warning: empty body: the document has front matter but no text"]


def test_one_broken_file_does_not_hide_the_others(content_factory):
    content_factory("a.md", GOOD)
    content_factory("b.md", 'title: "Rossz\ntype: forum')
    content_factory("c.md", GOOD)
    docs, problems = load_all(content_factory.root)
    assert [d.id for d in docs] == ["a", "c"]
    assert len(problems) == 1 and problems[0].path == "b.md"


def test_readme_and_hidden_files_are_not_documents(content_factory):
    content_factory("README.md", None, "# Notes for editors")
    content_factory(".drafts/x.md", GOOD)
    content_factory("a.md", GOOD)
    docs, problems = load_all(content_factory.root)
    assert [d.id for d in docs] == ["a"] and problems == []
