"""Index stage: when and by whom each document was last changed, from git, else the file's mtime.

Runs once per ``kb index`` with **one** ``git log`` over the whole content tree (not
one per file), and only when the repository's HEAD moved since the last run; the
result is stored next to the index (``history.marshal`` in the generation folder), so
a page request never runs git. marshal, not JSON: every ``kb index`` reads the stored
history, and on a large site JSON made that a noticeable part of an editor's wait.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

HISTORY_FILE = "history.marshal"
MTIMES_FILE = "mtimes.marshal"
_GIT_TIMEOUT = 60


def _git(content_dir: Path, *args: str) -> str | None:
    """Output of one git command run in ``content_dir``, or None when git or a repository is missing."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(content_dir), *args],
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def git_head(content_dir: Path) -> str | None:
    """The commit the content tree is at, or None when it is not inside a git repository."""
    out = _git(content_dir, "rev-parse", "HEAD")
    return out.strip() if out else None


def git_log(content_dir: Path) -> dict[str, dict]:
    """path (relative to ``content_dir``) -> ``{"updated", "created", "authors"}`` from one ``git log``.

    ``updated`` and ``created`` are the commit dates (UTC, ISO 8601) of the newest and
    oldest commit touching the file; ``authors`` are distinct, most recent first.
    """
    return log(content_dir)[0]


def log(content_dir: Path, since: str | None = None) -> tuple[dict[str, dict], dict[str, list[tuple]], dict[str, str]]:
    """The one ``git log`` of a build: ``(files, versions, renames)``.

    ``files`` is :func:`git_log`'s answer. ``versions`` maps a document's path as it is
    now (renames followed, ``-M``) to its versions, newest first, each
    ``(commit, date, author, subject, blob, status, path then)``; ``status`` is git's
    letter (``A``, ``M``, ``D``, ``R``), ``blob`` the file's object id in that commit
    (kept so a page reads many versions through one ``git cat-file --batch``).
    ``renames`` maps an old path to the path it has now. Merge commits bring no
    version of their own (git shows no diff for them): the branch's commits are listed.
    ``since``: only the commits after that one (``since..HEAD``).
    """
    out = _git(
        content_dir,
        *("log", "--relative", "--raw", "-M", "--no-abbrev", "-z"),
        *("--format=%x1e%H%x1f%cI%x1f%an%x1f%s", *([f"{since}..HEAD"] if since else []), "--", "."),
    )
    files: dict[str, dict] = {}
    versions: dict[str, list[tuple]] = {}
    alias: dict[str, str] = {}  # a path in older commits -> the path it has now
    if not out:
        return files, versions, {}
    for record in out.split("\x1e")[1:]:  # newest commit first
        header, _, raw = record.partition("\x00")
        commit, date_text, author, subject = (header.strip("\n").split("\x1f", 3) + ["", "", ""])[:4]
        try:
            when = _utc(dt.datetime.fromisoformat(date_text))
        except ValueError:
            continue
        for status, old, name, blob in _changes(raw):
            entry = files.get(name)
            if entry is None:
                files[name] = {"updated": when, "created": when, "authors": [author] if author else []}
            else:
                entry["created"] = when
                if author and author not in entry["authors"]:
                    entry["authors"].append(author)
            if not name.endswith(".md"):
                continue
            now = alias.get(name, name)
            versions.setdefault(now, []).append((commit, when, author, subject[:300], blob, status, name))
            if old and old != name:
                alias[old] = now
    return files, versions, {old: now for old, now in alias.items() if old != now}


