"""The time budget off the main thread (indexer/timed_process.py): where no alarm can be set (a web
request thread of the live preview, the watcher thread of ``kb serve --watch``), a render
runs in a worker process that is killed when ``KB_MAX_DOC_SECONDS`` passes.

The slow document passes every check of indexer/markdown_shapes.py with the default limits: paragraphs
of 1,900 unclosed links each (the limit is 2,000), which python-markdown takes 1.5-2.5 s per
paragraph to render, so six of them outlast a 1 s limit on any machine."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.documents.load import DocumentError
from indexer.documents.model import Document
from indexer.documents.render import render
from indexer.guards import limits, markdown_shapes, timed_process
from kb.config import Config
from kb.watch import ContentWatcher
from kb.web import create_app

SLOW = "\n\n".join(["[a](" * 1_900] * 6)
HU = "A támogatott lakhatás a fogyatékos emberek önálló életét segíti a lakóotthonokban."
TOO_LONG = "rendering took too long (limit 1 seconds, set by KB_MAX_DOC_SECONDS)"


@pytest.fixture(autouse=True)
def one_second():
    """``KB_MAX_DOC_SECONDS=1``, applied to this process as ``kb`` does; the defaults after."""
    before = limits.use_limits(Config.load(environ={"KB_MAX_DOC_SECONDS": "1"}).limits)
    yield
    limits.use_limits(before)


def in_thread(function, *args):
    """``function(*args)`` in a new thread: its result, or the exception it raised."""
    outcome: list = []

    def run():
        try:
            outcome.append(function(*args))
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert outcome, "the call did not return"
    return outcome[0]


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def front(title: str) -> str:
    return f"---\ntitle: {title}\ntype: article\nlang: hu\n---\n\n"


def doc(body: str) -> Document:
    return Document(id="a", path="a.md", title="a", type="article", body=body)


def test_the_slow_document_passes_the_checks():
    markdown_shapes.check_markdown(SLOW)


def test_a_render_off_the_main_thread_is_stopped_and_its_worker_killed():
    assert in_thread(render, doc("Első *bekezdés*.")).html == "<p>Első <em>bekezdés</em>.</p>"
    failed = in_thread(render, doc(SLOW))
    assert isinstance(failed, DocumentError), failed
    assert str(failed.problem) == f"a.md:1: error: {TOO_LONG}; simplify the file"
    killed = timed_process.last_pid()
    assert gone(killed) and killed not in timed_process.worker_pids()
    assert in_thread(render, doc("Második.")).html == "<p>Második.</p>"  # a new worker
    assert timed_process.last_pid() != killed and not gone(timed_process.last_pid())


def test_an_error_in_the_worker_is_raised_in_the_caller():
    with pytest.raises(ValueError, match="invalid literal"):
        timed_process.call(30, int, "x")
    assert timed_process.call(30, int, "7") == 7  # and the worker goes on


def test_the_watcher_reports_the_slow_file_and_indexes_the_others(tmp_path):
    content, index = tmp_path / "content", tmp_path / "ix"
    content.mkdir()
    (content / "good.md").write_text(front("Lakhatás") + HU, "utf-8")
    pipeline.build(content, index)
    (content / "slow.md").write_text(front("Lassú") + SLOW, "utf-8")
    (content / "new.md").write_text(front("Új") + HU, "utf-8")
    built = threading.Event()
    summaries = []
    watcher = ContentWatcher(content, index, lambda s: (summaries.append(s), built.set()), quiet=0.05)
    watcher.start()
    try:
        watcher.notify()
        assert built.wait(120)
    finally:
        watcher.stop()
    summary = summaries[0]
    assert [str(p) for p in summary.problems] == [f"slow.md:7: error: {TOO_LONG}; simplify the file"]
    assert (summary.added, summary.failed, summary.total) == (1, 1, 2)
    assert gone(timed_process.last_pid())


def test_the_live_preview_shows_the_time_limit_from_a_request_thread(tmp_path: Path):
    content, index = tmp_path / "content", tmp_path / "ix"
    content.mkdir()
    page = content / "a.md"
    page.write_text(front("Lakhatás") + HU, "utf-8")
    pipeline.build(content, index)
    app = create_app({"content_dir": content, "index_dir": index, "testing": True, "preview": True})
    page.write_text(front("Lakhatás") + SLOW, "utf-8")  # saved, not yet re-indexed
    response = in_thread(lambda: app.test_client().get("/doc/a"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "KB_MAX_DOC_SECONDS" in html and "támogatott lakhatás" in html  # the error, and the last good text
    assert gone(timed_process.last_pid())
