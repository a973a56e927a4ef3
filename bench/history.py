"""Document history timings (issue 32): the history page, a version page first and cached,
and ``kb index`` after a one-document commit.

    PYTHONPATH=$PWD python bench/history.py                 # pages + index update with this checkout
    PYTHONPATH=/work/pre31 python bench/history.py --index-only   # the index update before the change

A generated git repository: ``--docs`` documents, one of them with ``--versions`` versions;
with ``--each N``, every document has N versions too (N commits that each change every document):

    PYTHONPATH=$PWD python bench/history.py --docs 10000 --each 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

WORDS = "lakhatás támogatás közösség szolgáltatás önálló élet protokoll módszer eset család".split()


def git(root: Path, *args: str, day: int = 0) -> None:
    date = f"@{1704103200 + day * 3600} +0000"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Bench",
        "GIT_AUTHOR_EMAIL": "b@example.org",
        "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "b@example.org",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def text(title: str, seed: int, paragraphs: int = 12) -> str:
    body = []
    for p in range(paragraphs):
        if p % 4 == 0:
            body.append(f"## Szakasz {p // 4}\n")
        body.append(" ".join(WORDS[(seed * 7 + p * 3 + i) % len(WORDS)] for i in range(60)) + "\n")
    return f"---\ntitle: {title}\ntype: forum\nlang: hu\n---\n\n" + "\n".join(body)


def make_repo(root: Path, docs: int, versions: int, each: int = 1) -> None:
    content = root / "content" / "hu"
    content.mkdir(parents=True)
    git(root, "init", "-q")
    for i in range(docs):
        (content / f"d{i:04d}.md").write_text(text(f"Dokumentum {i}", i), "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    for v in range(1, each):
        for i in range(docs):
            extra = f"\n## Változás {v}\n\n" + " ".join(WORDS[(i + v + k) % len(WORDS)] for k in range(30)) + "\n"
            (content / f"d{i:04d}.md").write_text(text(f"Dokumentum {i}", i) + extra, "utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"every document, version {v}", day=500 + v)
    for v in range(1, versions):
        (content / "many.md").write_text(text("Sok változat", v), "utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-qm", f"version {v}", day=v)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)] * 1000


def index_update(root: Path, index: Path) -> list[float]:
    from indexer import pipeline

    took = []
    for n in range(5):
        path = root / "content" / "hu" / "d0001.md"
        path.write_text(text("Dokumentum 1", 1000 + n), "utf-8")
        git(root, "commit", "-qam", f"edit {n}", day=1000 + n)
        started = time.perf_counter()
        pipeline.build(root / "content", index)
        took.append(time.perf_counter() - started)
    return took


def pages(root: Path, index: Path) -> None:
    from kb.web import create_app

    app = create_app({"content_dir": root / "content", "index_dir": index, "testing": True})
    client = app.test_client()
    client.get("/doc/hu/d0000")  # the app's first request opens the index: not the history's cost
    started = time.perf_counter()
    assert client.get("/doc/hu/many/history").status_code == 200
    print(f"history page, first view: {(time.perf_counter() - started) * 1000:.1f} ms")
    took = []
    for _ in range(30):
        started = time.perf_counter()
        client.get("/doc/hu/many/history")
        took.append(time.perf_counter() - started)
    print(f"history page, p95 of 30: {p95(took):.1f} ms (median {statistics.median(took) * 1000:.1f})")
    took = []
    for i in range(2, 32):  # other documents' history pages, each opened once
        started = time.perf_counter()
        assert client.get(f"/doc/hu/d{i:04d}/history").status_code == 200
        took.append(time.perf_counter() - started)
    median = statistics.median(took) * 1000
    print(f"another document's history page, p95 of 30: {p95(took):.1f} ms (median {median:.1f})")
    commits = subprocess.run(
        ["git", "-C", str(root), "log", "--format=%H", "--", "content/hu/many.md"], capture_output=True, text=True
    ).stdout.split()
    first, cached = [], []
    for commit in commits:
        started = time.perf_counter()
        assert client.get(f"/doc/hu/many/history/{commit[:12]}").status_code == 200
        first.append(time.perf_counter() - started)
    for _ in range(3):
        for commit in commits:
            started = time.perf_counter()
            client.get(f"/doc/hu/many/history/{commit[:12]}")
            cached.append(time.perf_counter() - started)
    print(
        f"version page, first view p95 of {len(first)}: {p95(first):.1f} ms",
        f"(median {statistics.median(first) * 1000:.1f})",
    )
    print(
        f"version page, cached p95 of {len(cached)}: {p95(cached):.1f} ms",
        f"(median {statistics.median(cached) * 1000:.1f})",
    )
    took = []
    for _ in range(30):
        started = time.perf_counter()
        client.get("/doc/hu/many")
        took.append(time.perf_counter() - started)
    print(f"document page (with its change summary), p95 of 30: {p95(took):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--index-only", action="store_true")
    parser.add_argument("--each", type=int, default=1, help="versions of every document")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, index = Path(tmp) / "repo", Path(tmp) / "ix"
        make_repo(root, args.docs, args.versions, args.each)
        from indexer import pipeline

        started = time.perf_counter()
        pipeline.build(root / "content", index)
        print(f"full build of {args.docs + 1} documents: {time.perf_counter() - started:.2f} s")
        took = index_update(root, index)
        print(
            f"kb index after a one-document commit: median {statistics.median(took) * 1000:.0f} ms "
            f"(runs: {', '.join(f'{t * 1000:.0f}' for t in took)})"
        )
        if not args.index_only:
            pages(root, index)


if __name__ == "__main__":
    main()
