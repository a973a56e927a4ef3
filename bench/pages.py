"""Page benchmark: every page type a person opens, in-process and through gunicorn, plus builds.

For each ``--sizes`` (the realistic corpus of bench/generate.py), in one run so the ratios
are fair on a noisy machine:

* ``kb index --full`` (the console script, wall time) in docs/s, beside loading the same
  files into SQLite FTS5 (read, parse, insert, commit) in this process;
* the one-document update: ``kb index`` after appending a sentence to one file, process
  start included, 20 times in a row on different files (median, p95, max: the small
  segments are merged every few edits); the files are restored and re-indexed afterwards;
* p50/p95 of each page type (``/``, ``/doc/<id>``, ``/search?q=``, ``/browse``,
  ``/browse/type``, ``/recent``, ``/editors``, ``/feed.xml``, ``/api/suggest?q=``,
  ``/healthz``, ``/api/search?q=``), in-process through Flask's test client and through
  gunicorn (2 sync workers, 127.0.0.1 only), each after a warm-up with other documents
  and words; and the gunicorn workers' peak RSS.

    python bench/pages.py --sizes 10000                  # 35 min on a loaded 2-core machine (build 10, /editors ~20)
    python bench/pages.py --sizes 1000 10000 --requests 30

Writes markdown to stdout and to bench/pages-results.md. The index it builds is the one
bench/shapes.py reuses (bench/out/rindex-<size>).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import shapes  # noqa: E402

OUT = HERE / "out"
RESULTS = HERE / "pages-results.md"
SEED = 20261201
PAGES = (
    "/",
    "/doc/<id>",
    "/search?q=",
    "/browse",
    "/browse/type",
    "/recent",
    "/editors",
    "/feed.xml",
    "/api/suggest?q=",
    "/healthz",
    "/api/search?q=",
)


def _create_app(config: dict):
    """The Flask app factory, wherever the layout move has put it."""
    try:
        from kb.web import create_app
    except ImportError:
        from kb import create_app
    from kb.config import Config

    return create_app(Config.load(config))


def compact_dictionaries() -> None:
    """What a gunicorn worker does (kb/wsgi.py), so in-process figures compare."""
    try:
        from indexer.text.analysis import use_compact_dictionaries

        use_compact_dictionaries()
    except ImportError:
        pass


# -- what to request ----------------------------------------------------------------------


class Paths:
    """Concrete URLs per page type: random documents, words and prefixes of the corpus."""

    def __init__(self, docs: list[shapes.Doc], seed: int):
        self.rng = random.Random(seed)
        self.ids = [d.id for d in docs]
        maker = shapes.QueryMaker(docs, strict=False)
        self.words = [q.text for q in maker.queries(200, seed, shapes=("one word", "two words"))]

    def make(self, page: str) -> str:
        if page == "/doc/<id>":
            return f"/doc/{quote(self.rng.choice(self.ids))}"
        if page.endswith("?q="):
            word = self.rng.choice(self.words)
            if page == "/api/suggest?q=":
                word = word.split()[0][: max(3, len(word.split()[0]) - 3)]
            return page + quote(word)
        return page


# -- timing -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    return shapes.percentile(values, p)


def in_process(index: Path, content: Path, docs: list[shapes.Doc], requests: int, warmup: int) -> dict:
    compact_dictionaries()
    app = _create_app({"index_dir": index, "content_dir": content, "secret_key": "bench-" + "x" * 32})
    client = app.test_client()
    warm, measured = Paths(docs, SEED + 1), Paths(docs, SEED)
    times: dict[str, list[float]] = {}
    errors = 0
    for page in PAGES:
        for _ in range(warmup):
            client.get(warm.make(page))
        for _ in range(requests):
            path = measured.make(page)
            started = time.perf_counter()
            response = client.get(path)
            response.get_data()
            times.setdefault(page, []).append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    app.extensions["kb_search"].close()
    return {"times": times, "errors": errors}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def start_gunicorn(index: Path, content: Path, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "KB_INDEX_DIR": str(index),
        "KB_CONTENT_DIR": str(content),
        "KB_SECRET_KEY": "bench-not-secret-" + "x" * 32,
        "KB_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "kb.wsgi:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz") == 200:
                return proc, port
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        time.sleep(0.3)
    stop(proc)
    raise SystemExit(f"gunicorn did not answer; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_peak_rss(master: int) -> list[float]:
    """VmHWM (MB) of each child of the gunicorn master."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.M):
            found.append(int(re.search(r"^VmHWM:\s+(\d+)", text, re.M).group(1)) / 1024)
    return sorted(found)


