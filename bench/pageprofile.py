"""Time (and profile) page types in-process on an existing index, as bench/pages.py requests them.

A quick loop for one change: no build, no gunicorn. The app is made as bench/pages.py
makes it (compact dictionaries, as a gunicorn worker) and the URLs come from its
``Paths`` (random documents, one- and two-word queries of the corpus).

    python bench/pageprofile.py --index bench/out/rindex-10000 --content bench/out/rcorpus-10000 \\
        --pages "/recent,/feed.xml,/search?q=" --requests 20
    python bench/pageprofile.py ... --pages "/search?q=" --profile    # cProfile of the measured views

Pages that share the query pool (``/search?q=``, ``/api/search?q=``) warm each other's
postings: the one listed second meets words the first one read.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pages  # noqa: E402
import shapes  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--content", type=Path, required=True)
    parser.add_argument("--pages", default=",".join(pages.PAGES), help="comma-separated page types")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the measured views")
    args = parser.parse_args(argv)
    pages.compact_dictionaries()
    app = pages._create_app({"index_dir": args.index, "content_dir": args.content, "secret_key": "bench-" + "x" * 32})
    client = app.test_client()
    docs = shapes.read_corpus(args.content)
    warm, measured = pages.Paths(docs, pages.SEED + 1), pages.Paths(docs, pages.SEED)
    for page in args.pages.split(","):
        for _ in range(args.warmup):
            client.get(warm.make(page)).get_data()
        profile = cProfile.Profile() if args.profile else None
        times = []
        for _ in range(args.requests):
            path = measured.make(page)
            started = time.perf_counter()
            if profile:
                profile.enable()
            response = client.get(path)
            response.get_data()
            if profile:
                profile.disable()
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"{path}: HTTP {response.status_code}", file=sys.stderr)
        p50, p95 = shapes.percentile(times, 50), shapes.percentile(times, 95)
        print(f"{page:20} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(times):7.1f} ms")
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    app.extensions["kb_search"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
