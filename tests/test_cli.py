"""The ``kb`` command line, through click's runner and once as a real process."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from kb.cli import main

from .conftest import CONTENT


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_index_then_search(tmp_path):
    index = tmp_path / "ix"
    result = run("index", "--content", str(CONTENT), "--index", str(index))
    assert result.exit_code == 0
    assert "full rebuild: 8 added, 0 updated, 0 removed, 0 unchanged, 0 failed; 8 documents (cs 1, en 3, hu 4)" in (
        result.output
    )
    again = run("index", "--content", str(CONTENT), "--index", str(index))
    assert "incremental: 0 added, 0 updated, 0 removed, 8 unchanged, 0 failed" in again.output

    found = run("search", "--index", str(index), "--json", "tamogatott", "lakhatas")
    data = json.loads(found.output)
    assert data["results"][0]["id"] == "hu/tl-szolgaltatasi-gyuru-forum"

    text = run("search", "--index", str(index), "--lang", "cs", "sociální", "služby")
    assert "Transformuje Kraj nebo kraj?" in text.output


def test_environment_variables_set_paths(tmp_path):
    index = tmp_path / "ix"
    env = {"KB_CONTENT_DIR": str(CONTENT), "KB_INDEX_DIR": str(index)}
    assert run("index", env=env).exit_code == 0
    assert "Szegeden" in run("search", "--json", "Szeged", env=env).output


def test_incremental_update_add_change_remove(content_copy, tmp_path):
    index = tmp_path / "ix"
    run("index", "--content", str(content_copy), "--index", str(index))
    (content_copy / "hu" / "szakmakozi-halozat.md").unlink()
    tl = content_copy / "hu" / "tl-szolgaltatasi-gyuru-forum.md"
    tl.write_text(tl.read_text("utf-8") + "\nÚj bekezdés Nyíregyházán.\n", "utf-8")
    (content_copy / "hu" / "uj.md").write_text(
        "---\ntitle: Új\ntype: guidance\n---\nÚtmutató a lakóotthonokhoz.\n", "utf-8"
    )
    result = run("index", "--content", str(content_copy), "--index", str(index))
    assert "incremental: 1 added, 1 updated, 1 removed, 6 unchanged, 0 failed" in result.output
    found = json.loads(run("search", "--index", str(index), "--json", "Nyíregyháza").output)
    assert [r["id"] for r in found["results"]] == ["hu/tl-szolgaltatasi-gyuru-forum"]


def test_broken_file_is_reported_and_others_indexed(content_copy, tmp_path):
    (content_copy / "hu" / "broken.md").write_text("---\ntitle: [x\ntype: forum\n---\n", "utf-8")
    result = CliRunner().invoke(main, ["index", "--content", str(content_copy), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2
    assert "hu/broken.md:2: error: invalid YAML in front matter" in result.output
    assert "8 added" in result.output and "1 failed" in result.output


def test_check_reports_path_line_message(content_copy):
    assert run("check", "--content", str(content_copy)).exit_code == 0
    (content_copy / "bad.md").write_text("---\ntitle: X\ntype: recipe\n---\nText\n", "utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content_copy)])
    assert result.exit_code == 1
    assert "bad.md:3: error: field 'type' is 'recipe'" in result.output


def test_search_without_index_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["search", "--index", str(tmp_path / "none"), "x"])
    assert result.exit_code == 1
    assert "no index in" in result.output and "kb index" in result.output


def test_console_script_runs(tmp_path):
    """The installed ``kb`` entry point, as a person runs it."""
    kb = os.path.join(os.path.dirname(sys.executable), "kb")
    index = tmp_path / "ix"
    done = subprocess.run(
        [kb, "index", "--content", str(CONTENT), "--index", str(index)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = subprocess.run(
        [kb, "search", "--index", str(index), "Székesfehérvárott"], capture_output=True, text=True, timeout=300
    )
    assert "hep-szekesfehervari-forum" in found.stdout
