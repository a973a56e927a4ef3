"""Symbolic links and hidden folders: what leaves content/, or lives in .git or _private, is
never indexed or served, and kb check and kb index name it; only files a document offers are served."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from indexer import pipeline
from indexer.authoring.check import check
from kb.cli import main
from kb.web import create_app

PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
TOKEN = "ghp_SECRETTOKEN1234567890"
NEVER = "never indexed or served"
HU_TEXT = (
    "A támogatott lakhatás a fogyatékos emberek önálló életét segíti. A szolgáltatás a lakóotthonokban "
    "élők számára biztosít segítséget a mindennapokban, a munkában és a közösségi életben."
)


def doc(front: str, body: str) -> str:
    return f"---\n{front}\n---\n\n{body}\n"


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A content folder that is a git clone (its .git inside), with every kind of link out and hidden file."""
    tmp = tmp_path_factory.mktemp("confinement")
    content = tmp / "content"
    (content / ".git").mkdir(parents=True)
    (content / ".git" / "config").write_text(
        f'[remote "origin"]\n\turl = https://x-access-token:{TOKEN}@github.com/org/kb-content.git\n', "utf-8"
    )
    hu = content / "hu"
    for folder in ("att", "_private", "kepek"):
        (hu / folder).mkdir(parents=True)
    (hu / "att" / "gitconfig.txt").symlink_to("../../.git/config")
    (hu / "_private" / "belso.pdf").write_bytes(PDF)
    (hu / "_private" / "titok.md").write_text(doc("title: Titok\ntype: guidance\nlang: hu", "Belső titok."), "utf-8")
    (hu / "protokoll.pdf").write_bytes(PDF)
    (hu / "jegyzet.pdf").write_bytes(PDF)
    (hu / "nem-listazott.pdf").write_bytes(PDF)
    (hu / "kepek" / "abra.png").write_bytes(PNG)
    (content / "cs").mkdir()
    (content / "cs" / "spolecny.pdf").write_bytes(PDF)
    (hu / "kozos.pdf").symlink_to("../cs/spolecny.pdf")  # a link that stays inside: fine
    (tmp / "outside.png").write_bytes(PNG)
    (hu / "kep.png").symlink_to(tmp / "outside.png")
    (tmp / "outside.md").write_text(
        doc("title: Kívül\ntype: guidance\nlang: hu", "Zebracsíkos kívülálló szöveg. " + HU_TEXT), "utf-8"
    )
    (hu / "kifele.md").symlink_to(tmp / "outside.md")
    (hu / "rejtett.md").symlink_to("_private/titok.md")
    (hu / "a.md").write_text(
        doc(
            "title: Melléklet\ntype: protocol\nlang: hu\nattachments:\n  - protokoll.pdf\n  - att/gitconfig.txt\n"
            "  - _private/belso.pdf\n  - kozos.pdf",
            HU_TEXT + "\n\n![Ábra](kepek/abra.png)\n\n[Jegyzet](jegyzet.pdf) és [beállítások](att/gitconfig.txt).\n\n"
            "![Kint](kep.png)",
        ),
        "utf-8",
    )
    (content / "glossary").mkdir()
    (tmp / "outside.yaml").write_text("- id: kint\n  labels:\n    hu: [zebracsík]\n", "utf-8")
    (content / "glossary" / "kulso.yaml").symlink_to(tmp / "outside.yaml")
    return tmp, content


def expected_problems(tmp) -> list[str]:
    return [
        f"glossary/kulso.yaml:1: error: a symbolic link to a file outside the content folder (-> {tmp}/outside.yaml): "
        f"{NEVER}; copy the file into the content folder instead",
        "hu/a.md:7: error: attachment 'att/gitconfig.txt' is a symbolic link into the hidden or private '.git' "
        f"(.git/config) (-> ../../.git/config): {NEVER}; copy the file next to the document instead",
        "hu/a.md:8: error: attachment '_private/belso.pdf' is hidden or private "
        f"('_private': names starting with '.' or '_' are {NEVER})",
        "hu/a.md:16: error: broken link 'att/gitconfig.txt': hu/att/gitconfig.txt is a symbolic link into the hidden "
        f"or private '.git' (.git/config) (-> ../../.git/config): {NEVER}; copy the file next to the document instead",
        f"hu/a.md:18: error: broken image 'kep.png': hu/kep.png is a symbolic link to a file outside the content "
        f"folder (-> {tmp}/outside.png): {NEVER}; copy the file into the content folder instead",
        f"hu/kifele.md:1: error: a symbolic link to a file outside the content folder (-> {tmp}/outside.md): "
        f"{NEVER}; copy the file into the content folder instead",
        "hu/rejtett.md:1: error: a symbolic link into the hidden or private '_private' (hu/_private/titok.md) "
        f"(-> _private/titok.md): {NEVER}; copy the file next to the document instead",
    ]


def test_kb_check_names_every_link_out_and_every_hidden_file(tree):
    tmp, content = tree
    assert [str(p) for p in check(content).problems] == expected_problems(tmp)
    result = CliRunner().invoke(main, ["check", "--content", str(content)])
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if ": error: " in line] == expected_problems(tmp)


