"""What filtering by reader costs: search and autocomplete latency before access control, and
after it for an anonymous reader and a signed-in one, on the same corpus, in one run.

The corpus is bench/generate.py's (a realistic vocabulary), copied with every 10th document
made internal (``access: [staff]``), every 25th for partners and every 50th a draft. Three
sides, each in a fresh process per round, the rounds interleaved (the machine is noisy):

* ``before``: the code before access control (a checkout given with ``--before``), which
  indexes every document as public;
* ``anonymous``: this code, a reader in no group (drafts and both groups' documents hidden);
* ``staff``: this code, a reader in ``staff``.

Each side runs the same queries (bench/shapes.py's shapes: one word, two words, unaccented,
phrase, typos, question, filtered, page 3, prefix and ``suggest``), after a warm-up with other
queries of the same shapes.

    python bench/access.py --corpus /tmp/bench/corpus-10000 --before /work/pre31 --rounds 5

Writes a markdown table to stdout and to bench/access-results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "access-results.md"

RUN = r"""
import json, sys, time
from indexer.text.analysis import use_compact_dictionaries
use_compact_dictionaries()
from kb.search import SearchService
index, queries, groups = sys.argv[1], sys.argv[2], sys.argv[3]
svc = SearchService(index)
extra = {}
if groups != "-":
    from kb.search.audience import Audience
    extra["audience"] = Audience.of(groups.split(",")) if groups else Audience()
qs = json.load(open(queries))
def one(q):
    if q["shape"] == "prefix: suggest":
        svc.suggest(q["text"], **extra)
        return
    svc.search(q["text"], lang=q["lang"], page=q["page"], limit=10, **extra)
for q in qs["warm"]:
    one(q)
out = {}
started = time.process_time()
for q in qs["measured"]:
    t = time.perf_counter()
    one(q)
    out.setdefault(q["shape"], []).append((time.perf_counter() - t) * 1000)
out["_cpu"] = [time.process_time() - started]
print(json.dumps(out))
"""


def restricted_copy(corpus: Path, target: Path) -> dict[str, int]:
    """The corpus with some documents made internal, for partners, or drafts; counts of each."""
    if target.exists():
        shutil.rmtree(target)
    counts = {"public": 0, "staff": 0, "partners": 0, "draft": 0}
    for n, path in enumerate(sorted(corpus.rglob("*.md"))):
        text = path.read_text("utf-8")
        kind = "draft" if n % 50 == 0 else "partners" if n % 25 == 0 else "staff" if n % 10 == 0 else "public"
        line = {"draft": "draft: true\n", "partners": "access: [partners]\n", "staff": "access: [staff]\n"}.get(kind)
        if line:
            text = re.sub(r"\A---\n", "---\n" + line, text, count=1)
        counts[kind] += 1
        out = target / path.relative_to(corpus)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
    return counts


def run(checkout: Path, args: list[str], cache: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(checkout), KB_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, *args], cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a bench/generate.py corpus")
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the code before access control")
    parser.add_argument("--queries", type=Path, help="queries JSON ({measured, warm}); default: made with shapes.py")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "access")
    parser.add_argument("--reuse", action="store_true", help="keep the corpus copy and indexes of an earlier run")
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    if args.reuse and (work / "corpus").is_dir():
        counts = json.loads((work / "counts.json").read_text())
    else:
        counts = restricted_copy(args.corpus, work / "corpus")
        (work / "counts.json").write_text(json.dumps(counts))
    print("corpus:", counts, flush=True)
    queries = args.queries or work / "queries.json"
    if not queries.exists():
        sys.path.insert(0, str(HERE))
        import shapes

        maker = shapes.QueryMaker(shapes.read_corpus(work / "corpus"), strict=False)

        def plain(found):
            return [{"shape": q.shape, "text": q.text, "lang": q.filter_lang, "page": q.page} for q in found]

        queries.write_text(
            json.dumps({"measured": plain(maker.queries(40, 20261208)), "warm": plain(maker.queries(4, 7))})
        )
    for side, checkout in (("before", args.before), ("after", ROOT)):
        index = work / f"index-{side}"
        if args.reuse and index.is_dir():
            continue
        print(f"building {side} ...", flush=True)
        run(
            checkout,
            [
                "-c",
                "from kb.cli import main; main()",
                "index",
                "--full",
                "--content",
                str(work / "corpus"),
                "--index",
                str(index),
            ],
            work / f"cache-{side}",
        )
    (work / "run.py").write_text(RUN)
    sides = {
        "before": (args.before, work / "index-before", "-"),
        "anonymous": (ROOT, work / "index-after", ""),
        "staff": (ROOT, work / "index-after", "staff"),
    }
    found: dict[str, dict[str, list[float]]] = {side: {} for side in sides}
    for r in range(args.rounds):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for side in order:
            checkout, index, groups = sides[side]
            cache = work / ("cache-before" if side == "before" else "cache-after")
            out = run(checkout, [str(work / "run.py"), str(index), str(queries), groups], cache)
            for shape, times in json.loads(out.strip().splitlines()[-1]).items():
                found[side].setdefault(shape, []).extend(times)
            print(r, side, "done", flush=True)
    report(found, counts, args.rounds)


def report(found: dict, counts: dict, rounds: int) -> None:
    lines = [
        f"Corpus: {sum(counts.values())} documents ({counts}); {rounds} rounds, sides interleaved.",
        "",
        "| shape | before p50 | before p95 | anonymous p50 | anonymous p95 | staff p50 | staff p95 "
        "| anon/before p95 | staff/before p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for shape in sorted(found["before"]):
        b, a, s = (found[side][shape] for side in ("before", "anonymous", "staff"))
        if shape == "_cpu":
            mb, ma, ms = (statistics.median(v) for v in (b, a, s))
            lines.append(
                f"| query CPU s per round (median) | {mb:.2f} | | {ma:.2f} | | {ms:.2f} | "
                f"| {ma / mb:.2f} | {ms / mb:.2f} |"
            )
            continue
        cells = [percentile(v, p) for v in (b, a, s) for p in (50, 95)]
        lines.append(
            f"| {shape} | "
            + " | ".join(f"{c:.1f}" for c in cells)
            + f" | {cells[3] / cells[1]:.2f} | {cells[5] / cells[1]:.2f} |"
        )
    every = {side: [t for shape, v in found[side].items() if shape != "_cpu" for t in v] for side in found}
    pb, pa, ps = (percentile(every[side], 95) for side in ("before", "anonymous", "staff"))
    lines.append(
        f"| **all queries** | {percentile(every['before'], 50):.1f} | {pb:.1f} | "
        f"{percentile(every['anonymous'], 50):.1f} | {pa:.1f} | {percentile(every['staff'], 50):.1f} | {ps:.1f} "
        f"| {pa / pb:.2f} | {ps / pb:.2f} |"
    )
    text = "\n".join(lines)
    print(text)
    RESULTS.write_text(text + "\n", "utf-8")


if __name__ == "__main__":
    main()
