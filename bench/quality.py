"""Search quality on real Hungarian and Czech text, against SQLite FTS5 in the same run.

Corpus: ../shared/eval/corpus/{hu,cs}/*.md (treebank sentences as Markdown), read in
place, never copied. Queries are derived from the corpus itself, the way a
practitioner types: the dictionary form (lemma) of a distinctive word where the
document itself only has inflected forms, accented and unaccented, alone and in
pairs. A query's relevant documents are those containing an inflected form of
its lemma(s). Two parts:

1. word level: how often each analysis strategy (folded surface, Snowball stem,
   simplemma lemma, stem + lemma as the product indexes) makes the typed lemma
   meet the inflected word in the text;
2. retrieval: recall@10 and MRR@10 per language of the product (``kb`` search
   service over a real index) vs FTS5 ``unicode61 remove_diacritics 2``, plain
   and with prefix truncation (poor man's stemming), overall and on the words
   whose stem changes (lemma not a prefix of the inflected form).

Usage: python bench/quality.py [--corpus DIR] [--out bench/quality-results.md]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import simplemma
import snowballstemmer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import pipeline  # noqa: E402
from indexer.documents.load import discover, parse  # noqa: E402
from indexer.text.analysis import fold, language_analyzer  # noqa: E402
from indexer.text.stopwords import STOP_WORDS  # noqa: E402
from kb.search import SearchService  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "eval" / "corpus"
WORD = re.compile(r"\w+")
SNOWBALL = {"hu": "hungarian", "cs": "czech"}
SEED = 20261123


@dataclass
class Query:
    lang: str
    text: str  # accented dictionary form(s)
    relevant: set[str]
    target: str
    stem_change: bool
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (inflected word in text, lemma)


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text) if not w.isdigit()]


def load_corpus(corpus: Path, lang: str) -> dict[str, str]:
    root = corpus / lang
    return {f"{lang}/{doc.id}": f"{doc.title}\n{doc.body}" for doc in (parse(p, root) for p in discover(root))}


def lemma(word: str, lang: str) -> str:
    """simplemma's lemma, repeated to a fixed point (it sometimes stops at a possessive form)."""
    current = word
    for _ in range(3):
        following = simplemma.lemmatize(current, lang=lang).lower()
        if following == current:
            break
        current = following
    return current


def derive_queries(docs: dict[str, str], lang: str, per_doc: int = 2) -> list[Query]:
    """Distinctive lemmas each document has only in inflected forms; some single, some in pairs."""
    rng = random.Random(SEED)
    stops = STOP_WORDS[lang]
    doc_words = {doc_id: set(words(text)) for doc_id, text in docs.items()}
    surface_df = Counter(w for ws in doc_words.values() for w in ws)
    lemma_docs: dict[str, set[str]] = defaultdict(set)
    lemma_forms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for doc_id, ws in doc_words.items():
        for w in ws:
            lem = lemma(w, lang)
            lemma_docs[lem].add(doc_id)
            lemma_forms[(doc_id, lem)].add(w)
    attested = set(surface_df)  # a lemma counts as a real word if it occurs somewhere as written
    queries: list[Query] = []
    for doc_id in sorted(docs):
        candidates = []
        for w in sorted(doc_words[doc_id]):
            lem = lemma(w, lang)
            if len(w) < 6 or len(lem) < 4 or w in stops or lem in stops or not w.isalpha():
                continue
            if lem == w or lem in doc_words[doc_id] or lem not in attested:
                continue
            if not 1 <= len(lemma_docs[lem]) <= 3:
                continue
            candidates.append((w, lem))
        rng.shuffle(candidates)
        chosen = candidates[:per_doc]
        for w, lem in chosen:
            queries.append(
                Query(lang, lem, set(lemma_docs[lem]), doc_id, not fold(w).startswith(fold(lem)), [(w, lem)])
            )
        if len(chosen) == 2:
            (w1, l1), (w2, l2) = chosen
            both = lemma_docs[l1] & lemma_docs[l2]
            queries.append(Query(lang, f"{l1} {l2}", both, doc_id, False, chosen))
    return queries


