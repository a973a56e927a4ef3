"""Stage 1: find the content files and turn each into a :class:`Document` or a :class:`Problem`.

A broken file never stops the others: :func:`load_all` returns the documents it
could read and one problem per file it could not.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

import frontmatter
import yaml

from indexer.documents import paths
from indexer.documents.access import NO_RULES, AccessError, AccessRules, parse_groups
from indexer.documents.model import DOC_TYPES, KNOWN_FIELDS, REQUIRED_FIELDS, Document, Problem
from indexer.errors import KbError
from indexer.guards import limits


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is our clear message, not a crash."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same rules on libyaml (faster than the pure-Python loader); its error messages are terser."""


_Loader.yaml_implicit_resolvers = _FastLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Handler(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> object:
        try:
            return yaml.load(fm, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            return yaml.load(fm, Loader=_Loader)  # noqa: S506 - raises again, with Python's clearer message


#: Files in the content tree that are notes for editors, not documents.
IGNORED_NAMES = frozenset({"README.md", "readme.md"})
#: The content folder of glossary files (indexer.glossary), never documents.
GLOSSARY_DIR = "glossary"


class DocumentError(KbError):
    """A file that cannot become a document; carries the :class:`Problem`."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def discover(content_dir: Path) -> Iterator[Path]:
    """Every ``.md`` document under ``content_dir``, any depth, sorted; hidden folders skipped."""
    for rel in discover_relative(content_dir):
        yield content_dir / rel


def discover_relative(content_dir: Path, links: set[str] | None = None) -> list[str]:
    """The paths of :func:`discover`, relative to ``content_dir`` with ``/``, in the same order.

    One ``scandir`` per folder and no ``Path`` per file: ``rglob`` and ``relative_to`` were a
    large part of an editor's incremental ``kb index``. Each folder's names
    are sorted and walked in that order, which is Path order (part by part) without a sort key
    per path. ``links``, when given, receives the paths that are symbolic links (known from the
    folder listing, without a system call): only those can lead outside (:mod:`indexer.documents.paths`).
    """
    found: list[str] = []
    _walk(str(content_dir), "", found, links)
    return found


def _walk(folder: str, rel: str, found: list[str], links: set[str] | None) -> None:
    try:
        with os.scandir(folder) as it:  # hidden and private folders and files left out
            entries = sorted((entry.name, entry) for entry in it if not entry.name.startswith(paths.HIDDEN_PREFIXES))
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return
    for name, entry in entries:
        if entry.is_dir(follow_symlinks=False):  # a linked folder is not followed (as rglob)
            if rel or name != GLOSSARY_DIR:  # glossary files (and notes beside them) are not documents
                _walk(entry.path, f"{rel}{name}/", found, links)
        elif name.endswith(".md") and name not in IGNORED_NAMES and entry.is_file():
            found.append(rel + name)
            if links is not None and entry.is_symlink():
                links.add(rel + name)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _field_lines(raw: str) -> dict[str, int]:
    """Line numbers (1-based, in the file) of the top-level front-matter keys."""
    lines: dict[str, int] = {}
    for number, line in enumerate(raw.splitlines()[1:], start=2):
        if line.strip() == "---":
            break
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            lines.setdefault(line.split(":", 1)[0].strip(), number)
    return lines


def _front_matter_end(raw: str) -> int | None:
    """Line number of the closing ``---``, or None when the block is not closed."""
    lines = raw.splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() == "---":
            return number
    return None


def parse(path: Path, content_dir: Path, types: Sequence[str] = DOC_TYPES, access: AccessRules = NO_RULES) -> Document:
    """Read and validate one file against the ``type`` vocabulary ``types``; ``access``: kb.toml's
    rules, which give the document its groups when its front matter names none.

    Raises :class:`DocumentError` naming file, line and field.
    """
    rel = path.relative_to(content_dir).as_posix()
    refused = paths.refusal(content_dir, path)  # a link out of content/ or into .git, _private ...
    if refused is not None:
        raise DocumentError(Problem(rel, 1, refused))
    check_size(path.stat().st_size, rel)
    data = path.read_bytes()
    return parse_data(data, rel, path.stat().st_mtime, types, access)


def parse_data(
    data: bytes, rel: str, mtime: float = 0.0, types: Sequence[str] = DOC_TYPES, access: AccessRules = NO_RULES
) -> Document:
    """:func:`parse` of a file's bytes (an earlier version from git): the same checks, limits and messages."""
    check_size(len(data), rel)
    ident = PurePosixPath(rel).with_suffix("").as_posix()  # as model.doc_id names it
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DocumentError(
            Problem(rel, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        ) from None
    if not raw.strip():
        raise DocumentError(Problem(rel, 1, "empty file"))
    if not raw.startswith("---"):
        raise DocumentError(Problem(rel, 1, "no front matter: the file must start with a '---' line"))
    end = _front_matter_end(raw)
    if end is None:
        raise DocumentError(Problem(rel, 1, "front matter is not closed: add a '---' line after the fields"))
    try:
        post = frontmatter.loads(raw, handler=_Handler())
    except yaml.YAMLError:
        raise DocumentError(_yaml_problem(rel, raw, end)) from None
    except RecursionError:
        raise DocumentError(Problem(rel, 2, "front matter nested too deeply: use plain 'field: value' lines")) from None
    except Exception as exc:  # python-frontmatter raises plain errors for non-mapping YAML
        raise DocumentError(Problem(rel, 1, f"invalid front matter: {exc}")) from None
    meta = post.metadata
    if not isinstance(meta, dict):
        raise DocumentError(Problem(rel, 1, "front matter must be a mapping of 'field: value' lines"))
    lines = _field_lines(raw)
    warnings: list[Problem] = []

    def fail(field: str, message: str) -> DocumentError:
        return DocumentError(Problem(rel, lines.get(field, 1), message))

    for name in REQUIRED_FIELDS:
        if name not in meta or meta[name] in (None, ""):
            raise fail(name, f"missing required field '{name}'")
    for name in meta:
        if name not in KNOWN_FIELDS:
            near = difflib.get_close_matches(str(name), KNOWN_FIELDS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            warnings.append(Problem(rel, lines.get(str(name), 1), f"unknown field '{name}'{hint}", "warning"))

    title = meta["title"]
    if not isinstance(title, (str, int, float)):
        raise fail("title", "field 'title' must be a string")
    doc_type = meta["type"]
    if doc_type not in types:
        raise fail("type", f"field 'type' is '{doc_type}', expected one of: {', '.join(types)}")
    date = _parse_date(meta.get("date"))
    if meta.get("date") is not None and date is None:
        raise fail("date", f"field 'date' is '{meta.get('date')}', expected an ISO date like 2018-09-04")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, (str, int)) for t in tags):
        raise fail("tags", "field 'tags' must be a list of strings")
    lang = meta.get("lang")
    if lang is not None and (not isinstance(lang, str) or len(lang.strip()) != 2 or not lang.strip().isalpha()):
        raise fail("lang", f"field 'lang' is '{lang}', expected a two-letter ISO 639-1 code such as hu or cs")
    attachments = meta.get("attachments") or []
    if isinstance(attachments, str):
        attachments = [attachments]
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        raise fail("attachments", "field 'attachments' must be a list of file names")
    for name in ("translation_key", "summary", "organisation", "region", "source"):
        value = meta.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise fail(name, f"field '{name}' must be a string")
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):  # YAML's booleans only: a typo must not publish a draft
        shown = "empty" if draft is None else f"'{draft}'"
        raise fail("draft", f"field 'draft' is {shown}, expected true or false")
    try:
        own = None if meta.get("access") is None else parse_groups(meta["access"])
    except AccessError as exc:
        raise fail("access", f"field 'access': {exc}") from None

    body = post.content
    if not body.strip():
        warnings.append(Problem(rel, end + 1, "empty body: the document has front matter but no text", "warning"))

    return Document(
        id=ident,
        path=rel,
        title=str(title).strip(),
        type=doc_type,
        body=body,
        lang=lang.strip().lower() if isinstance(lang, str) else None,
        date=date,
        tags=[str(t).strip() for t in tags if str(t).strip()],
        translation_key=str(meta["translation_key"]).strip() if meta.get("translation_key") else None,
        summary=str(meta.get("summary") or "").strip(),
        organisation=str(meta.get("organisation") or "").strip(),
        region=str(meta.get("region") or "").strip(),
        source=str(meta.get("source") or "").strip(),
        attachments=attachments,
        draft=draft,
        access=access.resolve(ident, own),
        content_hash=content_hash(data),
        mtime=mtime,
        warnings=warnings,
        field_lines=lines,
        body_line=_body_line(raw, end),
    )


def check_size(size: int, rel: str) -> None:
    """A file over ``KB_MAX_DOC_BYTES`` is refused before it is read or parsed."""
    if size > limits.MAX_DOC_BYTES.value:
        raise DocumentError(Problem(rel, 1, f"file too large: {size:,} bytes ({limits.MAX_DOC_BYTES.describe()})"))


def _body_line(raw: str, end: int) -> int:
    """Line of the body's first text (python-frontmatter strips the blank lines before it)."""
    lines = raw.splitlines()
    number = end + 1
    while number <= len(lines) and not lines[number - 1].strip():
        number += 1
    return number


def _yaml_problem(rel: str, raw: str, end: int) -> Problem:
    """Re-parse the front matter alone so the line number counts from the file's first line."""
    block = "\n".join(raw.splitlines()[1 : end - 1])
    try:
        yaml.load(block, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        return Problem(rel, 2, "front matter nested too deeply: use plain 'field: value' lines")
    except yaml.YAMLError as exc:
        # Where the broken construct starts (an unclosed [ or ") is more useful than where YAML gave up.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the opening ---
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Problem(rel, line, f"invalid YAML in front matter: {reason}")
    return Problem(rel, 1, "invalid YAML in front matter")


def _parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_all(
    content_dir: Path, types: Sequence[str] = DOC_TYPES, access: AccessRules = NO_RULES
) -> tuple[list[Document], list[Problem]]:
    """Every readable document and one problem per unreadable file."""
    documents: list[Document] = []
    problems: list[Problem] = []
    for path in discover(content_dir):
        try:
            documents.append(parse(path, content_dir, types, access))
        except DocumentError as exc:
            problems.append(exc.problem)
        except OSError as exc:
            problems.append(Problem(path.relative_to(content_dir).as_posix(), 1, f"cannot read file: {exc.strerror}"))
    return documents, problems
