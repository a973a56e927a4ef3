"""The searches store: one SQLite file per host under ``analytics.path``, written in batches by a
background thread, read all together by the editors' page and ``kb analytics``. No Flask here.

Why a file per host: SQLite's locking is only sound on a local file system, and the replicas of
one host share theirs (each gunicorn worker with its own connection, WAL, a busy timeout). Why a
thread: a search must not wait for a disk write; rows wait in memory (already masked there by
the caller's ``prepare``) and are written every ``batch`` rows or ``interval`` seconds, and on a
graceful stop (:func:`close_all`, atexit). A worker killed outright loses at most what it held.
Each row has a random id and is inserted ``OR IGNORE``: a batch retried after a busy database
is never counted twice.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

log = logging.getLogger("kb.analytics")

SEARCH_COLUMNS = (
    "id", "chain", "ts", "day", "query", "ui", "qlang", "filters", "results",
    "via_only", "fuzzy", "suggested", "relaxed", "page", "took_ms", "source",
)  # fmt: skip
OPEN_COLUMNS = ("id", "search", "ts", "day", "position", "doc")
DAILY_COLUMNS = ("day", "query", "qlang", "searches", "empty", "opened")

SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    id TEXT PRIMARY KEY, chain TEXT NOT NULL, ts REAL NOT NULL, day TEXT NOT NULL, query TEXT NOT NULL,
    ui TEXT, qlang TEXT, filters TEXT, results INTEGER, via_only INTEGER, fuzzy INTEGER,
    suggested INTEGER, relaxed INTEGER, page INTEGER, took_ms REAL, source TEXT);
CREATE INDEX IF NOT EXISTS searches_ts ON searches (ts);
CREATE TABLE IF NOT EXISTS opens (
    id TEXT PRIMARY KEY, search TEXT NOT NULL, ts REAL NOT NULL, day TEXT NOT NULL, position INTEGER, doc TEXT);
CREATE INDEX IF NOT EXISTS opens_ts ON opens (ts);
-- What is left of events older than analytics.retention_days: one row per day, query and language.
CREATE TABLE IF NOT EXISTS daily (
    day TEXT NOT NULL, query TEXT NOT NULL, qlang TEXT NOT NULL, searches INTEGER NOT NULL,
    empty INTEGER NOT NULL, opened INTEGER NOT NULL, PRIMARY KEY (day, query, qlang));
"""
BUSY_TIMEOUT_MS = 5000
#: Rows held in memory at most: a store that cannot be written drops the oldest, never the site.
MAX_PENDING = 10_000


