"""Compiling the interface catalogues (``.po`` -> ``.mo``); only babel, no Flask.

A wheel carries compiled catalogues (``setup.py`` calls :func:`compile_catalogues`
at build time). A checkout whose ``.mo`` files are missing or older than their
``.po`` gets them compiled into a cache folder outside the package, so nothing is
ever written into an installed package (which may be read-only).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger("kb")


def _sources(directory: Path) -> list[Path]:
    return sorted(directory.glob("*/LC_MESSAGES/*.po"))


#: A checkout writes ``messages.mo`` just before ``messages.po`` (name order): a .mo this much
#: older than its .po was written with it, not compiled before an edit.
_CHECKOUT_SLACK_SECONDS = 2.0


def _stale(po_path: Path, mo_path: Path) -> bool:
    return not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime - _CHECKOUT_SLACK_SECONDS


def compile_catalogues(directory: Path, target: Path | None = None) -> list[Path]:
    """Compile every ``.po`` under ``directory`` into ``target`` (default: beside it) when missing or older.

    Returns the ``.mo`` files written.
    """
    target = directory if target is None else target
    written = []
    for po_path in _sources(directory):
        mo_path = target / po_path.relative_to(directory).with_suffix(".mo")
        if not _stale(po_path, mo_path):
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.chmod(tmp, 0o644)
        os.replace(tmp, mo_path)  # atomic: a concurrent worker reads the old file or the new one
        written.append(mo_path)
    return written


def up_to_date(directory: Path) -> bool:
    """True when every ``.po`` under ``directory`` has a ``.mo`` beside it at least as new."""
    return not any(_stale(po, po.with_suffix(".mo")) for po in _sources(directory))


def catalogue_dir(directory: Path, cache: Path | None) -> Path:
    """Where Babel should read the catalogues: ``directory`` itself, or compiled copies in ``cache``.

    The copies live in a folder named after the ``.po`` contents, so two versions of
    the interface never share compiled files. When they cannot be written the
    interface falls back to English (logged).
    """
    if up_to_date(directory):
        return directory
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in _sources(directory))).hexdigest()[:16]
    base = cache if cache is not None else Path(tempfile.gettempdir()) / f"kb-methodology-{os.getuid()}"
    target = base / "translations" / digest
    try:
        compile_catalogues(directory, target)
    except OSError as error:
        log.warning("could not compile the interface catalogues into %s: %s", target, error)
    return target
