"""Query shapes: quality and latency of each kind of query a person types, beside SQLite FTS5.

Shapes: one word, two words, unaccented, quoted phrase with a function word, one typo,
a typo in a pair, a 6-word question, filtered (lang), page 3, prefix (``suggest`` and a
truncated word searched as typed).

* **Quality** on the treebank corpus (``../shared/eval/corpus/{hu,cs}``, 440 documents,
  read in place; ``kb index`` runs on a scratch copy under bench/out/). Every query is
  built from one document's own words and the intended document is that document:
  recall@10 (1 when it is in the top 10) and MRR@10 per shape, for the search service
  and for FTS5 (``unicode61 remove_diacritics 2``, bm25) over the same documents.
  Typos (seeded): one edit for 5-8 letters, two from 9, each a deletion, transposition
  or substitution; FTS5 gets the typo'd words as they are.
* **Latency** p50/p95 per shape on the realistic corpus (bench/generate.py, default
  vocabulary) at each ``--sizes``, in-process through ``SearchService`` after a
  warm-up with queries of the same shapes drawn with another seed; FTS5 on the same
  corpus (MATCH with the words, a quoted phrase, ``word*`` for the prefix) in the same
  run. Ratios: each shape's p95 over the one-word p95, and ours over FTS5's.

Indexes are cached under bench/out/ (``rindex-<size>``, ``rfts-<size>.db``) and reused
while the corpus and the git commit are the same; ``--rebuild`` forces a new build.

    python bench/shapes.py --sizes 10000            # quality + 10k latency, ~15 min (loaded machine, cached index)
    python bench/shapes.py --sizes 10000 50000 --per-shape 60
    python bench/shapes.py --no-quality --sizes 1000

Writes a markdown table to stdout and to bench/shapes-results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

OUT = HERE / "out"
RESULTS = HERE / "shapes-results.md"
TREEBANK = generate.DEFAULT_SOURCE
LANGS = ("hu", "cs")
SEED = 20261201
WORD = re.compile(r"[^\W\d_]+")
# Function words for the phrase shape (a phrase search must cope with them) and the
# question frames; kept here so the benchmark does not depend on the engine's lists.
FUNCTION_WORDS = {
    "hu": {"a", "az", "és", "nem", "is", "hogy", "egy", "de", "meg", "már", "még", "csak", "ez", "azt", "van"},
    "cs": {"a", "na", "to", "je", "se", "v", "ve", "z", "do", "že", "o", "s", "i", "k", "by", "jako", "pro", "ne"},
}
QUESTIONS = {
    "hu": ["Mit tudunk arról: {}?", "Hogyan függ össze {}?", "Hol olvashatok erről: {}?"],
    "cs": ["Co víme o tom: {}?", "Jak souvisí {}?", "Kde najdu něco o: {}?"],
}
SHAPES = (
    "one word",
    "two words",
    "unaccented",
    "phrase with function word",
    "one typo",
    "typo in a pair",
    "6-word question",
    "filtered (lang)",
    "page 3",
    "prefix: suggest",
    "prefix: truncated word",
)


@dataclass
class Doc:
    id: str
    lang: str
    title: str
    body: str
    tokens: list[str] = field(default_factory=list)  # lower-cased words in order


@dataclass
class Query:
    shape: str
    text: str  # what the person types (for us)
    fts: str  # the FTS5 MATCH expression
    target: str  # the document the words came from
    lang: str
    filter_lang: str | None = None
    page: int = 1
    word: str = ""  # prefix: suggest, the word to be completed


# -- corpus --------------------------------------------------------------------------


def fold(text: str) -> str:
    return unicodedata.normalize(
        "NFC", "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    )


def read_doc(path: Path, root: Path) -> Doc:
    """Title, lang and body from a generated or treebank Markdown file (front matter by hand: fast)."""
    text = path.read_text("utf-8")
    front, body = "", text
    if text.startswith("---\n"):
        front, _, body = text[4:].partition("\n---\n")
    meta = dict(line.split(":", 1) for line in front.splitlines() if ":" in line)
    ident = path.relative_to(root).with_suffix("").as_posix()
    lang = meta.get("lang", "").strip() or ident.split("/", 1)[0]
    title = meta.get("title", "").strip().strip('"')
    body = re.sub(r"^#+ ", "", body, flags=re.M)
    return Doc(ident, lang, title, body, [w.lower() for w in WORD.findall(f"{title}\n{body}")])


def read_corpus(root: Path) -> list[Doc]:
    return [read_doc(p, root) for p in sorted(root.rglob("*.md"))]


def doc_frequencies(docs: list[Doc]) -> Counter:
    return Counter(w for d in docs for w in set(d.tokens))


# -- queries ---------------------------------------------------------------------------


def typo(word: str, rng: random.Random, alphabet: str) -> str:
    """One edit for 5-8 letters, two from 9: deletion, transposition or substitution."""
    for _ in range(2 if len(word) >= 9 else 1):
        kind = rng.choice(("delete", "transpose", "substitute"))
        i = rng.randrange(1, len(word) - 1)  # keep the first letter: people rarely miss it
        if kind == "delete":
            word = word[:i] + word[i + 1 :]
        elif kind == "transpose" and word[i] != word[i + 1]:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            word = word[:i] + rng.choice([c for c in alphabet if c != word[i]]) + word[i + 1 :]
    return word


def _quote(words: list[str]) -> str:
    return " ".join(f'"{w}"' for w in words)


class QueryMaker:
    """Queries of every shape from documents' own words.

    ``strict`` (quality): words must single out their document (one word in no other
    document, a pair together in no other), so the intended document is well defined."""

    def __init__(self, docs: list[Doc], strict: bool):
        self.docs = docs
        self.strict = strict
        self.df = doc_frequencies(docs)
        self.known = set(self.df)
        self.alphabet = {
            lang: "".join(sorted({c for d in docs if d.lang == lang for w in d.tokens[:400] for c in w}))
            for lang in LANGS
        }
        self.function = {lang: FUNCTION_WORDS[lang] for lang in LANGS}

    def content_words(self, doc: Doc, min_len: int = 5) -> list[str]:
        seen: dict[str, None] = {}
        for w in doc.tokens:
            if len(w) >= min_len and w not in self.function.get(doc.lang, ()):
                seen.setdefault(w)
        return list(seen)

    def distinctive(self, doc: Doc, rng: random.Random, min_len: int = 5, need=lambda w: True) -> str | None:
        words = [w for w in self.content_words(doc, min_len) if need(w) and (not self.strict or self.df[w] == 1)]
        return rng.choice(words) if words else None

    def pair(self, doc: Doc, rng: random.Random) -> tuple[str, str] | None:
        words = self.content_words(doc)
        if self.strict:
            words = [w for w in words if self.df[w] <= 20]
        for _ in range(30):
            if len(words) < 2:
                return None
            a, b = rng.sample(words, 2)
            if not self.strict or self.df[a] == 1 or self.df[b] == 1 or self._together(a, b) == 1:
                return a, b
        return None

    def _together(self, a: str, b: str) -> int:
        return sum(1 for d in self.docs if a in d.tokens and b in d.tokens)

    def typo_of(self, word: str, lang: str, rng: random.Random) -> str | None:
        for _ in range(10):  # a typo that happens to be another real word is no typo
            t = typo(word, rng, self.alphabet[lang])
            if t != word and t not in self.known:
                return t
        return None

    def make(self, shape: str, doc: Doc, rng: random.Random) -> Query | None:
        make = getattr(self, "_" + re.sub(r"\W+", "_", shape).strip("_"))
        return make(doc, rng)

    def _one_word(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng)
        return Query("one word", w, _quote([w]), doc.id, doc.lang) if w else None

    def _two_words(self, doc: Doc, rng: random.Random) -> Query | None:
        p = self.pair(doc, rng)
        return Query("two words", " ".join(p), _quote(list(p)), doc.id, doc.lang) if p else None

    def _unaccented(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng, need=lambda w: fold(w) != w)
        return Query("unaccented", fold(w), _quote([fold(w)]), doc.id, doc.lang) if w else None

    def _phrase_with_function_word(self, doc: Doc, rng: random.Random) -> Query | None:
        spans = []
        # Spans as a person copies them from the text: three words in a row, no number between them.
        words = [w.lower() for w in re.findall(r"\w+", doc.body)]
        for i in range(len(words) - 2):
            span = words[i : i + 3]
            if not all(WORD.fullmatch(w) for w in span):
                continue
            if any(w in self.function[doc.lang] for w in span) and sum(len(w) >= 4 for w in span) >= 1:
                if not self.strict or any(self.df[w] <= 3 for w in span):
                    spans.append(span)
        if not spans:
            return None
        span = rng.choice(spans)
        return Query(
            "phrase with function word", '"' + " ".join(span) + '"', '"' + " ".join(span) + '"', doc.id, doc.lang
        )

    def _one_typo(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng)
        t = w and self.typo_of(w, doc.lang, rng)
        return Query("one typo", t, _quote([t]), doc.id, doc.lang) if t else None

    def _typo_in_a_pair(self, doc: Doc, rng: random.Random) -> Query | None:
        p = self.pair(doc, rng)
        t = p and self.typo_of(p[1], doc.lang, rng)
        return Query("typo in a pair", f"{p[0]} {t}", _quote([p[0], t]), doc.id, doc.lang) if t else None

    def _6_word_question(self, doc: Doc, rng: random.Random) -> Query | None:
        words = self.content_words(doc)
        if len(words) < 6:
            return None
        chosen = sorted(rng.sample(range(len(words)), 6))  # in the document's order
        picked = [words[i] for i in chosen]
        text = rng.choice(QUESTIONS[doc.lang]).format(" ".join(picked))
        return Query("6-word question", text, _quote([w.lower() for w in WORD.findall(text)]), doc.id, doc.lang)

    def _filtered_lang(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng)
        return Query("filtered (lang)", w, _quote([w]), doc.id, doc.lang, filter_lang=doc.lang) if w else None

    def _page_3(self, doc: Doc, rng: random.Random) -> Query | None:
        # A word with at least 30 matches, so that page 3 exists (no intended document).
        words = [w for w in self.content_words(doc) if self.df[w] >= 30]
        if not words:
            return None
        w = rng.choice(words)
        return Query("page 3", w, _quote([w]), doc.id, doc.lang, page=3)

    def _prefix_suggest(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng, min_len=7)
        if not w:
            return None
        stub = w[: max(4, len(w) - 3)]
        return Query("prefix: suggest", stub, f'"{stub}"*', doc.id, doc.lang, word=w)

    def _prefix_truncated_word(self, doc: Doc, rng: random.Random) -> Query | None:
        w = self.distinctive(doc, rng, min_len=7)
        if not w:
            return None
        stub = w[: max(4, len(w) - 3)]
        return Query("prefix: truncated word", stub, f'"{stub}"*', doc.id, doc.lang, word=w)

    def queries(self, per_shape: int, seed: int, shapes=SHAPES) -> list[Query]:
        """Up to ``per_shape`` queries of each shape, from documents drawn in a seeded order."""
        rng = random.Random(seed)
        order = list(self.docs)
        rng.shuffle(order)
        made: list[Query] = []
        for shape in shapes:
            count = 0
            for doc in order:
                if count >= per_shape:
                    break
                q = self.make(shape, doc, rng)
                if q is not None:
                    made.append(q)
                    count += 1
        return made


# -- the two engines ---------------------------------------------------------------------


class Ours:
    """The search service through its public entry points only."""

    def __init__(self, index: Path):
        try:  # what a gunicorn worker does (kb/wsgi.py); optional while the layout moves
            from indexer.text.analysis import use_compact_dictionaries

            use_compact_dictionaries()
        except ImportError:
            pass
        from kb.search import SearchService

        self.service = SearchService(index)

    def run(self, q: Query) -> list[str]:
        if q.shape == "prefix: suggest":
            return [s["text"].split()[-1].lower() for s in self.service.suggest(q.text) if s.get("kind") == "term"]
        result = self.service.search(q.text, lang=q.filter_lang, page=q.page, limit=10)
        return [h.id for h in result.hits]


class Fts5:
    """SQLite FTS5, unicode61 remove_diacritics 2, bm25: the docs-search baseline."""

    def __init__(self, db: Path | str):
        self.con = sqlite3.connect(str(db))

    @staticmethod
    def build(docs: list[Doc], db: Path | str) -> Fts5:
        if str(db) != ":memory:" and Path(db).exists():
            Path(db).unlink()
        fts = Fts5(db)
        fts.con.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, lang UNINDEXED, title, body,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )
        with fts.con:
            fts.con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", ((d.id, d.lang, d.title, d.body) for d in docs))
        return fts

    def run(self, q: Query) -> list[str]:
        """The ids of the top ten (what the quality tables compare)."""
        return self._query(q, "id")

    def run_page(self, q: Query) -> list[str]:
        """What a result list shows, as the search service returns it: ids, titles, a
        snippet of each hit and the number of matches."""
        ids = self._query(q, "id, title, snippet(docs, 3, '<mark>', '</mark>', '…', 24)")
        self._query(q, "count(*)", top=False)
        return ids

    def _query(self, q: Query, columns: str, top: bool = True) -> list[str]:
        if q.shape == "prefix: suggest":
            return []  # no autocomplete of its own
        sql = f"SELECT {columns} FROM docs WHERE docs MATCH ?"
        args: list = [q.fts]
        if q.filter_lang:
            sql += " AND lang = ?"
            args.append(q.filter_lang)
        if top:
            sql += f" ORDER BY rank LIMIT 10 OFFSET {(q.page - 1) * 10}"
        try:
            return [row[0] for row in self.con.execute(sql, args)]
        except sqlite3.OperationalError:  # an expression FTS5 cannot parse finds nothing
            return []


# -- quality -------------------------------------------------------------------------------


def reciprocal_rank(ranked: list[str], wanted: str) -> float:
    return next((1 / i for i, r in enumerate(ranked[:10], 1) if r == wanted), 0.0)


def treebank_index(rebuild: bool) -> tuple[Path, Path]:
    """The treebank as content (a scratch copy: ``kb index`` may write beside it) and its index."""
    content, index = OUT / "treebank-content", OUT / "treebank-index"
    stamp = f"{code_version()}\n"
    if rebuild or not (index / ".bench-stamp").exists() or (index / ".bench-stamp").read_text() != stamp:
        shutil.rmtree(content, ignore_errors=True)
        shutil.rmtree(index, ignore_errors=True)
        for lang in LANGS:
            shutil.copytree(TREEBANK / lang, content / lang)
        kb_index(content, index, full=True)
        (index / ".bench-stamp").write_text(stamp)
    return content, index


def quality(per_shape: int, rebuild: bool) -> dict[str, dict]:
    content, index = treebank_index(rebuild)
    docs = read_corpus(content)
    maker = QueryMaker(docs, strict=True)
    queries = [q for q in maker.queries(per_shape, SEED) if q.shape != "page 3"]
    ours, fts = Ours(index), Fts5.build(docs, ":memory:")
    table: dict[str, dict] = {}
    for shape in SHAPES:
        chosen = [q for q in queries if q.shape == shape]
        if not chosen:
            continue
        row: dict = {"n": len(chosen)}
        for name, engine in (("kb", ours), ("fts", fts)):
            rrs = []
            for q in chosen:
                wanted = q.word if shape == "prefix: suggest" else q.target
                rrs.append(reciprocal_rank(engine.run(q), wanted))
            row[name] = (sum(r > 0 for r in rrs) / len(rrs), sum(rrs) / len(rrs))
        table[shape] = row
    table["_docs"] = {"n": len(docs)}
    ours.service.close()
    return table


# -- latency ---------------------------------------------------------------------------------


def code_version() -> str:
    """The commit the engine is built from, plus a mark when its files have changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    # The last commit of the engine, not HEAD: committing a benchmark must not void the cache.
    engine = ("kb", "indexer", "pyproject.toml")
    dirty = git("status", "--porcelain", "--", *engine)
    return git("log", "-1", "--format=%H", "--", *engine) + ("+dirty" if dirty else "")


