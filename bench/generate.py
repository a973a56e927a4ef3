"""A deterministic, scaled test corpus built from real Hungarian and Czech sentences.

Why: the bundled content has a handful of documents; speed at 1k/10k/50k must be
measured on text with a real vocabulary and realistic front matter. Sentences are
read in place from ``../shared/eval/corpus`` (never copied into the repository);
documents are shuffled recombinations of them, half Hungarian, half Czech, with
headings, tags, dates, translation keys and, for one in five, no ``lang`` field so
language detection runs too. The same ``--size`` and ``--seed`` give the same bytes.

    python bench/generate.py --size 10000 --out bench/out/corpus-10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "eval" / "corpus"
if not DEFAULT_SOURCE.is_dir():
    DEFAULT_SOURCE = Path("/work/shared/eval/corpus")

TYPES = ["protocol", "forum", "presentation", "guidance", "article", "news"]
TAGS = {
    "hu": [
        "támogatott lakhatás",
        "szociális munka",
        "módszertan",
        "gyermekvédelem",
        "idősellátás",
        "fogyatékosság",
        "közösségi ellátás",
        "esetkezelés",
        "képzés",
        "jogszabály",
    ],
    "cs": [
        "sociální služby",
        "podpora bydlení",
        "metodika",
        "ochrana dětí",
        "péče o seniory",
        "zdravotní postižení",
        "komunitní péče",
        "případová práce",
        "vzdělávání",
        "legislativa",
    ],
}
ORGS = {
    "hu": ["Szociális Szakmai Szövetség", "Kék Vonal Alapítvány", "Fővárosi Módszertani Központ", "Szegedi Egyetem"],
    "cs": ["Asociace poskytovatelů sociálních služeb", "Krajský úřad Olomouc", "Charita Brno", "MPSV"],
}
REGIONS = {"hu": ["Budapest", "Csongrád", "Baranya", "Borsod"], "cs": ["Praha", "Morava", "Brno", "Ostrava"]}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÖŐÚÜŰČĎĚŇŘŠŤŮŽ\"„])")


def load_sentences(source: Path, lang: str) -> list[str]:
    """Every body sentence of the eval corpus in ``lang``, in file order."""
    sentences: list[str] = []
    for path in sorted((source / lang).glob("*.md")):
        text = path.read_text("utf-8")
        body = text.split("\n---\n", 1)[1] if text.startswith("---") else text
        for paragraph in body.split("\n\n"):
            sentences.extend(s.strip() for s in _SENTENCE_END.split(" ".join(paragraph.split())) if s.strip())
    if not sentences:
        raise SystemExit(f"no sentences found under {source / lang}")
    return sentences


def _title(sentence: str) -> str:
    words = sentence.rstrip(".!?").split()
    title = ""
    for word in words:
        if len(title) + len(word) + 1 > 70:
            break
        title = f"{title} {word}".strip()
    return title.replace('"', "'") or "Dokumentum"


def make_document(rng: random.Random, lang: str, sentences: list[str], number: int) -> str:
    """One Markdown file: front matter plus 2-5 sections of 3-8 sentences each."""
    picked = [rng.choice(sentences) for _ in range(rng.randint(8, 30))]
    doc_type = rng.choice(TYPES)
    date = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randrange(7000))
    tags = rng.sample(TAGS[lang], rng.randint(1, 3))
    front = [f'title: "{_title(picked[0])} ({number})"', f"type: {doc_type}"]
    if rng.random() < 0.8:
        front.append(f"lang: {lang}")
    front.append(f"date: {date.isoformat()}")
    front.append("tags: [" + ", ".join(f'"{t}"' for t in tags) + "]")
    if rng.random() < 0.3:
        front.append(f"translation_key: pair-{number // 2}")
    if rng.random() < 0.5:
        front.append(f'summary: "{_title(picked[1])}"')
    front.append(f'organisation: "{rng.choice(ORGS[lang])}"')
    front.append(f"region: {rng.choice(REGIONS[lang])}")
    body: list[str] = []
    rest = picked[1:]
    sections = rng.randint(2, 5)
    size = max(1, len(rest) // sections)
    for index in range(sections):
        chunk = rest[index * size : (index + 1) * size] if index < sections - 1 else rest[index * size :]
        if not chunk:
            break
        body.append(f"## {_title(chunk[0])}")
        body.append(" ".join(chunk))
    return "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(body) + "\n"


def generate(size: int, out: Path, seed: int = 6, source: Path = DEFAULT_SOURCE) -> Path:
    """Write ``size`` documents to ``out`` (replacing it); half hu, half cs, 500 per folder."""
    rng = random.Random(seed)
    pools = {lang: load_sentences(source, lang) for lang in ("hu", "cs")}
    if out.exists():
        shutil.rmtree(out)
    for number in range(size):
        lang = "hu" if number % 2 == 0 else "cs"
        folder = out / lang / f"{number // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc-{number:06d}.md").write_text(make_document(rng, lang, pools[lang], number), "utf-8")
    (out / ".generated").write_text(f"size={size} seed={seed}\n", "utf-8")
    return out


def ensure(size: int, out: Path, seed: int = 6, source: Path = DEFAULT_SOURCE) -> Path:
    """Generate unless ``out`` already holds this size and seed."""
    marker = out / ".generated"
    if marker.exists() and marker.read_text("utf-8") == f"size={size} seed={seed}\n":
        return out
    return generate(size, out, seed, source)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the eval corpus (hu/ and cs/)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "bench" / "out" / f"corpus-{args.size}"
    generate(args.size, out, args.seed, args.source)
    print(f"{args.size} documents in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
