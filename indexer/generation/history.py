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
    out = _git(content_dir, "log", "--relative", "--name-only", "-z", "--format=%x1e%cI%x1f%an", "--", ".")
    files: dict[str, dict] = {}
    if not out:
        return files
    for record in out.split("\x1e")[1:]:  # newest commit first
        header, _, names = record.partition("\x00")
        date_text, _, author = header.strip("\n").partition("\x1f")
        try:
            when = _utc(dt.datetime.fromisoformat(date_text))
        except ValueError:
            continue
        for name in names.split("\x00"):
            name = name.strip("\n")
            if not name:
                continue
            entry = files.get(name)
            if entry is None:
                files[name] = {"updated": when, "created": when, "authors": [author] if author else []}
            else:
                entry["created"] = when
                if author and author not in entry["authors"]:
                    entry["authors"].append(author)
    return files


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
    if head == old.get("head") and "git" in old:
        logged = old
    else:
        logged = {"head": head, "git": git_log(content_dir) if head else {}}
    git_files: dict[str, dict] = logged["git"]
    untracked = {rel: mtime for rel, mtime in mtimes.items() if rel not in git_files}
    if logged is not old or not same:
        _store(generation / HISTORY_FILE, logged)
    if not same or untracked != _load(generation / MTIMES_FILE):
        _store(generation / MTIMES_FILE, untracked)
