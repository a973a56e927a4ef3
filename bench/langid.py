"""Language identification on short text: the product's detector beside lingua, in one run.

Data, read in place (never copied into the repository):
  ../shared/eval/langid/<lang>/{sentences,word-pairs,single-words}.txt  (lingua's test data)
  ../shared/eval/corpus/{hu,cs}/*.md                                    (treebank sentences)

  python bench/langid.py [--eval DIR] [--no-lingua]

lingua (``pip install lingua-language-detector``) is a benchmark-only comparison, restricted
to the six languages the knowledge base expects; the product does not depend on it.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.text.language import EXPECTED, detect  # noqa: E402

DEFAULT_EVAL = ROOT.parent.parent / "shared" / "eval"
if not DEFAULT_EVAL.is_dir():
    DEFAULT_EVAL = Path("/work/shared/eval")
KINDS = ("sentences", "word-pairs", "single-words")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÖŐÚÜŰČŘŠŽĎŤŇ0-9„\"])")


def langid_items(eval_dir: Path, kind: str) -> dict[str, list[str]]:
    return {
        lang: [
            line.strip()
            for line in (eval_dir / "langid" / lang / f"{kind}.txt").read_text("utf-8").splitlines()
            if line.strip()
        ]
        for lang in EXPECTED
    }


def treebank_sentences(eval_dir: Path) -> dict[str, list[str]]:
    """The corpus documents' bodies split back into sentences (hu: Szeged news; cs: CLTT law and CAC)."""
    found: dict[str, list[str]] = {}
    for lang in ("hu", "cs"):
        sentences = []
        for path in sorted((eval_dir / "corpus" / lang).glob("*.md")):
            body = path.read_text("utf-8").split("\n---", 2)[-1]
            for paragraph in body.split("\n\n"):
                sentences += [s.strip() for s in _SENTENCE_END.split(" ".join(paragraph.split())) if len(s.strip()) > 3]
        found[lang] = sentences
    return found


def lingua_detector() -> Callable[[str], str | None] | None:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    names = {"hu": "HUNGARIAN", "cs": "CZECH", "en": "ENGLISH", "sk": "SLOVAK", "de": "GERMAN", "pl": "POLISH"}
    languages = [getattr(Language, names[code]) for code in EXPECTED]
    detector = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()
    codes = {getattr(Language, name): code for code, name in names.items()}

    def run(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return codes.get(found) if found is not None else None

    return run


def accuracy(items: dict[str, list[str]], detector: Callable[[str], str | None]) -> tuple[dict[str, float], float]:
    started = time.perf_counter()
    scores = {
        lang: sum(detector(text) == lang for text in texts) / len(texts) for lang, texts in items.items() if texts
    }
    count = sum(len(t) for t in items.values())
    return scores, (time.perf_counter() - started) * 1000 / max(1, count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--no-lingua", action="store_true")
    parser.add_argument("--kinds", default=",".join(KINDS) + ",treebank")
    args = parser.parse_args()
    detectors: dict[str, Callable[[str], str | None]] = {"product": lambda text: detect(text).lang}
    lingua = None if args.no_lingua else lingua_detector()
    if lingua is not None:
        detectors["lingua"] = lingua
    elif not args.no_lingua:
        print("lingua is not installed (pip install lingua-language-detector): product only")
    print(f"{'data':<14}{'detector':<10}" + "".join(f"{lang:>7}" for lang in EXPECTED) + f"{'mean':>7}{'ms/item':>9}")
    for kind in args.kinds.split(","):
        items = treebank_sentences(args.eval) if kind == "treebank" else langid_items(args.eval, kind)
        for name, detector in detectors.items():
            scores, ms = accuracy(items, detector)
            cells = "".join(f"{scores[lang]:>7.3f}" if lang in scores else f"{'':>7}" for lang in EXPECTED)
            mean = sum(scores.values()) / len(scores)
            print(f"{kind:<14}{name:<10}{cells}{mean:>7.3f}{ms:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
