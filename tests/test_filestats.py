"""Change detection by stat (indexer.generation.filestats): a file is read only when its stat moved or is too
recent to trust, and a change is never missed, even within the same clock tick."""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.documents.load import discover, discover_relative
from indexer.generation import filestats, storage

GOOD = 'title: "Cím"\ntype: protocol\nlang: hu'
HOUR_NS = 3600 * 10**9


def age(path: Path, ns: int = HOUR_NS) -> None:
    """Set the file's modification time an hour back (a file edited long before the build)."""
    then = time.time_ns() - ns
    os.utime(path, ns=(then, then))


def hashes(monkeypatch) -> list[int]:
    """Count the files the pipeline hashes (reads) from now on."""
    calls: list[int] = []
    real = pipeline.content_hash
    monkeypatch.setattr(pipeline, "content_hash", lambda data: calls.append(1) or real(data))
    return calls


def tree(content_factory, n: int = 3) -> list[Path]:
    paths = [content_factory(f"hu/doc-{i}.md", GOOD, f"Szöveg {i}. A támogatott lakhatás.\n") for i in range(n)]
    for path in paths:
        age(path)
    return paths


def test_unchanged_files_with_an_old_stat_are_not_read(content_factory, tmp_path, monkeypatch):
    tree(content_factory)
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    calls = hashes(monkeypatch)
    summary = pipeline.build(content_factory.root, index)
    assert (summary.unchanged, summary.updated, len(calls)) == (3, 0, 0)


def test_a_touched_but_unchanged_file_is_read_and_still_unchanged(content_factory, tmp_path, monkeypatch):
    paths = tree(content_factory)
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    os.utime(paths[1])  # now
    calls = hashes(monkeypatch)
    summary = pipeline.build(content_factory.root, index)
    assert (summary.unchanged, summary.updated, len(calls)) == (3, 0, 1)


def test_a_change_of_size_with_the_same_mtime_is_seen(content_factory, tmp_path):
    paths = tree(content_factory)
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    before = paths[0].stat()
    paths[0].write_text(paths[0].read_text("utf-8") + "Még egy mondat.\n", "utf-8")
    os.utime(paths[0], ns=(before.st_atime_ns, before.st_mtime_ns))  # the same mtime, to the nanosecond
    summary = pipeline.build(content_factory.root, index)
    assert (summary.updated, summary.unchanged) == (1, 2)


def test_a_change_within_the_same_tick_as_the_build_is_seen(content_factory, tmp_path):
    """Same size, same mtime, same inode: only the racy rule (a recent mtime is not trusted) sees it."""
    paths = [content_factory(f"hu/doc-{i}.md", GOOD, f"Szöveg {i}.\n") for i in range(2)]
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)  # the files' mtimes are as recent as the build
    before = paths[0].stat()
    with open(paths[0], "r+b") as file:  # rewritten in place: one letter, the same length
        data = file.read()
        file.seek(0)
        file.write(data.replace("Szöveg 0".encode(), "Szöveg 9".encode()))
    os.utime(paths[0], ns=(before.st_atime_ns, before.st_mtime_ns))
    after = paths[0].stat()
    assert filestats.stat_key(after) == filestats.stat_key(before)
    summary = pipeline.build(content_factory.root, index)
    assert (summary.updated, summary.unchanged) == (1, 1)


def test_recent_entries_are_recorded_again_and_then_trusted(content_factory, tmp_path, monkeypatch):
    monkeypatch.setattr(filestats, "REWRITE_AFTER", 0)  # this tree is tiny: rewrite for one entry
    paths = [content_factory("hu/doc.md", GOOD, "Szöveg.\n")]
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    generation = storage.current_generation(index)
    stats = filestats.load(generation)
    stat, _ = stats.files["hu/doc.md"]
    assert stats.known_hash("hu/doc.md", stat) is None  # written just before the build: not trusted
    age(paths[0])
    pipeline.build(content_factory.root, index)  # read once more (its stat moved), recorded as old
    calls = hashes(monkeypatch)
    pipeline.build(content_factory.root, index)
    assert calls == []


