"""Which content files may have changed since the last build, from their stat alone.

An incremental ``kb index`` decides by content hash (a touched but unchanged file is
still unchanged), and hashing every file of a 10,000-document tree was most of an
editor's wait. So each build records, per file, the stat it read the file under
(size, modification time in nanoseconds, inode) and the hash of the bytes it read;
the next build trusts that hash while the stat is the same and reads only the rest.

A file written within the same clock tick as it was recorded could change again
without its stat showing it, so an entry whose modification time is not safely
older than the moment of recording is not trusted (git's "racily clean" rule):
such a file is read and hashed again, and recorded anew (the record is written again
once more than a few of its entries are worth it).
"""

from __future__ import annotations

import marshal
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

#: marshal, not JSON: an editor's every ``kb index`` reads it whole, and JSON is much slower to read.
STATS_FILE = "filestats.marshal"
VERSION = 2
#: How much older than the recording a modification time must be to be trusted: above
#: any file system's timestamp granularity (FAT: 2 s) and the kernel's coarse clock.
RACY_NS = 2_000_000_000

#: Entries a stored record may lack or hold stale before it is written again (or 1 % of the files).
REWRITE_AFTER = 50

Stat = tuple[int, int, int]  # size, mtime_ns, inode


def stat_key(st: os.stat_result) -> Stat:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass
class FileStats:
    """The recorded stats of one build and the ones being recorded by this one."""

    recorded_ns: int = 0  # when the previous build took its stats (0: nothing recorded)
    files: dict[str, tuple[Stat, str]] = field(default_factory=dict)  # rel path -> (stat, hash)
    started_ns: int = field(default_factory=time.time_ns)  # taken before this build's first stat
    seen: dict[str, tuple[Stat, str]] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)  # the files of ``seen`` read by this build

    def known_hash(self, rel: str, stat: Stat) -> str | None:
        """The content hash of ``rel`` when its stat is what was recorded and safely old (the entry
        is then kept for the next record), else None: read the file and :meth:`note` its hash."""
        entry = self.files.get(rel)
        if entry is None or entry[0] != stat or stat[1] > self.recorded_ns - RACY_NS:
            return None
        self.seen[rel] = entry
        return entry[1]

    def note(self, rel: str, stat: Stat, digest: str) -> None:
        """Record ``rel``'s hash, read under ``stat`` (a stat taken before the bytes were read)."""
        self.seen[rel] = (stat, digest)
        self.read.append(rel)

    def changed(self) -> bool:
        """Whether the stored record is worth writing again: when more than a few of its entries
        are missing, stale or not yet trusted (each of those costs the next build one read).

        An editor's loop changes one file per run; rewriting the whole record for it cost
        as much as the reads it saves. Only the files read can be stale or newly trusted:
        the others were kept as recorded.
        """
        was, now = self.recorded_ns - RACY_NS, self.started_ns - RACY_NS
        seen, files = self.seen, self.files
        outdated = sum(1 for rel in self.read if files.get(rel) != seen[rel] or was < seen[rel][0][1] <= now)
        outdated += len(files.keys() - seen.keys())
        return outdated > max(REWRITE_AFTER, len(seen) // 100) or (outdated > 0 and not files)


def load(generation: Path | None) -> FileStats:
    """The record stored in ``generation`` (an empty one when missing, unreadable or of another version)."""
    stats = FileStats()
    if generation is None:
        return stats
    try:
        data = marshal.loads((generation / STATS_FILE).read_bytes())
        if type(data) is not dict or data.get("version") != VERSION:
            return stats
        recorded_ns, files = data["recorded_ns"], data["files"]
        if type(recorded_ns) is not int or type(files) is not dict:
            return stats
        if not all(type(entry) is tuple and len(entry) == 2 for entry in files.values()):
            return stats
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return FileStats()
    stats.recorded_ns, stats.files = recorded_ns, files
    return stats


def store(generation: Path, stats: FileStats) -> None:
    """Write this build's record (only when it changed), stamped with the time its stats were taken."""
    if not stats.changed():
        return
    data = {"version": VERSION, "recorded_ns": stats.started_ns, "files": stats.seen}
    target = generation / STATS_FILE
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(marshal.dumps(data))
    os.replace(tmp, target)
