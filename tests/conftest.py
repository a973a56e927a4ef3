"""Shared fixtures: the bundled content indexed once per session, an app over it, and a
factory for small throw-away content trees (tests own their fixtures; nothing reads ../shared)."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.text import lemmas
from kb.search import SearchService
from kb.web import create_app

# Lemma dictionaries in memory (this process's lemmas.SETTINGS), as before indexer.text.lemmas: no on-disk
# tables written by the suite
# (tests/test_lemmas.py checks those in a temporary folder); the variable is for `kb` subprocesses.
os.environ.setdefault("KB_CACHE_DIR", "off")
lemmas.SETTINGS.use_cache_dir(None)

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Path:
    """The bundled content/ indexed into a temporary directory."""
    index_dir = tmp_path_factory.mktemp("index")
    summary = pipeline.build(CONTENT, index_dir, full=True)
    assert summary.failed == 0, summary.problems
    return index_dir


@pytest.fixture(scope="session")
def service(corpus_index) -> SearchService:
    svc = SearchService(corpus_index)
    yield svc
    svc.close()


@pytest.fixture()
def app(corpus_index):
    # local: the app as `kb serve` makes it (mode "none" serves the editors' pages only there)
    return create_app({"content_dir": CONTENT, "index_dir": corpus_index, "testing": True, "local": True})


@pytest.fixture()
def client(app):
    return app.test_client()


def write_doc(root: Path, rel: str, front: str | None, body: str = "Szöveg.") -> Path:
    """Write one content file; ``front`` is the YAML between the --- lines (None: no front matter)."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if front is None:
        path.write_text(body, "utf-8")
    else:
        path.write_text(f"---\n{textwrap.dedent(front).strip()}\n---\n\n{textwrap.dedent(body)}", "utf-8")
    return path


@pytest.fixture()
def content_factory(tmp_path):
    """A copy-free, empty content tree plus the ``write_doc`` helper."""
    root = tmp_path / "content"
    root.mkdir()

    def make(rel: str, front: str | None, body: str = "Szöveg.") -> Path:
        return write_doc(root, rel, front, body)

    make.root = root
    return make


@pytest.fixture()
def content_copy(tmp_path) -> Path:
    """A writable copy of the bundled content."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


# -- a real server and a real browser ------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(corpus_index):
    """The app on a free loopback port in a background thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    app = create_app({"content_dir": CONTENT, "index_dir": corpus_index, "local": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; the browser tests skip without it."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (./scripts/test installs it when run as root)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
