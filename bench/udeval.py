"""Search quality with queries from human lemma annotation (Universal Dependencies), against SQLite FTS5.

``bench/quality.py`` derives its query lemmas with simplemma, the lemmatizer the product
indexes with, so it cannot see the product's analysis fail. Here the dictionary forms come
from an independent source: the gold LEMMA column of UD treebanks (Hungarian Szeged; Czech
CLTT, CAC, FicTree, PUD), read in place from ``--ud DIR`` (or ``$KB_UD_DIR``), never copied.

1. Documents: per treebank file, consecutive sentences in documents of about 10 (never
   across a ``# newdoc``), written as Markdown (``title``: the first sentence cut to 80
   characters, ``type: article``, ``lang``) to a temporary folder, with each document's gold
   (form, lemma, UPOS) tokens kept aside.
2. One product index of all of them (``indexer.pipeline.build``, ``kb.search.SearchService``)
   and SQLite FTS5 (``unicode61 remove_diacritics 2``) over the same texts, per language.
3. Queries per language, seeded, accented and unaccented (diacritics folded):

   - ``lemma``: the gold lemma of a content word (NOUN, VERB, ADJ; alphabetic, >= 4 letters,
     in at most 3 documents) that its document holds only in inflected forms; relevant:
     every document with a token of that lemma;
   - ``lemma+typo``: those of >= 5 letters with one edit (adjacent transposition, a
     neighbouring key on a QWERTZ keyboard, a deletion, an insertion; never the first
     letter) that is no form or lemma of the corpus;
   - ``stem alternation``: the ``lemma`` queries whose folded lemma begins none of the
     folded forms of it in the document (cs *pes* / *psa*, hu *bokor* / *bokrot*);
   - ``question``: 3 gold lemmas of content words of a document (each in at most 5
     documents) and 3 of content words it lacks (drawn by token frequency from the other
     documents), shuffled, half of them after a question word; relevant: that document.

4. Systems: ``kb`` (``service.search(text, lang=lang, limit=10)``); FTS5 AND of the words,
   AND with prefix truncation (each word cut by up to 3 letters, at least 4 kept, ``"..."*``);
   for questions also FTS5 OR (bm25 order), plain and with prefixes.
5. Recall@10 and MRR@10 per language, class and accents; median and p95 ms per system;
   how often ``kb`` takes a dictionary form for a typo (a suggestion or a fuzzy match
   for a ``lemma`` query: the goal is 0) and how often it suggests for a real typo.

Only figures go to ``--out`` (Hungarian Szeged and Czech FicTree are CC BY-NC-SA: non-commercial);
the examples of dictionary forms taken for typos are printed, not written.

Usage: python bench/udeval.py [--ud DIR] [--out bench/udeval-results.md] [--per-class 400]
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))
from quality import Fts5  # noqa: E402  (the same FTS5 baseline as quality.py)

from indexer import pipeline  # noqa: E402
from kb.search import SearchService  # noqa: E402

SEED = 20261207
LANGS = ("hu", "cs")
CONTENT_UPOS = {"NOUN", "VERB", "ADJ"}
SENTENCES_PER_DOC = 10
MAX_LEMMA_DOCS = 3  # class a: a distinctive word
MAX_QUESTION_DOCS = 5  # class d: the target document's words
QUESTION_WORDS = {"hu": ("hogyan", "miért", "mikor"), "cs": ("jak", "proč", "kdy")}
CLASSES = ("lemma", "lemma+typo", "stem alternation", "question")
ACCENTS = ("accented", "unaccented")
WORD = re.compile(r"\w+")
TREEBANKS = "UD_Hungarian-Szeged, UD_Czech-CLTT, UD_Czech-CAC, UD_Czech-FicTree, UD_Czech-PUD"
# A German/Czech/Hungarian (QWERTZ) keyboard's letter rows; each row sits a little to the right of the one above.
KEY_ROWS = ("qwertzuiop", "asdfghjkl", "yxcvbnm")


def fold(text: str) -> str:
    """NFKD, combining marks dropped: ``Szerződés`` -> ``Szerzodes`` (independent of the product's own)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text) if not w.isdigit()]


def clean_lemma(lemma: str) -> str:
    """Szeged writes a verb's preverb with a ``+`` (``be+jelent``): the dictionary form is ``bejelent``."""
    return lemma.replace("+", "").lower()


# -- documents ---------------------------------------------------------------------


@dataclass
class Doc:
    id: str
    lang: str
    sentences: list[str]
    tokens: list[tuple[str, str, str]]  # (lowercased form, cleaned lemma, UPOS)
    forms: set[str] = field(default_factory=set)  # every lowercased word of the text and every token form

    @property
    def title(self) -> str:
        first = " ".join(self.sentences[0].split())
        if len(first) <= 80:
            return first
        cut = first[:81].rsplit(" ", 1)[0] if " " in first[:81] else first[:80]
        return cut.rstrip(" ,;:-") or first[:80]

    @property
    def text(self) -> str:
        return f"{self.title}\n" + " ".join(self.sentences)

    def markdown(self) -> str:
        meta = yaml.safe_dump({"title": self.title, "type": "article", "lang": self.lang}, allow_unicode=True)
        return f"---\n{meta}---\n" + " ".join(self.sentences) + "\n"


def read_conllu(path: Path) -> list[tuple[bool, str, list[tuple[str, str, str]]]]:
    """(starts a new document, text, tokens) per sentence; multiword ranges and empty nodes skipped."""
    sentences = []
    newdoc, text, tokens = False, None, []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            if text is not None or tokens:
                sentences.append((newdoc, text or " ".join(t[0] for t in tokens), tokens))
            newdoc, text, tokens = False, None, []
        elif line.startswith("#"):
            if line.startswith("# newdoc"):
                newdoc = True
            elif line.startswith("# text =") or line.startswith("# text="):
                text = line.split("=", 1)[1].strip()
        else:
            cols = line.split("\t")
            if len(cols) < 4 or not cols[0].isdigit():  # 1-2 (multiword range), 1.1 (empty node)
                continue
            tokens.append((cols[1].lower(), clean_lemma(cols[2]), cols[3]))
    if text is not None or tokens:
        sentences.append((newdoc, text or " ".join(t[0] for t in tokens), tokens))
    return sentences


def chunks(n: int, size: int = SENTENCES_PER_DOC) -> list[tuple[int, int]]:
    """``n`` sentences in ceil(n / size) runs of near-equal length."""
    parts = max(1, -(-n // size))
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1]) for i in range(parts) if bounds[i] < bounds[i + 1]]


