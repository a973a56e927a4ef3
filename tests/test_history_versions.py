"""Document history: versions from git, an earlier version as it was, what changed (issue 32)."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer import pipeline
from indexer.generation import history, storage
from indexer.guards import limits
from kb.config import Config, build_options
from kb.search import worddiff
from kb.web import create_app
from tests.access_corpus import kb_toml

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode, reason="no git")

BODY = "Az első bekezdés a lakhatásról szól.\n\n## Támogatás\n\nA támogatás havonta jár a lakóknak.\n"


def git(repo: Path, *args: str, date: str = "2024-03-01T10:00:00+00:00", author: str = "Kiss Éva") -> str:
    env = {
        **os.environ,
        **{
            f"GIT_{who}_{what}": value
            for who in ("AUTHOR", "COMMITTER")
            for what, value in (("NAME", author), ("EMAIL", "a@example.org"), ("DATE", date))
        },
    }
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)
    return done.stdout.decode()


def doc(title: str, body: str = BODY, extra: str = "") -> str:
    return f"---\ntitle: {title}\ntype: forum\nlang: hu\ndate: 2023-05-01\n{extra}---\n\n{body}"


def commit(root: Path, files: dict[str, str | None], message: str, day: str) -> str:
    for rel, text in files.items():
        path = root / "content" / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", message, date=f"{day}T10:00:00+00:00")
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("hist") / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    c = {}
    c["v1"] = commit(
        root,
        {
            "hu/protokoll.md": doc("Protokoll"),
            "hu/kesz.md": doc("Kész", extra="draft: true\n"),
            "hu/tores.md": doc("Törés"),
            "hu/melyseg.md": doc("Mélység"),
            "hu/vissza.md": doc("Vissza"),
            "hu/ag.md": doc("Ág"),
        },
        "first",
        "2024-01-10",
    )
    c["v2"] = commit(
        root,
        {
            "hu/protokoll.md": doc(
                "Protokoll", BODY.replace("havonta", "hetente") + "\n## Új rész\n\nEgy új szakasz.\n"
            ),
            "hu/kesz.md": doc("Kész"),
            "hu/tores.md": "---\ntitle: [broken\n---\n\nszöveg\n",
            "hu/melyseg.md": doc("Mélység", ">" * 3000 + " mély\n"),
            "hu/vissza.md": None,
        },
        "second: edits",
        "2024-02-10",
    )
    c["v3"] = commit(
        root,
        {
            "hu/protokoll.md": doc(
                "Protokoll 2", BODY.replace("havonta", "hetente") + "\n## Új rész\n\nEgy új szakasz.\n"
            ),
            "hu/tores.md": doc("Törés"),
            "hu/melyseg.md": doc("Mélység", "rendben\n"),
            "hu/vissza.md": doc("Vissza", BODY + "\nVisszajött.\n"),
        },
        "third: title",
        "2024-03-10",
    )
    git(root, "mv", "content/hu/protokoll.md", "content/hu/uj-protokoll.md")
    c["v4"] = commit(root, {}, "rename", "2024-04-10")
    git(root, "checkout", "-qb", "side")
    c["side"] = commit(root, {"hu/ag.md": doc("Ág", BODY + "\nAz ágon írt mondat.\n")}, "on a branch", "2024-04-20")
    git(root, "checkout", "-q", "main")
    c["main"] = commit(root, {"hu/vissza.md": doc("Vissza", BODY + "\nVisszajött, újra.\n")}, "on main", "2024-04-21")
    git(root, "merge", "-q", "--no-ff", "-m", "merge side", "side", date="2024-04-22T10:00:00+00:00")
    for i in range(25):  # a document with many versions, for paging
        c[f"many{i}"] = commit(
            root, {"hu/sok.md": doc("Sok", BODY + f"\nVáltozat {i}.\n")}, f"many {i}", f"2024-05-{i + 1:02d}"
        )
    index = root.parent / "ix"
    pipeline.build(root / "content", index)
    return root, index, c


@pytest.fixture(scope="module")
def client(repo):
    root, index, _ = repo
    return create_app({"content_dir": root / "content", "index_dir": index, "testing": True}).test_client()


def test_the_one_log_records_versions_and_renames(repo):
    root, index, c = repo
    versions, renames, head = history.read_versions(storage.current_generation(index))
    assert renames == {"hu/protokoll.md": "hu/uj-protokoll.md"}
    assert [v[0] for v in versions["hu/uj-protokoll.md"]] == [c["v4"], c["v3"], c["v2"], c["v1"]]
    assert [v[5] for v in versions["hu/vissza.md"]][-2:] == ["D", "A"]
    assert c["side"] in [v[0] for v in versions["hu/ag.md"]]


def test_history_page_lists_versions_newest_first_with_words(client, repo):
    _, _, c = repo
    page = client.get("/doc/hu/uj-protokoll/history")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert (
        html.index(">rename <")
        < html.index(">third: title <")
        < html.index(">second: edits <")
        < html.index(">first <")
    )
    assert '<th scope="col">Words added</th>' in html and "Kiss Éva" in html
    assert "February 10, 2024" in html
    hu = client.get("/doc/hu/uj-protokoll/history?lang=hu", headers={"Accept-Language": "hu"}).get_data(as_text=True)
    assert "2024. február 10." in hu


def test_old_id_redirects_history_included(client):
    for path in ("/doc/hu/protokoll", "/doc/hu/protokoll/history"):
        response = client.get(path)
        assert response.status_code in (301, 308)
        assert response.headers["Location"].endswith(path.replace("hu/protokoll", "hu/uj-protokoll"))


def test_version_page_marks_changes_noindex_and_canonical(client, repo):
    _, _, c = repo
    page = client.get(f"/doc/hu/uj-protokoll/history/{c['v2'][:7]}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in html
    assert re.search(r'<link rel="canonical" href="http://[^"]+/doc/hu/uj-protokoll">', html)
    assert "earlier version" in html
    assert re.search(r"<del><span class=\"visually-hidden\">deleted </span>havonta", html)
    assert re.search(r"<ins><span class=\"visually-hidden\">inserted </span>hetente", html)
    assert "Sections added:" in html and "Új rész" in html
    title = client.get(f"/doc/hu/uj-protokoll/history/{c['v3']}").get_data(as_text=True)
    assert "<code>title</code></th><td>Protokoll</td><td>Protokoll 2</td>" in title


def test_compare_with_any_version(client, repo):
    _, _, c = repo
    html = client.get(f"/doc/hu/uj-protokoll/history/{c['v4'][:10]}?compare={c['v1'][:8]}").get_data(as_text=True)
    assert "hetente" in html and "Protokoll 2" in html and "January 10, 2024" in html
    assert client.get(f"/doc/hu/uj-protokoll/history/{c['v4']}?compare=abcdef1").status_code == 404


def test_unknown_commit_or_one_not_touching_the_document_is_404(client, repo):
    _, _, c = repo
    assert client.get("/doc/hu/uj-protokoll/history/deadbeef").status_code == 404
    assert client.get("/doc/hu/uj-protokoll/history/not-hex").status_code == 404
    assert client.get(f"/doc/hu/uj-protokoll/history/{c['side']}").status_code == 404
    assert client.get("/doc/hu/nincs/history").status_code == 404


def test_on_a_day_opens_the_version_current_then(client, repo):
    _, _, c = repo
    response = client.get("/doc/hu/uj-protokoll/history?on=2024-02-20")
    assert response.status_code == 302 and response.headers["Location"].endswith(c["v2"][:12])
    assert client.get("/doc/hu/uj-protokoll/history?on=2023-01-01").status_code == 404
    assert client.get("/doc/hu/uj-protokoll/history?on=soon").status_code == 400
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "May 1, 2023" in html  # the document's own date beside it


def test_broken_front_matter_and_pathological_markdown_are_problems_not_500(client, repo):
    _, _, c = repo
    broken = client.get(f"/doc/hu/tores/history/{c['v2']}")
    assert broken.status_code == 200 and "This version cannot be shown:" in broken.get_data(as_text=True)
    deep = client.get(f"/doc/hu/melyseg/history/{c['v2']}")
    assert deep.status_code == 200 and "This version cannot be shown:" in deep.get_data(as_text=True)
    assert client.get(f"/doc/hu/melyseg/history/{c['v3']}").status_code == 200


def test_a_draft_version_is_not_shown(client, repo):
    _, _, c = repo
    html = client.get("/doc/hu/kesz/history").get_data(as_text=True)
    assert c["v2"][:12] in html and c["v1"][:12] not in html and ">first <" not in html
    assert client.get(f"/doc/hu/kesz/history/{c['v1']}").status_code == 404


def test_deleted_and_restored_document(client, repo):
    _, _, c = repo
    html = client.get("/doc/hu/vissza/history").get_data(as_text=True)
    assert "Deleted" in html
    assert client.get(f"/doc/hu/vissza/history/{c['v3']}").status_code == 200
    assert client.get(f"/doc/hu/vissza/history/{c['v2']}").status_code == 404  # the deletion has no text


def test_merge_commits_list_the_branch_commits(client, repo):
    _, _, c = repo
    html = client.get("/doc/hu/ag/history").get_data(as_text=True)
    assert "on a branch" in html and "merge side" not in html
    assert client.get(f"/doc/hu/ag/history/{c['side'][:6]}").status_code == 200


def test_paging_and_the_document_page_summary_and_feed(client, repo, monkeypatch):
    _, _, c = repo
    monkeypatch.setattr("kb.web.history.PAGE", 10)
    html = client.get("/doc/hu/sok/history").get_data(as_text=True)
    assert "25 versions" in html and ">many 24 <" in html and ">many 14 <" not in html and "Page 1 of 3" in html
    third = client.get("/doc/hu/sok/history?page=3").get_data(as_text=True)
    assert ">many 4 <" in third and ">many 24 <" not in third and 'rel="prev"' in third
    page = client.get("/doc/hu/uj-protokoll").get_data(as_text=True)
    assert f'href="/doc/hu/uj-protokoll/history/{c["v4"][:12]}"' in page
    assert 'href="/doc/hu/uj-protokoll/history"' in page
    protokoll = client.get("/doc/hu/vissza").get_data(as_text=True)
    assert "changed on April 21, 2024: 1 section" in protokoll
    assert "changed on" in client.get("/feed.xml").get_data(as_text=True)


def test_a_version_links_its_attachments_as_they_were(tmp_path):
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q")
    old = commit(
        root, {"hu/a.md": doc("A", BODY + "\n[melléklet](a.pdf)\n"), "hu/a.pdf": "%PDF-1 old"}, "one", "2024-01-01"
    )
    commit(root, {"hu/a.pdf": "%PDF-1 new"}, "two", "2024-01-02")
    pipeline.build(root / "content", tmp_path / "ix")
    client = create_app({"content_dir": root / "content", "index_dir": tmp_path / "ix", "testing": True}).test_client()
    html = client.get(f"/doc/hu/a/history/{old[:12]}").get_data(as_text=True)
    link = f"/doc/hu/a/history/{old[:12]}/files/a.pdf"
    assert link in html
    assert client.get(link).data == b"%PDF-1 old"
    assert client.get(f"/doc/hu/a/history/{old[:12]}/files/b.pdf").status_code == 404


def test_shallow_clone_and_a_folder_outside_git(repo, tmp_path):
    root, _, c = repo
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(shallow)], check=True)
    pipeline.build(shallow / "content", tmp_path / "ix1")
    client = create_app(
        {"content_dir": shallow / "content", "index_dir": tmp_path / "ix1", "testing": True}
    ).test_client()
    assert client.get("/doc/hu/uj-protokoll/history").status_code == 200
    assert client.get(f"/doc/hu/uj-protokoll/history/{c['v2']}").status_code == 404
    plain = tmp_path / "plain"
    (plain / "hu").mkdir(parents=True)
    (plain / "hu" / "a.md").write_text(doc("A"), "utf-8")
    pipeline.build(plain, tmp_path / "ix2")
    client = create_app({"content_dir": plain, "index_dir": tmp_path / "ix2", "testing": True}).test_client()
    page = client.get("/doc/hu/a/history")
    assert page.status_code == 200 and "not a git repository" in page.get_data(as_text=True)
    assert client.get("/doc/hu/a/history/abcdef12").status_code == 404
    assert client.get("/doc/hu/a").status_code == 200


def test_internal_history_is_404_for_anonymous_and_200_for_staff(tmp_path):
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q")
    first = commit(root, {"internal/titok.md": doc("Titok")}, "secret plan zorbl", "2024-01-01")
    commit(root, {"internal/titok.md": doc("Titok", BODY + "\nMég.\n")}, "more", "2024-01-02")
    # a public document that was for staff once: that version stays theirs
    was_staff = commit(root, {"hu/nyilt.md": doc("Nyílt", extra="access: [staff]\n")}, "staff only zorbl", "2024-01-03")
    commit(root, {"hu/nyilt.md": doc("Nyílt")}, "opened", "2024-01-04")
    (tmp_path / "kb.toml").write_text(kb_toml("header"), "utf-8")
    config = Config.load(
        {"content_dir": root / "content", "index_dir": tmp_path / "ix", "testing": True},
        environ={"KB_CONFIG": str(tmp_path / "kb.toml")},
    )
    pipeline.build(config.content_dir, config.index_dir, full=True, **build_options(config))
    client = create_app(config).test_client()
    staff = {"X-Forwarded-User": "anna", "X-Forwarded-Groups": "staff"}
    local = {"REMOTE_ADDR": "127.0.0.1"}
    for path in ("/doc/internal/titok/history", f"/doc/internal/titok/history/{first[:8]}"):
        anonymous = client.get(path, environ_base=local)
        assert anonymous.status_code == 404 and "zorbl" not in anonymous.get_data(as_text=True)
        assert client.get(path, headers=staff, environ_base=local).status_code == 200
    assert "zorbl" in client.get("/doc/internal/titok/history", headers=staff, environ_base=local).get_data(
        as_text=True
    )
    public = client.get("/doc/hu/nyilt/history", environ_base=local).get_data(as_text=True)
    assert "opened" in public and "zorbl" not in public
    assert client.get(f"/doc/hu/nyilt/history/{was_staff[:8]}", environ_base=local).status_code == 404
    assert client.get(f"/doc/hu/nyilt/history/{was_staff[:8]}", headers=staff, environ_base=local).status_code == 200


@given(st.text(alphabet="ab \n.é", max_size=80), st.text(alphabet="ab \n.é", max_size=80))
def test_word_diff_applied_to_the_old_text_gives_the_new(old, new):
    changes = worddiff.diff_words(old, new)
    assert worddiff.old_text(changes) == old
    assert worddiff.new_text(changes) == new


def test_word_diff_counts_words():
    changes = worddiff.diff_words("a b c d", "a x c d e")
    assert worddiff.counts(changes) == (2, 1)
    assert textwrap.dedent("") == ""


def test_word_diff_is_bounded_on_long_rewritten_text():
    old = " ".join(f"w{i % 97}" for i in range(4000))
    new = " ".join(f"w{i % 89}" for i in range(4000))
    started = time.perf_counter()
    changes = worddiff.diff_words(old, new)
    assert time.perf_counter() - started < 2
    assert worddiff.old_text(changes) == old and worddiff.new_text(changes) == new


def test_versions_from_a_private_folder_are_never_named(tmp_path):
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q")
    secret = commit(root, {"_private/a.md": doc("A", BODY + "\nTitkos zorbl.\n")}, "private zorbl", "2024-01-01")
    git(root, "mv", "content/_private/a.md", "content/hu-a.md")
    commit(root, {"hu-a.md": doc("A")}, "published", "2024-01-02")
    pipeline.build(root / "content", tmp_path / "ix")
    client = create_app({"content_dir": root / "content", "index_dir": tmp_path / "ix", "testing": True}).test_client()
    html = client.get("/doc/hu-a/history").get_data(as_text=True)
    assert "published" in html and "zorbl" not in html
    assert client.get(f"/doc/hu-a/history/{secret}").status_code == 404


def test_a_binary_or_too_large_version_is_refused_with_a_clear_message(tmp_path):
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q")
    binary = commit(root, {"hu/a.md": doc("A", "szöveg\x00bináris\n")}, "binary", "2024-01-01")
    large = commit(root, {"hu/a.md": doc("A", "nagy szöveg " * 20000 + "\n")}, "large", "2024-01-02")
    commit(root, {"hu/a.md": doc("A")}, "fine", "2024-01-03")
    pipeline.build(root / "content", tmp_path / "ix")
    client = create_app({"content_dir": root / "content", "index_dir": tmp_path / "ix", "testing": True}).test_client()
    previous = limits.use_limits(dataclasses.replace(limits.current(), doc_bytes=100_000))
    try:
        listing = client.get("/doc/hu/a/history").get_data(as_text=True)
        assert ">large <" in listing and ">binary <" in listing
        html = client.get(f"/doc/hu/a/history/{large[:8]}").get_data(as_text=True)
        assert "This version cannot be shown:" in html and "too large" in html
        html = client.get(f"/doc/hu/a/history/{binary[:8]}").get_data(as_text=True)
        assert "This version cannot be shown:" in html and "binary" in html
    finally:
        limits.use_limits(previous)


def test_a_moved_head_logs_only_the_new_commits_and_gives_what_a_whole_log_gives(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    commit(root, {"hu/a.md": doc("A"), "hu/b.md": doc("B")}, "one", "2024-01-01")
    commit(root, {"hu/a.md": doc("A", BODY + "\nKettő.\n")}, "two", "2024-01-02")
    index = tmp_path / "ix"
    pipeline.build(root / "content", index)
    git(root, "mv", "content/hu/a.md", "content/hu/c.md")
    commit(root, {"hu/b.md": doc("B", BODY + "\nMásik.\n")}, "rename a, edit b", "2024-01-03")
    git(root, "checkout", "-qb", "side")
    commit(root, {"hu/d.md": doc("D")}, "side", "2024-01-04")
    git(root, "checkout", "-q", "main")
    commit(root, {"hu/c.md": doc("C", BODY)}, "main", "2024-01-05")
    git(root, "merge", "-q", "--no-ff", "-m", "merge", "side", date="2024-01-06T10:00:00+00:00")
    calls = []
    real = history.log
    monkeypatch.setattr(history, "log", lambda d, **kw: calls.append(kw) or real(d, **kw))
    pipeline.build(root / "content", index)
    assert len(calls) == 1 and calls[0].get("since")
    stored = history.read_versions(storage.current_generation(index))
    files, versions, renames = real(root / "content")
    assert stored[:2] == (versions, renames) and stored[2] == git(root, "rev-parse", "HEAD").strip()
    assert history.read(storage.current_generation(index))["files"]["hu/c.md"]["authors"] == files["hu/c.md"]["authors"]
    assert {k: v for k, v in history.read(storage.current_generation(index))["files"].items()} == {
        k: {**v, "source": "git"} for k, v in files.items()
    }
