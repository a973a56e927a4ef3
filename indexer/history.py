"""Index stage: when and by whom each document was last changed, from git, else the file's mtime.

Runs once per ``kb index`` with **one** ``git log`` over the whole content tree (not
one per file), and only when the repository's HEAD moved since the last run; the
result is stored next to the index (``history.json`` in the generation folder), so
a page request never runs git.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

HISTORY_FILE = "history.json"
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


def read(generation: Path | None) -> dict:
    """The stored history of a generation: ``{"head": ..., "git": {...}, "files": {...}}`` (empty when none)."""
    if generation is None:
        return {}
    try:
        return json.loads((generation / HISTORY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def record(content_dir: Path, generation: Path, paths: list[Path], previous: Path | None = None) -> dict:
    """Work out and store the history of every document in ``paths`` into ``generation``.

    ``previous`` is the generation of the last run (the same one for an incremental
    update): its git log is reused while HEAD has not moved.
    """
    old = read(previous)
    head = git_head(content_dir)
    if head is None:
        git_files: dict[str, dict] = {}
    elif head == old.get("head") and "git" in old:
        git_files = old["git"]
    else:
        git_files = git_log(content_dir)
    files: dict[str, dict] = {}
    for path in paths:
        rel = path.relative_to(content_dir).as_posix()
        entry = git_files.get(rel)
        if entry:
            files[rel] = {**entry, "source": "git"}
            continue
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        when = _utc(dt.datetime.fromtimestamp(mtime, dt.UTC))
        files[rel] = {"updated": when, "created": when, "authors": [], "source": "mtime"}
    data = {"head": head, "git": git_files, "files": files}
    if data != old or previous != generation:
        tmp = generation / (HISTORY_FILE + ".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
        os.replace(tmp, generation / HISTORY_FILE)
    return data
