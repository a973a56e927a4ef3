"""Crash safety, tested by crashing: ``kb index`` killed with SIGKILL at chosen steps (the
test-only hook ``KB_TEST_CRASH_AT``, indexer/guards/crashpoints.py) and after random delays, full
and incremental, one process and several; then a disk that fills up and a read-only
index folder.

After each, the index must open and serve the old content or the new, never a mix or
nothing; no worker may outlive the build; the next build must succeed, remove what the
killed one left and say so; nothing may be left behind after it.
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.index import TOC

from indexer import pipeline
from indexer.generation import storage
from kb.cli import main
from kb.search import SearchService

KB = shutil.which("kb", path=str(Path(sys.executable).parent)) or "kb"
TIMEOUT = 120  # generous: only a build that hangs reaches it
MANY = 200  # a full build of this many files runs segment workers (indexer.build.preparation.POOL_THRESHOLD)
FEW = 20
_cache_dir: Path | None = None


def write_corpus(root: Path, count: int, word: str) -> Path:
    for i in range(count):
        lang = "hu" if i % 2 else "cs"
        path = root / lang / f"doc-{i:03d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\ntitle: Dokumentum {i}\ntype: article\nlang: {lang}\n---\n\n{word} szöveg {i}. A lakhatásról.\n",
            "utf-8",
        )
    return root


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict:
    """Old and new content (every file differs), and an index of the old, per size."""
    base = tmp_path_factory.mktemp("crash")
    global _cache_dir  # lemma tables on disk for the builds here: each process would spend seconds making them
    _cache_dir = base / "cache"
    made = {}
    for count in (MANY, FEW):
        old = write_corpus(base / f"old-{count}", count, "alma")
        new = write_corpus(base / f"new-{count}", count, "korte")
        index = base / f"index-{count}"
        pipeline.build(old, index, full=True)
        made[count] = {"old": old, "new": new, "index": index}
    return made


def served(index: Path, count: int) -> str:
    """'old' or 'new': which complete content the index serves (fails on anything else)."""
    service = SearchService(index)
    try:
        old, new = service.search("alma").total, service.search("korte").total
        documents = service.stats()["documents"]
    finally:
        service.close()
    assert (old, new, documents) in ((count, 0, count), (0, count, count)), (old, new, documents)
    return "old" if old else "new"


def unpublished(index: Path) -> list[str]:
    current = storage.current_generation(index)
    return sorted(
        p.name
        for p in index.glob("gen-*")
        if p.resolve() != current and not storage.read_meta(p).get("published") and p.name > current.name
    )


def orphaned_segment_files(index: Path) -> list[str]:
    """Segment files in the current generation that its table of contents does not name."""
    current = storage.current_generation(index)
    segment_ids = {segment.segment_id() for segment in storage.open_index(index)._segments()}
    pattern = TOC._segment_pattern("MAIN")
    return [name for name in os.listdir(current) if (m := pattern.match(name)) and m.group(1) not in segment_ids]


def assert_no_debris(index: Path) -> None:
    current = storage.current_generation(index)
    assert not list(index.glob(".current-*"))
    generations = sorted(index.glob("gen-*"))
    assert current in [g.resolve() for g in generations] and len(generations) <= 2, generations
    for generation in generations:
        assert generation.resolve() == current or storage.read_meta(generation).get("published")
        assert not (generation / "MAIN.tmp").exists()  # a writer's posting pool
    assert orphaned_segment_files(index) == []
    assert len([n for n in os.listdir(current) if n.endswith(".toc")]) == 1


def session_processes(sid: int) -> list[int]:
    """Processes still alive in a session (the killed build's workers would be here)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def assert_no_survivors(sid: int) -> None:
    give_up = time.monotonic() + 10  # the kernel delivers PDEATHSIG at once; this is only patience
    while session_processes(sid) and time.monotonic() < give_up:
        time.sleep(0.05)
    assert session_processes(sid) == [], "a worker outlived the killed build"


def kb_index(
    content: Path,
    index: Path,
    *,
    full: bool,
    workers: int,
    crash_at: str | None = None,
    prefix: tuple[str, ...] | list[str] = (),
    **kwargs,
) -> subprocess.Popen:
    env = {**os.environ, "KB_CACHE_DIR": str(_cache_dir), "KB_INDEX_WORKERS": str(workers)}
    env.pop("KB_TEST_CRASH_AT", None)
    if crash_at:
        env["KB_TEST_CRASH_AT"] = crash_at
    args = [*prefix, KB, "index", "--content", str(content), "--index", str(index)] + (["--full"] if full else [])
    return subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs
    )


