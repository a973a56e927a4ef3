"""A deterministic, scaled test corpus built from real Hungarian and Czech sentences.

Why: the bundled content has a handful of documents; speed at 1k/10k/50k must be
measured on text with a real vocabulary and realistic front matter. Sentences are
read in place from ``../shared/eval/corpus`` (never copied into the repository);
documents are shuffled recombinations of them, half Hungarian, half Czech, with
headings, tags, dates, translation keys and, for one in five, no ``lang`` field so
language detection runs too. The same ``--size`` and ``--seed`` give the same bytes.

Vocabulary (``--vocabulary``):

* ``words`` (default): a share of the words is swapped for real word forms drawn from
  simplemma's Hungarian and Czech dictionaries (1.76 M and 360 k forms), at Zipf-like
  ranks, so the number of distinct terms keeps growing with the corpus as in real text
  (about 85 k distinct forms at 1k documents, 390 k at 10k). Without this the ~2,000
  sentences give a dictionary that stops growing and typo/prefix costs look small.
* ``sentences``: the sentences as they are (the corpus of earlier sessions).

    python bench/generate.py --size 10000 --out bench/out/corpus-10000
    python bench/generate.py --size 1000 --count      # print the distinct word forms
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
VOCABULARIES = ("words", "sentences")
# Word swapping: the share of eligible words replaced, and the Pareto shape of the rank
# drawn for each (frequency of rank k ~ k^-(1+SHAPE)); tuned so distinct forms grow
# about as in real text (Heaps' law, n^0.65): 85 k at 1k documents, 385 k at 10k.
SWAP_SHARE = 0.50
SWAP_SHAPE = 0.22
SWAP_SCALE = 70.0
_WORD = re.compile(r"[^\W\d_]{4,}")
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


def load_forms(lang: str, seed: int) -> list[str]:
    """simplemma's dictionary word forms for ``lang`` in a seeded order (rank 0 most frequent).

    Read from the package's own data file (``simplemma/strategies/dictionaries/data``)."""
    try:  # the bytes-to-bytes table, without building simplemma's lookup wrapper
        from simplemma.strategies.dictionaries.dictionary_factory import _load_dictionary_from_disk

        keys = [k.decode("utf-8") for k in _load_dictionary_from_disk(lang)]
    except ImportError:  # another simplemma layout: its public factory
        from simplemma.strategies.dictionaries import DefaultDictionaryFactory

        keys = list(DefaultDictionaryFactory().get_dictionary(lang))
    forms = sorted({k.lower() for k in keys if len(k) >= 3 and k.isalpha()})
    random.Random(f"{seed}-{lang}").shuffle(forms)
    return forms


class Swapper:
    """Replaces a share of a sentence's words with dictionary forms at Zipf-like ranks."""

    def __init__(self, forms: list[str], rng: random.Random):
        self.forms = forms
        self.rng = rng

    def _pick(self) -> str:
        rank = int(SWAP_SCALE * (self.rng.paretovariate(SWAP_SHAPE) - 1.0))
        return self.forms[rank % len(self.forms)]

    def _swap(self, match: re.Match) -> str:
        word = match.group(0)
        if self.rng.random() >= SWAP_SHARE:
            return word
        form = self._pick()
        return form.capitalize() if word[0].isupper() else form

    def __call__(self, sentence: str) -> str:
        return _WORD.sub(self._swap, sentence)


def _title(sentence: str) -> str:
    words = sentence.rstrip(".!?").split()
    title = ""
    for word in words:
        if len(title) + len(word) + 1 > 70:
            break
        title = f"{title} {word}".strip()
    return title.replace('"', "'") or "Dokumentum"


def make_document(rng: random.Random, lang: str, sentences: list[str], number: int, swap: Swapper | None = None) -> str:
    """One Markdown file: front matter plus 2-5 sections of 3-8 sentences each."""
    picked = [rng.choice(sentences) for _ in range(rng.randint(8, 30))]
    if swap is not None:
        picked = [swap(sentence) for sentence in picked]
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


def _marker(size: int, seed: int, vocabulary: str) -> str:
    # The old corpus keeps its old marker, so existing bench/out corpora stay valid.
    suffix = "" if vocabulary == "sentences" else f" vocabulary={vocabulary}"
    return f"size={size} seed={seed}{suffix}\n"


def generate(size: int, out: Path, seed: int = 6, source: Path = DEFAULT_SOURCE, vocabulary: str = "words") -> Path:
    """Write ``size`` documents to ``out`` (replacing it); half hu, half cs, 500 per folder."""
    rng = random.Random(seed)
    pools = {lang: load_sentences(source, lang) for lang in ("hu", "cs")}
    swappers: dict[str, Swapper | None] = {"hu": None, "cs": None}
    if vocabulary == "words":
        # A generator of its own, so the document structure is the same as with "sentences".
        swap_rng = random.Random(f"{seed}-swap")
        swappers = {lang: Swapper(load_forms(lang, seed), swap_rng) for lang in ("hu", "cs")}
    if out.exists():
        shutil.rmtree(out)
    for number in range(size):
        lang = "hu" if number % 2 == 0 else "cs"
        folder = out / lang / f"{number // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        text = make_document(rng, lang, pools[lang], number, swappers[lang])
        (folder / f"doc-{number:06d}.md").write_text(text, "utf-8")
    (out / ".generated").write_text(_marker(size, seed, vocabulary), "utf-8")
    return out


def ensure(size: int, out: Path, seed: int = 6, source: Path = DEFAULT_SOURCE, vocabulary: str = "words") -> Path:
    """Generate unless ``out`` already holds this size, seed and vocabulary."""
    marker = out / ".generated"
    if marker.exists() and marker.read_text("utf-8") == _marker(size, seed, vocabulary):
        return out
    return generate(size, out, seed, source, vocabulary)


def distinct_forms(out: Path) -> int:
    """Distinct lower-cased word forms (letters only) over every document's text."""
    seen: set[str] = set()
    for path in out.rglob("*.md"):
        seen.update(w.lower() for w in re.findall(r"[^\W\d_]+", path.read_text("utf-8")))
    return len(seen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the eval corpus (hu/ and cs/)")
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="words", help="see above (default: words)")
    parser.add_argument("--count", action="store_true", help="print the number of distinct word forms")
    args = parser.parse_args(argv)
    default_name = f"corpus-{args.size}" if args.vocabulary == "sentences" else f"rcorpus-{args.size}"
    out = args.out or ROOT / "bench" / "out" / default_name
    generate(args.size, out, args.seed, args.source, args.vocabulary)
    print(f"{args.size} documents in {out}", file=sys.stderr)
    if args.count:
        print(f"{distinct_forms(out)} distinct word forms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