# -- part 1: word level ------------------------------------------------------------


def strategy_forms(word: str, lang: str, strategy: str) -> set[str]:
    stem = snowballstemmer.stemmer(SNOWBALL[lang]).stemWord
    folded = fold(word)
    forms = {folded}
    if strategy in ("stem", "stem+lemma"):
        forms |= {fold(stem(word)), stem(folded)}
    if strategy in ("lemma", "stem+lemma"):
        forms.add(fold(lemma(word, lang)))
    return forms


STRATEGIES = ("surface", "stem", "lemma", "stem+lemma")


def read_gold_pairs(path: Path) -> set[tuple[str, str]]:
    """(form, lemma) pairs from a TSV (form<TAB>lemma...) or a CoNLL-U file (columns 2 and 3)."""
    pairs = set()
    for line in path.read_text("utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        form, lem = (cols[1], cols[2]) if path.suffix == ".conllu" and len(cols) >= 3 else (cols[0], cols[1])
        form, lem = form.lower(), lem.replace("+", "").lower()
        if form != lem and any(c.isalpha() for c in form):
            pairs.add((form, lem))
    return pairs


def word_level(queries: list[Query], lang: str, gold: set | None = None) -> dict[str, dict[str, float]]:
    pairs = gold or {p for q in queries for p in q.pairs}
    figures: dict[str, dict[str, float]] = {}
    for strategy in STRATEGIES:
        row = {}
        for accents in ("accented", "unaccented"):
            hits = 0
            for text_word, lem in pairs:
                typed = lem if accents == "accented" else fold(lem)
                hits += bool(strategy_forms(text_word, lang, strategy) & strategy_forms(typed, lang, strategy))
            row[accents] = hits / len(pairs)
        figures[strategy] = row
    # What the product's analyzer does (the same chain as the index and the query).
    analyzer = language_analyzer(lang)
    row = {}
    for accents in ("accented", "unaccented"):
        hits = 0
        for text_word, lem in pairs:
            typed = lem if accents == "accented" else fold(lem)
            hits += bool({t.text for t in analyzer(text_word)} & {t.text for t in analyzer(typed, mode="query")})
        row[accents] = hits / len(pairs)
    figures["product analyzer"] = row
    figures["_pairs"] = {"accented": len(pairs), "unaccented": len(pairs)}
    return figures


# -- part 2: retrieval ---------------------------------------------------------------


class Fts5:
    """SQLite FTS5 with unicode61 remove_diacritics 2: the docs-search baseline."""

    def __init__(self, docs: dict[str, str]):
        """``docs``: id -> text."""
        self.db = sqlite3.connect(":memory:")
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='unicode61 remove_diacritics 2')"
        )
        self.db.executemany("INSERT INTO docs VALUES (?, ?)", docs.items())

    def search(self, text: str, prefix: bool = False, operator: str = "AND") -> list[str]:
        """The top 10 ids by bm25 for the words of ``text`` joined by ``operator`` (AND, OR), each
        cut by up to 3 letters (at least 4 kept) and matched as a prefix with ``prefix``."""
        terms = []
        for w in words(text):
            if prefix:
                keep = max(4, len(w) - 3)
                terms.append(f'"{w[:keep]}"*')
            else:
                terms.append(f'"{w}"')
        if not terms:
            return []
        sql = "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10"
        return [row[0] for row in self.db.execute(sql, (f" {operator} ".join(terms),))]


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    top = ranked[:10]
    recall = len(relevant & set(top)) / min(len(relevant), 10) if relevant else 0.0
    rank = next((i for i, d in enumerate(top, 1) if d in relevant), None)
    return recall, (1 / rank if rank else 0.0)


