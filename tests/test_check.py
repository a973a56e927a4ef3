"""``kb check``: the exact lines an editor sees, exit statuses, --strict and --format json."""

from __future__ import annotations

import json

from click.testing import CliRunner

from indexer.authoring.check import check
from kb.cli import main

HU_TEXT = (
    "A támogatott lakhatás a fogyatékos emberek önálló életét segíti. A szolgáltatás a lakóotthonokban "
    "élők számára biztosít segítséget a mindennapokban, a munkában és a közösségi életben."
)
CS_TEXT = (
    "Transformace sociálních služeb v kraji pokračuje. Lidé s postižením žijí v menších domácnostech "
    "a dostávají podporu v běžném životě, v práci i ve volném čase."
)


def run_check(root, *args):
    return CliRunner().invoke(main, ["check", "--content", str(root), *args])


def lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line]


def test_every_kind_of_mistake_has_its_exact_line(content_factory):
    make = content_factory
    make("hu/ok.md", "title: Rendben\ntype: protocol\nlang: hu\ntranslation_key: par", HU_TEXT)
    make("cs/ok.md", "title: V pořádku\ntype: protocol\nlang: cs\ntranslation_key: par", CS_TEXT)
    make("hu/no-front.md", None, "Csak szöveg.")
    make("hu/open.md", None, "---\ntitle: Nyitott\ntype: forum\n\nSzöveg.\n")
    make("hu/yaml.md", "title: Cím\ntags: [a, b\ntype: forum", HU_TEXT)
    make("hu/required.md", "type: forum", HU_TEXT)
    make("hu/title.md", "title: [egy, ketto]\ntype: forum", HU_TEXT)
    make("hu/type.md", "title: Cím\ntype: recipe", HU_TEXT)
    make("hu/date.md", "title: Cím\ntype: forum\ndate: 2018-13-45", HU_TEXT)
    make("hu/tags.md", "title: Cím\ntype: forum\ntags:\n  nested: map", HU_TEXT)
    make("hu/unknown.md", "title: Cím\ntype: forum\ntittle: Elírás", HU_TEXT)
    (make.root / "hu" / "latin2.md").write_bytes(b"---\ntitle: C\xedm\ntype: forum\n---\nSz\xf6veg\n")
    make("hu/empty-body.md", "title: Üres\ntype: forum", "")
    make("hu/wrong-lang.md", "title: Nyelv\ntype: forum\nlang: en", HU_TEXT)
    make("hu/twin-a.md", "title: Iker A\ntype: forum\nlang: hu\ntranslation_key: iker", HU_TEXT)
    make("hu/twin-b.md", "title: Iker B\ntype: forum\nlang: hu\ntranslation_key: iker", HU_TEXT)
    make("hu/lonely.md", "title: Egyedül\ntype: forum\nlang: hu\ntranslation_key: parr", HU_TEXT)
    make(
        "hu/links.md",
        "title: Linkek\ntype: forum\nlang: hu\nattachments: [megvan.pdf, hianyzik.pdf]",
        f"{HU_TEXT}\n\n[jó](ok.md) és [cseh](../cs/ok.md#x) és [oldal](/doc/cs/ok)\n\n"
        "[rossz](nincs-ilyen.md)\n\n[rossz oldal](/doc/hu/nincs)\n\n![kép](kepek/nincs.png)\n\n"
        "[kint](../../titok.txt)\n\n[külső](https://example.org/x.md)\n",
    )
    (make.root / "hu" / "megvan.pdf").write_bytes(b"%PDF-1.4\n")

    result = run_check(make.root)

    assert result.exit_code == 1
    assert lines(result) == [
        "hu/date.md:4: error: field 'date' is '2018-13-45', expected an ISO date like 2018-09-04",
        "hu/empty-body.md:5: warning: empty body: the document has front matter but no text",
        "hu/latin2.md:2: error: not valid UTF-8 (byte 0xed); save the file as UTF-8",
        "hu/links.md:5: error: attachment 'hianyzik.pdf' not found: expected hu/hianyzik.pdf",
        "hu/links.md:12: error: broken link 'nincs-ilyen.md': no document 'hu/nincs-ilyen'",
        "hu/links.md:14: error: broken link '/doc/hu/nincs': no document 'hu/nincs'",
        "hu/links.md:16: error: broken image 'kepek/nincs.png': file not found (hu/kepek/nincs.png)",
        "hu/links.md:18: error: broken link '../../titok.txt': it points outside the document's folder;"
        " keep images and files next to the document",
        "hu/lonely.md:5: warning: translation_key 'parr' is not shared with any other document (did you mean 'par'?)",
        "hu/no-front.md:1: error: no front matter: the file must start with a '---' line",
        "hu/open.md:1: error: front matter is not closed: add a '---' line after the fields",
        "hu/required.md:1: error: missing required field 'title'",
        "hu/tags.md:4: error: field 'tags' must be a list of strings",
        "hu/title.md:2: error: field 'title' must be a string",
        "hu/twin-a.md:5: error: translation_key 'iker' has more than one 'hu' document: also hu/twin-b.md",
        "hu/twin-b.md:5: error: translation_key 'iker' has more than one 'hu' document: also hu/twin-a.md",
        "hu/type.md:3: error: field 'type' is 'recipe', expected one of: protocol, forum, presentation,"
        " guidance, article, news",
        "hu/unknown.md:4: warning: unknown field 'tittle' (did you mean 'title'?)",
        "hu/wrong-lang.md:4: warning: declared lang 'en' but the text reads as 'hu' (probability 1.00)",
        "hu/yaml.md:3: error: invalid YAML in front matter: expected ',' or ']', but got ':'",
    ]
    assert result.stderr.strip() == "18 documents checked: 16 error(s), 4 warning(s)"


