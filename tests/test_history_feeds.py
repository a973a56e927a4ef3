"""Git history at index time, shown on document pages, the "recently updated" list and Atom feeds."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.generation import history, storage
from kb.web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
HU = "A támogatott lakhatás a fogyatékos emberek önálló életét segíti a lakóotthonokban és a közösségben."
CS = "Transformace sociálních služeb v kraji pokračuje a lidé s postižením dostávají podporu v běžném životě."

pytestmark = pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode, reason="no git")


def git(repo: Path, *args: str, author: str = "Kiss Éva", date: str = "2024-03-01T10:00:00+01:00") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "a@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


def write(path: Path, title: str, lang: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ntype: forum\nlang: {lang}\n---\n\n{body}\n", "utf-8")


@pytest.fixture()
def repo(tmp_path):
    """A git repository with the content in a sub-folder, three commits by two authors, one uncommitted file."""
    root = tmp_path / "repo"
    content = root / "content"
    write(content / "hu" / "regi.md", "Régi", "hu", HU)
    write(content / "cs" / "stary.md", "Starý", "cs", CS)
    (root / "README.md").write_text("not content", "utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    write(content / "hu" / "regi.md", "Régi", "hu", HU + " Új mondat.")
    git(root, "commit", "-qam", "second", author="Novák Jan", date="2024-05-02T12:30:00+02:00")
    (root / "README.md").write_text("changed, outside content", "utf-8")
    git(root, "commit", "-qam", "third, not content", author="Other", date="2024-06-01T00:00:00Z")
    write(content / "hu" / "uj.md", "Új", "hu", HU)  # not committed yet
    return content


def test_one_git_log_gives_dates_and_authors_per_file(repo):
    files = history.git_log(repo)
    assert files == {
        "hu/regi.md": {
            "updated": "2024-05-02T10:30:00Z",
            "created": "2024-03-01T09:00:00Z",
            "authors": ["Novák Jan", "Kiss Éva"],
        },
        "cs/stary.md": {"updated": "2024-03-01T09:00:00Z", "created": "2024-03-01T09:00:00Z", "authors": ["Kiss Éva"]},
    }


def test_history_is_stored_at_index_time_with_mtime_fallback(repo, tmp_path, monkeypatch):
    index = tmp_path / "ix"
    pipeline.build(repo, index)
    stored = history.read(storage.current_generation(index))
    assert stored["files"]["hu/regi.md"]["authors"] == ["Novák Jan", "Kiss Éva"]
    assert stored["files"]["hu/regi.md"]["source"] == "git"
    assert stored["files"]["hu/uj.md"]["source"] == "mtime" and stored["files"]["hu/uj.md"]["authors"] == []

    # HEAD has not moved: the next run reuses the stored log instead of running git log again.
    calls = []
    real = history.log
    monkeypatch.setattr(history, "log", lambda d, **kw: calls.append(d) or real(d, **kw))
    pipeline.build(repo, index)
    assert calls == []
    git(repo.parent, "add", "-A")
    git(repo.parent, "commit", "-qm", "publish", author="Szabó Anna", date="2024-07-01T08:00:00Z")
    pipeline.build(repo, index)
    assert len(calls) == 1
    assert history.read(storage.current_generation(index))["files"]["hu/uj.md"] == {
        "updated": "2024-07-01T08:00:00Z",
        "created": "2024-07-01T08:00:00Z",
        "authors": ["Szabó Anna"],
        "source": "git",
    }


@pytest.mark.parametrize("damage", [b"", b"\xffnot marshal", b"[\x00\x00\x00\x00"], ids=["empty", "junk", "cut"])
def test_a_damaged_history_is_read_as_none_and_written_again(repo, tmp_path, damage):
    index = tmp_path / "ix"
    pipeline.build(repo, index)
    generation = storage.current_generation(index)
    expected = history.read(generation)
    for name in (history.HISTORY_FILE, history.MTIMES_FILE):
        (generation / name).write_bytes(damage)
    assert history.read(generation) == {}
    response = create_app({"content_dir": repo, "index_dir": index, "testing": True}).test_client().get("/")
    assert response.status_code == 200
    pipeline.build(repo, index)
    assert history.read(generation) == expected


def test_one_git_log_for_the_whole_tree_not_one_per_file(repo, tmp_path, monkeypatch):
    calls = []
    real = history._git
    monkeypatch.setattr(history, "_git", lambda d, *args: calls.append(args[0]) or real(d, *args))
    pipeline.build(repo, tmp_path / "ix")
    assert calls == ["rev-parse", "log"]  # 3 documents, still one log


def test_outside_git_every_document_falls_back_to_its_mtime(tmp_path):
    content = tmp_path / "plain"
    write(content / "a.md", "A", "hu", HU)
    os.utime(content / "a.md", (1700000000, 1700000000))
    index = tmp_path / "ix"
    pipeline.build(content, index)
    files = history.read(storage.current_generation(index))["files"]
    assert files == {
        "a.md": {"updated": "2023-11-14T22:13:20Z", "created": "2023-11-14T22:13:20Z", "authors": [], "source": "mtime"}
    }


@pytest.fixture()
def client(repo, tmp_path, monkeypatch):
    index = tmp_path / "ix"
    pipeline.build(repo, index)
    app = create_app({"content_dir": repo, "index_dir": index, "testing": True})

    def no_git(*args, **kwargs):  # pages must not run git
        raise AssertionError("git ran during a request")

    monkeypatch.setattr(history, "_git", no_git)
    return app.test_client()


def test_document_page_shows_last_update_and_authors(client):
    html = client.get("/doc/hu/regi").get_data(as_text=True)
    assert (
        '<dt>Last updated</dt><dd class="doc-history"><time datetime="2024-05-02T10:30:00Z">May 2, 2024</time></dd>'
        in html
    )
    assert '<dd class="doc-authors">Novák Jan, Kiss Éva</dd>' in html
    fallback = client.get("/doc/hu/uj").get_data(as_text=True)
    assert "(file saved)" in fallback and "doc-authors" not in fallback


def test_home_lists_recently_updated_and_links_the_feed(client):
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="updated-h"') :]
    assert section.index("/doc/hu/uj") < section.index("/doc/hu/regi") < section.index("/doc/cs/stary")
    assert 'rel="alternate" type="application/atom+xml"' in html
    page = client.get("/recent").get_data(as_text=True)
    assert "Novák Jan, Kiss Éva" in page and "/feed/cs.xml" in page


def parse_feed(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.get_data())


def assert_valid_atom(feed: ET.Element) -> None:
    """The RFC 4287 musts: feed id, title, updated, self link; each entry id, title, updated, an author, a link."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    feed_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = set()
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/doc/")
        assert entry.findtext(f"{ATOM}id") not in ids
        ids.add(entry.findtext(f"{ATOM}id"))