def load_documents(ud: Path) -> tuple[dict[str, list[Doc]], dict[str, dict]]:
    docs: dict[str, list[Doc]] = {lang: [] for lang in LANGS}
    sizes: dict[str, dict] = {lang: {"files": [], "sentences": 0, "tokens": 0} for lang in LANGS}
    for lang in LANGS:
        for path in sorted(ud.glob(f"{lang}_*.conllu")):
            sentences = read_conllu(path)
            sizes[lang]["files"].append(path.name)
            sizes[lang]["sentences"] += len(sentences)
            sizes[lang]["tokens"] += sum(len(s[2]) for s in sentences)
            groups: list[list] = []
            for sentence in sentences:
                if sentence[0] or not groups:
                    groups.append([])
                groups[-1].append(sentence)
            for group in groups:
                for start, end in chunks(len(group)):
                    part = group[start:end]
                    doc = Doc(
                        f"{lang}/{path.stem}-{len(docs[lang]) + 1:04d}",
                        lang,
                        [s[1] for s in part],
                        [t for s in part for t in s[2]],
                    )
                    doc.forms = {t[0] for t in doc.tokens} | {w.lower() for s in doc.sentences for w in WORD.findall(s)}
                    docs[lang].append(doc)
    return docs, sizes


# -- queries -----------------------------------------------------------------------


@dataclass
class Query:
    lang: str
    cls: str
    text: str  # accented
    relevant: set[str]
    target: str
    detail: str = ""  # the typo's edit, the question's shape
    stem_alternation: bool = False
    negated: bool = False  # the document has the lemma only negated (cs ne-: UD lemmatizes negation away)
    written_elsewhere: bool = False  # a document not judged relevant writes the lemma as such (another gold lemma)


def content_lemma(lemma: str, upos: str) -> bool:
    return upos in CONTENT_UPOS and lemma.isalpha() and len(lemma) >= 4


def neighbours() -> dict[str, str]:
    keys: dict[str, str] = {}
    for r, row in enumerate(KEY_ROWS):
        for c, key in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            if r > 0:
                near += [KEY_ROWS[r - 1][i] for i in (c, c + 1) if i < len(KEY_ROWS[r - 1])]
            if r + 1 < len(KEY_ROWS):
                near += [KEY_ROWS[r + 1][i] for i in (c - 1, c) if 0 <= i < len(KEY_ROWS[r + 1])]
            keys[key] = "".join(near)
    return keys


