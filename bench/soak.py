"""Soak run: gunicorn's workers under a mixed load for minutes while the index is rebuilt beside them.

Why: nothing measured a worker over time (issue 16): memory growth, file handles left
open by old index generations, errors while a generation is swapped. This starts
``gunicorn -w 2 'kb.wsgi:app'`` over a generated corpus, runs a bounded load of its
own (threads and http.client, on 127.0.0.1 only, stops by itself) over every page
type and several query shapes, and every ``--reindex-every`` seconds touches a few
files and runs ``kb index`` (incremental), then ``kb index --full``. It reports
requests, errors and p95 per page, and each worker's RSS and open files (from
/proc) after a warm-up and at the end.

    python bench/soak.py --size 2000 --minutes 5          # the shared-machine run
    python bench/soak.py --size 10000 --minutes 15        # the issue's run
    python bench/soak.py --size 2000 --minutes 10 --sample-every 15   # and the RSS curve, every 15 s
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from production import free_port, make_queries, percentile  # noqa: E402
from slowclients import wait_serving  # noqa: E402

OUT = HERE / "out"
KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
HOST = "127.0.0.1"  # loopback only
MAX_REQUESTS = 2_000_000  # a bound besides the clock


def query_shapes(words: list[str], rng: random.Random) -> list[str]:
    """What people type: one or two words, unaccented, a phrase, a typo, odd characters, nothing, too much."""
    shapes = []
    for word in words:
        shapes += [
            word,
            f"{word} {rng.choice(words)}",
            generate_fold(word),
            f'"{word} {rng.choice(words)}"',
            word[:-1] + "x" if len(word) > 4 else word + "x",
            f"{word}*",
            f"-{word} ({rng.choice(words)}",
        ]
    shapes += ["", "zzqxwv", "a" * 600, "&<script>", "ő ű č ř"]
    return shapes


def generate_fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def page_paths(doc_ids: list[str], queries: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """(page type, path) pairs covering every page type, searches weighted the most."""
    q = lambda: urllib.parse.quote(rng.choice(queries))  # noqa: E731
    filters = ["", "&lang=hu", "&lang=cs&type=protocol", "&year=2019", "&page=2", "&tag=metodika"]
    paths = []
    for _ in range(400):
        doc = urllib.parse.quote(rng.choice(doc_ids))
        paths += [
            ("/", "/"),
            ("/search", f"/search?q={q()}{rng.choice(filters)}"),
            ("/search", f"/search?q={q()}"),
            ("/doc/<id>", f"/doc/{doc}"),
            ("/browse", "/browse"),
            ("/browse/type", f"/browse/{rng.choice(['type', 'topic', 'language', 'organisation', 'region', 'year'])}"),
            ("/recent", "/recent"),
            ("/editors", "/editors"),
            ("/feed.xml", rng.choice(["/feed.xml", "/feed/hu.xml", "/feed/cs.xml"])),
            ("/api/search", f"/api/search?q={q()}{rng.choice(filters)}&limit=10"),
            ("/api/search", f"/api/search?q={q()}"),
            ("/api/suggest", f"/api/suggest?q={urllib.parse.quote(rng.choice(queries)[:4])}"),
            ("/healthz", "/healthz"),
        ]
    rng.shuffle(paths)
    return paths


class Load:
    """Threads that each keep one connection and request paths until told to stop."""

    def __init__(self, port: int, paths: list[tuple[str, str]], threads: int):
        self.port, self.paths, self.threads = port, paths, threads
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.count = 0

    def run(self, number: int) -> None:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        k = number * 97
        while not self.stop.is_set() and self.count < MAX_REQUESTS:
            page, path = self.paths[k % len(self.paths)]
            k += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Language": random.choice(["hu", "cs", "en"])})
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException) as exc:
                status = f"{exc.__class__.__name__}"
                conn.close()
                conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.count += 1
                self.latency[page].append(elapsed)
                if status not in (200, 304):
                    self.errors[page].append(f"{status} {path[:80]}")
        conn.close()

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.run, args=(n,), daemon=True) for n in range(self.threads)]
        for thread in threads:
            thread.start()
        return threads


def workers_of(master: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(rf"^PPid:\s+{master}$", status.read_text(), re.M):
                found.append(int(status.parent.name))
        except OSError:
            continue
    return sorted(found)


def worker_state(pid: int) -> dict:
    """VmRSS (MB) and the number of open file descriptors of one process."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return {"rss_mb": float("nan"), "fds": -1}
    return {"rss_mb": int(re.search(r"^VmRSS:\s+(\d+)", text, re.M).group(1)) / 1024, "fds": fds}