def test_atom_feed_of_new_and_changed_documents(client):
    feed = parse_feed(client.get("/feed.xml"))
    assert_valid_atom(feed)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Új", "Régi", "Starý"]
    regi = entries[1]
    assert regi.findtext(f"{ATOM}updated") == "2024-05-02T10:30:00Z"
    assert regi.findtext(f"{ATOM}published") == "2024-03-01T09:00:00Z"
    assert [a.findtext(f"{ATOM}name") for a in regi.findall(f"{ATOM}author")] == ["Novák Jan", "Kiss Éva"]
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")


def test_per_language_feed(client):
    feed = parse_feed(client.get("/feed/cs.xml"))
    assert_valid_atom(feed)
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Starý"]
    assert feed.findtext(f"{ATOM}id") == "http://localhost/feed/cs.xml"
    assert client.get("/feed/xx.xml").status_code == 404


def test_feed_escapes_titles(tmp_path):
    content = tmp_path / "c"
    write(content / "a.md", '"<b>Tom & Jerry</b>"', "en", "Plain English text about social services and support.")
    index = tmp_path / "ix"
    pipeline.build(content, index)
    client = create_app({"content_dir": content, "index_dir": index, "testing": True}).test_client()
    feed = parse_feed(client.get("/feed.xml"))
    assert feed.find(f"{ATOM}entry/{ATOM}title").text == "<b>Tom & Jerry</b>"


def test_lists_and_feeds_follow_each_index_commit_without_reading_stored_documents(repo, tmp_path, monkeypatch):
    """The recent list and the feeds come from the catalogue and are kept per commit: a new
    commit (a new document, a changed summary) shows at once; an unchanged index reads nothing."""
    index = tmp_path / "ix"
    pipeline.build(repo, index)
    app = create_app({"content_dir": repo, "index_dir": index, "testing": True})
    client = app.test_client()
    assert "<summary>A támogatott lakhatás" in client.get("/feed.xml").get_data(as_text=True)  # text instead
    service = app.extensions["kb_search"]
    reads = []
    real = service.documents_by_id
    monkeypatch.setattr(service, "documents_by_id", lambda ids, *audience: reads.append(ids) or real(ids, *audience))
    client.get("/feed.xml")
    client.get("/recent")
    assert reads == []
    path = repo / "hu" / "friss.md"
    path.write_text("---\ntitle: Friss\ntype: forum\nlang: hu\nsummary: Rövid összefoglaló.\n---\n\nSzöveg.\n", "utf-8")
    os.utime(path, (1900000000, 1900000000))  # the newest of all
    pipeline.build(repo, index)
    feed = parse_feed(client.get("/feed.xml"))
    assert_valid_atom(feed)
    first = feed.find(f"{ATOM}entry")
    assert first.findtext(f"{ATOM}title") == "Friss"
    assert first.findtext(f"{ATOM}summary") == "Rövid összefoglaló."
    assert "Friss" in client.get("/recent").get_data(as_text=True)
    assert [e.findtext(f"{ATOM}title") for e in parse_feed(client.get("/feed/cs.xml")).findall(f"{ATOM}entry")] == [
        "Starý"
    ]


def test_without_an_index_the_feed_is_empty_and_the_page_says_so(tmp_path):
    app = create_app({"content_dir": tmp_path / "none", "index_dir": tmp_path / "ix", "testing": True})
    client = app.test_client()
    assert parse_feed(client.get("/feed.xml")).findall(f"{ATOM}entry") == []
    assert client.get("/recent").status_code == 503  # the maintenance page, as every page without an index
