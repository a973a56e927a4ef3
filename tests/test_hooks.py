"""Git push to published: POST /hooks/git with a signed body pulls the content repository and
re-indexes it, one build at a time, answering at once. A real temporary git repository is the remote."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from indexer import pipeline
from kb.config import Config
from kb.publish import Publisher, PublishError, pull
from kb.web import create_app
from kb.web.hooks import signature

from .conftest import CONTENT, ROOT, write_doc

SECRET = "s3cret-for-tests"
# Every field the engine keeps as a column: a new segment whose documents all lack one of them
# makes search fail today (see test_search_after_publishing_a_minimal_document below).
NEW_DOC = """\
title: Lakhatási napló
type: article
lang: hu
date: 2026-11-30
organisation: FSZK
region: Országos
translation_key: lakhatasi-naplo
"""
MINIMAL_DOC = """\
title: Lakhatási napló
type: article
lang: hu
"""


def git(*args: str, cwd: Path) -> str:
    env_args = ["-c", "user.name=Editor", "-c", "user.email=editor@example.org", "-c", "init.defaultBranch=main"]
    done = subprocess.run(["git", *env_args, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture()
def repos(tmp_path):
    """A bare "remote", an editor's clone with the bundled content, and the site's clone of it."""
    remote, editor, site = tmp_path / "remote.git", tmp_path / "editor", tmp_path / "site"
    git("init", "--bare", "-q", str(remote), cwd=tmp_path)
    git("clone", "-q", str(remote), str(editor), cwd=tmp_path)
    shutil.copytree(CONTENT, editor / "content")
    git("add", ".", cwd=editor)
    git("commit", "-q", "-m", "content", cwd=editor)
    git("push", "-q", "origin", "HEAD:main", cwd=editor)
    git("clone", "-q", "--branch", "main", str(remote), str(site), cwd=tmp_path)
    pipeline.build(site / "content", tmp_path / "index", full=True)
    return editor, site, tmp_path / "index"


def push_new_document(editor: Path, name: str = "naplo", front: str = NEW_DOC) -> None:
    write_doc(editor / "content", f"hu/{name}.md", front, "A kakukkfészek-napló a lakhatásról szól.")
    git("add", ".", cwd=editor)
    git("commit", "-q", "-m", f"add {name}", cwd=editor)
    git("push", "-q", "origin", "HEAD:main", cwd=editor)


def hook_app(site: Path, index: Path, secret: str = SECRET):
    return create_app({"content_dir": site / "content", "index_dir": index, "testing": True, "git_hook_secret": secret})


def post(client, body: bytes, sig: str | None, event: str = "push"):
    headers = {"X-GitHub-Event": event, "Content-Type": "application/json"}
    if sig is not None:
        headers["X-Hub-Signature-256"] = sig
    return client.post("/hooks/git", data=body, headers=headers)


def test_a_signed_push_pulls_and_reindexes(repos):
    editor, site, index = repos
    app = hook_app(site, index)
    client = app.test_client()
    assert client.get("/api/search?q=kakukkfészek").json["total"] == 0
    push_new_document(editor)
    body = b'{"ref": "refs/heads/main"}'
    answer = post(client, body, signature(SECRET, body))
    assert answer.status_code == 202 and answer.json["status"] == "accepted"
    publisher = app.extensions["kb_publisher"]
    assert publisher.wait_idle(timeout=120)
    assert publisher.last.ok, publisher.last.message
    assert "1 added" in publisher.last.message and "0 updated" in publisher.last.message  # incremental
    assert (site / "content" / "hu" / "naplo.md").is_file()
    assert [r["id"] for r in client.get("/api/search?q=kakukkfészek").json["results"]] == ["hu/naplo"]


def test_search_after_publishing_a_minimal_document(repos):
    """A pushed document without date, organisation, region or translation key (a segment without
    those columns) is found, and searches keep working."""
    editor, site, index = repos
    app = hook_app(site, index)
    client = app.test_client()
    assert client.get("/api/search?q=lakhatás").status_code == 200  # a searcher open before the push
    push_new_document(editor, front=MINIMAL_DOC)
    body = b"{}"
    assert post(client, body, signature(SECRET, body)).status_code == 202
    assert app.extensions["kb_publisher"].wait_idle(timeout=120)
    answer = client.get("/api/search?q=kakukkfészek")
    assert answer.status_code == 200 and [r["id"] for r in answer.json["results"]] == ["hu/naplo"]


@pytest.mark.parametrize(
    "sig",
    [None, "", "sha256=" + "0" * 64, signature("another secret", b"{}"), signature(SECRET, b"{}")[7:], "sha256=é"],
)
def test_bad_or_missing_signatures_are_refused(repos, sig):
    _, site, index = repos
    app = hook_app(site, index)
    answer = post(app.test_client(), b'{"ref": "x"}', sig)
    assert answer.status_code == 403
    assert app.extensions["kb_publisher"].runs == 0


def test_ping_is_answered_without_a_build(repos):
    _, site, index = repos
    app = hook_app(site, index)
    answer = post(app.test_client(), b"{}", signature(SECRET, b"{}"), event="ping")
    assert answer.status_code == 200 and answer.json == {"status": "pong"}
    assert app.extensions["kb_publisher"].runs == 0


def test_without_a_secret_the_route_does_not_exist(repos):
    _, site, index = repos
    client = hook_app(site, index, secret="").test_client()
    assert post(client, b"{}", signature("", b"{}")).status_code == 404


def test_pushes_during_a_build_schedule_one_more_run_not_parallel_ones():
    started, release = threading.Event(), threading.Event()
    running, overlaps, runs = [], [], []

    def job() -> str:
        overlaps.append(len(running))
        running.append(1)
        runs.append(1)
        started.set()
        release.wait(timeout=60)
        running.pop()
        return "done"

    publisher = Publisher(job)
    assert publisher.request() is True
    assert started.wait(timeout=60)
    assert [publisher.request() for _ in range(5)] == [False] * 5  # folded into one more run
    release.set()
    assert publisher.wait_idle(timeout=60)
    assert len(runs) == 2 and overlaps == [0, 0]


def test_a_diverged_repository_is_reported_and_the_index_kept(repos, tmp_path):
    editor, site, index = repos
    write_doc(site / "content", "hu/local.md", NEW_DOC, "Helyi módosítás.")
    git("add", ".", cwd=site)
    git("commit", "-q", "-m", "local change on the server", cwd=site)
    push_new_document(editor)
    with pytest.raises(PublishError):
        pull(site / "content")


class UnreadableBody:
    """A request body that must not be read: a client sending a byte a second would hold the worker."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        raise AssertionError("the body was read")

    readline = read


