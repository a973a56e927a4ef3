"""Reliability: searching while ``kb index --full`` runs beside the server, and a damaged index
answering 503 with a maintenance page instead of a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from indexer import pipeline
from indexer.generation import storage
from kb.web import create_app

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
QUERIES = ["lakhatás", "tamogatott lakhatas", "sociální služby", "szeged", "protokoll", "transformace"]


@pytest.fixture()
def served_index(tmp_path):
    """A private index of the bundled content and a threaded server over it."""
    index_dir = tmp_path / "index"
    pipeline.build(CONTENT, index_dir, full=True)
    app = create_app({"content_dir": CONTENT, "index_dir": index_dir, "health_details": True})  # the generation
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield index_dir, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_searches_never_fail_while_a_full_rebuild_runs(served_index):
    index_dir, base = served_index
    stop = threading.Event()
    failures: list[str] = []
    done = [0] * 4

    def searcher(number: int) -> None:
        k = number
        while not stop.is_set():
            q = urllib.request.quote(QUERIES[k % len(QUERIES)])
            url = f"{base}/api/search?q={q}" if k % 3 else f"{base}/search?q={q}"
            k += 1
            try:
                status, body = fetch(url)
            except Exception as exc:  # a reset or timeout is a failed request too
                failures.append(f"{url}: {exc!r}")
                continue
            if status != 200:
                failures.append(f"{url}: {status}")
            elif "/api/" in url and json.loads(body)["total"] < 1:
                failures.append(f"{url}: no results")
            done[number] += 1

    threads = [threading.Thread(target=searcher, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    env = {**os.environ, "KB_CONTENT_DIR": str(CONTENT), "KB_INDEX_DIR": str(index_dir)}
    generations = set()
    try:
        for _ in range(3):
            before = sum(done)
            run = subprocess.run(
                [KB, "index", "--full"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                cwd=ROOT,
            )
            assert run.returncode == 0, run.stderr
            generations.add(storage.current_generation(index_dir))
            deadline = time.monotonic() + 10
            while sum(done) < before + 8 and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not failures, failures[:5]
    assert len(generations) == 3  # each rebuild was swapped in
    assert sum(done) > 30
    health = json.loads(fetch(f"{base}/healthz")[1])
    assert health["generation"] == storage.current_generation(index_dir).name


def _damage(index_dir: Path, how: str) -> None:
    generation = storage.current_generation(index_dir)
    files = sorted(p for p in generation.iterdir() if p.suffix in (".seg", ".toc"))
    if how == "truncate-segments":
        for path in files:
            if path.suffix == ".seg":
                with path.open("r+b") as handle:
                    handle.truncate(path.stat().st_size // 3)
    elif how == "delete-segments":
        for path in files:
            if path.suffix == ".seg":
                path.unlink()
    elif how == "garbage-toc":
        for path in files:
            if path.suffix == ".toc":
                path.write_bytes(b"\x00garbage" * 10)
    elif how == "dangling-current":
        shutil.rmtree(generation)
    elif how == "bad-meta":
        (generation / storage.META_FILE).write_text("{not json", "utf-8")


@pytest.mark.parametrize("how", ["truncate-segments", "delete-segments", "garbage-toc", "dangling-current", "bad-meta"])
def test_damaged_index_while_serving_is_503_with_a_maintenance_page(served_index, how):
    index_dir, base = served_index
    assert fetch(f"{base}/api/search?q=lakhat%C3%A1s")[0] == 200  # the shared searcher is open
    _damage(index_dir, how)
    health_status, health = fetch(f"{base}/healthz")
    assert health_status == 503, health
    assert json.loads(health)["status"] == "unavailable"
    for path in ("/", "/search?q=lakhat%C3%A1s", "/search?q=szeged", "/doc/hu/tl-protokoll"):
        status, body = fetch(base + path)
        assert status == 503, (path, status)
        assert b"Traceback" not in body and b"kb index" in body and str(index_dir).encode() not in body
    status, body = fetch(f"{base}/api/search?q=szeged")
    assert status == 503 and json.loads(body)["error"] == "index unavailable"
    pipeline.build(CONTENT, index_dir, full=True)  # repaired: serving again without a restart
    assert fetch(f"{base}/healthz")[0] == 200
    assert fetch(f"{base}/api/search?q=lakhat%C3%A1s")[0] == 200