def run_kb(*args: str, env: dict) -> tuple[float, str, int]:
    started = time.perf_counter()
    done = subprocess.run([KB, *args], capture_output=True, text=True, env=env, timeout=1800)
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return time.perf_counter() - started, last, done.returncode


def reindexer(content: Path, env: dict, every: float, stop: threading.Event, log: list[dict]) -> None:
    """Every ``every`` seconds: touch 5 files and run ``kb index``, then ``kb index --full``."""
    files = sorted(content.rglob("*.md"))
    rng = random.Random(16)
    round_ = 0
    while not stop.wait(every):
        round_ += 1
        for path in rng.sample(files, 5):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\nSoak round {round_}.\n")
        for mode in ("incremental", "full"):
            if stop.is_set():
                return
            seconds, line, code = run_kb("index", *(["--full"] if mode == "full" else []), env=env)
            log.append({"mode": mode, "seconds": seconds, "line": line, "code": code, "at": time.monotonic()})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4, help="load threads (connections)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--reindex-every", type=float, default=60.0, help="seconds between re-index rounds")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of load before the first reading")
    parser.add_argument("--sample-every", type=float, default=0, help="seconds between RSS/open-file samples")
    parser.add_argument("--corpus", type=Path, help="a generated corpus to copy (default: generate one)")
    args = parser.parse_args(argv)

    place = OUT / f"soak-{args.size}"
    corpus = args.corpus or generate.ensure(args.size, OUT / f"corpus-{args.size}")
    shutil.rmtree(place, ignore_errors=True)
    content = Path(shutil.copytree(corpus, place / "content"))  # the soak edits its own copy
    index = place / "index"
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content),
        "KB_INDEX_DIR": str(index),
        "KB_SECRET_KEY": "soak-" + os.urandom(16).hex(),
        "KB_LOG_LEVEL": "WARNING",
    }
    seconds, line, code = run_kb("index", "--full", env=env)
    print(f"initial full build: {seconds:.0f} s, {line}", file=sys.stderr, flush=True)
    if code not in (0, 2):
        raise SystemExit(f"kb index failed ({code})")

    port = free_port()
    log = (place / "gunicorn.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"{HOST}:{port}", "kb.wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_serving(port, server)
        rng = random.Random(16)
        doc_ids = sorted(p.relative_to(content).with_suffix("").as_posix() for p in content.rglob("*.md"))
        words = [w for q in make_queries(60) for w in q.split()]
        paths = page_paths(doc_ids, query_shapes(words, rng), rng)
        load = Load(port, paths, args.threads)
        threads = load.start()
        time.sleep(args.warmup)
        pids = workers_of(server.pid)
        before = {pid: worker_state(pid) for pid in pids}
        print(f"warm after {load.count} requests: {before}", file=sys.stderr, flush=True)
        stop_reindex = threading.Event()
        runs: list[dict] = []
        reindex = threading.Thread(
            target=reindexer, args=(content, env, args.reindex_every, stop_reindex, runs), daemon=True
        )
        reindex.start()
        started = time.monotonic()
        end = started + args.minutes * 60
        seen = set(pids)
        samples: list[tuple[float, int, dict]] = [(0.0, load.count, before)]
        next_sample = started + args.sample_every
        while time.monotonic() < end and load.count < MAX_REQUESTS:
            time.sleep(min(5, args.sample_every or 5))
            seen.update(workers_of(server.pid))
            if args.sample_every and time.monotonic() >= next_sample:
                next_sample += args.sample_every
                now = {pid: worker_state(pid) for pid in workers_of(server.pid)}
                samples.append((time.monotonic() - started, load.count, now))
        stop_reindex.set()
        reindex.join(timeout=1800)
        time.sleep(2)  # requests after the last swap
        load.stop.set()
        for thread in threads:
            thread.join(timeout=90)
        elapsed = time.monotonic() - started + args.warmup
        survivors = workers_of(server.pid)
        after = {pid: worker_state(pid) for pid in survivors}
        seen.update(survivors)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    timeouts = (place / "gunicorn.log").read_text(errors="replace").count("WORKER TIMEOUT")
    print(report(args, load, runs, before, after, len(seen) - len(pids), timeouts, elapsed))
    if args.sample_every:
        print(curve(samples, runs, started))
    return 0


def curve(samples: list[tuple[float, int, dict]], runs: list[dict], started: float) -> str:
    """One row per sample: each worker's RSS and open files, and the re-indexes finished by then."""
    pids = sorted({pid for _, _, state in samples for pid in state})
    lines = [
        "| s | requests | " + " | ".join(f"{pid} RSS MB / files" for pid in pids) + " | re-indexes done |",
        "|---" * (len(pids) + 3) + "|",
    ]
    for at, count, state in samples:
        done = [r["mode"][0] for r in runs if r["at"] - started <= at]
        cells = [f"{state[pid]['rss_mb']:.0f} / {state[pid]['fds']}" if pid in state else "" for pid in pids]
        lines.append(f"| {at:.0f} | {count:,} | " + " | ".join(cells) + f" | {''.join(done) or '-'} |")
    return "\n".join(lines)


def report(args, load: Load, runs, before, after, replaced: int, timeouts: int, elapsed: float) -> str:
    total = sum(len(v) for v in load.latency.values())
    errors = sum(len(v) for v in load.errors.values())
    lines = [
        f"{args.size:,} documents, {args.minutes:g} min of load after {args.warmup:g} s warm-up, "
        f"{args.threads} client threads, gunicorn -w {args.workers} (sync), {os.cpu_count()} cores.",
        "",
        f"**{total:,} requests ({total / elapsed:.0f}/s), {errors} errors.**",
        "",
        "| page | requests | errors | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
    ]
    for page in sorted(load.latency):
        values = load.latency[page]
        lines.append(
            f"| `{page}` | {len(values):,} | {len(load.errors.get(page, []))} | {percentile(values, 50):.1f} "
            f"| {percentile(values, 95):.1f} | {max(values):.0f} |"
        )
    lines += ["", "| worker | RSS after warm-up MB | RSS at end MB | growth | open files after warm-up | at end |"]
    lines += ["|---|---|---|---|---|---|"]
    for pid in sorted(set(before) | set(after)):
        start, end = before.get(pid), after.get(pid)
        if start and end:
            growth = (end["rss_mb"] - start["rss_mb"]) / start["rss_mb"] * 100
            lines.append(
                f"| {pid} | {start['rss_mb']:.0f} | {end['rss_mb']:.0f} | {growth:+.1f} % "
                f"| {start['fds']} | {end['fds']} |"
            )
        elif start:
            lines.append(f"| {pid} | {start['rss_mb']:.0f} | (replaced) | | {start['fds']} | |")
        else:
            lines.append(f"| {pid} (a replacement) | | {end['rss_mb']:.0f} | | | {end['fds']} |")
    lines += ["", f"Workers replaced during the run: {replaced} (gunicorn log: {timeouts} WORKER TIMEOUT)."]
    for mode in ("incremental", "full"):
        done = [r for r in runs if r["mode"] == mode]
        if done:
            times = ", ".join(f"{r['seconds']:.0f}" for r in done)
            failed = sum(r["code"] not in (0, 2) for r in done)
            lines.append(f"`kb index` {mode}: {len(done)} runs ({times} s), {failed} failed; last: {done[-1]['line']}")
    for page, errs in sorted(load.errors.items()):
        lines.append(f"errors on {page}: {errs[:5]}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
