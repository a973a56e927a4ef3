"""``kb new``: a scaffold at an ASCII path from the title, front matter filled in, never overwriting."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from indexer.authoring.check import check
from indexer.authoring.scaffold import slugify
from indexer.documents.load import parse
from kb.cli import main


def new(root, *args):
    return CliRunner().invoke(main, ["new", "--content", str(root), *args])


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Cím", "cim"),
        ("Támogatott lakhatás – őszi ülés 2024", "tamogatott-lakhatas-oszi-ules-2024"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy", "prilis-zlutoucky-kun-upel-dabelske-ody"),
        ("Straße in Łódź: „Idézet”!", "strasse-in-lodz-idezet"),
        ("ÁRVÍZTŰRŐ TÜKÖRFÚRÓGÉP", "arvizturo-tukorfurogep"),
    ],
)
def test_slug_is_ascii_transliterated(title, slug):
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word():
    slug = slugify("Szakmaközi hálózat " * 10)
    assert len(slug) <= 60 and not slug.endswith("-") and slug.startswith("szakmakozi-halozat-szakmakozi")


def test_scaffold_is_written_prints_its_path_and_is_a_valid_document(tmp_path):
    root = tmp_path / "content"
    result = new(root, "--type", "protocol", "--lang", "hu", "Cím: őszi ülés")
    assert result.exit_code == 0, result.output
    path = root / "hu" / "cim-oszi-ules.md"
    assert result.output.strip() == str(path)
    text = path.read_text("utf-8")
    assert text.startswith(
        '---\ntitle: "Cím: őszi ülés"\ntype: protocol\nlang: hu\n'
        f'date: {dt.date.today().isoformat()}\ntags: []\nsummary: ""\n---\n'
    )
    doc = parse(path, root)
    assert (doc.title, doc.type, doc.lang, doc.date) == ("Cím: őszi ülés", "protocol", "hu", dt.date.today())
    report = check(root)
    assert report.errors == 0
    assert [str(p) for p in report.problems] == ["hu/cim-oszi-ules.md:9: warning: the body has no visible text yet"]


def test_never_overwrites_a_numbered_name_instead(tmp_path):
    root = tmp_path / "content"
    first = new(root, "--type", "forum", "--lang", "cs", "Fórum").output.strip()
    (root / "cs" / "forum.md").write_text("mine", "utf-8")
    second = new(root, "--type", "forum", "--lang", "cs", "Fórum").output.strip()
    third = new(root, "--type", "forum", "--lang", "cs", "Fórum").output.strip()
    assert [first, second, third] == [str(root / "cs" / n) for n in ("forum.md", "forum-2.md", "forum-3.md")]
    assert (root / "cs" / "forum.md").read_text("utf-8") == "mine"


def test_options_translation_key_and_date(tmp_path):
    root = tmp_path / "content"
    result = new(root, "--type", "guidance", "--translation-key", "tl-gyuru", "--date", "2018-09-04", "Útmutató")
    path = root / "utmutato.md"
    assert result.output.strip() == str(path)
    doc = parse(path, root)
    assert (doc.translation_key, doc.date, doc.lang) == ("tl-gyuru", dt.date(2018, 9, 4), None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "recipe", "X"], "Invalid value for '--type'"),
        (["--type", "forum", "--lang", "hun", "X"], "lang 'hun' is not a two-letter ISO 639-1 code"),
        (["--type", "forum", "--date", "2018-13-01", "X"], "date '2018-13-01' is not an ISO date"),
        (["--type", "forum", "—!?"], "has no letters or digits to make a file name from"),
    ],
)
def test_bad_options_are_clear_errors(tmp_path, args, message):
    result = new(tmp_path / "content", *args)
    assert result.exit_code == 2
    assert message in result.output
