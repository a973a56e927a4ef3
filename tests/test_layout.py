"""The shape of the code, kept: no import loop, no import up a layer, no module much over 400
lines, Whoosh's private parts only in ``indexer/format/``, every package in the wheel.

Layers, lowest first: a module may import its own layer and the ones below it.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 420  # "about 400": a docstring's worth of slack

LAYERS = [
    "indexer.errors",
    "indexer.guards",
    "indexer.processes",
    "indexer.text",
    "indexer.documents",
    "indexer.glossary",
    "indexer.format",
    "indexer.build",
    "indexer.generation",
    "indexer.importers",
    "indexer.authoring",
    "indexer.pipeline",
    "indexer",
    "kb.config_kinds",
    "kb.settings",
    "kb.config",
    "kb.search",
    "kb.analytics",
    "kb.publish",
    "kb.watch",
    "kb.web",
    "kb.evaluation",
    "kb.devserver",
    "kb.wsgi",
    "kb.cli",
]
# Whoosh modules whose insides are read or subclassed: only indexer/format/ imports them.
WHOOSH_PRIVATE = (
    "whoosh.codec",
    "whoosh.filedb.compound",
    "whoosh.filedb.filetables",
    "whoosh.filedb.structfile",
    "whoosh.system",
    "whoosh.util.numlists",
)


def _modules() -> dict[str, Path]:
    found = {}
    for top in ("indexer", "kb"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every import of one of our modules: (module, line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                target = full if full in MODULES else node.module
                found.append((target, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
    return [(name, line) for name, line in found if name in MODULES]


def _layer(module: str) -> int:
    """The index in LAYERS of the longest prefix the module has."""
    matches = [
        (len(prefix), i) for i, prefix in enumerate(LAYERS) if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else len(LAYERS)


def test_no_import_loops():
    edges = {m: {t for t, _ in _imports(p) if t != m and not m.startswith(t + ".")} for m, p in MODULES.items()}
    loops = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for module in edges:
        if module not in index:
            visit(module)
    assert not loops, f"import loops: {loops}"


def test_no_import_runs_up_a_layer():
    upward = [
        f"{path.relative_to(ROOT)}:{line}: {module} imports {target}"
        for module, path in MODULES.items()
        for target, line in _imports(path)
        if _layer(target) > _layer(module) and not target.startswith(module + ".")
    ]
    assert not upward, "\n".join(upward)


def test_no_module_is_much_over_400_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in MODULES.values()
        if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_whoosh_private_modules_only_in_the_format_wing():
    outside = []
    for module, path in MODULES.items():
        if module.startswith("indexer.format"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            outside += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names if n.startswith(WHOOSH_PRIVATE)]
    assert not outside, "\n".join(outside)


def test_every_package_is_in_the_wheel():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages <= listed, sorted(packages - listed)


# Other libraries' private parts, each in one place: python-docx's documented recipe for a
# hyperlink, langdetect's loaded profiles (the language wing reads them to restrict the languages).
OTHER_LIBRARIES = {"paragraph._p", "detector_factory._factory"}


def test_no_private_attribute_of_another_object_outside_the_format_wing():
    """``x._name`` where x is not self, cls or a module of ours: reaching into Whoosh's objects."""
    ours = {m.rsplit(".", 1)[-1] for m in MODULES}
    outside = []
    for module, path in MODULES.items():
        if module.startswith("indexer.format"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and not (isinstance(node.value, ast.Name) and (node.value.id in {"self", "cls", "os", "sys"} | ours))
                and ast.unparse(node) not in OTHER_LIBRARIES
            ):
                outside.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not outside, "\n".join(outside)