def test_kb_index_reports_them_with_the_same_message_and_indexes_the_rest(tree, tmp_path):
    tmp, content = tree
    result = CliRunner().invoke(main, ["index", "--content", str(content), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2, result.output  # some documents failed
    assert result.exception is None or isinstance(result.exception, SystemExit)
    documents = [p for p in expected_problems(tmp) if p.startswith(("hu/kifele.md", "hu/rejtett.md"))]
    assert all(line in result.output for line in documents), result.output
    assert expected_problems(tmp)[0] in result.output  # the glossary file
    assert "Traceback" not in result.output
    client = create_app({"content_dir": content, "index_dir": tmp_path / "ix", "testing": True}).test_client()
    assert client.get("/doc/hu/a").status_code == 200
    for url in ("/doc/hu/kifele", "/doc/hu/rejtett", "/doc/hu/_private/titok", "/api/documents/hu/kifele"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/search?q=zebracsíkos").get_json()["total"] == 0
    assert client.get("/glossary/kint").status_code == 404


def test_a_document_that_became_a_link_out_leaves_the_index(content_factory, tmp_path):
    """Unchanged bytes, now behind a link out of content/: the next incremental build drops it."""
    root = content_factory.root
    path = content_factory("hu/x.md", "title: X\ntype: guidance\nlang: hu", "Zebracsíkos. " + HU_TEXT)
    content_factory("hu/y.md", "title: Y\ntype: guidance\nlang: hu", HU_TEXT)
    index = tmp_path / "ix"
    assert pipeline.build(root, index).added == 2
    outside = tmp_path / "outside.md"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)
    summary = pipeline.build(root, index)
    assert (summary.failed, summary.removed, summary.unchanged) == (1, 1, 1)
    assert [str(p) for p in summary.problems] == [
        f"hu/x.md:1: error: a symbolic link to a file outside the content folder (-> {outside}): {NEVER}; "
        "copy the file into the content folder instead"
    ]
    client = create_app({"content_dir": root, "index_dir": index, "testing": True}).test_client()
    assert client.get("/doc/hu/x").status_code == 404 and client.get("/doc/hu/y").status_code == 200
    assert client.get("/api/search?q=zebracsíkos").get_json()["total"] == 0


def test_a_link_that_stays_inside_is_a_document_like_any_other(content_factory, tmp_path):
    root = content_factory.root
    content_factory("cs/b.md", "title: B\ntype: guidance\nlang: cs", "Sociální služby v kraji.")
    (root / "hu").mkdir()
    (root / "hu" / "b.md").symlink_to("../cs/b.md")
    summary = pipeline.build(root, tmp_path / "ix", full=True)
    assert summary.failed == 0 and summary.added == 2


@pytest.fixture(scope="module")
def site(tree):
    tmp, content = tree
    pipeline.build(content, tmp / "ix")
    return create_app({"content_dir": content, "index_dir": tmp / "ix", "testing": True}).test_client()


@pytest.mark.parametrize(
    "name", ["protokoll.pdf", "kozos.pdf", "jegyzet.pdf", "kepek/abra.png"]
)  # listed, listed (a link inside), linked in the body, shown in the body
def test_files_the_document_offers_are_served(site, name):
    response = site.get(f"/doc/hu/a/files/{name}")
    assert response.status_code == 200 and response.data in (PDF, PNG)


@pytest.mark.parametrize(
    "name",
    [
        "att/gitconfig.txt",  # listed and linked, but a link into .git
        "_private/belso.pdf",  # listed, but private
        "kep.png",  # shown, but a link out of content/
        "nem-listazott.pdf",  # next to the document, but the document does not offer it
        "kifele.md",
        "_private/titok.md",
    ],
)
def test_nothing_else_is_served(site, name):
    response = site.get(f"/doc/hu/a/files/{name}")
    assert response.status_code == 404, name
    assert TOKEN.encode() not in response.data and PDF not in response.data and PNG not in response.data


def test_the_page_lists_only_what_may_be_downloaded(site):
    html = site.get("/doc/hu/a").get_data(as_text=True)
    assert 'href="/doc/hu/a/files/protokoll.pdf" download' in html
    assert 'href="/doc/hu/a/files/kozos.pdf" download' in html
    assert "gitconfig.txt</a>" not in html and "belso.pdf</a>" not in html
    assert TOKEN not in html


def test_files_used_reads_the_rendered_urls():
    from indexer.documents.links import files_used

    fragment = (
        '<img src="/doc/hu/a%20b/files/k%C3%A9p.png"> <a href="/doc/hu/a%20b/files/x/y.pdf#p2">x</a> '
        '<a href="/doc/hu/a%20b">self</a> <a href="/doc/hu/other/files/z.pdf">z</a> <a href="https://e.x/f.pdf">e</a>'
    )
    assert files_used(fragment, "hu/a b") == {"kép.png", "x/y.pdf"}


def test_refusal_keeps_plain_files_and_folders(tmp_path):
    from indexer.documents.paths import refusal

    (tmp_path / "c" / "hu").mkdir(parents=True)
    (tmp_path / "c" / "hu" / "x.md").write_text("x", "utf-8")
    assert refusal(tmp_path / "c", tmp_path / "c" / "hu" / "x.md") is None
    assert refusal(tmp_path / "c", tmp_path / "c" / "hu" / "missing.pdf") is None
    assert "outside the content folder" in refusal(tmp_path / "c", tmp_path / "c" / ".." / "x.md")
    os.symlink("loop", tmp_path / "c" / "loop")
    assert "cannot be followed" in refusal(tmp_path / "c", tmp_path / "c" / "loop")
