"""Read side of the versions ``kb index`` records (indexer.generation.history): a document's
versions, its old names, and an earlier version's bytes.

The list comes from the generation (no git at all); an earlier version's text is read on
demand with ``git cat-file``/``git show`` (an argument list, never a shell) and kept in a
bounded LRU, so a version is read from git once. Only ``.md`` paths the log recorded are
read, never a path under a ``.``- or ``_``-folder: the web layer asks for documents the
index holds. Whether the reader may see the document is the caller's question.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

import yaml

from indexer.documents import paths
from indexer.documents.access import NO_RULES, AccessError, AccessRules, parse_groups
from indexer.generation import history, storage
from indexer.guards import limits
from kb.search.audience import ANONYMOUS, Audience

_GIT_TIMEOUT = 20
_HEX = re.compile(r"[0-9a-f]{4,40}")
_DRAFT = re.compile(r"^draft:\s*(true|yes|on)\s*$", re.I | re.M)
#: Bytes of earlier versions kept in memory (each is at most the document byte limit).
CACHE_BYTES = 32 * 1024 * 1024


class Version(NamedTuple):
    commit: str
    date: str  # commit date, UTC ISO 8601
    author: str
    subject: str
    blob: str
    status: str  # A, M, D, R (git's letters)
    path: str  # the document's path in that commit

    @property
    def deleted(self) -> bool:
        return self.status == "D"


class VersionError(Exception):
    """An earlier version that cannot be shown; the message says why, for the reader."""


class ByteCache:
    """An LRU bounded by the bytes it holds; safe to share between threads."""

    def __init__(self, budget: int):
        self.budget, self.used = budget, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        return None

    def put(self, key, value, size: int) -> None:
        with self._lock:
            if key in self._items:
                self.used -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                self.used -= self._items.popitem(last=False)[1][1]


class VersionsService:
    """Versions of the documents of one index and content folder; safe to share between threads."""

    def __init__(
        self, index_dir: Path, content_dir: Path, access: AccessRules = NO_RULES, cache_bytes: int = CACHE_BYTES
    ):
        self.index_dir, self.content_dir, self.access = Path(index_dir), Path(content_dir), access
        self.cache = ByteCache(cache_bytes)  # blob id -> bytes, (commit, path) -> bytes, renders
        # blob id -> (was a draft, its own ``access:`` groups or None); small, kept up to a count
        self._drafts: dict[str, tuple[bool, tuple[str, ...] | None]] = {}
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._versions: dict[str, list[tuple]] = {}
        self._renames: dict[str, str] = {}
        self._head: str | None = None

    def _load(self) -> None:
        generation = storage.current_generation(self.index_dir)
        try:
            key = (generation, (generation / history.HISTORY_FILE).stat().st_mtime_ns) if generation else None
        except OSError:
            key = (generation, None)
        with self._lock:
            if key != self._key:
                self._versions, self._renames, self._head = history.read_versions(generation)
                self._key = key

    def in_git(self) -> bool:
        """Whether the content folder was a git repository at the last ``kb index``."""
        self._load()
        return self._head is not None

    def stamp(self) -> tuple | None:
        self._load()
        return self._key

    def versions(self, rel: str) -> list[Version]:
        """Every recorded version of the document at ``rel`` (its path now), newest first."""
        self._load()
        if paths.hidden(rel.split("/")) is not None:
            return []
        # a version from when the file lay in a ``.``- or ``_``-folder (renamed out of it) is never named
        return [Version(*entry) for entry in self._versions.get(rel, ()) if paths.hidden(entry[6].split("/")) is None]

    def renamed(self, rel: str) -> str | None:
        """The path a document once at ``rel`` has now, or None."""
        self._load()
        return self._renames.get(rel)

    def visible(self, rel: str, audience: Audience = ANONYMOUS) -> list[Version]:
        """The versions ``audience`` may be shown: deletions included; left out, the versions that
        were drafts or whose groups then (their own ``access:`` or kb.toml's rule) leave the reader out."""
        found = self.versions(rel)
        self.texts([v.blob for v in found if not v.deleted and v.blob not in self._drafts])
        return [v for v in found if v.deleted or self._may_see(v, audience)]

    def _may_see(self, version: Version, audience: Audience) -> bool:
        if audience.everything:
            return True
        draft, own = self._drafts.get(version.blob, (True, ()))  # unread (too large, missing): not listed
        if draft:
            return False
        groups = self.access.resolve(str(Path(version.path).with_suffix("").as_posix()), own)
        return not groups or bool(set(groups) & audience.groups)

    def find(self, rel: str, ref: str, audience: Audience = ANONYMOUS) -> tuple[Version, Version | None] | None:
        """The version of a full or abbreviated commit id (ambiguous or unknown: None), and the
        visible one before it (skipping deletions)."""
        ref = ref.lower()
        if not _HEX.fullmatch(ref):
            return None
        shown = self.visible(rel, audience)
        matches = [i for i, v in enumerate(shown) if v.commit.startswith(ref) and not v.deleted]
        if len({shown[i].commit for i in matches}) != 1:
            return None
        i = matches[0]
        before = next((v for v in shown[i + 1 :] if not v.deleted), None)
        return shown[i], before

    def on_day(self, rel: str, day: str, audience: Audience = ANONYMOUS) -> Version | None:
        """The version current at the end of ``day`` (YYYY-MM-DD, by commit date), or None."""
        for v in self.visible(rel, audience):
            if v.date[:10] <= day:
                return None if v.deleted else v
        return None

    def texts(self, blobs: list[str]) -> dict[str, bytes]:
        """The bytes of the blobs, read in one ``git cat-file --batch`` for those not kept yet.

        A blob over the document byte limit is left out (its version is listed, and refused when opened).
        """
        found: dict[str, bytes] = {}
        wanted = []
        for blob in dict.fromkeys(blobs):
            data = self.cache.get(("blob", blob))
            if data is not None:
                found[blob] = data
            elif _HEX.fullmatch(blob):
                wanted.append(blob)
        heads: dict[str, bytes] = {}
        if wanted:
            limit = limits.MAX_DOC_BYTES.value
            for blob, data in _cat_file(self.content_dir, wanted).items():
                heads[blob] = data[:20000]
                if len(data) <= limit:  # a larger one is listed, and refused when opened
                    found[blob] = data
                    self.cache.put(("blob", blob), data, len(data) + 100)
        for blob, data in {**heads, **found}.items():
            if blob not in self._drafts:
                if len(self._drafts) > 100_000:
                    self._drafts.clear()
                self._drafts[blob] = front_matter_access(data)
        return found

    def read(self, version: Version) -> bytes:
        """The document's bytes in ``version`` (``git show <commit>:<path>``); :class:`VersionError` when
        it cannot be shown (too large, binary, missing from this copy)."""
        if paths.hidden(version.path.split("/")) is not None or not version.path.endswith(".md"):
            raise VersionError("this file is never shown")
        key = ("show", version.commit, version.path)
        data = self.cache.get(key)
        if data is None:
            data = show(self.content_dir, version.commit, version.path, limits.MAX_DOC_BYTES.value)
            self.cache.put(key, data, len(data) + 100)
        if b"\x00" in data:
            raise VersionError("this version is a binary file, not a document")
        return data

    def attachment(self, version: Version, rel: str, limit: int) -> bytes:
        """A file's bytes at the version's commit (the caller has checked the name is one it offers)."""
        return show(self.content_dir, version.commit, rel, limit)


def front_matter_access(data: bytes) -> tuple[bool, tuple[str, ...] | None]:
    """``(draft, own groups)`` from a version's front matter, read without the loader's checks (a
    version with broken front matter is still listed, as a problem). When it cannot be read,
    a ``draft: true`` or ``access:`` line still hides it: unsure is hidden."""
    text = data[:20000].decode("utf-8", "replace")
    if not text.startswith("---"):
        return False, None
    end = text.find("\n---", 3)
    front = text[3 : end if end > 0 else len(text)]
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        hidden = bool(_DRAFT.search(front)) or bool(re.search(r"^access\s*:", front, re.M))
        return hidden, None
    try:
        own = None if meta.get("access") is None else parse_groups(meta["access"])
    except AccessError:
        return True, None
    return meta.get("draft") is True or (meta.get("draft") not in (None, False)), own


def _env() -> dict:
    return {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def show(content_dir: Path, commit: str, rel: str, limit: int) -> bytes:
    """``git show <commit>:./<rel>`` bounded by ``limit`` bytes; :class:`VersionError` otherwise."""
    if not _HEX.fullmatch(commit) or paths.hidden(rel.split("/")) is not None or rel.startswith("/"):
        raise VersionError("no such version")
    spec = f"{commit}:./{rel}"
    size = _run(content_dir, "cat-file", "-s", spec)
    if size is None or not size.strip().isdigit():
        raise VersionError("this version is not in this copy of the repository (a shallow clone?)")
    if int(size) > limit:
        raise VersionError(f"this version is too large to show: {int(size):,} bytes (the limit is {limit:,})")
    data = _run(content_dir, "cat-file", "blob", spec, raw=True)
    if data is None:
        raise VersionError("this version is not in this copy of the repository (a shallow clone?)")
    return data


def _run(content_dir: Path, *args: str, raw: bool = False):
    try:
        proc = subprocess.run(
            ["git", "-C", str(content_dir), *args], capture_output=True, timeout=_GIT_TIMEOUT, env=_env()
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout if raw else proc.stdout.decode("utf-8", "replace")


def _cat_file(content_dir: Path, blobs: list[str]) -> dict[str, bytes]:
    """Many blobs in one process; those missing are left out."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(content_dir), "cat-file", "--batch"],
            input=("\n".join(blobs) + "\n").encode(),
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            env=_env(),
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    out, pos, found = proc.stdout, 0, {}
    while pos < len(out):
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        found[header[0].decode()] = out[pos : pos + size]
        pos += size + 1
    return found
