"""Git push to published: POST /hooks/git with a signed body pulls the content repository and
re-indexes it, one build at a time, answering at once. A real temporary git repository is the remote."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from indexer import pipeline
from kb.cli import main
from kb.config import Config
from kb.publish import Publisher, PublishError, mark_pending, pending_marker, publish, pull, read_pending
from kb.web import create_app
from kb.web.hooks import signature

from .conftest import CONTENT, ROOT, write_doc
from .servers import fetch, free_port, stop

SECRET = "s3cret-for-tests-at-least-32-characters"
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


# -- a publish is never lost: the pending marker ---------------------------------------------


def searchable(app, word: str = "kakukkfészek") -> list[str]:
    return [r["id"] for r in app.test_client().get(f"/api/search?q={word}").json["results"]]


def test_a_publish_left_pending_is_finished_by_the_next_app_to_start(repos):
    """The hook recorded the push, then its worker was recycled before the re-index: the next worker
    to start publishes it."""
    editor, site, index = repos
    push_new_document(editor)
    mark_pending(index, "hook")  # what the hook wrote before its 202; nothing ran after it
    assert pending_marker(index) == index.parent / "index.publish-pending"
    app = hook_app(site, index)
    publisher = app.extensions["kb_publisher"]
    assert publisher.wait_idle(timeout=120)
    assert publisher.runs == 1 and publisher.last.ok and "1 added" in publisher.last.message, publisher.last
    assert searchable(app) == ["hu/naplo"]
    assert read_pending(index) is None  # removed once published
    assert hook_app(site, index).extensions["kb_publisher"].runs == 0  # and the next start finds nothing to do


def test_a_hook_records_the_publish_before_it_answers(repos, monkeypatch):
    _, site, index = repos
    app = hook_app(site, index)
    monkeypatch.setattr(app.extensions["kb_publisher"], "request", lambda: True)  # the worker dies at once
    body = b"{}"
    assert post(app.test_client(), body, signature(SECRET, body)).status_code == 202
    assert json.loads(read_pending(index))["by"] == "hook"
    assert [p.name for p in index.parent.iterdir() if p.name.startswith(".index.publish-pending")] == []  # no temp


def test_a_host_that_cannot_record_the_publish_says_so(repos, monkeypatch):
    _, site, index = repos
    app = hook_app(site, index)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("kb.web.hooks.mark_pending", read_only)
    body = b"{}"
    answer = post(app.test_client(), body, signature(SECRET, body))
    assert answer.status_code == 503 and answer.json["error"]
    assert app.extensions["kb_publisher"].runs == 0


def test_kb_publish_finishes_a_pending_publish_and_pulls_when_no_hook_came(repos):
    editor, site, index = repos
    args = ["publish", "--content", str(site / "content"), "--index", str(index)]
    push_new_document(editor)
    mark_pending(index, "hook")
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "published: incremental: 1 added" in result.output
    assert read_pending(index) is None
    assert searchable(hook_app(site, index)) == ["hu/naplo"]
    push_new_document(editor, name="masik", front=NEW_DOC.replace("lakhatasi-naplo", "masik"))  # no hook at all
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0 and "1 added" in result.output, result.output
    assert sorted(searchable(hook_app(site, index))) == ["hu/masik", "hu/naplo"]


def test_a_failed_reindex_keeps_the_marker_for_the_next_try(repos, monkeypatch, caplog):
    editor, site, index = repos
    push_new_document(editor)
    mark_pending(index, "hook")

    def disk_full(*args, **kwargs):
        raise pipeline.BuildFailed(f"cannot write the index in {index}: No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "build", disk_full)
        app = hook_app(site, index)
        assert app.extensions["kb_publisher"].wait_idle(timeout=120)
    outcome = app.extensions["kb_publisher"].last
    assert not outcome.ok and read_pending(index) is not None
    failed = [r.getMessage() for r in caplog.records if r.name == "kb.publish" and r.levelname == "ERROR"]
    assert len(failed) == 1 and "re-indexing" in failed[0] and "No space left on device" in failed[0]
    assert "stays pending" in failed[0] and "Traceback" not in caplog.text
    result = CliRunner().invoke(main, ["publish", "--content", str(site / "content"), "--index", str(index)])
    assert result.exit_code == 0 and read_pending(index) is None, result.output  # the next try publishes it
    assert searchable(app) == ["hu/naplo"]


def test_a_failed_pull_keeps_the_marker_and_kb_publish_says_what_failed(repos):
    editor, site, index = repos
    write_doc(site / "content", "hu/local.md", NEW_DOC, "Helyi módosítás.")
    git("add", ".", cwd=site)
    git("commit", "-q", "-m", "local change on the server", cwd=site)
    push_new_document(editor)
    mark_pending(index, "hook")
    result = CliRunner().invoke(main, ["publish", "--content", str(site / "content"), "--index", str(index)])
    assert result.exit_code == 1 and read_pending(index) is not None
    assert "Error: git pull --ff-only in" in result.output and "stays pending" in result.output
    assert "Traceback" not in result.output


def test_a_hook_during_a_run_keeps_its_marker(repos, monkeypatch):
    """A push announced while a publish runs may have come after its pull: its marker stays."""
    editor, site, index = repos
    push_new_document(editor)
    mark_pending(index, "hook")
    build = pipeline.build

    def build_while_a_hook_comes(*args, **kwargs):
        mark_pending(index, "hook")
        return build(*args, **kwargs)

    monkeypatch.setattr(pipeline, "build", build_while_a_hook_comes)
    assert publish(site / "content", index).added == 1
    assert read_pending(index) is not None


def test_two_publishes_at_once_do_not_both_run(repos, monkeypatch):
    """Two workers start together and both find the marker: one publishes, the other finds nothing left."""
    editor, site, index = repos
    push_new_document(editor)
    mark_pending(index, "hook")
    build, running, overlaps, runs = pipeline.build, [], [], []

    def counted(*args, **kwargs):
        overlaps.append(len(running))
        running.append(1)
        runs.append(1)
        try:
            time.sleep(0.5)  # a window for the other to barge in
            return build(*args, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(pipeline, "build", counted)
    apps = [hook_app(site, index), hook_app(site, index)]
    publishers = [a.extensions["kb_publisher"] for a in apps]
    assert all(p.wait_idle(timeout=120) for p in publishers)
    assert runs == [1] and overlaps == [0]
    assert sorted(p.last.message for p in publishers)[1] == "nothing pending"
    assert all(p.last.ok for p in publishers) and read_pending(index) is None
    assert searchable(apps[0]) == ["hu/naplo"]


def test_a_read_only_host_never_builds(repos, monkeypatch):
    editor, site, index = repos
    push_new_document(editor)
    mark_pending(index, "hook")
    access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: mode != os.W_OK and access(path, mode, **kw))
    app = hook_app(site, index)
    assert app.extensions["kb_publisher"].wait_idle(timeout=60) and app.extensions["kb_publisher"].runs == 0
    result = CliRunner().invoke(main, ["publish", "--content", str(site / "content"), "--index", str(index)])
    assert result.exit_code == 1 and "publish on the host that builds the index" in result.output
    assert read_pending(index) is not None and searchable(app) == []


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def first_answer(url: str, server: subprocess.Popen) -> None:
    """Wait for gunicorn's socket, then for one answer: a request given up early would stay queued
    and recycle the next worker (max_requests 1)."""
    for _ in range(300):
        assert server.poll() is None, "gunicorn exited"
        try:
            fetch(url, timeout=120)
            return
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError):
                raise
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker processes from /proc")
def test_a_worker_recycled_mid_publish_loses_nothing(repos, tmp_path):
    """gunicorn with deploy/gunicorn.conf.py and max_requests 1: the worker that takes the hook is
    recycled right after its 202, while its publish waits for the lock (another publish holds it).
    The worker gunicorn starts in its place publishes the push."""
    editor, site, index = repos
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_INDEX_DIR=str(index), KB_CONTENT_DIR=str(site / "content"), KB_SECRET_KEY="recycle-" + "x" * 24)
    env.update(KB_GIT_HOOK_SECRET=SECRET, KB_CACHE_DIR="off", KB_LOG_LEVEL="INFO")
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    command += ["-b", f"127.0.0.1:{port}", "-w", "1", "--max-requests", "1", "--max-requests-jitter", "0"]
    command += ["kb.wsgi:app"]
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    lock = os.open(index / ".publish.lock", os.O_RDWR | os.O_CREAT)
    try:
        first_answer(f"http://127.0.0.1:{port}/healthz", server)  # that request recycles a worker too
        wait_for(lambda: len(worker_pids(server.pid)) == 1, 60, "a worker")
        fcntl.flock(lock, fcntl.LOCK_EX)  # another publish is running
        push_new_document(editor)
        first = worker_pids(server.pid)
        body = b'{"ref": "refs/heads/main"}'
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hooks/git",
            data=body,
            headers={"X-Hub-Signature-256": signature(SECRET, body), "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 202
        wait_for(lambda: not (worker_pids(server.pid) & first), 60, "the worker to be recycled")
        assert read_pending(index) is not None  # the push is recorded, not published
        fcntl.flock(lock, fcntl.LOCK_UN)
        wait_for(lambda: read_pending(index) is None, 180, "the new worker to publish")
        status, found = fetch(f"http://127.0.0.1:{port}/api/search?q=kakukkf%C3%A9szek")
        assert status == 200 and [r["id"] for r in json.loads(found)["results"]] == ["hu/naplo"]
        assert "resuming the publish left pending" in log.read_text()
    finally:
        os.close(lock)
        stop(server)