NEIGHBOURS = neighbours()


def near_key(letter: str, rng: random.Random) -> str:
    return rng.choice(NEIGHBOURS.get(fold(letter), "aeiostnlkmr"))


def typo(word: str, rng: random.Random) -> tuple[str, str]:
    """One edit of ``word``, never of its first letter: (mistyped word, kind of edit)."""
    kind = rng.choice(("transposition", "substitution", "deletion", "insertion"))
    if kind == "transposition":
        spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
        if spots:
            i = rng.choice(spots)
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :], kind
        kind = "substitution"
    if kind == "substitution":
        i = rng.randrange(1, len(word))
        return word[:i] + near_key(word[i], rng) + word[i + 1 :], kind
    if kind == "deletion":
        i = rng.randrange(1, len(word))
        return word[:i] + word[i + 1 :], kind
    i = rng.randrange(1, len(word) + 1)  # an insertion after letter i-1: a key beside it
    return word[:i] + near_key(word[i - 1], rng) + word[i:], kind


def derive_queries(docs: list[Doc], lang: str, vocabulary: set[str], per_class: int) -> list[Query]:
    """The four classes for one language (see the module's docstring), each at most ``per_class``."""
    lemma_docs: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for _, lemma, _ in doc.tokens:
            lemma_docs[lemma].add(doc.id)

    # a. dictionary forms the document holds only inflected
    rng = random.Random(f"{SEED}-{lang}-lemma")
    candidates: list[tuple[str, Doc]] = []
    for doc in docs:
        mine = sorted(
            {
                lemma
                for _, lemma, upos in doc.tokens
                if content_lemma(lemma, upos) and lemma not in doc.forms and len(lemma_docs[lemma]) <= MAX_LEMMA_DOCS
            }
        )
        rng.shuffle(mine)
        candidates += [(lemma, doc) for lemma in mine[:3]]
    rng.shuffle(candidates)
    lemma_queries: list[Query] = []
    seen: set[str] = set()
    for lemma, doc in candidates:
        if lemma in seen or len(lemma_queries) >= per_class:
            continue
        seen.add(lemma)
        inflected = {form for form, lem, _ in doc.tokens if lem == lemma}
        alternation = not any(fold(form).startswith(fold(lemma)) for form in inflected)
        query = Query(lang, "lemma", lemma, set(lemma_docs[lemma]), doc.id, "", alternation)
        query.negated = all(form.startswith("ne") and not lemma.startswith("ne") for form in inflected)
        query.written_elsewhere = any(lemma in other.forms for other in docs if other.id not in query.relevant)
        lemma_queries.append(query)
    lemma_queries.sort(key=lambda q: (q.target, q.text))

    # b. the same with one typo that is no word of the corpus
    rng = random.Random(f"{SEED}-{lang}-typo")
    typo_queries = []
    for q in lemma_queries:
        if len(q.text) < 5:
            continue
        for _ in range(10):
            mistyped, kind = typo(q.text, rng)
            if fold(mistyped) != fold(q.text) and fold(mistyped) not in vocabulary:
                typo_queries.append(Query(lang, "lemma+typo", mistyped, q.relevant, q.target, f"{kind}:{q.text}"))
                break

    # c. stem alternations: a subset of a, flagged above
    stem_queries = [
        Query(lang, "stem alternation", q.text, q.relevant, q.target, "", True)
        for q in lemma_queries
        if q.stem_alternation
    ]

    # d. questions: three of the document's words, three it lacks
    rng = random.Random(f"{SEED}-{lang}-question")
    content_tokens = [(lemma, doc.id) for doc in docs for _, lemma, upos in doc.tokens if content_lemma(lemma, upos)]
    order = list(docs)
    rng.shuffle(order)
    question_queries = []
    rounds = 1 + (len(order) < per_class)  # a small treebank: two questions per document
    for _ in range(rounds):
        for doc in order:
            if len(question_queries) >= per_class:
                break
            own_lemmas = {lemma for _, lemma, _ in doc.tokens}
            topical = sorted(
                {
                    lemma
                    for _, lemma, upos in doc.tokens
                    if content_lemma(lemma, upos) and len(lemma_docs[lemma]) <= MAX_QUESTION_DOCS
                }
            )
            if len(topical) < 3:
                continue
            chosen = rng.sample(topical, 3)
            others: list[str] = []
            for _ in range(200):
                lemma, where = rng.choice(content_tokens)
                if where != doc.id and lemma not in own_lemmas and lemma not in others:
                    others.append(lemma)
                    if len(others) == 3:
                        break
            if len(others) < 3:
                continue
            mixed = chosen + others
            rng.shuffle(mixed)
            shape = "6 words"
            if rng.random() < 0.5:
                mixed.insert(0, rng.choice(QUESTION_WORDS[lang]))
                shape = "question word + 6"
            question_queries.append(Query(lang, "question", " ".join(mixed), {doc.id}, doc.id, shape))
    return lemma_queries + typo_queries + stem_queries + question_queries


