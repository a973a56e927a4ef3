"""``kb import``: several files at once, bad ones reported by name, nothing overwritten without --force."""

from __future__ import annotations

from click.testing import CliRunner

from indexer import pipeline
from indexer.documents.load import load_all
from kb.cli import main

from .samples import CAPTURE_TXT, PAGE_HTML, TRANSCRIPT_TXT, make_docx, make_pptx


def run(*args, env=None):
    return CliRunner().invoke(main, ["import", *map(str, args)], env=env, catch_exceptions=False)


def test_import_good_and_bad_files_together(tmp_path):
    content = tmp_path / "content"
    src = tmp_path / "in"
    src.mkdir()
    docx_file = make_docx(src / "protokoll.docx")
    (src / "capture.txt").write_text(CAPTURE_TXT, "utf-8")
    (src / "slides.txt").write_text(TRANSCRIPT_TXT, "utf-8")
    (src / "broken.docx").write_bytes(b"not a zip at all")
    (src / "empty.txt").write_bytes(b"")
    (src / "data.xlsx").write_bytes(b"PK")
    files = [docx_file, src / "broken.docx", src / "capture.txt", src / "empty.txt", src / "data.xlsx"]
    result = run(*files, src / "slides.txt", src / "missing.pdf", env={"KB_CONTENT_DIR": str(content)})

    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert sorted(line.split(": error: ")[0] for line in errors) == sorted(
        str(src / name) for name in ("broken.docx", "empty.txt", "data.xlsx", "missing.pdf")
    )
    assert "3 imported, 4 failed" in result.stderr
    written = sorted(p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file())
    assert written == [
        "cs/slides.txt",
        "cs/transformuje-kraj-nebo-kraj.md",
        "hu/capture.txt",
        "hu/megkezdi-mukodeset-a-tamogato-szolgalatok-szakmai-halozata.md",
        "hu/protokoll.docx",
        "hu/tamogatott-lakhatas-protokoll.md",
    ]
    # what was written is a valid knowledge-base document set that indexes cleanly
    documents, problems = load_all(content)
    assert problems == [] and len(documents) == 3
    summary = pipeline.build(content, tmp_path / "index", full=True)
    assert summary.failed == 0 and summary.added == 3


def test_existing_files_are_not_overwritten_without_force(tmp_path):
    out = tmp_path / "out"
    page = tmp_path / "gyuru.html"
    page.write_text(PAGE_HTML, "utf-8")
    assert run(page, "--out", out).exit_code == 0
    markdown = out / "hogyan-szervezzunk-szolgaltatasi-gyurut.md"
    markdown.write_text(markdown.read_text("utf-8") + "\nAn editor's correction.\n", "utf-8")

    again = run(page, "--out", out)
    assert again.exit_code == 2
    assert f"{page}: error: {markdown} already exists (use --force to replace it)" in again.stderr
    assert "An editor's correction." in markdown.read_text("utf-8")

    forced = run(page, "--out", out, "--force")
    assert forced.exit_code == 0
    assert "An editor's correction." not in markdown.read_text("utf-8")


def test_type_and_lang_options_win_over_guesses(tmp_path):
    out = tmp_path / "out"
    deck = make_pptx(tmp_path / "deck.pptx")
    result = run(deck, "--out", out, "--lang", "cs", "--type", "forum")
    assert result.exit_code == 0, result.output
    text = (out / "transformuje-kraj-nebo-kraj.md").read_text("utf-8")
    assert "\ntype: forum\n" in text and "\nlang: cs\n" in text
    assert '\nattachments: ["deck.pptx"]\n' in text
    assert (out / "deck.pptx").exists()
    assert run(deck, "--out", out, "--type", "poster").exit_code == 2  # click rejects an unknown type


def test_same_title_twice_in_one_run_gets_distinct_names(tmp_path):
    out = tmp_path / "out"
    first = make_docx(tmp_path / "a.docx")
    second = make_docx(tmp_path / "b.docx")
    result = run(first, second, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.md")) == [
        "tamogatott-lakhatas-protokoll-2.md",
        "tamogatott-lakhatas-protokoll.md",
    ]


def test_a_folder_imports_the_supported_files_in_it(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "capture.txt").write_text(CAPTURE_TXT, "utf-8")
    (src / "readme.xlsx").write_bytes(b"PK")
    result = run(src, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").glob("*.md")] == [
        "megkezdi-mukodeset-a-tamogato-szolgalatok-szakmai-halozata.md"
    ]
