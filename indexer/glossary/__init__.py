"""The glossary: concepts with labels in several languages, for cross-language search.

Files are YAML lists of concepts (the format is in PRODUCT.md)::

    - id: supported-living
      labels: {hu: [támogatott lakhatás, TL], cs: [podporované bydlení]}
      note: {en: "Housing with individual support instead of an institution."}

The product ships a default glossary (``indexer/data/glossary/``: EuroVoc's social
questions and our own field terms); ``content/glossary/*.yaml`` adds to it. This module
loads and validates the files (every problem as ``path:line: message``, lines from
YAML's node marks) and compiles them, with each label's analysed word forms, into a
``glossary.json`` beside the index segments, so the query side reads one file per
index generation and analyses nothing.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from indexer.documents import paths
from indexer.documents.model import Problem
from indexer.text import lemmas
from indexer.text.analysis import LANGUAGES, WORD_PATTERN, fold, word_forms

#: The content folder that holds glossary files instead of documents.
GLOSSARY_DIR = "glossary"
#: The compiled glossary inside an index generation.
GLOSSARY_FILE = "glossary.json"
#: Bump when the compiled shape or the analysis of labels changes.
FORMAT_VERSION = 1
#: Where a concept comes from (shown on its page): the default files by name, then the content's.
DEFAULT_SOURCES = {"eurovoc-social.yaml": "eurovoc", "social-services.yaml": "kb"}
LOCAL = "local"

_KNOWN_KEYS = ("id", "labels", "note")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's nodes carry marks too
_NULL = "tag:yaml.org,2002:null"


@dataclass
class Concept:
    id: str
    labels: dict[str, list[str]]  # language -> labels, the preferred one first
    note: dict[str, str] = field(default_factory=dict)
    source: str = LOCAL
    path: str = ""
    line: int = 1
    label_lines: dict[tuple[str, str], int] = field(default_factory=dict, repr=False, compare=False)


def label_key(text: str) -> str:
    """What makes two labels the same: their folded, lower-cased words (``Férőhely-kiváltás``: ferohely kivaltas)."""
    return " ".join(fold(word) for word in WORD_PATTERN.findall(text.lower()))


# -- reading one file ------------------------------------------------------


def parse_text(text: str, path: str, source: str = LOCAL) -> tuple[list[Concept], list[Problem]]:
    """The concepts of one file's text and the problems of each (a broken concept is left out)."""
    try:
        root = yaml.compose(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [], [Problem(path, mark.line + 1 if mark else 1, f"invalid YAML: {reason}")]
    if root is None or (isinstance(root, yaml.ScalarNode) and root.tag == _NULL):
        return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [Problem(path, _line(root), "a glossary file is a list of concepts ('- id: ...' entries)")]
    concepts: list[Concept] = []
    problems: list[Problem] = []
    for node in root.value:
        concept = _concept(node, path, source, problems)
        if concept is not None:
            concepts.append(concept)
    return concepts, problems


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node) -> str | None:
    """A scalar's text, '' for an empty one, None for a list or mapping."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    return "" if node.tag == _NULL else " ".join(str(node.value).split())


def _concept(node: yaml.Node, path: str, source: str, problems: list[Problem]) -> Concept | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(path, _line(node), "a concept is a mapping with 'id' and 'labels'"))
        return None
    keys = {}
    for key_node, value_node in node.value:
        name = _scalar(key_node) or ""
        if name not in _KNOWN_KEYS:
            problems.append(
                Problem(path, _line(key_node), f"unknown key '{name}' (expected id, labels, note)", "warning")
            )
        keys[name] = (key_node, value_node)
    if "id" not in keys or not _scalar(keys["id"][1]):
        line = _line(keys["id"][1]) if "id" in keys else _line(node)
        problems.append(Problem(path, line, "concept without an 'id'"))
        return None
    ident = _scalar(keys["id"][1])
    if "labels" not in keys:
        problems.append(Problem(path, _line(node), f"concept '{ident}' has no 'labels'"))
        return None
    concept = Concept(id=ident, labels={}, source=source, path=path, line=_line(keys["id"][1]))
    labels_node = keys["labels"][1]
    if not isinstance(labels_node, yaml.MappingNode) or not labels_node.value:
        problems.append(Problem(path, _line(labels_node), f"concept '{ident}': 'labels' maps languages to label lists"))
        return None
    for lang_node, value in labels_node.value:
        lang = _language(lang_node, path, problems)
        if lang is None:
            continue
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        seen = {label_key(t) for t in concept.labels.get(lang, [])}
        for item in items:
            text = _scalar(item)
            if text is None:
                problems.append(Problem(path, _line(item), f"concept '{ident}': a label is a piece of text"))
            elif not label_key(text):
                problems.append(Problem(path, _line(item), f"concept '{ident}': empty label in '{lang}'"))
            elif label_key(text) in seen:
                problems.append(Problem(path, _line(item), f"concept '{ident}': label '{text}' twice", "warning"))
            else:
                seen.add(label_key(text))
                concept.labels.setdefault(lang, []).append(text)
                concept.label_lines[(lang, label_key(text))] = _line(item)
    if not concept.labels:
        problems.append(Problem(path, _line(labels_node), f"concept '{ident}' has no usable label"))
        return None
    if "note" in keys:
        note = keys["note"][1]
        if isinstance(note, yaml.MappingNode):
            for lang_node, text_node in note.value:
                lang = _language(lang_node, path, problems)
                text = _scalar(text_node)
                if lang and text:
                    concept.note[lang] = text
        elif _scalar(note):
            concept.note["en"] = _scalar(note)
    return concept


def _language(node: yaml.Node, path: str, problems: list[Problem]) -> str | None:
    lang = (_scalar(node) or "").lower()
    if lang not in LANGUAGES:
        problems.append(
            Problem(
                path, _line(node), f"unknown language code '{_scalar(node)}' (expected one of {', '.join(LANGUAGES)})"
            )
        )
        return None
    return lang


# -- the whole glossary ------------------------------------------------------


def content_files(content_dir: Path) -> list[Path]:
    """The glossary files of ``content/glossary/`` (hidden and private names left out, as documents)."""
    folder = Path(content_dir) / GLOSSARY_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(paths.HIDDEN_PREFIXES) and p.is_file()
    )


def _read(path: Path, rel: str, source: str) -> tuple[list[Concept], list[Problem]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(rel, 1, f"not valid UTF-8 (byte offset {exc.start}); save the file as UTF-8")]
    except OSError as exc:
        return [], [Problem(rel, 1, f"cannot read file: {exc.strerror}")]
    return parse_text(text, rel, source)


def load_default() -> list[Concept]:
    """The glossary shipped with the product (package data), as fresh objects the caller may change."""
    return [replace(c, labels={k: list(v) for k, v in c.labels.items()}) for c in _shipped()]


@functools.cache
def _shipped() -> tuple[Concept, ...]:
    concepts: list[Concept] = []
    folder = resources.files("indexer") / "data" / "glossary"
    for name in sorted(DEFAULT_SOURCES):
        text = (folder / name).read_text("utf-8")
        found, problems = parse_text(text, f"indexer/data/glossary/{name}", DEFAULT_SOURCES[name])
        errors = [str(p) for p in problems if p.severity == "error"]
        if errors:  # shipped data is tested; this only guards a hand edit
            raise ValueError("; ".join(errors))
        concepts += found
    return tuple(concepts)


def load(content_dir: Path | None, *, include_default: bool = True) -> tuple[list[Concept], list[Problem]]:
    """Every concept (default first, then the content's files) and every problem of the content's files.

    An id defined twice in the content is an error (the second is left out); a content
    concept with a default concept's id replaces it, so editors can correct one.
    The same label under two concepts in one language is an error in the content.
    """
    defaults = load_default() if include_default else []
    local: list[Concept] = []
    problems: list[Problem] = []
    for path in content_files(content_dir) if content_dir else []:
        rel = path.relative_to(content_dir).as_posix()
        refused = paths.refusal(content_dir, path)  # a link out of content/ (or into .git ...)
        if refused is not None:
            problems.append(Problem(rel, 1, refused))
            continue
        found, found_problems = _read(path, rel, LOCAL)
        local += found
        problems += found_problems
    kept: dict[str, Concept] = {}
    for concept in local:
        first = kept.get(concept.id)
        if first is not None:
            problems.append(
                Problem(concept.path, concept.line, f"duplicate id '{concept.id}' (first at {first.path}:{first.line})")
            )
            continue
        kept[concept.id] = concept
    concepts = [c for c in defaults if c.id not in kept] + list(kept.values())
    problems += _shared_labels(concepts)
    problems.sort(key=lambda p: (p.path, p.line, p.message))
    return concepts, problems


def _shared_labels(concepts: list[Concept]) -> list[Problem]:
    """A label under two concepts in one language: which one should a query mean?"""
    owner: dict[tuple[str, str], Concept] = {}
    problems = []
    for concept in concepts:
        for lang, labels in concept.labels.items():
            for text in list(labels):
                key = (lang, label_key(text))
                first = owner.get(key)
                if first is None:
                    owner[key] = concept
                    continue
                if concept.source != LOCAL:  # shipped data is tested to have none; keep the first silently
                    labels.remove(text)
                    continue
                line = concept.label_lines.get(key, concept.line)
                where = (
                    "the default glossary" if first.source != LOCAL else f"{first.path}:{first.label_lines.get(key)}"
                )
                severity = "warning" if first.source != LOCAL else "error"
                problems.append(
                    Problem(
                        concept.path,
                        line,
                        f"label '{text}' ({lang}) is also a label of concept '{first.id}' ({where})",
                        severity,
                    )
                )
                labels.remove(text)  # the first concept keeps it: one label, one meaning
    return problems


# -- compiled into the index -------------------------------------------------


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
    broken file every time); the labels are analysed (half a second) only when the
    concepts changed.
    """
    if include_default is None:
        include_default = True
    target = Path(generation) / GLOSSARY_FILE
    sources = _sources_key(content_dir, include_default)
    kept = _stored_problems(generation, sources)
    if kept is not None and target.exists() and stored_fingerprint(generation) is not None:
        return False, kept
    concepts, problems = load(content_dir, include_default=include_default)
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

    Cheaper than parsing them (the shipped files alone are 150 kB of YAML: a tenth of a
    second, paid by every ``kb index``). simplemma's version is read from its metadata
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


# -- tagging documents with the concepts they hold -------------------------------


class Tagger:
    """Which concepts a document holds: a label's words at consecutive positions of its text
    (one word may stand between, as stop words are dropped), in any indexed form.

    Done at indexing time, so a query reaches every document holding any label of a
    concept through one term (``concepts:<id>``) instead of a phrase per label.
    """

    def __init__(self, compiled: dict):
        # language -> first-word form -> [(concept, forms of the following words)]
        self._first: dict[str, dict[str, list[tuple[str, tuple[frozenset[str], ...]]]]] = {}
        for item in compiled.get("concepts", []):
            for lang, labels in item.get("forms", {}).items():
                first = self._first.setdefault(lang, {})
                for words in labels:
                    if not words:
                        continue
                    rest = tuple(frozenset(forms) for forms in words[1:])
                    for form in words[0]:
                        first.setdefault(form, []).append((item["id"], rest))

    def concepts(self, positions: dict[str, list[int]], lang: str) -> set[str]:
        """The concepts whose labels in ``lang`` a text holds, given its term -> positions."""
        first = self._first.get(lang)
        if not first:
            return set()
        found: set[str] = set()
        for term in first.keys() & positions.keys():
            for concept, rest in first[term]:
                if concept in found:
                    continue
                ends = set(positions[term])
                for forms in rest:
                    following = {p for form in forms for p in positions.get(form, ())}
                    ends = {p for p in following if p - 1 in ends or p - 2 in ends}
                    if not ends:
                        break
                if ends:
                    found.add(concept)
        return found


_tagger: Tagger | None = None


def activate(compiled: dict | None) -> None:
    """The tagger indexing uses from now on (None: no concepts); worker processes inherit it (fork)."""
    global _tagger
    _tagger = Tagger(compiled) if compiled else None


def active_tagger() -> Tagger | None:
    return _tagger
