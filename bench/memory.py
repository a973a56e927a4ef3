"""A worker's memory over index generations, in one process: Python objects or the allocator?

Why: the soak showed gunicorn workers' RSS growing a third in five minutes with two
full re-indexes (issue 16). RSS alone cannot tell a leak (objects that stay reachable:
a cache that is never bounded, an old generation's searcher kept alive) from caches
filling up or from glibc keeping freed memory it cannot return (fragmentation). This
runs the site the way a gunicorn worker does (``kb.wsgi:app``, Flask's test client, no
threads) over every page type, and between rounds runs ``kb index`` (incremental,
then ``--full`` every ``--full-every`` rounds) in a subprocess, so every swap the
workers see happens here too. After each round it prints:

- RSS (``/proc/self/status``) and open file descriptors;
- Python's allocated blocks (``sys.getallocatedblocks``) and gc-tracked objects, which
  grow only if Python objects do;
- glibc's ``mallinfo2``: bytes in use by malloc and bytes free inside its heap and arenas
  (RSS that is free-but-kept is fragmentation, not a leak);
- live Whoosh searchers and segment readers (an old generation kept alive would show).

With ``--trim``, ``malloc_trim(0)`` runs after each swap and the RSS it gave back is shown.

    python bench/memory.py --size 1000 --rounds 8 --requests 400
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from production import make_queries  # noqa: E402
from soak import page_paths, query_shapes  # noqa: E402

OUT = HERE / "out"
KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks")
        + ("uordblks", "fordblks", "keepcost")
    ]


_libc = ctypes.CDLL("libc.so.6")
_libc.mallinfo2.restype = MallInfo2


def rss_mb(kind: str = "VmRSS") -> float:
    """``VmRSS``, or its parts ``RssAnon`` (heap, arenas) and ``RssFile`` (mapped files: the index, libraries)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def live(type_names: tuple[str, ...]) -> dict[str, int]:
    counts = dict.fromkeys(type_names, 0)
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
    return counts


def reading(label: str, trimmed: float | None = None) -> str:
    gc.collect()
    info = _libc.mallinfo2()
    objects = live(("Searcher", "SegmentReader", "MultiReader", "Vocabulary", "PostingsCache"))
    cells = [
        label,
        f"{rss_mb():.0f}",
        f"{rss_mb('RssAnon'):.0f}",
        f"{rss_mb('RssFile'):.0f}",
        f"{len(os.listdir('/proc/self/fd'))}",
        f"{sys.getallocatedblocks() / 1e6:.2f}",
        f"{len(gc.get_objects()) / 1e6:.2f}",
        f"{info.uordblks / 2**20:.0f}",
        f"{(info.fordblks) / 2**20:.0f}",
        f"{info.hblkhd / 2**20:.0f}",
        " ".join(f"{k} {v}" for k, v in objects.items()),
        f"{trimmed:.0f}" if trimmed is not None else "",
    ]
    return "| " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--full-every", type=int, default=2, help="a full rebuild every N rounds")
    parser.add_argument("--trim", action="store_true", help="malloc_trim(0) after each swap")
    args = parser.parse_args(argv)

    place = OUT / f"memory-{args.size}"
    shutil.rmtree(place, ignore_errors=True)
    content = Path(shutil.copytree(generate.ensure(args.size, OUT / f"corpus-{args.size}"), place / "content"))
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(place / "index")}
    env.update(KB_SECRET_KEY="memory-" + os.urandom(16).hex(), KB_LOG_LEVEL="WARNING")
    subprocess.run([KB, "index", "--full"], env=env, check=True, capture_output=True)
    os.environ.update(env)
    from kb.wsgi import app  # after the environment is set: it reads it at import

    client = app.test_client()
    rng = random.Random(16)
    doc_ids = sorted(p.relative_to(content).with_suffix("").as_posix() for p in content.rglob("*.md"))
    words = [w for q in make_queries(60) for w in q.split()]
    paths = page_paths(doc_ids, query_shapes(words, rng), rng)
    files = sorted(content.rglob("*.md"))
    print(
        "| after | RSS MB | anon MB | file MB | fds | Python blocks M | gc objects M | malloc in use MB "
        "| malloc free MB | mmap MB | live objects | RSS after trim MB |"
    )
    print("|---" * 12 + "|")
    print(reading("start"), flush=True)
    k = 0
    for number in range(1, args.rounds + 1):
        started = time.perf_counter()
        for _ in range(args.requests):
            page, path = paths[k % len(paths)]
            k += 1
            status = client.get(path, headers={"Accept-Language": rng.choice(["hu", "cs", "en"])}).status_code
            if status not in (200, 304):
                print(f"{status} {path}", file=sys.stderr)
        took = time.perf_counter() - started
        print(reading(f"round {number}: {args.requests} requests ({took:.0f} s)"), flush=True)
        for path in rng.sample(files, 5):
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\nMemory round {number}.\n")
        full = number % args.full_every == 0
        subprocess.run([KB, "index", *(["--full"] if full else [])], env=env, check=True, capture_output=True)
        client.get("/healthz")  # the service opens the new commit or generation and lets the old one go
        trimmed = None
        if args.trim:
            gc.collect()
            _libc.malloc_trim(0)
            trimmed = rss_mb()
        print(reading(f"{'full' if full else 'incremental'} re-index {number}", trimmed), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
