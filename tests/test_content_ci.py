"""The pre-commit hooks and the CI template a content repository copies run real kb commands."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest
import yaml
from click.testing import CliRunner

from kb.cli import main

from .conftest import CONTENT, ROOT


def test_pre_commit_hooks_run_in_a_content_repository(tmp_path):
    if shutil.which("kb") is None:
        pytest.skip("the kb command is not on PATH (activate .venv)")
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"kb-check", "kb-eval"}
    shutil.copytree(CONTENT, tmp_path / "content")
    for path in (tmp_path / "content").rglob("*.md"):  # two translations still to come: warnings, --strict errors
        text = path.read_text("utf-8")
        for key in ("hep-szekesfehervar-forum", "szakmakozi-halozat"):
            text = text.replace(f"translation_key: {key}\n", "")
        path.write_text(text, "utf-8")
    shutil.copy(ROOT / "golden" / "content.yaml", tmp_path / "golden.yaml")
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        done = subprocess.run(shlex.split(hook["entry"]), cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (hook["id"], done.stdout, done.stderr)
    assert "recall@10" in done.stdout


def test_ci_template_uses_existing_commands_and_options():
    workflow = yaml.safe_load((ROOT / "deploy" / "content-ci.yml").read_text())
    runs = [step["run"] for step in workflow["jobs"]["check"]["steps"] if "run" in step]
    commands = [shlex.split(run) for run in runs if run.startswith("kb ")]
    assert [c[1] for c in commands] == ["check", "index", "eval"]
    for command in commands:
        options = [arg for arg in command[2:] if arg.startswith("--")]
        help_text = CliRunner().invoke(main, [command[1], "--help"]).output
        assert all(option in help_text for option in options), command