def recover(content: Path, index: Path) -> str:
    """The next build (incremental, in this process): it must succeed; its summary line."""
    left = unpublished(index)
    result = CliRunner().invoke(main, ["index", "--content", str(content), "--index", str(index)])
    assert result.exit_code == 0, result.output
    if left:
        assert f"removed {', '.join(left)} left by an interrupted build" in result.stdout
    assert "Traceback" not in result.output
    return result.stdout


# (kill point, full build?, workers, files, what a reader must find after the kill). The steps
# the parent takes alone (commit, publish) are the same code with one process or several, so
# the 200-file runs (segment workers; a pool for the incremental) kill it while workers run.
KILLS = [
    ("document:100", True, 2, MANY, "old"),
    ("before-commit", True, 2, MANY, "old"),
    ("published", True, 2, MANY, "new"),
    ("generation-created", True, 1, FEW, "old"),
    ("document:10", True, 1, FEW, "old"),
    ("before-commit", True, 1, FEW, "old"),
    ("committed", True, 1, FEW, "old"),
    ("before-publish", True, 1, FEW, "old"),
    ("link-made", True, 1, FEW, "old"),
    ("published", True, 1, FEW, "new"),
    ("document:100", False, 2, MANY, "old"),
    ("document:5", False, 1, FEW, "old"),
    ("before-commit", False, 1, FEW, "old"),
    ("committed", False, 1, FEW, "new"),
]


@pytest.mark.parametrize(
    "point, full, workers, count, expected",
    KILLS,
    ids=[f"{'full' if k[1] else 'incremental'}-{k[2]}proc-{k[0]}" for k in KILLS],
)
def test_killed_build_leaves_old_or_new_and_the_next_build_cleans_up(
    corpora, tmp_path, point, full, workers, count, expected
):
    corpus = corpora[count]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    build = kb_index(corpus["new"], index, full=full, workers=workers, crash_at=point)
    build.communicate(timeout=TIMEOUT)
    assert build.returncode == -signal.SIGKILL
    assert_no_survivors(build.pid)
    assert served(index, count) == expected
    recover(corpus["new"], index)
    assert served(index, count) == "new"
    assert_no_debris(index)


def test_a_killed_worker_fails_the_build_cleanly(corpora, tmp_path):
    corpus = corpora[MANY]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    build = kb_index(corpus["new"], index, full=True, workers=2, crash_at="worker-chunk:3")
    _, err = build.communicate(timeout=TIMEOUT)
    assert build.returncode == 1, err
    assert "cannot write the index" in err and "an index worker stopped (exit code -9)" in err, err
    assert "Traceback" not in err
    assert_no_survivors(build.pid)
    assert served(index, MANY) == "old" and unpublished(index) == []  # discarded at once
    recover(corpus["new"], index)
    assert_no_debris(index)


@pytest.mark.parametrize("full", [True, False], ids=["full", "incremental"])
def test_killed_after_a_random_delay(corpora, tmp_path, full):
    """Wherever the kill lands (seeded, so a failure can be replayed), a reader finds old or new."""
    corpus = corpora[MANY]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    build = kb_index(corpus["new"], index, full=full, workers=2)
    time.sleep(random.Random(16 + full).uniform(0.5, 3.0))
    build.kill()
    build.communicate(timeout=TIMEOUT)
    assert_no_survivors(build.pid)
    served(index, MANY)
    recover(corpus["new"], index)
    assert served(index, MANY) == "new"
    assert_no_debris(index)


