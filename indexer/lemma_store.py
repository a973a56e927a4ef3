"""The simplemma side of :mod:`indexer.lemmas`: dictionaries as on-disk tables, then in memory.

Imported on the first look-up (importing simplemma compiles its rules for every
language); the settings (``SWITCH_AFTER``, the cache folder) stay in :mod:`indexer.lemmas`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import simplemma
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    DEFAULT_DICTIONARY_FACTORY,
    DecodedStrMapping,
    DictionaryFactory,
    _load_dictionary_from_disk,
)

from indexer import lemmas

log = logging.getLogger("kb.lemmas")


def store_path(lang: str, folder: Path) -> Path:
    return folder / f"{lang}-simplemma-{simplemma.__version__}.sqlite"


class SqliteDictionary(DecodedStrMapping):
    """A read-only simplemma dictionary answered by one indexed SQLite look-up per word."""

    __slots__ = ("_conn", "_lock", "_path", "_pid", "lookups")

    def __init__(self, path: Path):
        self._path = path
        self._lock = threading.Lock()
        self._connect()
        self.lookups = 0

    def _connect(self) -> None:
        self._conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
        self._pid = os.getpid()

    def _lookup(self, key: str) -> str | None:
        with self._lock:
            if self._pid != os.getpid():  # a forked worker (the indexing pool): never share a connection
                self._connect()
            self.lookups += 1
            row = self._conn.execute("SELECT v FROM lemma WHERE k = ?", (key.encode(),)).fetchone()
        return row[0].decode() if row else None

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            rows = self._conn.execute("SELECT k FROM lemma").fetchall()
        return (key.decode() for (key,) in rows)

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM lemma").fetchone()[0]


def write_store(lang: str, folder: Path) -> Path:
    """Build the table for ``lang`` from simplemma's own dictionary (seconds, once)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = store_path(lang, folder)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    conn = sqlite3.connect(tmp)
    try:
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("CREATE TABLE lemma (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
        conn.executemany("INSERT INTO lemma VALUES (?, ?)", sorted(_load_dictionary_from_disk(lang).items()))
        conn.commit()
    finally:
        conn.close()
    os.replace(tmp, target)  # another process building the same table meanwhile is harmless
    return target


class AdaptiveDictionaryFactory(DictionaryFactory):
    """Dictionaries from disk for a handful of words, in memory once many are needed."""

    def __init__(self):
        self._stores: dict[str, SqliteDictionary | None] = {}
        self._in_memory: set[str] = set()
        self._lock = threading.Lock()

    def load(self, lang: str) -> None:
        """Keep ``lang`` in memory from now on (a full build, a running site)."""
        self._in_memory.add(lang)
        DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        if lang not in self._in_memory and not lemmas.MANY:
            store = self._store(lang)
            if store is not None and store.lookups < lemmas.SWITCH_AFTER:
                return store
            self._in_memory.add(lang)
        return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)

    def _store(self, lang: str) -> SqliteDictionary | None:
        if lang in self._stores:
            return self._stores[lang]
        with self._lock:
            if lang not in self._stores:
                self._stores[lang] = self._open(lang)
            return self._stores[lang]

    @staticmethod
    def _open(lang: str) -> SqliteDictionary | None:
        folder = lemmas.cache_dir()
        if folder is None:
            return None
        path = store_path(lang, folder)
        try:
            if not path.exists():
                write_store(lang, folder)
            return SqliteDictionary(path)
        except (OSError, sqlite3.Error, ValueError) as exc:
            log.warning("lemma table for %s unavailable (%s); using the in-memory dictionary", lang, exc)
            return None


FACTORY = AdaptiveDictionaryFactory()


def lemmatizer() -> simplemma.Lemmatizer:
    """simplemma's lemmatizer over :data:`FACTORY`'s dictionaries."""
    return simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=FACTORY))
