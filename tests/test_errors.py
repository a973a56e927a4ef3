"""One base for the product's own errors (indexer/errors.py), each keeping the base it had; the web
layer reaches the index's errors through kb.search, not indexer.generation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from indexer.authoring.scaffold import ScaffoldError
from indexer.build.segments import WorkerFailed
from indexer.documents.load import DocumentError
from indexer.errors import KbError
from indexer.generation.storage import IndexBusy, IndexUnavailable
from indexer.guards.deadline import Expired
from indexer.guards.markdown_shapes import TooComplex
from indexer.importers.model import ImportFailure
from indexer.pipeline import BuildFailed
from kb.config import ConfigError, Invalid
from kb.evaluation import GoldenFileError
from kb.publish import PublishBusy, PublishError

ROOT = Path(__file__).resolve().parent.parent

#: Each product error -> the base it had before KbError (still caught by the same ``except``).
ERRORS = {
    IndexUnavailable: Exception,
    IndexBusy: Exception,
    ScaffoldError: ValueError,
    ImportFailure: Exception,
    WorkerFailed: RuntimeError,
    BuildFailed: Exception,
    TooComplex: Exception,
    DocumentError: Exception,
    GoldenFileError: ValueError,
    PublishError: RuntimeError,
    PublishBusy: PublishError,
    ConfigError: ValueError,
    Invalid: ValueError,
}


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_every_product_error_is_a_kb_error_and_keeps_its_base(error):
    assert issubclass(error, KbError) and issubclass(error, ERRORS[error])


def test_the_startup_errors_are_kb_errors_and_gunicorn_still_knows_them():
    from gunicorn.errors import AppImportError

    source = (ROOT / "kb" / "wsgi.py").read_text("utf-8")  # importing kb.wsgi would start the site
    bases = {
        node.name: [ast.unparse(base) for base in node.bases]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef)
    }
    assert bases == {"StartupError": ["KbError", "AppImportError"], "NoSecretKey": ["StartupError"]}
    assert issubclass(AppImportError, Exception)


def test_a_time_limit_is_not_an_exception():
    """Expired stays a BaseException: no ``except Exception`` (nor ``except KbError``) swallows it."""
    assert not issubclass(Expired, Exception)


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return modules | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}


def test_the_web_layer_reaches_the_index_through_kb_search():
    for path in sorted((ROOT / "kb" / "web").glob("*.py")):
        assert not any(m.startswith(("indexer.generation", "indexer.text")) for m in imported(path)), path.name
    assert not any(m.startswith("indexer.generation") for m in imported(ROOT / "kb" / "wsgi.py"))
