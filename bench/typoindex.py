"""The typo index of one built index: its memory, its build time at open, and typo look-up latency.

Why: the typo index (``kb/search/typos.py``) was most of a worker's memory at 50k
(issue 13). This opens ``SearchService(index)`` in a fresh process the way a worker
does and prints, as one markdown row:

- the vocabularies the service holds, their words and ``Vocabulary.nbytes``;
- RSS (and its anonymous part) with the searcher open, then after the typo index is built,
  the peak (``VmHWM``), and how long building it took;
- ``typos.candidates`` latency (p50, p95, mean) over ``--words`` mistyped words drawn
  (seeded) from the index's own words: one deletion, transposition or substitution,
  a second one from 9 letters; ``typos.completions`` latency over their first 3 letters;
  ``SearchService.search`` latency (no snippets) over ``--searches`` pairs of them.

The index is only read. ``--rebuild-group N`` also times building one vocabulary over
all segments but the N-th (what a merge of that segment costs when groups are kept).
``--update CONTENT`` writes: it appends a sentence to one document of ``CONTENT`` (the
index's corpus), runs ``kb index`` and times the typo index's part of the first search
after it; give it copies of the index and the corpus.

    python bench/typoindex.py --index bench/out/rindex-10000 --words 300
    python bench/typoindex.py --index /tmp/rindex-10000 --update /tmp/rcorpus-10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from indexer.text.analysis import use_compact_dictionaries  # noqa: E402
from kb.search import SearchService, typos  # noqa: E402


def rss_mb(kind: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def mistyped(word: str, rng: random.Random) -> str:
    for _ in range(1 + (len(word) >= 9)):
        i = rng.randrange(len(word) - 1)
        kind = rng.choice("dts")
        if kind == "d":
            word = word[:i] + word[i + 1 :]
        elif kind == "t":
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            word = word[:i] + rng.choice("aeiostnlkmr") + word[i + 1 :]
    return word


def timed(calls) -> tuple[float, float, float]:
    took = []
    for call in calls:
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.95)], statistics.fmean(took)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--searches", type=int, default=60, help="SearchService.search of two mistyped words")
    parser.add_argument("--rebuild-group", type=int, default=None, help="time a vocabulary of all segments but this")
    parser.add_argument("--update", type=Path, default=None, help="the index's corpus: edit a document, kb index")
    args = parser.parse_args(argv)

    use_compact_dictionaries()  # as a gunicorn worker does (kb/wsgi.py)
    service = SearchService(args.index)
    with service.reading() as searcher:
        segments = len(searcher.ixreader.leaf_readers())
    before, anon_before = rss_mb(), rss_mb("RssAnon")
    started = time.perf_counter()
    service.open()
    build = time.perf_counter() - started
    after, anon_after, peak = rss_mb(), rss_mb("RssAnon"), rss_mb("VmHWM")
    with service.reading():
        vocabularies = service._vocabularies()
    nbytes = sum(v.nbytes for v in vocabularies)
    held = sum(len(v) for v in vocabularies)

    rng = random.Random(args.seed)
    words = sorted({v.word(i) for v in vocabularies for i in range(len(v))})
    distinct = len(words)
    queries = [mistyped(w, rng) for w in rng.sample([w for w in words if len(w) >= 5], args.words)]
    del words
    with service.reading():
        for word in queries[:20]:  # warm-up
            typos.candidates(vocabularies, word)
        near = timed(lambda w=w: typos.candidates(vocabularies, w) for w in queries)
        complete = timed(lambda w=w: typos.completions(vocabularies, typos.fold(w[:3]), 8) for w in queries)
    found = sum(bool(typos.candidates(vocabularies, w)) for w in queries)
    pairs = [f"{a} {b}" for a, b in zip(queries[: args.searches], queries[1:], strict=False)]
    for text in pairs[:5]:  # warm-up
        service.search(text, snippets=False)
    searched = timed(lambda t=t: service.search(t, snippets=False) for t in pairs)

    print(
        "| index | segments | vocabularies | words held | distinct | nbytes MB | RSS open MB (anon) "
        "| RSS with typo index MB (anon) | peak RSS MB | build s | candidates p50 / p95 / mean ms "
        "| completions p50 / p95 ms | queries with a candidate | searches of two mistyped words p50 / p95 ms |"
    )
    print("|---" * 14 + "|")
    print(
        f"| {args.index.name} | {segments} | {len(vocabularies)} | {held:,} | {distinct:,} | {nbytes / 2**20:.1f} "
        f"| {before:.0f} ({anon_before:.0f}) | {after:.0f} ({anon_after:.0f}) | {peak:.0f} | {build:.2f} "
        f"| {near[0]:.2f} / {near[1]:.2f} / {near[2]:.2f} | {complete[0]:.2f} / {complete[1]:.2f} "
        f"| {found} of {len(queries)} | {searched[0]:.1f} / {searched[1]:.1f} |"
    )
    if args.rebuild_group is not None:
        with service.reading() as searcher:
            leaves = [leaf for leaf, _ in searcher.ixreader.leaf_readers()]
            rest = [leaf for i, leaf in enumerate(leaves) if i != args.rebuild_group]
            started = time.perf_counter()
            vocabulary = typos.vocabulary_of(rest)
            took = time.perf_counter() - started
            print(f"a vocabulary of {len(rest)} segments ({len(vocabulary):,} words): {took:.2f} s")
    if args.update is not None:
        page = sorted((args.update / "hu").rglob("*.md"))[0]
        page.write_text(page.read_text("utf-8") + "\nKvarkonyvtarozas.\n", "utf-8")
        kb = [sys.executable, "-c", "from kb.cli import main; main()", "index", "--content", str(args.update)]
        subprocess.run([*kb, "--index", str(args.index)], check=True, capture_output=True)
        with service.reading():
            started = time.perf_counter()
            vocabularies = service._vocabularies()
            took = time.perf_counter() - started
        sizes = ", ".join(f"{len(group)} segments {len(v):,} words" for group, v in service._typo_index.items())
        print(f"after a one-document update: the typo index took {took * 1000:.0f} ms; groups: {sizes}")
    service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
