"""Build hook: the wheel carries compiled interface catalogues (``.mo``), so nothing is compiled at run time.

All other metadata is in pyproject.toml; this file only adds the step setuptools
has no declarative form for.
"""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def _catalogues_module():
    # Loaded by path: importing the kb package here would need its dependencies at build time.
    path = Path(__file__).parent / "kb" / "web" / "catalogues.py"
    spec = importlib.util.spec_from_file_location("_kb_catalogues", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        translations = Path(self.build_lib) / "kb" / "web" / "translations"
        for mo in translations.glob("*/LC_MESSAGES/*.mo"):
            mo.unlink()  # copied from the checkout, possibly stale: always rebuilt from the .po
        _catalogues_module().compile_catalogues(translations)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
