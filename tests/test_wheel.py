"""The wheel works on its own: built from an sdist, installed into a fresh virtual environment,
and run from an unrelated folder, every page type answers 200 (templates, static files and
compiled catalogues all come from the installed package, which is never written to)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.servers import fetch, free_port, stop, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    "/",
    "/search?q=tamogatott+lakhatas",
    "/browse",
    "/browse/type",
    "/recent",
    "/editors",
    "/feed.xml",
    "/api/search?q=lakhatas",
    "/api/documents",
    "/healthz",
    "/api/openapi.json",
    "/sitemap.xml",
    "/robots.txt",
    "/opensearch.xml",
]


def run(*args: str | Path, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the project installed from its wheel (dependencies borrowed from the test venv)."""
    tmp = tmp_path_factory.mktemp("wheel")
    # sdist first, then the wheel from it: what a release (or pip install from PyPI) would do.
    build = f"from setuptools import build_meta as b; print(b.build_sdist({str(tmp)!r}))"
    sdist = tmp / run(sys.executable, "-c", build, cwd=ROOT).strip().splitlines()[-1]
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp, sdist, cwd=tmp)
    wheel = next(tmp.glob("kb_methodology-*.whl"))
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp)
    # The dependencies come from the test venv (no network, seconds instead of minutes); a
    # plain path line in a .pth does not run the test venv's own .pth files, so its editable
    # install of this project stays out of the way.
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_") and k != "PYTHONPATH"}
    return {**env, "KB_CACHE_DIR": "off", **extra}


def glossary_pages() -> list[str]:
    """/glossary once the app has it (another branch builds it)."""
    from kb.web import create_app

    rules = {rule.rule for rule in create_app({"testing": True}).url_map.iter_rules()}
    return ["/glossary"] if "/glossary" in rules else []


def package_files(venv: Path) -> dict[str, int]:
    site = next(venv.glob("lib/python*/site-packages"))
    return {str(p): p.stat().st_mtime_ns for p in (site / "kb").rglob("*") if "__pycache__" not in p.parts}


def test_the_project_comes_from_the_wheel(installed, tmp_path):
    where = run(installed / "bin" / "python", "-c", "import kb, kb.web; print(kb.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(installed)
    site = Path(where.strip()).parent
    assert (site / "templates" / "error.html").is_file()
    assert (site / "web" / "static" / "style.css").is_file()
    for lang in ("hu", "cs", "en"):
        assert (site / "web" / "translations" / lang / "LC_MESSAGES" / "messages.mo").is_file()


def test_every_page_type_answers_from_an_unrelated_folder(installed, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "content", site / "content")
    kb = installed / "bin" / "kb"
    env = clean_env()
    run(kb, "index", cwd=site, env=env)
    before = package_files(installed)
    port = free_port()
    server = subprocess.Popen(
        [kb, "serve", "--no-index", "--port", str(port)],
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/healthz", server)
        status, body = fetch(f"{base}/api/documents")
        doc_id = json.loads(body)["documents"][0]["id"]
        pages = PAGES + [f"/doc/{doc_id}"] + glossary_pages()
        answers = {page: fetch(base + page)[0] for page in pages}
        assert answers == {page: 200 for page in pages}
        status, body = fetch(base + "/", headers={"Accept-Language": "hu"})
        assert status == 200 and "Ugrás a tartalomra".encode() in body  # the compiled catalogue
        status, body = fetch(base + "/static/style.css")
        assert status == 200 and body
    finally:
        stop(server)
    assert package_files(installed) == before  # nothing written into the installed package