def retrieval(queries: list[Query], systems: dict, subset=lambda q: True) -> dict[str, dict[str, tuple]]:
    table: dict[str, dict[str, tuple]] = {}
    chosen = [q for q in queries if subset(q) and q.relevant]
    for name, search in systems.items():
        row = {}
        for accents in ("accented", "unaccented"):
            rs, ms, times = [], [], []
            for q in chosen:
                text = q.text if accents == "accented" else fold(q.text)
                started = time.perf_counter()
                ranked = search(text, q.lang)
                times.append(time.perf_counter() - started)
                r, m = metrics(ranked, q.relevant)
                rs.append(r)
                ms.append(m)
            n = len(chosen) or 1
            row[accents] = (sum(rs) / n, sum(ms) / n, sorted(times)[len(times) // 2] * 1000 if times else 0.0)
        table[name] = row
    table["_n"] = {"queries": len(chosen)}
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality-results.md")
    parser.add_argument(
        "--gold",
        nargs=2,
        action="append",
        metavar=("LANG", "FILE"),
        default=[],
        help="human-annotated (form, lemma) pairs for the word-level table: a CoNLL-U treebank file "
        "or a TSV form<TAB>lemma; e.g. --gold hu hu_szeged-ud-dev.conllu (not shipped: licences differ)",
    )
    args = parser.parse_args()
    if not (args.corpus / "hu").is_dir():
        print(f"evaluation corpus not found at {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2

    out = ["# Search quality: product vs SQLite FTS5", ""]
    shown = args.corpus if args.corpus != DEFAULT_CORPUS else "../shared/eval/corpus"
    out.append(f"Corpus: `{shown}` (read in place). Queries derived with seed {SEED}; see bench/quality.py.")
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        content.mkdir()
        for lang in ("hu", "cs"):  # a scratch copy outside the repo: the corpus stays in place
            shutil.copytree(args.corpus / lang, content / lang)
        started = time.perf_counter()
        summary = pipeline.build(content, Path(tmp) / "index", full=True)
        build_s = time.perf_counter() - started
        out.append(f"Index: {summary.total} documents in {build_s:.1f} s.")
        service = SearchService(Path(tmp) / "index")

        for lang in ("hu", "cs"):
            docs = load_corpus(args.corpus, lang)
            queries = derive_queries(docs, lang)
            fts = Fts5(docs)
            systems = {
                "kb (product)": lambda text, lang: [h.id for h in service.search(text, lang=lang, limit=10).hits],
                "FTS5": lambda text, lang, fts=fts: fts.search(text),
                "FTS5 + prefix": lambda text, lang, fts=fts: fts.search(text, prefix=True),
            }
            out += ["", f"## {lang}: {len(docs)} documents, {len(queries)} queries", ""]
            gold = {g_lang: Path(g_file) for g_lang, g_file in args.gold}
            source = f"human-annotated pairs from {gold[lang].name}" if lang in gold else "pairs derived as above"
            wl = word_level(queries, lang, read_gold_pairs(gold[lang]) if lang in gold else None)
            count = wl["_pairs"]["accented"]
            out += [f"Word level: does the typed lemma meet the inflected word? ({count} {source})", ""]
            out += ["| analysis | accented | unaccented |", "|---|---|---|"]
            for name, row in wl.items():
                if not name.startswith("_"):
                    out.append(f"| {name} | {row['accented']:.3f} | {row['unaccented']:.3f} |")
            for title, subset in (("all queries", lambda q: True), ("stem changes", lambda q: q.stem_change)):
                table = retrieval(queries, systems, subset)
                out += ["", f"Retrieval, {title} ({table['_n']['queries']} queries):", ""]
                out += [
                    "| system | recall@10 | MRR@10 | recall@10 unacc. | MRR@10 unacc. | median ms |",
                    "|---|---|---|---|---|---|",
                ]
                for name, row in table.items():
                    if name.startswith("_"):
                        continue
                    (ra, ma, ta), (ru, mu, _) = row["accented"], row["unaccented"]
                    out.append(f"| {name} | {ra:.3f} | {ma:.3f} | {ru:.3f} | {mu:.3f} | {ta:.2f} |")
        service.close()
    text = "\n".join(out) + "\n"
    args.out.write_text(text, "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