def post_unread(client, headers: dict, content_length: int | None):
    """POST to the hook with a body that fails the test when read; no Content-Length header when None."""
    body = UnreadableBody()
    builder = EnvironBuilder(
        path="/hooks/git",
        method="POST",
        headers={"X-GitHub-Event": "push", "Content-Type": "application/json", **headers},
    )
    environ = builder.get_environ()
    environ["wsgi.input"] = body
    environ.pop("CONTENT_LENGTH", None)
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    return client.open(Request(environ)), body


WELL_FORMED = {"X-Hub-Signature-256": "sha256=" + "ab" * 32}


@pytest.mark.parametrize(
    "headers, content_length, status",
    [
        ({}, 100, 403),  # no signature header
        ({"X-Hub-Signature-256": "sha1=" + "ab" * 20}, 100, 403),  # not sha256=<64 hex digits>
        ({"X-Hub-Signature-256": "sha256=" + "zz" * 32}, 100, 403),
        (WELL_FORMED, 20_000_000, 413),  # over hooks.max_body_bytes (1 MiB by default)
        (WELL_FORMED, 1024 * 1024 + 1, 413),
        ({**WELL_FORMED, "Transfer-Encoding": "chunked"}, None, 411),  # no Content-Length: unbounded
        (WELL_FORMED, None, 411),
    ],
)
def test_a_request_that_cannot_be_a_push_is_refused_before_its_body_is_read(repos, headers, content_length, status):
    _, site, index = repos
    app = hook_app(site, index)
    answer, body = post_unread(app.test_client(), headers, content_length)
    assert answer.status_code == status and answer.is_json and answer.json["error"]
    assert body.reads == 0
    assert app.extensions["kb_publisher"].runs == 0


def test_the_body_limit_is_a_setting_and_a_body_within_it_is_read(repos):
    _, site, index = repos
    app = create_app(
        {"content_dir": site / "content", "index_dir": index, "testing": True, "git_hook_secret": SECRET,
         "git_hook_max_body": 2048}
    )  # fmt: skip
    client = app.test_client()
    big = b'{"commits": "' + b"x" * 3000 + b'"}'
    answer, body = post_unread(client, {"X-Hub-Signature-256": signature(SECRET, big)}, len(big))
    assert answer.status_code == 413 and body.reads == 0
    small = b'{"zen": "' + b"x" * 1000 + b'"}'
    assert post(client, small, signature(SECRET, small), event="ping").status_code == 200
    assert client.get("/hooks/git").status_code == 405


def test_haproxy_refuses_the_same_body_size_as_the_app():
    config = (ROOT / "deploy" / "haproxy.cfg").read_text()
    limits = re.findall(r"req\.hdr_val\(content-length\) gt (\d+)", config)
    assert limits == [str(Config().git_hook_max_body)]
    assert f'"the body is over {limits[0]} bytes"' in config
