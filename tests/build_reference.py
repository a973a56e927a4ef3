"""What a build wrote, reduced to digests that can be compared field by field, and a generated
corpus to build: the reference data of tests/test_build_reference.py.

The digests hold terms and postings (per field, in buckets by a term's first character, so a
difference names the field and the bucket), every stored field and column of every document,
field lengths, the catalogue's tables (related lists and key terms included) and the compiled
glossary. Documents are named by their ``id``, never their number, so the order in which
workers finished does not count.

Write the reference anew (only when the build is meant to change what it writes):

    python -m tests.build_reference tests/data/build-reference
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import random
import re
import sqlite3
import sys
from collections.abc import Collection, Mapping
from pathlib import Path

from whoosh.index import open_dir

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
FIXED_MTIME = 1_700_000_000  # every file's mtime, so the catalogue's and history's times repeat


def _sha(value: object) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _bucket(term: bytes) -> str:
    try:
        text = term.decode("utf-8")
    except UnicodeDecodeError:
        return f"x{term[:1].hex()}"
    return text[:1] or "-"


def index_digest(index_dir: Path, ignore: Collection[str] = (), meta_as: Mapping[str, object] | None = None) -> dict:
    """The digest of the published generation in ``index_dir``. Fields and catalogue columns named in
    ``ignore`` are left out, as if the build had not written them; the catalogue's meta rows named in
    ``meta_as`` are given those values (a version bumped for such a column)."""
    meta_as = meta_as or {}
    generation = (index_dir / "current").resolve()
    ix = open_dir(str(generation))
    out: dict = {"terms": {}, "documents": {}, "catalogue": {}, "files": {}}
    with ix.reader() as reader:
        ids = {n: reader.stored_fields(n)["id"] for n in reader.all_doc_ids()}
        terms: dict[str, dict[str, list]] = {}
        for fieldname, term in reader.all_terms():
            if fieldname in ignore:
                continue
            postings = []
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                postings.append((ids[matcher.id()], matcher.weight(), bytes(matcher.value() or b"")))
                matcher.next()
            postings.sort()
            terms.setdefault(fieldname, {}).setdefault(_bucket(term), []).append((term, postings))
        out["terms"] = {
            name: {bucket: _sha(items) for bucket, items in sorted(buckets.items())}
            for name, buckets in sorted(terms.items())
        }
        schema = ix.schema
        columns: dict[str, dict[int, object]] = {}
        for leaf, offset in reader.leaf_readers():  # a multi-segment column reader mis-counts its offsets
            for name in schema.names():
                if schema[name].column_type and name not in ignore:
                    values = leaf.column_reader(name)
                    columns.setdefault(name, {}).update((offset + n, values[n]) for n in leaf.all_doc_ids())
        scorable = [name for name in schema.scorable_names()]
        for n, ident in ids.items():
            stored = reader.stored_fields(n)
            doc = {f"stored:{k}": _sha(v) for k, v in sorted(stored.items()) if k not in ignore}
            doc.update({f"column:{k}": _sha(v[n]) for k, v in sorted(columns.items())})
            # A segment without the field answers None, not the default: both mean "not in it".
            doc["lengths"] = _sha([(name, reader.doc_field_length(n, name, 0) or 0) for name in scorable])
            out["documents"][ident] = doc
    ix.close()
    with sqlite3.connect(generation / "kb-catalogue.sqlite") as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            kept = [name for _, name, *_ in db.execute(f"PRAGMA table_info({table})") if name not in ignore]
            rows = sorted(db.execute(f"SELECT {', '.join(kept)} FROM {table}"), key=repr)
            if table == "meta":  # named rows: a catalogue version bumped since is read as the one it replaced
                rows = sorted(((k, meta_as.get(k, v)) for k, v in rows), key=repr)
            out["catalogue"][table] = _sha(rows)
    db.close()
    for name in ("glossary.json",):
        out["files"][name] = hashlib.sha256((generation / name).read_bytes()).hexdigest()[:16]
    return out


def differences(expected: dict, actual: dict, path: str = "") -> list[str]:
    """Each place the two digests differ, as ``section/key/...: expected != actual``."""
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return [] if expected == actual else [f"{path}: {expected!r} != {actual!r}"]
    found = []
    for key in sorted(expected.keys() | actual.keys()):
        where = f"{path}/{key}" if path else key
        if key not in actual:
            found.append(f"{where}: missing")
        elif key not in expected:
            found.append(f"{where}: not in the reference")
        else:
            found.extend(differences(expected[key], actual[key], where))
    return found


def _sentences() -> dict[str, list[str]]:
    """The bundled content's sentences by language (its body text, front matter left out)."""
    by_lang: dict[str, list[str]] = {}
    for path in sorted(CONTENT.rglob("*.md")):
        if path.name == "README.md":
            continue
        lang = path.relative_to(CONTENT).parts[0]
        body = path.read_text("utf-8").split("\n---", 2)[-1]
        text = re.sub(r"[#*_`>\[\]()|-]+", " ", body)
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            words = sentence.split()
            if 4 <= len(words) <= 40:
                by_lang.setdefault(lang, []).append(" ".join(words))
    return by_lang


