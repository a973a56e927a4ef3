"""The glossary compiled into an index generation: each label's analysed word forms, as JSON.

Compiled only when the files' bytes changed (their problems are kept beside the compiled
file), and the labels analysed only when the concepts changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from importlib import resources
from pathlib import Path

from indexer.documents import paths
from indexer.documents.model import Problem
from indexer.glossary import files
from indexer.glossary.files import DEFAULT_SOURCES, FORMAT_VERSION, GLOSSARY_FILE, Concept, content_files
from indexer.text import lemmas
from indexer.text.analysis import LANGUAGES, WORD_PATTERN, word_forms


def label_forms(text: str, lang: str) -> list[list[str]]:
    """Per word of a label, its folded index forms in ``lang`` (surface, stems, lemmas)."""
    return [list(word_forms(word, lang)) for word in WORD_PATTERN.findall(text.lower())]


def compile_glossary(concepts: list[Concept]) -> dict:
    """What the query side needs, as JSON: each concept with each label's analysed forms."""
    lemmas.prepare_tables({lang for c in concepts for lang, labels in c.labels.items() if labels and lang in LANGUAGES})
    return {
        "version": FORMAT_VERSION,
        "concepts": [
            {
                "id": c.id,
                "source": c.source,
                "labels": {lang: labels for lang, labels in c.labels.items() if labels},
                "note": c.note,
                "forms": {lang: [label_forms(t, lang) for t in labels] for lang, labels in c.labels.items() if labels},
            }
            for c in concepts
            if any(c.labels.values())
        ],
    }


def build_into(
    generation: Path, content_dir: Path | None, *, include_default: bool | None = None
) -> tuple[bool, list[Problem]]:
    """Compile the glossary into ``generation``; (whether it changed, the content's problems).

    The files are loaded and validated only when their bytes changed since the last
    run (their problems are kept beside the compiled file, so ``kb index`` reports a
    broken file every time); the labels are analysed (slow) only when the
    concepts changed.
    """
    if include_default is None:
        include_default = True
    target = Path(generation) / GLOSSARY_FILE
    sources = _sources_key(content_dir, include_default)
    kept = _stored_problems(generation, sources)
    if kept is not None and target.exists() and stored_fingerprint(generation) is not None:
        return False, kept
    concepts, problems = files.load(content_dir, include_default=include_default)
    inputs = _fingerprint(concepts)
    changed = not (stored_fingerprint(generation) == inputs and target.exists())
    if changed:
        text = _compiled_text(inputs, concepts)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, target)
        (Path(generation) / FINGERPRINT_FILE).write_text(inputs, "utf-8")
    _store_problems(generation, sources, problems)
    return changed, problems


#: The fingerprint of the glossary's source files and their problems, beside the compiled file.
SOURCES_FILE = "glossary.sources"


def _sources_key(content_dir: Path | None, include_default: bool) -> str:
    """A hash of everything loading depends on: the files' bytes, the setting and the analysers' versions.

    Cheaper than parsing them (the shipped files are a lot of YAML, and every ``kb index``
    would pay for it). simplemma's version is read from its metadata
    file, not by importing it.
    """
    digest = hashlib.sha256(f"{FORMAT_VERSION}:{include_default}".encode())
    spec = importlib.util.find_spec("simplemma")
    if spec is not None and spec.origin:
        digest.update(Path(spec.origin).with_name("__metadata__.py").read_bytes())
    named: list[tuple[str, bytes]] = []
    if include_default:
        folder = resources.files("indexer") / "data" / "glossary"
        named += [(f"default/{name}", (folder / name).read_bytes()) for name in sorted(DEFAULT_SOURCES)]
    for path in content_files(content_dir) if content_dir else []:
        refused = paths.refusal(content_dir, path)
        if refused is not None:  # never read (load() reports it); a link made or mended is a change
            named.append((f"content/{path.name}", f"\0refused: {refused}".encode()))
            continue
        try:
            named.append((f"content/{path.name}", path.read_bytes()))
        except OSError:
            named.append((f"content/{path.name}", b"\0unreadable"))
    for name, data in named:
        digest.update(f"\0{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _stored_problems(generation: Path, sources: str) -> list[Problem] | None:
    """The problems recorded for these exact sources, or None when they were not recorded."""
    try:
        data = json.loads((Path(generation) / SOURCES_FILE).read_text("utf-8"))
        if data.get("sources") != sources:
            return None
        return [Problem(path, line, message, severity) for path, line, message, severity in data["problems"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store_problems(generation: Path, sources: str, problems: list[Problem]) -> None:
    rows = [[p.path, p.line, p.message, p.severity] for p in problems]
    target = Path(generation) / SOURCES_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sources": sources, "problems": rows}, ensure_ascii=False), "utf-8")
    os.replace(tmp, target)


_compiled: dict[str, str] = {}


def _compiled_text(inputs: str, concepts: list[Concept]) -> str:
    """The compiled JSON, kept per process: a process that builds several indexes analyses the labels once."""
    if inputs not in _compiled:
        data = compile_glossary(concepts)
        data["inputs"] = inputs
        _compiled.clear()
        _compiled[inputs] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _compiled[inputs]


#: The compiled glossary's fingerprint beside it: read without parsing the glossary itself.
FINGERPRINT_FILE = "glossary.inputs"


def _fingerprint(concepts: list[Concept]) -> str:
    """Everything the compiled file depends on: the concepts and the analysers' versions."""
    import simplemma
    import snowballstemmer

    key = [FORMAT_VERSION, simplemma.__version__, getattr(snowballstemmer, "__version__", "")]
    key += [[c.id, c.source, c.labels, c.note] for c in concepts]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def stored_fingerprint(generation: Path) -> str | None:
    """The fingerprint of the generation's compiled glossary (None: none compiled)."""
    try:
        return (Path(generation) / FINGERPRINT_FILE).read_text("utf-8")
    except OSError:
        return None


def read_compiled(generation: Path) -> dict:
    """The compiled glossary of an index generation ({} when it has none)."""
    try:
        data = json.loads((Path(generation) / GLOSSARY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if data.get("version") == FORMAT_VERSION else {}
