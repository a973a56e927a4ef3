"""The simplemma side of :mod:`indexer.text.lemmas`: dictionaries as on-disk tables, then in memory
(loaded from a copy in the cache folder, see :func:`decoded`).

Imported on the first look-up (importing simplemma compiles its rules for every
language); the settings (:class:`indexer.text.lemma_settings.Settings`: the cache folder, how many words
before a whole dictionary is loaded) are handed to the factory.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import marshal
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import simplemma
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    SUPPORTED_LANGUAGES,
    DecodedStrMapping,
    DictionaryFactory,
    MappingStrToByteString,
    _load_dictionary_from_disk,
)

from indexer.processes import WorkerFailed, in_worker, map_in_workers
from indexer.text.lemma_settings import Settings

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


def write_missing(langs: Iterable[str], folder: Path) -> None:
    """Write the tables of ``langs`` that ``folder`` lacks, side by side, one process per core.

    Best effort: with fewer than two tables to write or one core, and for a language whose table
    cannot be written here (an error, a process killed), each table is left to its first look-up,
    which reports why and falls back to the in-memory dictionary.
    """
    missing = sorted(
        {lang for lang in langs if lang in SUPPORTED_LANGUAGES and not store_path(lang, folder).exists()},
        key=lambda lang: _SLOWEST_FIRST.index(lang) if lang in _SLOWEST_FIRST else len(_SLOWEST_FIRST),
    )
    processes = min(len(missing), os.cpu_count() or 1)
    if processes < 2 or in_worker():  # a build worker has no children
        return
    try:  # the children inherit simplemma, already imported
        for lang, error in map_in_workers(_write_one, zip(missing, itertools.repeat(folder)), processes=processes):
            if error:
                log.info("lemma table for %s not written beforehand (%s)", lang, error)
    except (OSError, WorkerFailed) as exc:
        log.info("lemma tables not written beforehand (%s)", exc or type(exc).__name__)


def _write_one(job: tuple[str, Path]) -> tuple[str, str | None]:
    lang, folder = job
    try:
        write_store(lang, folder)
    except (OSError, sqlite3.Error, ValueError) as exc:
        return lang, str(exc)
    return lang, None


#: The glossary's languages by the time their tables take (bench/README.md): the slowest starts first,
#: and the others are written beside it.
_SLOWEST_FIRST = ("pl", "hu", "de", "sk", "cs", "en")


class _ByteDictionary(MappingStrToByteString):
    """simplemma's in-memory dictionary (bytes to bytes), each look-up one call instead of three:
    a full build looks up every new word form two to four times (its lemma, the lemma's, a
    compound's parts). The same answers as simplemma's own mapping over the same dict."""

    __slots__ = ()

    def get(self, key: str, default=None):
        value = self._dict.get(key.encode())
        return value.decode() if value is not None else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.encode() in self._dict


class AdaptiveDictionaryFactory(DictionaryFactory):
    """Dictionaries from disk for a handful of words, in memory once many are needed."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._stores: dict[str, SqliteDictionary | None] = {}
        self._in_memory: dict[str, Mapping[str, str]] = {}
        self._lock = threading.Lock()

    def load(self, lang: str) -> None:
        """Keep ``lang`` in memory from now on (a full build, a running site)."""
        self._keep(lang)

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        found = self._in_memory.get(lang)
        if found is not None:
            return found
        if not self.settings.many:
            store = self._store(lang)
            if store is not None and store.lookups < self.settings.switch_after:
                return store
        return self._keep(lang)

    def _keep(self, lang: str) -> Mapping[str, str]:
        """``lang``'s dictionary in memory, from now on (ValueError for a language simplemma lacks)."""
        found = self._in_memory[lang] = _ByteDictionary(decoded(lang, self.settings.cache_dir))
        return found

    def _store(self, lang: str) -> SqliteDictionary | None:
        if lang in self._stores:
            return self._stores[lang]
        with self._lock:
            if lang not in self._stores:
                self._stores[lang] = self._open(lang)
            return self._stores[lang]

    def _open(self, lang: str) -> SqliteDictionary | None:
        folder = self.settings.cache_dir
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


def copy_path(lang: str, folder: Path) -> Path:
    return folder / f"{lang}-simplemma-{simplemma.__version__}.marshal"


def decoded(lang: str, folder: Path | None) -> dict[bytes, bytes]:
    """simplemma's whole dictionary for ``lang`` (bytes to bytes), as simplemma decodes it.

    From a ``marshal`` copy in the cache folder when there is one (made the first time): every
    full build's worker and every site process loads the dictionaries, and simplemma decompresses
    and front-decodes every entry (Hungarian's are millions) each time. ValueError for a language
    simplemma lacks; an unreadable copy is decoded afresh and replaced. ``folder``: the cache folder
    (None: no copy).
    """
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(f"Unsupported language: {lang}")
    path = None if folder is None else copy_path(lang, folder)
    if path is not None:
        try:
            found = marshal.loads(path.read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            pass  # no copy yet
        except (OSError, EOFError, ValueError, TypeError) as exc:
            log.warning("lemma dictionary copy %s unreadable (%s); decoding simplemma's", path, exc)
        else:
            if type(found) is dict:
                return found
            log.warning("lemma dictionary copy %s holds a %s, not a dict; decoding simplemma's", path, type(found))
    found = _load_dictionary_from_disk(lang)
    if path is not None:
        _write_copy(path, found)
    return found


def _write_copy(path: Path, dictionary: dict[bytes, bytes]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(dictionary))
        os.replace(tmp, path)  # another process writing the same copy meanwhile is harmless
    except OSError as exc:
        log.warning("cannot keep a copy of the lemma dictionary at %s (%s)", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


#: Results simplemma's lemmatizer keeps itself: few, since indexer.text.analysis keeps each word's lemmas
#: (a look-up that misses both is a new word, and a stranger's random words must not grow it).
LEMMATIZER_CACHE = 4_096


def lemmatizer(factory: DictionaryFactory) -> simplemma.Lemmatizer:
    """simplemma's lemmatizer over ``factory``'s dictionaries (``indexer.text.lemmas.FACTORY``)."""
    strategy = DefaultStrategy(dictionary_factory=factory)
    return simplemma.Lemmatizer(cache_max_size=LEMMATIZER_CACHE, lemmatization_strategy=strategy)
