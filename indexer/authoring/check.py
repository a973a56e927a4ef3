"""``kb check``: every per-file problem plus the ones only the whole tree shows.

Per file (indexer.documents.load and indexer.text.language): front matter, YAML, fields, types,
dates, encoding, empty body, a declared ``lang`` the text contradicts. Across files
(here): translation families (one document per language, a key shared by at least
two documents), links to documents that do not exist, and missing images and
attachments; and the glossary files of ``content/glossary/`` (indexer.glossary).
No Flask: the command line and the preview both use it.
"""

from __future__ import annotations

import difflib
import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer import glossary
from indexer.documents.access import NO_RULES, AccessRules
from indexer.documents.links import ATTACHMENT_TYPES, Target, locate, resolve, safe_name
from indexer.documents.load import DocumentError, discover, parse
from indexer.documents.model import DOC_TYPES, Document, Problem, doc_id
from indexer.documents.prepare import assign_language
from indexer.documents.render import render

_SEVERITY_ORDER = {"error": 0, "warning": 1}


@dataclass
class CheckReport:
    """All problems of one run, sorted by file and line."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    drafts: int = 0  # documents kept off the published site
    restricted: int = 0  # other documents only some groups may read

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)

    def strict(self) -> CheckReport:
        """The same report with every warning counted as an error (``--strict``)."""
        return replace(self, problems=[replace(p, severity="error") for p in self.problems])

    def summary(self) -> str:
        line = f"{self.checked} documents checked: {self.errors} error(s), {self.warnings} warning(s)"
        if self.drafts or self.restricted:  # said, so an editor sees what the public site will not show
            line += f"; {self.drafts} draft(s), {self.restricted} restricted to groups"
        return line

    def as_json(self) -> dict:
        return {
            "checked": self.checked,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [
                {"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in self.problems
            ],
        }


def check(
    content_dir: Path,
    types: Sequence[str] = DOC_TYPES,
    glossary_default: bool = True,
    access: AccessRules = NO_RULES,
) -> CheckReport:
    """Validate every document under ``content_dir`` (``types``: the ``type`` vocabulary; ``access``:
    kb.toml's groups and rules, which every group a document names must be one of)."""
    paths = list(discover(content_dir))
    ids = {doc_id(path, content_dir) for path in paths}
    report = CheckReport(checked=len(paths))
    documents: list[Document] = []
    for path in paths:
        try:
            doc = assign_language(render(parse(path, content_dir, types, access)))
        except DocumentError as exc:
            report.problems.append(exc.problem)
            continue
        except OSError as exc:
            report.problems.append(Problem(path.relative_to(content_dir).as_posix(), 1, f"cannot read file: {exc}"))
            continue
        documents.append(doc)
        report.problems.extend(doc.warnings)
        report.problems.extend(check_groups(doc, access))
        report.drafts += doc.draft
        report.restricted += bool(doc.access) and not doc.draft
    report.problems.extend(check_translations(documents))
    report.problems.extend(glossary.load(content_dir, include_default=glossary_default)[1])
    for doc in documents:
        source = _SourceLines(content_dir / doc.path)
        if doc.body.strip() and not doc.text.strip() and not doc.links:
            report.problems.append(Problem(doc.path, source.body_start, "the body has no visible text yet", "warning"))
        report.problems.extend(check_links(doc, content_dir, ids, source))
        report.problems.extend(check_attachments(doc, content_dir, source))
    report.problems.sort(key=lambda p: (p.path, p.line, _SEVERITY_ORDER.get(p.severity, 2), p.message))
    return report


def check_groups(doc: Document, access: AccessRules) -> list[Problem]:
    """Every group a document is restricted to is one of ``access.groups``: a misspelt group
    would keep the document from the very readers it is for."""
    listed = ", ".join(access.groups) or "none yet"
    return [
        Problem(
            doc.path,
            doc.field_lines.get("access", 1),
            f"unknown group '{name}' in access (the groups are: {listed}; add it to access.groups in kb.toml)",
        )
        for name in doc.access
        if name not in access.groups
    ]


def check_translations(documents: list[Document]) -> list[Problem]:
    """One document per language in a ``translation_key`` family, and no family of one."""
    families: dict[str, list[Document]] = defaultdict(list)
    for doc in documents:
        if doc.translation_key:
            families[doc.translation_key].append(doc)
    problems = []
    for key, members in sorted(families.items()):
        if len(members) == 1:
            doc = members[0]
            others = [k for k in families if k != key]
            near = difflib.get_close_matches(key, others, n=1, cutoff=0.8)
            hint = f" (did you mean '{near[0]}'?)" if near else " (a typo, or a translation still to come?)"
            problems.append(
                Problem(
                    doc.path,
                    doc.field_lines.get("translation_key", 1),
                    f"translation_key '{key}' is not shared with any other document{hint}",
                    "warning",
                )
            )
            continue
        by_lang: dict[str, list[Document]] = defaultdict(list)
        for doc in members:
            by_lang[doc.lang or "xx"].append(doc)
        for lang, same in by_lang.items():
            if len(same) < 2:
                continue
            for doc in same:
                others = ", ".join(sorted(d.path for d in same if d is not doc))
                problems.append(
                    Problem(
                        doc.path,
                        doc.field_lines.get("translation_key", 1),
                        f"translation_key '{key}' has more than one '{lang}' document: also {others}",
                    )
                )
    return problems


def check_links(doc: Document, content_dir: Path, ids: set[str], source: _SourceLines | None = None) -> list[Problem]:
    """Links to documents that do not exist and images or files that are not there."""
    source = source or _SourceLines(content_dir / doc.path)
    problems = []
    for link in doc.links:
        target = resolve(link.target, doc.id)
        if target is None:
            continue
        noun = "image" if link.kind == "image" else "link"
        message = _broken(target, content_dir, ids)
        if message:
            problems.append(Problem(doc.path, source.line_of(link.target), f"broken {noun} '{link.target}': {message}"))
    return problems


def _broken(target: Target, content_dir: Path, ids: set[str]) -> str | None:
    if target.kind == "outside":
        return "it points outside the document's folder; keep images and files next to the document"
    if target.kind == "document":
        return None if target.doc_id in ids else f"no document '{target.doc_id}'"
    if target.doc_id not in ids:
        return f"no document '{target.doc_id}'"
    if not safe_name(target.name):
        return "not a plain file name"
    owner_path = target.doc_id + ".md"
    found, refused = locate(content_dir, owner_path, target.name)
    if refused is not None:
        return f"{posixpath.join(posixpath.dirname(owner_path), target.name)} is {refused}"
    if found is None:
        expected = posixpath.join(posixpath.dirname(owner_path), target.name)
        return f"file not found ({expected})"
    return None


def check_attachments(doc: Document, content_dir: Path, source: _SourceLines | None = None) -> list[Problem]:
    """Every name in ``attachments`` is a file next to the document, of a type the site serves."""
    source = source or _SourceLines(content_dir / doc.path)
    problems = []
    field_line = doc.field_lines.get("attachments", 1)
    for name in doc.attachments:
        line = source.line_of(name, start=field_line, stop=source.body_start)
        if not safe_name(name):
            problems.append(
                Problem(doc.path, line, f"attachment '{name}' must be a file name next to the document (no '..')")
            )
            continue
        found, refused = locate(content_dir, doc.path, name)
        if refused is not None:
            problems.append(Problem(doc.path, line, f"attachment '{name}' is {refused}"))
            continue
        if found is None:
            expected = posixpath.join(posixpath.dirname(doc.path), name)
            problems.append(Problem(doc.path, line, f"attachment '{name}' not found: expected {expected}"))
            continue
        suffix = posixpath.splitext(name)[1].lower()
        if suffix not in ATTACHMENT_TYPES:
            kinds = ", ".join(sorted(ATTACHMENT_TYPES))
            problems.append(
                Problem(
                    doc.path,
                    line,
                    f"attachment '{name}': the site does not serve '{suffix}' files ({kinds})",
                    "warning",
                )
            )
    return problems


class _SourceLines:
    """The raw lines of a file, to give a link or attachment the line it is written on."""

    def __init__(self, path: Path):
        try:
            self.lines = path.read_text("utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            self.lines = []
        self.body_start = 1
        if self.lines and self.lines[0].rstrip() == "---":
            for number, line in enumerate(self.lines[1:], start=2):
                if line.rstrip() == "---":
                    self.body_start = number + 1
                    break

    def line_of(self, text: str, start: int | None = None, stop: int | None = None) -> int:
        start = self.body_start if start is None else start
        stop = len(self.lines) + 1 if stop is None else stop
        for number in range(start, min(stop, len(self.lines) + 1)):
            if text in self.lines[number - 1]:
                return number
        return start