def test_an_entry_too_recent_to_trust_is_recorded_again_once_it_is_old(content_factory, tmp_path, monkeypatch):
    """The same stat, read again once it is old enough: the record is written again and then trusted."""
    monkeypatch.setattr(filestats, "REWRITE_AFTER", 0)
    monkeypatch.setattr(filestats, "RACY_NS", 200_000_000)
    content_factory("hu/doc.md", GOOD, "Szöveg.\n")
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)  # written just now: recorded, not trusted
    time.sleep(0.3)
    calls = hashes(monkeypatch)
    pipeline.build(content_factory.root, index)  # read again under the same stat, now old enough
    assert calls == [1]
    pipeline.build(content_factory.root, index)
    assert calls == [1]


def test_a_few_changed_files_do_not_rewrite_the_record_and_are_still_seen(content_factory, tmp_path):
    paths = tree(content_factory)
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    record = storage.current_generation(index) / filestats.STATS_FILE
    written = record.stat().st_mtime_ns
    for n in range(3):
        paths[0].write_text(paths[0].read_text("utf-8") + f"Mondat {n}.\n", "utf-8")
        age(paths[0], HOUR_NS - n * 10**9)  # an old mtime, a new one each time
        summary = pipeline.build(content_factory.root, index)
        assert (summary.updated, summary.unchanged) == (1, 2)
    assert record.stat().st_mtime_ns == written  # one stale entry is not worth the whole record
    assert pipeline.build(content_factory.root, index).unchanged == 3


def test_known_hash_rules():
    now = time.time_ns()
    stats = filestats.FileStats(recorded_ns=now, files={"a.md": ((10, now - HOUR_NS, 7), "h")})
    assert stats.known_hash("a.md", (10, now - HOUR_NS, 7)) == "h"
    assert stats.known_hash("a.md", (11, now - HOUR_NS, 7)) is None  # size
    assert stats.known_hash("a.md", (10, now - HOUR_NS + 1, 7)) is None  # mtime
    assert stats.known_hash("a.md", (10, now - HOUR_NS, 8)) is None  # another file moved in
    assert stats.known_hash("b.md", (10, now - HOUR_NS, 7)) is None
    recent = filestats.FileStats(recorded_ns=now, files={"a.md": ((10, now - 10**9, 7), "h")})
    assert recent.known_hash("a.md", (10, now - 10**9, 7)) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda record: record.write_text("{not marshal", "utf-8"),
        lambda record: record.write_bytes(record.read_bytes()[: len(record.read_bytes()) // 2]),  # cut short
        lambda record: record.write_bytes(marshal.dumps([1, 2, 3])),
        lambda record: record.write_bytes(marshal.dumps({"version": 2, "recorded_ns": 1, "files": {"hu/a.md": 5}})),
        lambda record: record.write_bytes(marshal.dumps({"version": 2, "recorded_ns": "1", "files": {}})),
        lambda record: record.write_bytes(b""),
    ],
    ids=["garbage", "cut-short", "a-list", "entry-not-a-pair", "time-not-a-number", "empty"],
)
def test_a_damaged_record_is_ignored(content_factory, tmp_path, damage):
    tree(content_factory)
    index = tmp_path / "ix"
    pipeline.build(content_factory.root, index)
    damage(storage.current_generation(index) / filestats.STATS_FILE)
    assert filestats.load(storage.current_generation(index)).files == {}
    summary = pipeline.build(content_factory.root, index)
    assert (summary.unchanged, summary.failed) == (3, 0)


def test_discover_matches_rglob(content_factory):
    root = content_factory.root
    for rel in [
        "a/x.md",
        "a-b/x.md",
        "a.b/y.md",
        "Z.md",
        "z.md",
        "_drafts/x.md",
        "hu/_private.md",
        ".git/x.md",
        "hu/.hidden/x.md",
        "glossary/notes.md",
        "hu/glossary/real.md",
        "README.md",
        "hu/readme.md",
        "hu/notes.txt",
        "dir.md/inside.md",
    ]:
        content_factory(rel, GOOD)
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    (root / "alias.md").symlink_to(root / "z.md")
    (root / "broken.md").symlink_to(root / "nowhere.md")

    def rglob(content_dir: Path) -> list[Path]:  # the definition before indexer.documents.load.discover_relative
        found = []
        for path in sorted(content_dir.rglob("*.md")):
            rel = path.relative_to(content_dir)
            if path.name in {"README.md", "readme.md"} or any(p.startswith((".", "_")) for p in rel.parts):
                continue
            if rel.parts[0] == "glossary":
                continue
            if path.is_file():
                found.append(path)
        return found

    assert list(discover(root)) == rglob(root)
    assert discover_relative(root) == [p.relative_to(root).as_posix() for p in rglob(root)]