def test_warnings_only_exit_0_and_strict_makes_them_errors(content_factory):
    content_factory("hu/a.md", "title: Cím\ntype: forum\nlang: hu\ntittle: x", HU_TEXT)
    relaxed = run_check(content_factory.root)
    assert relaxed.exit_code == 0
    assert lines(relaxed) == ["hu/a.md:5: warning: unknown field 'tittle' (did you mean 'title'?)"]
    strict = run_check(content_factory.root, "--strict")
    assert strict.exit_code == 1
    assert lines(strict) == ["hu/a.md:5: error: unknown field 'tittle' (did you mean 'title'?)"]
    assert "1 error(s), 0 warning(s)" in strict.stderr


def test_clean_tree_exits_0_with_nothing_on_stdout(content_factory):
    content_factory("hu/a.md", "title: Cím\ntype: forum\nlang: hu\ntranslation_key: k", HU_TEXT)
    content_factory(
        "cs/a.md", "title: Název\ntype: forum\nlang: cs\ntranslation_key: k", CS_TEXT + "\n\n[hu](../hu/a.md)"
    )
    result = run_check(content_factory.root)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == "2 documents checked: 0 error(s), 0 warning(s)"


def test_json_format_for_tools(content_factory):
    content_factory("a.md", "title: Cím\ntype: recipe", HU_TEXT)
    content_factory("b.md", "title: Cím\ntype: forum\nlang: hu\ntittle: x", HU_TEXT)
    result = run_check(content_factory.root, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data == {
        "checked": 2,
        "errors": 1,
        "warnings": 1,
        "problems": [
            {
                "path": "a.md",
                "line": 3,
                "severity": "error",
                "message": "field 'type' is 'recipe', expected one of: protocol, forum, presentation, guidance,"
                " article, news",
            },
            {
                "path": "b.md",
                "line": 5,
                "severity": "warning",
                "message": "unknown field 'tittle' (did you mean 'title'?)",
            },
        ],
    }


def test_missing_content_dir_is_a_usage_error(tmp_path):
    result = run_check(tmp_path / "nowhere")
    assert result.exit_code == 2
    assert "content directory not found" in result.output


def test_attachment_outside_and_symlink_out_are_errors(content_factory, tmp_path):
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF")
    (content_factory.root / "hu").mkdir()
    (content_factory.root / "hu" / "link.pdf").symlink_to(secret)
    content_factory(
        "hu/a.md", "title: Cím\ntype: forum\nlang: hu\nattachments:\n  - ../../secret.pdf\n  - link.pdf", HU_TEXT
    )
    problems = [str(p) for p in check(content_factory.root).problems]
    assert problems == [
        "hu/a.md:6: error: attachment '../../secret.pdf' must be a file name next to the document (no '..')",
        f"hu/a.md:7: error: attachment 'link.pdf' is a symbolic link to a file outside the content folder "
        f"(-> {secret}): never indexed or served; copy the file into the content folder instead",
    ]


def test_bundled_content_has_no_errors():
    from .conftest import CONTENT

    report = check(CONTENT)
    assert report.errors == 0, [str(p) for p in report.problems]