def via_gunicorn(
    index: Path, content: Path, docs: list[shapes.Doc], requests: int, warmup: int, workers: int, size: int
) -> dict:
    proc, port = start_gunicorn(index, content, workers, OUT / f"pages-gunicorn-{size}.log")
    try:
        warm, measured = Paths(docs, SEED + 1), Paths(docs, SEED)
        times: dict[str, list[float]] = {}
        errors = 0
        for page in PAGES:
            for _ in range(warmup * workers):  # requests alternate between the workers
                get(port, warm.make(page))
            for _ in range(requests):
                path = measured.make(page)
                started = time.perf_counter()
                status = get(port, path)
                times.setdefault(page, []).append((time.perf_counter() - started) * 1000)
                errors += status != 200
        rss = worker_peak_rss(proc.pid)
    finally:
        stop(proc)
    return {"times": times, "errors": errors, "rss": rss}


# -- builds ---------------------------------------------------------------------------------------

UPDATES = 20  # one-document updates in a row (a merge of small segments every fifth or so)


def builds(size: int, content: Path, index: Path) -> dict:
    print(f"[{size}] kb index --full ...", file=sys.stderr, flush=True)
    import shutil

    shutil.rmtree(index, ignore_errors=True)
    full = shapes.kb_index(content, index, full=True)
    # The same stamp bench/shapes.py writes: this index is its cache.
    (index / ".bench-stamp").write_text((content / ".generated").read_text() + shapes.code_version() + "\n")
    print(f"[{size}] FTS5 load ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    shapes.Fts5.build(shapes.read_corpus(content), OUT / f"rfts-{size}.db").con.close()
    fts = time.perf_counter() - started
    (OUT / f"rfts-{size}.stamp").write_text((content / ".generated").read_text())
    print(f"[{size}] one-document updates ...", file=sys.stderr, flush=True)
    files = sorted(content.rglob("*.md"))
    victims = files[len(files) // 2 :: max(1, len(files) // (2 * UPDATES))][:UPDATES]
    originals = {victim: victim.read_bytes() for victim in victims}
    noop = shapes.kb_index(content, index, full=False)  # nothing changed: the floor
    updates = []
    try:
        # One edit after another, as an editor's commits come: every few, Whoosh merges the small segments.
        for victim in victims:
            victim.write_bytes(originals[victim] + "\n\nÚj bekezdés a frissítéshez, nová věta.\n".encode())
            updates.append(shapes.kb_index(content, index, full=False))
    finally:
        for victim, original in originals.items():
            victim.write_bytes(original)
    shapes.kb_index(content, index, full=False)
    return {"full_s": full, "fts_s": fts, "updates_s": updates, "noop_s": noop}


# -- report ---------------------------------------------------------------------------------------


def report(size: int, build: dict, local: dict, served: dict, requests: int) -> list[str]:
    lines = [
        f"### {size:,} documents",
        "",
        "| measure | kb | SQLite FTS5 | kb / FTS5 |",
        "|---|---:|---:|---:|",
        f"| full build, docs/s | {size / build['full_s']:.0f} ({build['full_s']:.1f} s, `kb index --full`) "
        f"| {size / build['fts_s']:.0f} ({build['fts_s']:.1f} s) | {build['full_s'] / build['fts_s']:.1f}× time |",
        f"| one-document update, s (process start included; {len(build['updates_s'])} in a row) "
        f"| median {statistics.median(build['updates_s']):.2f}, p95 {percentile(build['updates_s'], 95):.2f}, "
        f"max {max(build['updates_s']):.2f} (nothing changed: {build['noop_s']:.2f}) | | |",
        f"| gunicorn worker peak RSS, MB | {', '.join(f'{r:.0f}' for r in served['rss'])} | | |",
        "",
        "| page | in-process p50 | in-process p95 | gunicorn p50 | gunicorn p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        a, b = local["times"][page], served["times"][page]
        lines.append(
            f"| `{page}` | {statistics.median(a):.1f} | {percentile(a, 95):.1f} "
            f"| {statistics.median(b):.1f} | {percentile(b, 95):.1f} |"
        )
    lines += [
        "",
        f"{requests} requests per page type (ms); non-200 answers: in-process {local['errors']}, "
        f"gunicorn {served['errors']}.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page type")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up requests per page type (per worker)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines = [
        "# Pages (bench/pages.py)",
        "",
        f"{dt.date.today().isoformat()}, engine commit {shapes.code_version()[:12]}, {os.cpu_count()} cores; "
        f"realistic corpus (bench/generate.py); gunicorn {args.workers} sync workers on 127.0.0.1, "
        "one request at a time.",
    ]
    for size in args.sizes:
        content = generate.ensure(size, OUT / f"rcorpus-{size}")
        index = OUT / f"rindex-{size}"
        build = builds(size, content, index)
        docs = shapes.read_corpus(content)
        print(f"[{size}] pages in-process ...", file=sys.stderr, flush=True)
        local = in_process(index, content, docs, args.requests, args.warmup)
        print(f"[{size}] pages via gunicorn ...", file=sys.stderr, flush=True)
        served = via_gunicorn(index, content, docs, args.requests, args.warmup, args.workers, size)
        lines += [""] + report(size, build, local, served, args.requests)
    lines += ["", f"Run time {time.perf_counter() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