def _changes(raw: str) -> Iterator[tuple[str, str, str, str]]:
    """``(status letter, old path or "", path, new blob)`` of each ``--raw -z`` line of one commit."""
    parts = raw.split("\x00")
    i = 0
    while i < len(parts):
        meta = parts[i].strip("\n")
        i += 1
        if not meta.startswith(":"):
            continue
        fields = meta.split()
        if len(fields) < 5:
            continue
        status, blob = fields[4][:1], fields[3]
        if status in ("R", "C") and i + 1 < len(parts):
            yield status, parts[i], parts[i + 1], blob
            i += 2
        elif i < len(parts):
            yield status, "", parts[i], blob
            i += 1


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _load(path: Path) -> dict:
    """A stored dict ({} when the file is missing or damaged)."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return data if type(data) is dict else {}


def _store(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(marshal.dumps(data))
    os.replace(tmp, path)


def read(generation: Path | None) -> dict:
    """The stored history of a generation: ``{"head", "files": {path: {"updated", "created", "authors",
    "source"}}}``, ``source`` being ``git`` or ``mtime`` (empty when none was stored)."""
    if generation is None:
        return {}
    logged = _load(generation / HISTORY_FILE)
    files = {rel: {**entry, "source": "git"} for rel, entry in logged.get("git", {}).items()}
    for rel, mtime in _load(generation / MTIMES_FILE).items():
        when = _utc(dt.datetime.fromtimestamp(mtime, dt.UTC))
        files[rel] = {"updated": when, "created": when, "authors": [], "source": "mtime"}
    return {"head": logged.get("head"), "files": files} if logged or files else {}


def record(content_dir: Path, generation: Path, mtimes: dict[str, float], previous: Path | None = None) -> None:
    """Work out and store the history of every document into ``generation``.

    ``mtimes`` holds each document's modification time by path relative to
    ``content_dir`` (the build has just read every file's stat). Two files, so the
    editor's loop stays cheap: ``history.marshal`` holds the git log (files deleted since
    included: harmless, pages only ask about documents in the index) and is rewritten
    only when HEAD moved (or for a new generation); ``mtimes.marshal`` holds the
    modification times of the files git does not know. ``previous`` is the generation
    of the last run (the same one for an incremental update): its git log is reused
    while HEAD has not moved.
    """
    same = previous is not None and previous.resolve() == generation.resolve()
    old = _load(previous / HISTORY_FILE) if previous else {}
    head = git_head(content_dir)
    if head == old.get("head") and "versions" in old:  # a history of before versions were kept: logged again
        logged = old
    else:
        logged = _extended(content_dir, old, head) if head else None
        if logged is None:
            files, versions, renames = log(content_dir) if head else ({}, {}, {})
            logged = {"head": head, "git": files, "versions": versions, "renames": renames}
    git_files: dict[str, dict] = logged["git"]
    untracked = {rel: mtime for rel, mtime in mtimes.items() if rel not in git_files}
    if logged is not old or not same:
        _store(generation / HISTORY_FILE, logged)
    if not same or untracked != _load(generation / MTIMES_FILE):
        _store(generation / MTIMES_FILE, untracked)


def _extended(content_dir: Path, old: dict, head: str) -> dict | None:
    """The stored log brought up to ``head`` with a log of the new commits only, when HEAD moved
    forward (a rewritten history, or none stored: None, the whole log is read again)."""
    since = old.get("head")
    if not since or "versions" not in old or _git(content_dir, "merge-base", "--is-ancestor", since, head) is None:
        return None
    files, versions, renames = log(content_dir, since=since)
    merged = {name: entry for name, entry in old["git"].items()}
    for name, entry in files.items():
        before = merged.get(name)
        if before is not None:
            authors = entry["authors"] + [a for a in before["authors"] if a not in entry["authors"]]
            entry = {"updated": entry["updated"], "created": before["created"], "authors": authors}
        merged[name] = entry
    touched = set(versions)
    for path, entries in old["versions"].items():
        now = renames.get(path, path)  # renamed by a new commit: its older versions follow it
        if now in versions:
            versions[now] = versions[now] + entries
        else:
            versions[now] = entries
    for path in touched:  # a merged branch may bring commits older than the stored ones
        versions[path].sort(key=lambda v: v[1], reverse=True)
    moved = {old_path: renames.get(now, now) for old_path, now in old.get("renames", {}).items()}
    moved.update(renames)
    moved = {a: b for a, b in moved.items() if a != b}
    return {"head": head, "git": merged, "versions": versions, "renames": moved}


def read_versions(generation: Path | None) -> tuple[dict[str, list[tuple]], dict[str, str], str | None]:
    """The versions of every document, the renames (see :func:`log`) and the HEAD they were logged at."""
    logged = _load(generation / HISTORY_FILE) if generation is not None else {}
    versions, renames = logged.get("versions"), logged.get("renames")
    if type(versions) is not dict or type(renames) is not dict:
        return {}, {}, None
    return versions, renames, logged.get("head")
