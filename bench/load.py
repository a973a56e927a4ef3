"""Load run: wrk against gunicorn on 127.0.0.1, reporting requests/s and the error rate.

Needs Debian's ``wrk`` (``apt-get install wrk``) and an index built by
bench/production.py (default: the 10k corpus). Bounded: one run of ``--seconds``
with ``--connections`` connections, then the server is stopped.

    python bench/load.py --index bench/out/index-10000 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import production  # noqa: E402

LUA = """
local queries = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?q=" .. queries[(i %% #queries) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("KBSTATS {\\"requests\\": %%d, \\"non2xx\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, "
    .. "\\"timeout\\": %%d, \\"p50\\": %%f, \\"p95\\": %%f}\\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=HERE / "out" / "index-10000")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if not (args.index / "current").exists():
        raise SystemExit(f"no index in {args.index}: run bench/production.py first")
    from urllib.parse import quote

    queries = production.make_queries(args.queries)
    script = HERE / "out" / "load.lua"
    script.write_text(LUA % ", ".join(json.dumps(quote(q)) for q in queries), "utf-8")
    proc, port = production.start_gunicorn(args.index, args.workers, HERE / "out" / "gunicorn-load.log")
    try:
        run = subprocess.run(
            [
                "wrk",
                "-t",
                "2",
                "-c",
                str(args.connections),
                "-d",
                f"{args.seconds}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=args.seconds + 60,
        )
        workers = production.worker_memory(proc.pid)
    finally:
        production.stop(proc)
    stats = json.loads(re.search(r"KBSTATS (\{.*\})", run.stdout).group(1))
    errors = stats["non2xx"] + stats["connect"] + stats["read"] + stats["timeout"]
    rate = stats["requests"] / args.seconds
    memory = ", ".join(str(round(w["peak_rss_mb"])) for w in workers)
    segments = sum(1 for _ in (args.index / "current").resolve().glob("*.seg"))
    text = (
        f"wrk, {args.seconds} s, {args.connections} connections, 2 threads, against gunicorn with {args.workers} "
        f"sync workers on 127.0.0.1 over `{args.index.name}` ({segments} segment files); {len(queries)} rotating "
        f"`/api/search` queries (bench/production.py's), wrk and the server on the same 2 cores.\n\n"
        f"| requests | requests/s | errors | error rate | latency p50 / p95 ms | worker peak RSS MB |\n"
        f"|---:|---:|---:|---:|---:|---|\n"
        f"| {stats['requests']} | {rate:.1f} | {errors} | {errors / max(1, stats['requests']):.2%} "
        f"| {stats['p50']:.1f} / {stats['p95']:.1f} | {memory} |"
    )
    print(run.stdout)
    print(text)
    if not args.no_write:
        section = f"<!-- load:start -->\n## Load run (bench/load.py)\n\n{text}\n<!-- load:end -->"
        old = production.RESULTS.read_text("utf-8") if production.RESULTS.exists() else "# Benchmark results\n"
        if "<!-- load:start -->" in old:
            old = old[: old.index("<!-- load:start -->")] + section + old[old.index("<!-- load:end -->") + 17 :]
        else:
            old = old.rstrip() + "\n\n" + section + "\n"
        production.RESULTS.write_text(old, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
