"""langdetect's language profiles without building them anew in every process.

langdetect parses 55 JSON profiles into one n-gram -> probabilities table each
time a process first detects a language: most of what an
editor waits for in ``kb index`` after saving one file. The same table is kept on
disk (built once by langdetect itself) and read lazily: the n-grams as a small
index, the probabilities from a memory-mapped array, row by row as a text needs
them. The rows are the very numbers langdetect computed, in its language order,
so detection gives identical results.

Kept in the cache folder of :class:`indexer.text.lemmas.Settings` (None disables).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import mmap
import os
import threading
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path

from langdetect import detector_factory

log = logging.getLogger("kb.langprofiles")
_lock = threading.Lock()


class LazyProbabilities(Mapping):
    """n-gram -> list of per-language probabilities, read from a memory-mapped array on demand."""

    def __init__(self, words: list[str], table: memoryview, width: int):
        self._rows = {word: number for number, word in enumerate(words)}
        self._table = table
        self._width = width

    def __contains__(self, word: object) -> bool:
        return word in self._rows

    def __getitem__(self, word: str) -> list[float]:
        start = self._rows[word] * self._width
        return self._table[start : start + self._width].tolist()

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def keys(self):
        """The n-grams, as a dict's keys (a membership test in C, not through ``__contains__``)."""
        return self._rows.keys()

    def __len__(self) -> int:
        return len(self._rows)


def _fingerprint() -> str:
    """Changes when langdetect's profiles do (another version installed)."""
    folder = Path(detector_factory.PROFILES_DIRECTORY)
    listing = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
    return hashlib.sha256(repr(listing).encode()).hexdigest()[:16]


def _paths(folder: Path) -> tuple[Path, Path]:
    stem = folder / f"langdetect-{_fingerprint()}"
    return stem.with_suffix(".index"), stem.with_suffix(".table")


def write_cache(folder: Path) -> None:
    """Let langdetect build its table once, the usual way, and keep it on disk."""
    factory = detector_factory.DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    words = list(factory.word_lang_prob_map)
    table = array("d")
    for word in words:
        table.extend(factory.word_lang_prob_map[word])
    folder.mkdir(parents=True, exist_ok=True)
    index_path, table_path = _paths(folder)
    for path, data in ((table_path, table.tobytes()), (index_path, marshal.dumps((factory.langlist, words)))):
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def load_cache(folder: Path) -> detector_factory.DetectorFactory | None:
    index_path, table_path = _paths(folder)
    if not index_path.exists() or not table_path.exists():
        return None
    langlist, words = marshal.loads(index_path.read_bytes())
    with table_path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    table = memoryview(mapped).cast("d")
    if len(table) != len(words) * len(langlist):
        return None
    factory = detector_factory.DetectorFactory()
    factory.langlist = list(langlist)
    factory.word_lang_prob_map = LazyProbabilities(words, table, len(langlist))
    return factory


def install(folder: Path | None) -> None:
    """Give langdetect its profiles from the cache in ``folder`` (building it the first time); no-op for None."""
    if detector_factory._factory is not None:
        return
    if folder is None:
        return
    with _lock:
        if detector_factory._factory is not None:
            return
        try:
            factory = load_cache(folder)
            if factory is None:
                write_cache(folder)
                factory = load_cache(folder)
        except (OSError, ValueError, EOFError, TypeError) as exc:
            log.warning("langdetect profile cache unavailable (%s); loading the profiles", exc)
            return
        if factory is not None:
            detector_factory._factory = factory
