"""Reading the glossary's YAML files: the shipped default and ``content/glossary/*.yaml``.

Every problem as ``path:line: message``, lines from YAML's node marks (see :mod:`indexer.glossary`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import yaml

from indexer.documents import paths
from indexer.documents.model import Problem
from indexer.text.analysis import LANGUAGES, WORD_PATTERN, fold

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
