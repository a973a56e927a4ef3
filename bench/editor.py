"""Editor loop benchmark: how long an editor waits for ``kb index`` at 5,000 documents.

Generates a content tree of synthetic but realistic documents (Hungarian and Czech
sentences read in place from ../shared/eval/corpus when it exists, otherwise
generated words), then measures, each as a real ``kb`` process (start-up included):

- ``kb --help``                      process start and imports (baseline),
- ``kb index`` with nothing changed  the incremental floor (baseline),
- ``kb index`` after editing one file,
- ``kb index`` after deleting one file,
- ``kb index --full``                the full build.

Medians of several runs; the edit and delete figures are also given as ratios to
the no-change run measured in the same session.

    python bench/editor.py [--docs 5000] [--runs 5] [--full-runs 2] [--git] [--out bench/out/editor]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_CORPUS = ROOT.parent / "shared" / "eval" / "corpus"
if not EVAL_CORPUS.is_dir():  # a worktree beside main: /work/wt-x -> /work/shared
    EVAL_CORPUS = Path("/work/shared/eval/corpus")

TYPES = ["protocol", "forum", "presentation", "guidance", "article", "news"]
TAGS = {
    "hu": ["támogatott lakhatás", "szociális szolgáltatás", "fogyatékosság", "kiváltás", "módszertan", "képzés"],
    "cs": ["sociální služby", "transformace", "podpora bydlení", "kraj", "metodika", "vzdělávání"],
    "en": ["supported living", "social services", "disability", "methodology", "training", "networks"],
}
EN_WORDS = (
    "service support living person community residential care network region forum protocol "
    "practice worker manager assessment plan family housing inclusion transition guidance quality "
    "review staff training partner meeting outcome municipality budget independence choice"
).split()


def load_sentences(rng: random.Random) -> dict[str, list[str]]:
    """Sentences per language: the eval corpus in place, or generated text."""
    sentences: dict[str, list[str]] = {}
    for lang in ("hu", "cs"):
        folder = EVAL_CORPUS / lang
        found: list[str] = []
        if folder.is_dir():
            for path in sorted(folder.glob("*.md")):
                body = path.read_text("utf-8").split("---", 2)[-1]
                found.extend(s.strip() + "." for s in body.replace("\n", " ").split(". ") if len(s.split()) > 4)
        sentences[lang] = found or [generated_sentence(rng) for _ in range(2000)]
    sentences["en"] = [generated_sentence(rng) for _ in range(2000)]
    return sentences


def generated_sentence(rng: random.Random) -> str:
    words = [rng.choice(EN_WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def write_corpus(content: Path, count: int, seed: int = 7) -> list[Path]:
    """``count`` documents in hu/, cs/ and en/ folders; returns their paths."""
    rng = random.Random(seed)
    sentences = load_sentences(rng)
    shutil.rmtree(content, ignore_errors=True)
    paths = []
    langs = ["hu"] * 5 + ["cs"] * 4 + ["en"]
    for number in range(count):
        lang = langs[number % len(langs)]
        pool = sentences[lang]
        title = " ".join(rng.choice(pool).split()[:7]).rstrip(".,")
        paragraphs = []
        for section in range(rng.randint(2, 4)):
            paragraphs.append(f"## {section + 1}. " + " ".join(rng.choice(pool).split()[:5]).rstrip(".,"))
            paragraphs.append(" ".join(rng.choice(pool) for _ in range(rng.randint(3, 6))))
        tags = json.dumps(rng.sample(TAGS[lang], 3), ensure_ascii=False)
        front = (
            f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ntype: {rng.choice(TYPES)}\nlang: {lang}\n"
            f"date: {rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
            f"tags: {tags}\ntranslation_key: family-{number // 2}\n"
            f"summary: {json.dumps(rng.choice(pool), ensure_ascii=False)}\n---\n\n"
        )
        path = content / lang / f"doc-{number:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(front + "\n\n".join(paragraphs) + "\n", "utf-8")
        paths.append(path)
    return paths


def kb_executable() -> list[str]:
    """The ``kb`` console script an editor runs (process start included in every figure)."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from kb.cli import main; main()"]


def timed(cmd: list[str], env: dict, ok=(0,), cwd: Path | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - started
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def git(content: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(content), *args], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each incremental measurement")
    parser.add_argument("--full-runs", type=int, default=2, help="runs of the full build")
    parser.add_argument("--git", action="store_true", help="make the content a git repository (history stage)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "editor")
    parser.add_argument("--source", type=Path, help="run the kb code of another checkout (e.g. main) for comparison")
    args = parser.parse_args()
    args.out = args.out.resolve()

    content, index = args.out / "content", args.out / "index"
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    paths = write_corpus(content, args.docs)
    size = sum(p.stat().st_size for p in paths)
    print(f"generated {len(paths)} documents ({size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s")
    if args.git:
        git(content, "init", "-q")
        git(content, "add", "-A")
        git(content, "-c", "user.name=Bench", "-c", "user.email=bench@example.org", "commit", "-qm", "corpus")
    env = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_INDEX_DIR": str(index)}
    if args.source:  # ahead of the installed (editable) project on sys.path
        env["PYTHONPATH"] = str(args.source.resolve())
    kb = kb_executable()
    where = subprocess.run(
        [sys.executable, "-c", "import kb; print(kb.__file__)"], env=env, cwd=args.out, capture_output=True, text=True
    )
    print(f"kb code: {where.stdout.strip()}")

    full = []
    for _ in range(args.full_runs):
        full.append(timed([*kb, "index", "--full"], env, cwd=args.out))
        print(f"  full build: {full[-1]:.2f} s")

    results: dict[str, list[float]] = {"kb --help": [], "no change": [], "edit one": [], "delete one": []}
    rng = random.Random(11)
    for run in range(args.runs):
        results["kb --help"].append(timed([*kb, "--help"], env, cwd=args.out))
        results["no change"].append(timed([*kb, "index"], env, cwd=args.out))
        victim = rng.choice(paths)
        original = victim.read_text("utf-8")
        victim.write_text(original + f"\nEgy új mondat a {run}. szerkesztésben.\n", "utf-8")
        results["edit one"].append(timed([*kb, "index"], env, cwd=args.out))
        victim.write_text(original, "utf-8")
        timed([*kb, "index"], env, cwd=args.out)  # back to the original, untimed
        victim.unlink()
        results["delete one"].append(timed([*kb, "index"], env, cwd=args.out))
        victim.write_text(original, "utf-8")
        timed([*kb, "index"], env, cwd=args.out)  # restored, untimed

    baseline = statistics.median(results["no change"])
    print(f"\n{args.docs} documents, medians of {args.runs} runs (full build: {args.full_runs} runs)")
    print(f"{'measurement':<28}{'median s':>10}{'min s':>9}{'x no-change':>13}")
    print(f"{'kb index --full':<28}{statistics.median(full):>10.3f}{min(full):>9.3f}{'':>13}")
    for name, values in results.items():
        label = "kb index (" + name + ")" if name != "kb --help" else name
        ratio = statistics.median(values) / baseline
        print(f"{label:<28}{statistics.median(values):>10.3f}{min(values):>9.3f}{ratio:>13.2f}")


if __name__ == "__main__":
    main()