def kb_index(content: Path, index: Path, full: bool) -> float:
    """Run the ``kb`` console script; its wall time in seconds."""
    kb = Path(sys.executable).with_name("kb")
    command = [str(kb) if kb.exists() else "kb", "index", "--content", str(content), "--index", str(index)]
    started = time.perf_counter()
    done = subprocess.run(command + (["--full"] if full else []), capture_output=True, text=True)
    if done.returncode not in (0, 2):
        raise SystemExit(f"kb index failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def realistic(size: int, rebuild: bool) -> tuple[Path, Path, Path]:
    """The realistic corpus of ``size`` documents, its kb index and FTS5 database (cached)."""
    content = generate.ensure(size, OUT / f"rcorpus-{size}")
    index, db = OUT / f"rindex-{size}", OUT / f"rfts-{size}.db"
    stamp = (content / ".generated").read_text() + code_version() + "\n"
    mark = index / ".bench-stamp"
    if rebuild or not mark.exists() or mark.read_text() != stamp:
        print(f"[{size}] kb index --full ...", file=sys.stderr, flush=True)
        shutil.rmtree(index, ignore_errors=True)
        kb_index(content, index, full=True)
        mark.write_text(stamp)
    fts_mark = OUT / f"rfts-{size}.stamp"
    corpus_stamp = (content / ".generated").read_text()
    if rebuild or not db.exists() or not fts_mark.exists() or fts_mark.read_text() != corpus_stamp:
        print(f"[{size}] FTS5 load ...", file=sys.stderr, flush=True)
        Fts5.build(read_corpus(content), db).con.close()
        fts_mark.write_text(corpus_stamp)
    return content, index, db


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(runs: dict[str, Callable[[Query], list[str]]], queries: list[Query]) -> dict[str, dict[str, list[float]]]:
    """Each query through every engine in turn, in a rotating order, so that a moment of load
    on this shared machine falls on all of them alike: {engine: {shape: [ms, ...]}}."""
    times: dict[str, dict[str, list[float]]] = {name: {} for name in runs}
    names = list(runs)
    for i, q in enumerate(queries):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            runs[name](q)
            times[name].setdefault(q.shape, []).append((time.perf_counter() - started) * 1000)
    return times


def latency(size: int, per_shape: int, warmup: int, rebuild: bool) -> dict[str, dict]:
    content, index, db = realistic(size, rebuild)
    print(f"[{size}] queries ...", file=sys.stderr, flush=True)
    docs = read_corpus(content)
    maker = QueryMaker(docs, strict=False)
    measured = maker.queries(per_shape, SEED)
    warm = maker.queries(warmup, SEED + 1)  # other words: nothing measured is cached by the warm-up
    del docs, maker
    print(f"[{size}] search service ...", file=sys.stderr, flush=True)
    ours, fts = Ours(index), Fts5(db)
    runs = {"kb": ours.run, "fts": fts.run, "fts page": fts.run_page}
    timed(runs, warm)
    times = timed(runs, measured)
    ours.service.close()
    return times


# -- report ----------------------------------------------------------------------------------


def quality_table(table: dict[str, dict]) -> list[str]:
    lines = [
        f"### Quality on the treebank corpus ({table['_docs']['n']} documents, hu + cs)",
        "",
        "| shape | queries | kb recall@10 | kb MRR@10 | FTS5 recall@10 | FTS5 MRR@10 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for shape in SHAPES:
        if shape not in table:
            continue
        row = table[shape]
        fts = "n/a | n/a" if shape == "prefix: suggest" else f"{row['fts'][0]:.3f} | {row['fts'][1]:.3f}"
        lines.append(f"| {shape} | {row['n']} | {row['kb'][0]:.3f} | {row['kb'][1]:.3f} | {fts} |")
    lines += [
        "",
        "Page 3 has no intended document and is measured for latency only. *prefix: suggest*: the "
        "word is the first max(4, n-3) letters of a distinctive word of 7+ letters; recall = the "
        "whole word among `suggest()`'s term completions, MRR its rank there (FTS5 has no "
        'autocomplete). *prefix: truncated word*: the same stub searched as typed (FTS5: `"stub"*`).',
    ]
    return lines


def latency_table(size: int, times: dict[str, dict]) -> list[str]:
    kb, fts, page = times["kb"], times["fts"], times["fts page"]
    base_kb = percentile(kb["one word"], 95)
    base_fts, base_page = percentile(fts["one word"], 95), percentile(page["one word"], 95)
    lines = [
        f"### Latency at {size:,} documents (realistic corpus), ms",
        "",
        "FTS5: the ten ids; FTS5 page: ids, titles, `snippet()` and `count(*)`, what the search "
        "service returns. Each query ran through the three in turn (rotating order).",
        "",
        "| shape | queries | kb p50 | kb p95 | p95 / one-word p95 | FTS5 p50 / p95 | FTS5 page p50 / p95 "
        "| kb p95 / FTS5 p95 | kb p95 / FTS5 page p95 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for shape in SHAPES:
        if shape not in kb:
            continue
        k, f, g = kb[shape], fts[shape], page[shape]
        p95 = percentile(k, 95)
        if shape == "prefix: suggest":
            fts_cells = "n/a | n/a | n/a | n/a"
        else:
            f95, g95 = percentile(f, 95), percentile(g, 95)
            fts_cells = (
                f"{statistics.median(f):.2f} / {f95:.2f} | {statistics.median(g):.2f} / {g95:.2f} "
                f"| {p95 / max(f95, 1e-3):.1f}× | {p95 / max(g95, 1e-3):.1f}×"
            )
        lines.append(
            f"| {shape} | {len(k)} | {statistics.median(k):.1f} | {p95:.1f} | {p95 / base_kb:.2f}× | {fts_cells} |"
        )
    lines += [
        "",
        f"One-word p95: kb {base_kb:.1f} ms, FTS5 {base_fts:.2f} ms ({base_kb / max(base_fts, 1e-3):.1f}×), "
        f"FTS5 page {base_page:.2f} ms ({base_kb / max(base_page, 1e-3):.1f}×).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000], help="realistic corpus sizes for latency")
    parser.add_argument("--per-shape", type=int, default=60, help="measured latency queries per shape")
    parser.add_argument("--warmup", type=int, default=4, help="warm-up queries per shape (another seed)")
    parser.add_argument("--quality-per-shape", type=int, default=440, help="treebank queries per shape (at most)")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached indexes under bench/out/")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    lines = [
        "# Query shapes (bench/shapes.py)",
        "",
        f"{dt.date.today().isoformat()}, commit {code_version()[:12]}, {os.cpu_count()} cores. "
        f"Latency: {args.per_shape} queries per shape after {args.warmup} warm-up queries per shape "
        "(another seed), in-process, snippets on; FTS5 in the same run.",
    ]
    if not args.no_quality:
        print("[treebank] quality ...", file=sys.stderr, flush=True)
        lines += [""] + quality_table(quality(args.quality_per_shape, args.rebuild))
    for size in args.sizes:
        lines += [""] + latency_table(size, latency(size, args.per_shape, args.warmup, args.rebuild))
    lines += ["", f"Run time {time.perf_counter() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