# -- systems -----------------------------------------------------------------------


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float]:
    top = ranked[:10]
    recall = len(relevant & set(top)) / min(len(relevant), 10) if relevant else 0.0
    rank = next((i for i, d in enumerate(top, 1) if d in relevant), None)
    return recall, (1 / rank if rank else 0.0)


SYSTEMS = ("kb", "FTS5 AND", "FTS5 AND + prefix", "FTS5 OR", "FTS5 OR + prefix")


def systems_for(cls: str) -> tuple[str, ...]:
    return SYSTEMS if cls == "question" else SYSTEMS[:3]


@dataclass
class Run:
    recall: float
    rr: float
    ms: float
    suggestion: str | None = None
    fuzzy: bool = False


def run_all(queries: list[Query], service: SearchService, fts: dict[str, Fts5]) -> dict[tuple[int, str, str], Run]:
    """Every query, accented and unaccented, through every system of its class."""
    runs: dict[tuple[int, str, str], Run] = {}
    for i, q in enumerate(queries):
        for accents in ACCENTS:
            text = q.text if accents == "accented" else fold(q.text)
            for system in systems_for(q.cls):
                started = time.perf_counter()
                suggestion, fuzzy = None, False
                if system == "kb":
                    result = service.search(text, lang=q.lang, limit=10)
                    ranked = [h.id for h in result.hits]
                    suggestion, fuzzy = result.suggestion, result.fuzzy
                else:
                    ranked = fts[q.lang].search(text, prefix="prefix" in system, operator=system.split()[1])
                ms = (time.perf_counter() - started) * 1000
                runs[(i, accents, system)] = Run(*metrics(ranked, q.relevant), ms, suggestion, fuzzy)
    return runs


# -- report ------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def code_version() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    engine = git("log", "-1", "--format=%h", "--", "kb", "indexer")
    dirty = git("status", "--porcelain", "--", "kb", "indexer")
    where = f"kb/ and indexer/ last changed in {engine}" if engine else ""
    if dirty:
        where += ", with uncommitted changes"
    return f"{commit} ({where})" if where else commit


def mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else ""


def share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "n/a"