def generated_corpus(root: Path, size: int = 240, seed: int = 29) -> Path:
    """``size`` documents recombined from the bundled content's sentences, with varied front
    matter (no ``lang`` for some, tags, translation keys, dates, links between documents)."""
    rng = random.Random(seed)
    sentences = _sentences()
    langs = sorted(sentences)
    types = ["protocol", "forum", "presentation", "guidance"]
    for n in range(size):
        lang = langs[n % len(langs)]
        pool = sentences[lang]
        title = " ".join(rng.choice(pool).split()[:6]).rstrip(".,;:")
        front = [f"title: {json.dumps(title, ensure_ascii=False)}", f"type: {rng.choice(types)}"]
        if n % 5:
            front.append(f"lang: {lang}")
        if n % 3 == 0:
            front.append(f"translation_key: family-{n // 9}")
        front.append(f"date: {dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1500))}")
        tags = rng.sample(["lakhatás", "služby", "network", "forum", "kraj", "szakma"], rng.randint(0, 3))
        if tags:
            front.append(f"tags: [{', '.join(tags)}]")
        paragraphs = []
        for p in range(rng.randint(2, 6)):
            paragraphs.append(f"## {rng.choice(pool)[:40]}" if p and rng.random() < 0.4 else "")
            paragraphs.append(" ".join(rng.choice(pool) for _ in range(rng.randint(2, 8))))
        if n and rng.random() < 0.3:
            paragraphs.append(f"See [the earlier one](../{langs[(n - 1) % len(langs)]}/doc-{n - 1:04d}.md).")
        path = root / lang / f"doc-{n:04d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "---\n" + "\n".join(front) + "\n---\n\n" + "\n\n".join(p for p in paragraphs if p) + "\n", "utf-8"
        )
    fix_mtimes(root)
    return root


def fix_mtimes(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))


def fixed_shares() -> None:
    """Each segment worker keeps its own run of files, none left for whoever is free first: which
    documents share a segment then does not depend on timing, and neither do document numbers
    (related lists break ties in score by document number, as Whoosh's ``more_like`` does)."""
    try:
        from indexer.build import segments
    except ImportError:  # the flat layout the reference was written with
        from indexer import segments
    segments._SHARED = 0.0


def build_digest(
    content: Path,
    index_dir: Path,
    ignore: Collection[str] = (),
    meta_as: Mapping[str, object] | None = None,
    **build_args,
) -> dict:
    from indexer import pipeline

    summary = pipeline.build(content, index_dir, full=True, **build_args)
    assert summary.failed == 0, summary.problems
    return index_digest(index_dir, ignore, meta_as)


def write(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, sort_keys=True, indent=0)


def read(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def main(out: Path) -> None:
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        content = tmp_path / "content"
        shutil.copytree(CONTENT, content)
        fix_mtimes(content)
        write(build_digest(content, tmp_path / "index-bundled"), out / "bundled.json.gz")
        corpus = generated_corpus(tmp_path / "generated")
        fixed_shares()
        write(build_digest(corpus, tmp_path / "index-generated", workers=2), out / "generated.json.gz")


if __name__ == "__main__":
    os.environ.setdefault("KB_CACHE_DIR", "off")
    main(Path(sys.argv[1]))