def file_name(host: str | None = None) -> str:
    """``searches-<host>.sqlite``: the host's name as a file name."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", host or socket.gethostname()) or "host"
    return f"searches-{name}.sqlite"


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last batch, never the file
        conn.executescript(SCHEMA)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def day_of(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).date().isoformat()


def write(conn: sqlite3.Connection, searches: list[dict], opens: list[dict]) -> None:
    """One transaction: every row of the batch or none."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if searches:
            conn.executemany(
                f"INSERT OR IGNORE INTO searches VALUES ({','.join('?' * len(SEARCH_COLUMNS))})",
                [tuple(row.get(c) for c in SEARCH_COLUMNS) for row in searches],
            )
        if opens:
            conn.executemany(
                f"INSERT OR IGNORE INTO opens VALUES ({','.join('?' * len(OPEN_COLUMNS))})",
                [tuple(row.get(c) for c in OPEN_COLUMNS) for row in opens],
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def fold(conn: sqlite3.Connection, retention_days: int, now: float | None = None) -> int:
    """Events older than ``retention_days`` become daily counts; returns how many searches were folded.

    A chain of refinements counts once, on the day of its last search, and is folded only when all
    its searches are old (one transaction: two workers folding at once fold each search once).
    """
    cutoff = (now or time.time()) - retention_days * 86400
    conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT s.chain, s.ts, s.day, s.query, s.qlang, s.results, s.id FROM searches s WHERE s.chain IN "
            "(SELECT chain FROM searches GROUP BY chain HAVING max(ts) < ?) ORDER BY s.ts",
            (cutoff,),
        ).fetchall()
        opened = {r[0] for r in conn.execute("SELECT DISTINCT search FROM opens")}
        chains: dict[str, list] = {}
        for row in rows:
            chains.setdefault(row[0], []).append(row)
        counts: dict[tuple[str, str, str], list[int]] = {}
        for events in chains.values():
            last = events[-1]
            key = (last[2], last[3], last[4] or "")
            count = counts.setdefault(key, [0, 0, 0])
            count[0] += 1
            count[1] += last[5] == 0
            count[2] += any(e[6] in opened for e in events)
        conn.executemany(
            "INSERT INTO daily VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, query, qlang) DO UPDATE SET "
            "searches = searches + excluded.searches, empty = empty + excluded.empty, "
            "opened = opened + excluded.opened",
            [(*key, *count) for key, count in counts.items()],
        )
        conn.executemany("DELETE FROM searches WHERE chain = ?", [(chain,) for chain in chains])
        conn.execute("DELETE FROM opens WHERE ts < ? AND search NOT IN (SELECT id FROM searches)", (cutoff,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(rows)


class Recorder:
    """Rows in, batches out: ``add`` costs a queue put; a daemon thread (started in the process that
    adds, so a forked worker gets its own) masks them with ``prepare`` and writes them."""

    def __init__(
        self,
        folder: Path,
        *,
        prepare: Callable[[dict], dict] | None = None,
        batch: int = 100,
        interval: float = 2.0,
        retention_days: int = 90,
    ):
        self.path = Path(folder) / file_name()
        self.prepare = prepare or (lambda row: row)
        self.batch, self.interval, self.retention_days = batch, interval, retention_days
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        _open.append(self)

    def add(self, kind: str, row: dict) -> None:
        """Queue a ``"search"`` or ``"open"`` row; never raises, never waits for the disk."""
        if self._pid != os.getpid():
            self._start()
        self._queue.put((kind, row))

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.SimpleQueue()  # a forked child does not write its parent's rows
            self._thread = threading.Thread(target=self._run, name="kb-analytics", daemon=True)
            self._pid = os.getpid()
            self._thread.start()

    def _run(self) -> None:
        conn = None
        pending: list[tuple[str, dict]] = []
        folded_at = 0.0
        while True:
            deadline = time.monotonic() + self.interval
            stopping = False
            while len(pending) < self.batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:  # close(): write what is held, then stop
                    stopping = True
                    break
                pending.append(item)
            if stopping:
                pending.extend(item for item in self._drain() if item is not None)
            try:
                conn = conn or connect(self.path)
                if time.time() - folded_at > 86400:
                    fold(conn, self.retention_days)
                    folded_at = time.time()
                self._write(conn, pending)
                pending = []
            except (sqlite3.Error, OSError) as error:
                log.warning("analytics: cannot write %s: %s", self.path, error)
                pending = pending[-MAX_PENDING:]
                if stopping:
                    break  # nothing more to try
            if stopping:
                break
        if conn is not None:
            conn.close()

    def _drain(self) -> list[tuple[str, dict]]:
        items = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def _write(self, conn: sqlite3.Connection, pending: list[tuple[str, dict]]) -> None:
        if not pending:
            return
        rows = {"search": [], "open": []}
        for kind, row in pending:
            rows[kind].append(self.prepare(row) if kind == "search" else row)
        write(conn, rows["search"], rows["open"])

    def close(self, timeout: float = 10.0) -> None:
        """Write what is held and stop the thread (a graceful stop; idempotent)."""
        thread = self._thread
        if thread is None or self._pid != os.getpid() or not thread.is_alive():
            return
        self._queue.put(None)
        thread.join(timeout)


_open: list[Recorder] = []


def close_all() -> None:
    """Flush every recorder of this process: atexit, gunicorn's ``worker_exit``, a signal handler."""
    for recorder in list(_open):
        recorder.close()


atexit.register(close_all)


@dataclass
class Data:
    """What every file of the folder holds, from ``since`` on."""

    searches: list[dict] = field(default_factory=list)
    opens: list[dict] = field(default_factory=list)
    daily: list[dict] = field(default_factory=list)
    files: int = 0


def load(folder: Path, since: date | None = None) -> Data:
    """Every ``searches-*.sqlite`` of ``folder`` read together (one file per host)."""
    data = Data()
    start = (since or date(1970, 1, 1)).isoformat()
    for path in sorted(Path(folder).glob("searches-*.sqlite")):
        try:
            conn = connect(path, readonly=True)
        except sqlite3.Error as error:
            log.warning("analytics: cannot read %s: %s", path, error)
            continue
        try:
            for table, columns, target in (
                ("searches", SEARCH_COLUMNS, data.searches),
                ("opens", OPEN_COLUMNS, data.opens),
                ("daily", DAILY_COLUMNS, data.daily),
            ):
                sql = f"SELECT {', '.join(columns)} FROM {table} WHERE day >= ?"
                target.extend(dict(zip(columns, row, strict=True)) for row in conn.execute(sql, (start,)))
            data.files += 1
        except sqlite3.Error as error:
            log.warning("analytics: cannot read %s: %s", path, error)
        finally:
            conn.close()
    return data


def since_days(days: int) -> date:
    return datetime.now(tz=UTC).date() - timedelta(days=days)