def report(
    queries: list[Query],
    runs: dict,
    docs: dict[str, list[Doc]],
    sizes: dict[str, dict],
    build_s: float,
    total_s: float,
) -> list[str]:
    out = ["# Search quality on Universal Dependencies lemmas: product vs SQLite FTS5", ""]
    out.append(
        f"Date {datetime.date.today().isoformat()}; code measured: commit {code_version()}; "
        f"seed {SEED}; see bench/udeval.py. Only figures here: the treebanks ({TREEBANKS}) "
        "are read in place, never copied."
    )
    out += [
        "",
        "## Corpus",
        "",
        "| language | treebank files | sentences | tokens | documents |",
        "|---|---|---:|---:|---:|",
    ]
    for lang in LANGS:
        s = sizes[lang]
        files = ", ".join(f.removesuffix(".conllu") for f in s["files"])
        out.append(f"| {lang} | {files} | {s['sentences']:,} | {s['tokens']:,} | {len(docs[lang]):,} |")
    n_docs = sum(len(d) for d in docs.values())
    out.append("")
    out.append(f"One product index of all {n_docs:,} documents, built in {build_s:.1f} s; whole run {total_s:.0f} s.")

    out += ["", "## Queries", "", "| language | " + " | ".join(CLASSES) + " |", "|---|" + "---:|" * len(CLASSES)]
    for lang in LANGS:
        counts = Counter(q.cls for q in queries if q.lang == lang)
        out.append(f"| {lang} | " + " | ".join(str(counts[c]) for c in CLASSES) + " |")
    edits = Counter((q.lang, q.detail.split(":")[0]) for q in queries if q.cls == "lemma+typo")
    shapes = Counter((q.lang, q.detail) for q in queries if q.cls == "question")
    out.append("")
    for lang in LANGS:
        kinds = ", ".join(f"{k} {edits[(lang, k)]}" for k in ("transposition", "substitution", "deletion", "insertion"))
        out.append(
            f"- {lang}: typos by edit: {kinds}; questions: {shapes[(lang, '6 words')]} of 6 words, "
            f"{shapes[(lang, 'question word + 6')]} with a question word in front."
        )
    for lang in LANGS:
        lemmas = [q for q in queries if q.lang == lang and q.cls == "lemma"]
        out.append(
            f"- {lang}: of the `lemma` queries, {sum(q.negated for q in lemmas)} have only negated forms in their "
            f"document (*ne-* + the lemma: UD lemmatizes negation away), {sum(q.written_elsewhere for q in lemmas)} "
            "are written as such in a document not judged relevant (a different gold lemma there)."
        )

    for lang in LANGS:
        out += [
            "",
            f"## Retrieval, {lang}",
            "",
            "| class | system | recall@10 | MRR@10 | recall@10 unacc. | MRR@10 unacc. |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for cls in CLASSES:
            chosen = [i for i, q in enumerate(queries) if q.lang == lang and q.cls == cls]
            for system in systems_for(cls):
                cells = []
                for accents in ACCENTS:
                    rows = [runs[(i, accents, system)] for i in chosen]
                    n = len(rows) or 1
                    cells += [f"{sum(r.recall for r in rows) / n:.3f}", f"{sum(r.rr for r in rows) / n:.3f}"]
                name = f"**{system}**" if system == "kb" else system
                out.append(f"| {cls} ({len(chosen)}) | {name} | " + " | ".join(cells) + " |")

    out += [
        "",
        "## Latency (every query, accented and unaccented)",
        "",
        "| system | " + " | ".join(f"{lang} median ms | {lang} p95 ms" for lang in LANGS) + " |",
        "|---|" + "---:|---:|" * len(LANGS),
    ]
    for system in SYSTEMS:
        cells = []
        for lang in LANGS:
            ms = [r.ms for (i, _, s), r in runs.items() if s == system and queries[i].lang == lang]
            cells += [f"{statistics.median(ms):.2f}" if ms else "", f"{percentile(ms, 0.95):.2f}" if ms else ""]
        out.append(f"| {system} | " + " | ".join(cells) + " |")

    out += [
        "",
        "## kb's spelling signals",
        "",
        'A `lemma` query is a real dictionary word: a suggestion ("Did you mean") or a fuzzy match means the '
        "product took it for a typo (goal 0). A `lemma+typo` query is a typo: a suggestion is wanted, best the "
        "intended dictionary form (compared folded).",
        "",
        "| language | signal | accented | unaccented |",
        "|---|---|---:|---:|",
    ]
    for lang in LANGS:
        lemma_ids = [i for i, q in enumerate(queries) if q.lang == lang and q.cls == "lemma"]
        typo_ids = [i for i, q in enumerate(queries) if q.lang == lang and q.cls == "lemma+typo"]
        rows = {
            "lemma: suggestion or fuzzy (a dictionary form taken for a typo)": lambda r, q: (
                bool(r.suggestion) or r.fuzzy
            ),
            "lemma: suggestion": lambda r, q: bool(r.suggestion),
            "lemma: fuzzy": lambda r, q: r.fuzzy,
        }
        for label, test in rows.items():
            cells = [share([test(runs[(i, a, "kb")], queries[i]) for i in lemma_ids]) for a in ACCENTS]
            out.append(f"| {lang} | {label} | " + " | ".join(cells) + " |")
        typo_rows = {
            "lemma+typo: suggestion": lambda r, q: bool(r.suggestion),
            "lemma+typo: suggestion is the dictionary form": lambda r, q: (
                bool(r.suggestion) and fold(r.suggestion.lower()) == fold(q.detail.split(":", 1)[1])
            ),
        }
        for label, test in typo_rows.items():
            cells = [share([test(runs[(i, a, "kb")], queries[i]) for i in typo_ids]) for a in ACCENTS]
            out.append(f"| {lang} | {label} | " + " | ".join(cells) + " |")

    out += [
        "",
        "What taking a word for a typo costs: kb's MRR@10 on the queries where some word got a suggestion or "
        "matched fuzzily, and on the others (accented; for `lemma+typo` that is the wanted behaviour).",
        "",
        "| language | class | flagged | MRR@10 flagged | not flagged | MRR@10 not flagged |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for lang in LANGS:
        for cls in CLASSES:
            rows = [runs[(i, "accented", "kb")] for i, q in enumerate(queries) if q.lang == lang and q.cls == cls]
            flagged = [r.rr for r in rows if r.suggestion or r.fuzzy]
            clear = [r.rr for r in rows if not (r.suggestion or r.fuzzy)]
            out.append(f"| {lang} | {cls} | {len(flagged)} | {mean(flagged)} | {len(clear)} | {mean(clear)} |")
    return out


def examples(queries: list[Query], runs: dict, limit: int) -> list[str]:
    """Dictionary forms kb took for typos (printed only: words of the treebanks stay out of the repo)."""
    lines = []
    for i, q in enumerate(queries):
        if q.cls != "lemma":
            continue
        for accents in ACCENTS:
            r = runs[(i, accents, "kb")]
            if r.suggestion or r.fuzzy:
                typed = q.text if accents == "accented" else fold(q.text)
                lines.append(
                    f"{q.lang}\t{typed}\t{accents}\tsuggestion={r.suggestion!r}\tfuzzy={r.fuzzy}\t"
                    f"recall@10={r.recall:.2f}\tRR={r.rr:.2f}"
                )
    return lines[:limit] if limit >= 0 else lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ud", type=Path, default=os.environ.get("KB_UD_DIR"), help="folder of the .conllu files")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "udeval-results.md")
    parser.add_argument("--per-class", type=int, default=400, help="queries per class and language at most")
    parser.add_argument("--examples", type=int, default=20, help="dictionary forms taken for typos to print (-1: all)")
    args = parser.parse_args()
    if args.ud is None or not any(args.ud.glob("hu_*.conllu")) or not any(args.ud.glob("cs_*.conllu")):
        where = (
            "no --ud DIR and no KB_UD_DIR set" if args.ud is None else f"no hu_*.conllu and cs_*.conllu in {args.ud}"
        )
        print(
            f"udeval: {where}. It needs the CoNLL-U files of {TREEBANKS} (github.com/UniversalDependencies, "
            "one repository each; e.g. git clone https://github.com/UniversalDependencies/UD_Czech-PUD) "
            "in one folder: pass it as --ud DIR or KB_UD_DIR.",
            file=sys.stderr,
        )
        return 2

    started = time.perf_counter()
    docs, sizes = load_documents(args.ud)
    vocabulary = {fold(w) for lang in LANGS for d in docs[lang] for w in d.forms}
    vocabulary |= {fold(lemma) for lang in LANGS for d in docs[lang] for _, lemma, _ in d.tokens}
    queries = [q for lang in LANGS for q in derive_queries(docs[lang], lang, vocabulary, args.per_class)]
    fts = {lang: Fts5({d.id: d.text for d in docs[lang]}) for lang in LANGS}

    with tempfile.TemporaryDirectory(prefix="udeval-") as tmp:
        content = Path(tmp) / "content"
        for lang in LANGS:
            (content / lang).mkdir(parents=True)
            for doc in docs[lang]:
                (content / f"{doc.id}.md").write_text(doc.markdown(), "utf-8")
        build_started = time.perf_counter()
        summary = pipeline.build(content, Path(tmp) / "index", full=True)
        build_s = time.perf_counter() - build_started
        if summary.total != sum(len(d) for d in docs.values()):
            print(
                f"udeval: the index holds {summary.total} documents, not {sum(map(len, docs.values()))}",
                file=sys.stderr,
            )
        service = SearchService(Path(tmp) / "index")
        warm = random.Random(SEED)
        for lang in LANGS:  # open the searcher and the typo index before anything is timed
            for doc in warm.sample(docs[lang], 5):
                service.search(doc.sentences[0].split()[0], lang=lang, limit=10)
                service.search("qxzvw", lang=lang, limit=10)
        runs = run_all(queries, service, fts)
        service.close()

    out = report(queries, runs, docs, sizes, build_s, time.perf_counter() - started)
    text = "\n".join(out) + "\n"
    args.out.write_text(text, "utf-8")
    print(text)
    found = examples(queries, runs, args.examples)
    total = len(examples(queries, runs, -1))
    print(f"Dictionary forms kb took for typos ({total} runs; not written to {args.out.name}):")
    print("\n".join(found) if found else "(none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
