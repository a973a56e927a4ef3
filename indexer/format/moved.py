"""The module paths an index built before the wings (issue 29) names, answered by today's modules.

Whoosh pickles the class path of every field type and analysis filter into an index's table of
contents (``indexer.schema.WordsText``, ``indexer.analysis.FoldFilter`` ...). Those modules moved
into ``indexer/format/`` and ``indexer/text/``; without these aliases every index built before
would fail to open (503 until a full rebuild, incremental builds and webhook publishing failing).
An old path is imported only when such an index is opened, and gives the same class objects.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

#: Every module an index's table of contents can name, old path -> where it lives now.
OLD_PATHS = {
    "indexer.analysis": "indexer.text.analysis",
    "indexer.schema": "indexer.format.schema",
    "indexer.codec": "indexer.format.codec",
}


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname: str, path, target=None):
        if fullname in OLD_PATHS:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec) -> None:
        return None  # a module of its own, filled with the new module's names

    def exec_module(self, module: ModuleType) -> None:
        current = importlib.import_module(OLD_PATHS[module.__name__])
        module.__dict__.update({k: v for k, v in vars(current).items() if not k.startswith("__")})


def install() -> None:
    """Let ``import indexer.analysis`` (and the rest of OLD_PATHS) find today's module; idempotent."""
    if not any(isinstance(finder, _OldPaths) for finder in sys.meta_path):
        sys.meta_path.append(_OldPaths())