def test_an_orphan_from_before_the_mark_is_removed_and_named(corpora, tmp_path):
    """What a ``kill -9`` during ``kb index --full`` left before this change: a generation folder."""
    corpus = corpora[FEW]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    orphan = index / f"gen-{time.time_ns()}"
    orphan.mkdir()
    (orphan / "MAIN_half.seg").write_bytes(b"\0" * 1000)
    assert f"removed {orphan.name} left by an interrupted build" in recover(corpus["new"], index)
    assert not orphan.exists()
    assert_no_debris(index)


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


DISK_FULL = [(True, 2, MANY), (True, 1, FEW), (False, 1, FEW)]


@pytest.mark.parametrize("full, workers, count", DISK_FULL, ids=["full-2proc", "full", "incremental"])
def test_a_full_disk_fails_clearly_and_the_old_index_keeps_serving(corpora, tmp_path, full, workers, count):
    corpus = corpora[count]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    build = kb_index(corpus["new"], index, full=full, workers=workers, preexec_fn=_file_size_limit(25_000))
    out, err = build.communicate(timeout=TIMEOUT)
    assert build.returncode == 1, out + err
    assert "cannot write the index in" in err and "File too large" in err, err
    assert "Readers keep the last complete index" in err
    assert "Traceback" not in err
    assert served(index, count) == "old"
    assert unpublished(index) == []
    recover(corpus["new"], index)
    assert served(index, count) == "new"
    assert_no_debris(index)


def _read_only(index: Path) -> list[str]:
    """A command prefix that runs the build with ``index`` read-only.

    Root ignores file modes, so as root the folder is bind-mounted read-only in a mount
    namespace of the build's own (nothing outside it sees the mount); otherwise ``chmod``.
    """
    if os.geteuid() != 0:
        for path in [index, *index.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o555)
        return []
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
    prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(index)]
    if shutil.which("unshare") is None or subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a read-only folder here (root without mount namespaces)")
    return prefix


@pytest.mark.parametrize("full", [True, False], ids=["full", "incremental"])
def test_a_read_only_index_folder_is_a_clear_error(corpora, tmp_path, full):
    index = tmp_path / "index"
    shutil.copytree(corpora[FEW]["index"], index, symlinks=True)
    build = kb_index(corpora[FEW]["new"], index, full=full, workers=1, prefix=_read_only(index))
    out, err = build.communicate(timeout=TIMEOUT)
    for path in [index, *index.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    assert build.returncode == 1, out + err
    assert "cannot write the index in" in err, err
    assert "Read-only file system" in err or "Permission denied" in err, err
    assert "Traceback" not in err
    assert served(index, FEW) == "old"


@pytest.mark.parametrize("point", ["document:100", "worker-chunk:3", "before-commit"])
def test_killed_during_an_update_of_many_files(corpora, tmp_path, point):
    """An update of more than one writer's pool runs the segment workers in the live generation
    (here with a pool of 50, so that 200 files are many): killed anywhere, the old content serves,
    and the next build removes what the workers wrote."""
    corpus = corpora[MANY]
    index = tmp_path / "index"
    shutil.copytree(corpus["index"], index, symlinks=True)
    pool_of_50 = "import sys; from indexer.format import segment_writer; segment_writer.POOL_DOCUMENTS = 50; "
    prefix = [sys.executable, "-c", pool_of_50 + "from kb.cli import main; main(sys.argv[2:])"]
    build = kb_index(corpus["new"], index, full=False, workers=2, crash_at=point, prefix=prefix)
    _, err = build.communicate(timeout=TIMEOUT)
    assert build.returncode in (-signal.SIGKILL, 1), err  # a killed worker fails the build (exit 1)
    assert "Traceback" not in err
    assert_no_survivors(build.pid)
    assert served(index, MANY) == "old"
    assert orphaned_segment_files(index)  # the workers' files, which no table of contents names
    recover(corpus["new"], index)
    assert served(index, MANY) == "new"
    assert_no_debris(index)
