"""Cross-language search through the glossary: recall, wrong hits and the latency it adds.

    python bench/glossary.py [--size 10000] [--skip-latency]

Corpus for quality: the bundled content/, the treebank documents of ../shared/eval/corpus
(read in place: 180 Hungarian news and 260 Czech legal/CAC documents, as distractors)
and a dozen short field documents written for this benchmark (below), each in one
language with no translation. Queries: for every concept some document holds, each of
its labels in Czech, English, Slovak and Hungarian, as written, inflected and without
accents. A document is relevant to a query when it holds a label of the concept (any
form, found by the glossary's own matcher over its words) and is in another language
than the query: recall@5 over those, with the glossary and without it.

A wrong glossary hit: a result reached only through the glossary (``via``) whose
document holds no label of that concept.

Latency: the search of a generated corpus (bench/generate.py, default 10k documents)
with the glossary step and without it, per query, for queries holding a label and
queries holding none.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KB_INDEX_WORKERS", "2")

from indexer import pipeline  # noqa: E402
from indexer.text.analysis import WORD_PATTERN, fold, index_forms  # noqa: E402
from kb.search import SearchService  # noqa: E402
from kb.search import glossary as gl  # noqa: E402

EVAL = ROOT.parent.parent / "shared" / "eval" / "corpus"
if not EVAL.is_dir():
    EVAL = Path("/work/shared/eval/corpus")

# Field documents without translations (written for this benchmark; inflected forms on purpose).
FIELD_DOCS = {
    "hu/tl-hazirend": (
        "A támogatott lakhatás házirendje",
        "A támogatott lakhatásban élők maguk döntenek a napirendjükről. A szolgáltatást igénybe vevő "
        "személyek saját lakásban vagy kis létszámú lakóotthonban élnek, a fenntartó pedig a "
        "szolgáltatási gyűrű tagjaival együtt szervezi meg a mindennapi segítséget.",
    ),
    "hu/kivaltas-terv": (
        "Intézményi férőhely kiváltási terv a megyében",
        "A megye nagy létszámú intézményeiben élő lakók számára a férőhely-kiváltás keretében új, "
        "közösségi lakhatási formák jönnek létre. Az intézményi férőhely kiváltás első üteme 2019-ben "
        "indult, a lakók egyéni felmérésével.",
    ),
    "hu/gyermekszegenyseg-jelentes": (
        "Jelentés a kistérségi gyermekszegénységről",
        "A gyermekszegénység elleni program a kistérség hat településén működik. A gyerekszegénység "
        "csökkentése érdekében a szakmaközi hálózat tagjai havonta egyeztetnek az érintett családokról.",
    ),
    "hu/hep-felulvizsgalat": (
        "A helyi esélyegyenlőségi program felülvizsgálata",
        "Az önkormányzat kétévente felülvizsgálja a helyi esélyegyenlőségi programját. A HEP "
        "intézkedési terve a mélyszegénységben élők, a nők és a fogyatékos emberek helyzetét tárgyalja.",
    ),
    "hu/tamogato-szolgalat-beszamolo": (
        "Éves beszámoló a támogató szolgálat munkájáról",
        "A támogató szolgálatunk tavaly 140 ellátottnak nyújtott személyi segítést és szállító "
        "szolgáltatást. A normatív finanszírozás nem fedezte a szállítás teljes költségét.",
    ),
    "cs/podporovane-bydleni-metodika": (
        "Metodika podporovaného bydlení",
        "Podporované bydlení je terénní služba, která lidem s postižením umožňuje žít v běžných bytech. "
        "Uživatelé služeb si sami hospodaří a pracovníci je podporují jen v tom, co potřebují.",
    ),
    "cs/transformace-zprava": (
        "Zpráva o transformaci pobytových sociálních služeb v kraji",
        "Transformace pobytových sociálních služeb pokračuje: z velkých ústavů se lidé stěhují do "
        "menších domácností v obcích. Deinstitucionalizace vyžaduje spolupráci kraje, obcí a poskytovatelů.",
    ),
    "cs/detska-chudoba-studie": (
        "Studie o dětské chudobě na Ostravsku",
        "Dětská chudoba se v regionu soustřeďuje do sociálně vyloučených lokalit. Chudoba dětí souvisí "
        "s nezaměstnaností rodičů a s nedostupným bydlením.",
    ),
    "cs/podpurne-sluzby-sit": (
        "Síť podpůrných služeb pro rodiny",
        "Podpůrné služby pomáhají rodinám s dětmi se zdravotním postižením. Mezioborová síť propojuje "
        "sociální pracovníky, lékaře a školy v mikroregionu.",
    ),
    "cs/komunitni-sluzby": (
        "Rozvoj komunitních služeb v obcích",
        "Komunitní služby nahrazují ústavní péči. Kraj podporuje pracovní skupiny, které plánují "
        "komunitní sociální služby společně s uživateli.",
    ),
    "sk/podporovane-byvanie": (
        "Podporované bývanie v Trnavskom kraji",
        "Podporované bývanie umožňuje ľuďom so zdravotným postihnutím žiť v bežných bytoch. "
        "Deinštitucionalizácia sociálnych služieb sa v kraji začala v roku 2012.",
    ),
}

# A hand-inflected form of labels (the rest are tried as written and unaccented).
INFLECTED = {
    "podporované bydlení": "podporovaného bydlení",
    "támogatott lakhatás": "támogatott lakhatásban",
    "podporované bývanie": "podporovaného bývania",
    "dětská chudoba": "dětské chudoby",
    "gyermekszegénység": "gyermekszegénységről",
    "szolgáltatási gyűrű": "szolgáltatási gyűrűt",
    "podpůrné služby": "podpůrných služeb",
    "transformace pobytových sociálních služeb": "transformaci pobytových sociálních služeb",
    "helyi esélyegyenlőségi program": "helyi esélyegyenlőségi programban",
    "támogató szolgálat": "támogató szolgálatok",
    "komunitní služby": "komunitních služeb",
    "szakmaközi hálózat": "szakmaközi hálózatban",
}
QUERY_LANGS = ("cs", "en", "sk", "hu")


def write_content(target: Path) -> None:
    shutil.copytree(ROOT / "content", target)
    for doc_id, (title, body) in FIELD_DOCS.items():
        path = target / f"{doc_id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        lang = doc_id.split("/")[0]
        path.write_text(f'---\ntitle: "{title}"\ntype: article\nlang: {lang}\n---\n\n{body}\n', "utf-8")
    if EVAL.is_dir():
        for lang in ("hu", "cs"):
            (target / "eval").mkdir(exist_ok=True)
            for path in sorted((EVAL / lang).glob("*.md")):
                shutil.copy(path, target / "eval" / f"{lang}-{path.name}")  # a temporary copy, deleted after


def concepts_held(service: SearchService, glossary: gl.Glossary, compounds: bool) -> dict[str, set[str]]:
    """Document id -> the concepts whose labels it holds: the glossary's matcher over its title,
    tags, summary and text; with ``compounds``, a Hungarian compound also holds its head
    (``gyermekszegénység`` holds ``szegénység``), as the index has it."""
    held: dict[str, set[str]] = {}
    total, _ = service.documents(page=1, limit=1)
    original, most = gl.word_forms, gl.MAX_CONCEPTS
    gl.word_forms = index_forms if compounds else original
    gl.MAX_CONCEPTS = 100_000  # every concept of a document, not a query's few
    try:
        page = 1
        while (page - 1) * 100 < total:
            _, docs = service.documents(page=page, limit=100)
            for doc in docs:
                full = service.document(doc["id"])
                parts = [
                    full["title"],
                    ", ".join(full.get("tags") or []),
                    full.get("summary") or "",
                    full.get("text", ""),
                ]
                found = set()
                for part in parts:
                    words = [w.lower() for w in WORD_PATTERN.findall(part)]
                    for start in range(0, len(words), 400):  # the matcher is meant for queries: feed it in pieces
                        found |= {
                            m.concept for m in glossary.match(words[max(0, start - 8) : start + 400], nested=True)
                        }
                held[doc["id"]] = found
            page += 1
    finally:
        gl.word_forms, gl.MAX_CONCEPTS = original, most
    return held


def queries_for(glossary: gl.Glossary, concept: str) -> list[tuple[str, str, str]]:
    """(query, its language, variant) for each label in the query languages."""
    found = []
    for lang in QUERY_LANGS:
        for label in glossary.concepts[concept].labels.get(lang, [])[:2]:
            variants = {"as written": label, "unaccented": fold(label)}
            if label in INFLECTED:
                variants["inflected"] = INFLECTED[label]
                variants["inflected, unaccented"] = fold(INFLECTED[label])
            seen = set()
            for variant, text in variants.items():
                if text.lower() not in seen:
                    seen.add(text.lower())
                    found.append((text, lang, variant))
    return found


def quality(service: SearchService) -> None:
    glossary = service.glossary()
    held = concepts_held(service, glossary, compounds=False)
    held_compounds = concepts_held(service, glossary, compounds=True)
    langs = {doc_id: service.document(doc_id)["lang"] for doc_id in held}
    concepts = sorted({c for cs in held.values() for c in cs if not c.startswith("eurovoc-")})
    eurovoc = sorted({c for cs in held.values() for c in cs if c.startswith("eurovoc-")})
    step = service._glossary_step
    rows = []
    via_total = via_wrong = via_wrong_compounds = 0
    for concept in concepts + eurovoc[:40]:
        for text, qlang, variant in queries_for(glossary, concept):
            relevant = {d for d, cs in held.items() if concept in cs and langs[d] != qlang}
            if not relevant:
                continue
            scores = {}
            for name, enabled in (("glossary", True), ("no glossary", False)):
                service._glossary_step = step if enabled else (lambda: None)
                result = service.search(text, limit=5, snippets=False)
                top = [h.id for h in result.hits]
                scores[name] = len(relevant & set(top)) / min(5, len(relevant))
                if enabled:
                    for hit in result.hits:
                        for via in hit.via:
                            via_total += 1
                            wrong = via.concept not in held.get(hit.id, set())
                            via_wrong += wrong
                            via_wrong_compounds += via.concept not in held_compounds.get(hit.id, set())
                            if wrong and os.environ.get("KB_BENCH_VERBOSE"):
                                print("wrong:", text, "->", hit.id, via.concept, via.label)
            service._glossary_step = step
            rows.append((concept, qlang, variant, text, scores["glossary"], scores["no glossary"]))
    print(
        f"\n{len(rows)} cross-language queries over {len(held)} documents ({len(concepts)} field concepts, "
        f"{min(40, len(eurovoc))} EuroVoc concepts)"
    )
    print(f"{'queries':<34}{'n':>5}{'recall@5 glossary':>20}{'without':>10}")

    def line(name: str, chosen: list) -> None:
        if chosen:
            with_g = statistics.mean(r[4] for r in chosen)
            without = statistics.mean(r[5] for r in chosen)
            print(f"{name:<34}{len(chosen):>5}{with_g:>20.3f}{without:>10.3f}")

    line("all", rows)
    line("field concepts (ours)", [r for r in rows if not r[0].startswith("eurovoc-")])
    line("EuroVoc concepts", [r for r in rows if r[0].startswith("eurovoc-")])
    for lang in QUERY_LANGS:
        line(f"query in {lang}", [r for r in rows if r[1] == lang])
    for variant in ("as written", "unaccented", "inflected", "inflected, unaccented"):
        line(variant, [r for r in rows if r[2] == variant])
    share = via_wrong / via_total if via_total else 0.0
    print(
        f"\nglossary hits in the top 5: {via_total}, wrong (document holds no label of the concept): "
        f"{via_wrong} ({share:.1%}); counting a Hungarian compound as holding its head: "
        f"{via_wrong_compounds} ({via_wrong_compounds / max(1, via_total):.1%})"
    )
    misses = [r for r in rows if r[4] < 1.0 and not r[0].startswith("eurovoc-")]
    if misses:
        print("field-concept queries below 1.0:", "; ".join(f"{r[3]} ({r[4]:.2f})" for r in misses[:12]))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(index_dir: Path, rounds: int) -> None:
    service = SearchService(index_dir)
    service.open()
    glossary = service.glossary()
    step = service._glossary_step
    matching = []
    for concept in (
        "supported-living",
        "deinstitutionalisation",
        "child-poverty",
        "support-services",
        "service-ring",
        "equal-opportunities-programme",
        "eurovoc-965",
        "eurovoc-4143",
        "eurovoc-2281",
        "eurovoc-1690",
    ):
        for lang in QUERY_LANGS:
            for label in glossary.concepts[concept].labels.get(lang, [])[:1]:
                matching += [label, fold(label)]
    plain = [
        "ülés jegyzőkönyv",
        "Szeged",
        "kormány döntés",
        "zákon o účetnictví",
        "účetní jednotka",
        "vlada",
        "parlament",
        "iskola",
        "rozvaha",
        "választás",
        "nemzeti bank",
        "obchodní rejstřík",
        "hitel",
        "daň z příjmů",
        "piac",
        "Budapest",
        "Praha",
        "minister",
        "pénzügy",
        "koruna",
    ]
    for text in matching + plain:  # warm up: postings, lemma look-ups, typo indexes
        service.search(text, limit=10, snippets=False)
    print(f"\nlatency at {service.stats()['documents']} documents, {rounds} rounds, in-process, limit 10, no snippets")
    from kb.search import plan as plans

    for name, queries in (("queries holding a label", matching), ("queries holding none", plain)):
        added, with_times, step_times = [], [], []
        best_with: dict[str, float] = {}
        best_without: dict[str, float] = {}
        for _ in range(rounds):
            for text in queries:
                service._glossary_step = lambda: None
                t0 = time.perf_counter()
                service.search(text, limit=10, snippets=False)
                without = time.perf_counter() - t0
                service._glossary_step = step
                t0 = time.perf_counter()
                service.search(text, limit=10, snippets=False)
                with_g = time.perf_counter() - t0
                added.append((with_g - without) * 1000)
                with_times.append(with_g * 1000)
                best_with[text] = min(best_with.get(text, 1e9), with_g * 1000)
                best_without[text] = min(best_without.get(text, 1e9), without * 1000)
                parsed = plans.parse(text)
                fake = plans.Plan(parsed, ["hu", "cs"], [plans.Clause(w, None) for w in parsed.words])
                t0 = time.perf_counter()
                gl.plan_step(glossary, fake)
                step_times.append((time.perf_counter() - t0) * 1000)
        best_added = [best_with[t] - best_without[t] for t in best_with]
        print(
            f"{name:<26} n={len(added):<5} search p50 {percentile(with_times, 50):6.2f} ms  "
            f"added p50 {percentile(added, 50):6.2f} p95 {percentile(added, 95):6.2f} ms  "
            f"(best of {rounds} per query: p50 {percentile(best_added, 50):5.2f} "
            f"p95 {percentile(best_added, 95):5.2f})  "
            f"step alone p50 {percentile(step_times, 50):.3f} p95 {percentile(step_times, 95):.3f} ms"
        )
    service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-glossary-bench-"))
    try:
        if not args.skip_quality:
            content = work / "content"
            write_content(content)
            pipeline.build(content, work / "index", full=True)
            service = SearchService(work / "index")
            quality(service)
            service.close()
        if not args.skip_latency:
            sys.path.insert(0, str(ROOT / "bench"))
            from generate import ensure

            corpus = ensure(args.size, ROOT / "bench" / "out" / f"corpus-{args.size}")
            index_dir = ROOT / "bench" / "out" / f"index-{args.size}-glossary"
            if not (index_dir / "current").exists():
                started = time.perf_counter()
                pipeline.build(corpus, index_dir, full=True)
                print(f"built {args.size} documents in {time.perf_counter() - started:.0f} s")
            latency(index_dir, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
