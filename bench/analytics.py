"""What recording searches costs a search: ``/api/search`` latency with ``analytics.enabled`` on and
off, through Flask's test client, in-process, on a 10k-document index.

One process per round holds two apps over the index, one recording and one not, and sends each
query to both, in turn first (the machine is noisy, and a query's second run finds warm caches);
each runs bench's query set (/tmp/bench/queries.json: one word, two words,
unaccented, phrase, typos, filtered, page 3; the ``suggest`` shapes are left out, autocomplete
is not recorded) after a warm-up. "On" writes to a temporary folder, its thread flushing as it
would in a worker; the per-request figures include handing the search to that thread, and the
thread's own work (masking, the query's language, SQLite) slows both sides alike: the recording
call's own time is measured apart.

    python bench/analytics.py [--index /tmp/bench/access/index-after] [--rounds 5]

Writes a markdown table to stdout and to bench/analytics-results.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "analytics-results.md"

RUN = r"""
import json, sys, time
from urllib.parse import urlencode
from indexer.text.analysis import use_compact_dictionaries
use_compact_dictionaries()
from kb.web import create_app, recording
index, queries, folder = sys.argv[1], sys.argv[2], sys.argv[3]
clients = {
    side: create_app(
        {"index_dir": index, "testing": True, "analytics_enabled": side == "on", "analytics_path": folder}
    ).test_client()
    for side in ("on", "off")
}
from flask import current_app
spent = {"on": [], "off": []}  # the recording call's own share of each request
record = recording.record_search
def timed(*args, **kwargs):
    t = time.perf_counter()
    try:
        return record(*args, **kwargs)
    finally:
        side = "on" if "kb_analytics" in current_app.extensions else "off"
        spent[side].append((time.perf_counter() - t) * 1000)
recording.record_search = timed
qs = json.load(open(queries))
def url(q):
    args = {"q": q["text"], "page": q["page"]}
    if q["lang"]:
        args["lang"] = q["lang"]
    return "/api/search?" + urlencode(args)
wanted = lambda q: not q["shape"].startswith("prefix")
for q in filter(wanted, qs["warm"]):
    for client in clients.values():
        client.get(url(q))
spent = {"on": [], "off": []}
times = {"on": [], "off": []}
for n, q in enumerate(filter(wanted, qs["measured"])):
    for side in ("on", "off") if n % 2 else ("off", "on"):  # each side first half of the time
        t = time.perf_counter()
        answer = clients[side].get(url(q))
        times[side].append((time.perf_counter() - t) * 1000)
        assert answer.status_code == 200, answer.status_code
clients["on"].application.extensions["kb_analytics"].close()
print(json.dumps([times, spent]))
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="/tmp/bench/access/index-after")
    parser.add_argument("--queries", default="/tmp/bench/queries.json")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"on": [], "off": []}
    spent: dict[str, list[float]] = {"on": [], "off": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            out = subprocess.run(
                [sys.executable, "-c", RUN, args.index, args.queries, folder],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            answered, recorded = json.loads(out.stdout.strip().splitlines()[-1])
            for side in times:
                times[side] += answered[side]
            for side in spent:
                spent[side] += recorded[side]
            p95 = {side: percentile(answered[side], 95) for side in answered}
            print(f"round {round_ + 1}: p95 off {p95['off']:.2f} ms, on {p95['on']:.2f} ms", file=sys.stderr)
        stored = sum(1 for _ in Path(folder).glob("searches-*.sqlite"))
    lines = [
        "| recording | searches | p50 ms | p95 ms | mean ms | recording call p50 / p95 / max ms |",
        "|---|---|---|---|---|---|",
    ]
    for side in ("off", "on"):
        values, own = times[side], spent[side]
        lines.append(
            f"| {side} | {len(values)} | {percentile(values, 50):.2f} | {percentile(values, 95):.2f} "
            f"| {statistics.fmean(values):.2f} | {percentile(own, 50):.3f} / {percentile(own, 95):.3f} "
            f"/ {max(own):.3f} |"
        )
    paired = [on - off for on, off in zip(times["on"], times["off"], strict=True)]
    delta = percentile(times["on"], 95) - percentile(times["off"], 95)
    lines += [
        "",
        f"p95 on - off: {delta:+.2f} ms; the same query on - off: median {statistics.median(paired):+.3f} ms, "
        f"mean {statistics.fmean(paired):+.3f} ms ({stored} store file(s) written)",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(f"# Search analytics: cost per search (`python bench/analytics.py`)\n\n{text}\n", "utf-8")


if __name__ == "__main__":
    main()
