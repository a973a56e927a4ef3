"""``kb index``: incremental (renames move), atomic (readers never see half an index; a failed
build leaves the previous one serving), isolated failures, progress bar and summary."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import pipeline
from indexer.build import fields, preparation
from indexer.generation import storage
from kb.cli import main
from kb.search import SearchService

from .conftest import CONTENT


def ids(index_dir: Path) -> set[str]:
    service = SearchService(index_dir)
    try:
        return {d["id"] for d in service.documents(limit=100)[1]}
    finally:
        service.close()


def test_a_renamed_file_moves(content_copy, tmp_path):
    index = tmp_path / "ix"
    pipeline.build(content_copy, index)
    (content_copy / "hu" / "szakmakozi-halozat.md").rename(content_copy / "hu" / "szakmakozi-halozat-2019.md")
    summary = pipeline.build(content_copy, index)
    assert (summary.added, summary.removed, summary.updated, summary.unchanged) == (1, 1, 0, 7)
    found = ids(index)
    assert "hu/szakmakozi-halozat-2019" in found and "hu/szakmakozi-halozat" not in found
    assert len(found) == 8


def test_only_changed_documents_are_analysed(content_copy, tmp_path, monkeypatch):
    index = tmp_path / "ix"
    pipeline.build(content_copy, index)
    edited = content_copy / "en" / "tl-service-ring-forum.md"
    edited.write_text(edited.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    analysed = []
    real = preparation.prepare
    monkeypatch.setattr(preparation, "prepare", lambda path, *rest: analysed.append(path.name) or real(path, *rest))
    summary = pipeline.build(content_copy, index)
    assert analysed == ["tl-service-ring-forum.md"]
    assert (summary.updated, summary.unchanged) == (1, 7)


def test_a_failed_full_build_leaves_the_previous_index_serving(content_copy, tmp_path, monkeypatch):
    index = tmp_path / "ix"
    pipeline.build(content_copy, index)
    before = storage.current_generation(index)
    service = SearchService(index)
    assert service.search("Szeged").total >= 1

    calls = 0
    real = fields.index_fields

    def crash_midway(doc, tagger):
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(28, "No space left on device")
        return real(doc, tagger)

    monkeypatch.setattr(preparation, "index_fields", crash_midway)
    with pytest.raises(pipeline.BuildFailed, match="No space left on device"):
        pipeline.build(content_copy, index, full=True)
    assert storage.current_generation(index) == before
    assert sorted(p.name for p in index.glob("gen-*")) == [before.name]  # the half-built one is gone
    assert service.stats()["documents"] == 8
    assert service.search("Szeged").total >= 1
    service.close()


def test_readers_never_see_a_half_built_index(content_copy, tmp_path):
    """Mid-build (after each document), a reader sees the whole previous index, then the whole new one."""
    index = tmp_path / "ix"
    pipeline.build(content_copy, index)
    for path in list(content_copy.rglob("*.md"))[:3]:
        if path.name != "README.md":
            path.write_text(path.read_text("utf-8") + "\nÚj mondat.\n", "utf-8")
    service = SearchService(index)
    seen = []

    def look(done, total):
        seen.append((service.stats()["documents"], storage.current_generation(index)))

    before = storage.current_generation(index)
    pipeline.build(content_copy, index, full=True, progress=look)
    assert len(seen) == 8 and all(view == (8, before) for view in seen)
    assert service.stats()["documents"] == 8 and storage.current_generation(index) != before

    seen.clear()
    (content_copy / "cs" / "transformace-socialnich-sluzeb-msk.md").unlink()
    pipeline.build(content_copy, index, progress=look)  # incremental: one commit at the end
    assert all(count == 8 for count, _ in seen)
    assert service.stats()["documents"] == 7
    service.close()


def test_broken_file_exit_2_others_indexed_last_good_version_kept(content_copy, tmp_path):
    index = tmp_path / "ix"
    runner = CliRunner()
    runner.invoke(main, ["index", "--content", str(content_copy), "--index", str(index)])
    doc = content_copy / "hu" / "szakmakozi-halozat.md"
    good = doc.read_text("utf-8")
    doc.write_text(good.replace("type:", "tipe:", 1), "utf-8")
    result = runner.invoke(main, ["index", "--content", str(content_copy), "--index", str(index)])
    assert result.exit_code == 2
    assert "hu/szakmakozi-halozat.md:1: error: missing required field 'type'" in result.output
    assert "incremental: 0 added, 0 updated, 0 removed, 7 unchanged, 1 failed; 8 documents" in result.output
    assert "hu/szakmakozi-halozat" in ids(index)  # the last good version still serves


def test_progress_bar_on_a_terminal(content_factory, tmp_path):
    """As a real process on a pseudo-terminal: a progress bar, then the one-line summary."""
    for number in range(3):
        content_factory(f"n{number}.md", "title: Note\ntype: news\nlang: xx", "Plain notes.")
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content_factory.root),
        "KB_INDEX_DIR": str(tmp_path / "ix"),
        "COLUMNS": "100",
    }
    code = "from kb.cli import main; main(['index'])"
    controller, terminal = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=terminal, stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    output = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    assert proc.wait(timeout=120) == 0
    text = output.decode("utf-8", "replace")
    assert "Indexing" in text and "100%" in text
    assert "full rebuild: 3 added, 0 updated, 0 removed, 0 unchanged, 0 failed; 3 documents (xx 3)" in text


def test_cli_does_not_import_flask():
    """The editor loop's ``kb index`` starts without loading the web framework."""
    code = "import sys, kb.cli; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'flask')))"
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_bundled_content_full_build_summary(tmp_path):
    summary = pipeline.build(CONTENT, tmp_path / "ix")
    assert summary.full and summary.failed == 0 and summary.total == 8
