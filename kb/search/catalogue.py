"""Read side of indexer.generation.catalogue: document lists, families, related documents, editors' lists.

Answers come from the SQLite catalogue the build writes beside the index, never from
the searcher: no searcher lock is taken, so a document page or the editors' overview
never holds up a search. Each thread keeps its own read-only connection to the
current generation's file; a new commit is visible to it at once (SQLite), a new
generation opens a new file.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from indexer.generation import catalogue, storage
from kb.search.audience import ANONYMOUS, PREVIEW, Audience
from kb.search.results import doc_url, prefer, split_tags

_LIGHT = ", ".join(catalogue.COLUMNS)


def _member(values: tuple) -> dict:
    """A catalogue row as the pages want a listed document (``results.family_member``'s shape)."""
    doc = dict(zip(catalogue.COLUMNS, values, strict=True))
    doc["tags"] = split_tags(doc["tags"] or "")
    doc["warnings"] = catalogue.decode_warnings(doc["warnings"])
    doc["url"] = doc_url(doc["id"])
    return doc


@dataclass
class EditorsView:
    """What the editors' overview lists."""

    total: int
    gaps: list[tuple[list[dict], list[str]]] = field(default_factory=list)  # one page of them
    gap_count: int = 0
    with_warnings: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)


#: Answers kept per index state: ``/editors?page=N`` for every N must not grow a worker without end.
_MEMO_LIMIT = 256


class Catalogue:
    """The catalogue of the index in ``index_dir``; safe to share between threads."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._local = threading.local()
        self._memo: tuple[tuple, dict] = ((), {})  # (stamp, {question: answer}) for the lists every page asks for

    def _conn(self) -> sqlite3.Connection:
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            raise storage.IndexUnavailable(
                f"no index in {self.index_dir}: run 'kb index' to build it", storage.NO_INDEX
            )
        file = catalogue.path(generation)
        try:
            inode = file.stat().st_ino  # kb index may write the file anew in the same generation
        except OSError:
            raise storage.IndexUnavailable(
                f"the index in {self.index_dir} has no catalogue: run 'kb index'", storage.NO_CATALOGUE
            ) from None
        held = getattr(self._local, "held", None)
        if held is None or held[0] != (generation, inode):
            if held is not None:
                held[1].close()
            conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=10, check_same_thread=False)
            self._local.held = held = ((generation, inode), conn)
        return held[1]

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            self._local.held = None
            raise storage.IndexUnavailable(
                f"the catalogue cannot be read ({exc}): run 'kb index --full'", storage.DAMAGED
            ) from None

    def stamp(self) -> tuple:
        """Names the state answers come from (generation, file and commit): a key for caches."""
        commit = self._query("SELECT v FROM meta WHERE k = 'commit'")
        return (self._local.held[0], commit[0][0] if commit else None)

    def _cached(self, question: tuple, answer):
        """``answer()``, kept until the index gets a new commit or generation."""
        stamp = self.stamp()
        held_stamp, answers = self._memo
        if held_stamp != stamp or (question not in answers and len(answers) >= _MEMO_LIMIT):
            answers = {}
            self._memo = (stamp, answers)
        if question not in answers:
            answers[question] = answer()
        return answers[question]

    def _seen(self, audience: Audience) -> tuple[str, tuple]:
        """An SQL condition on ``docs`` that keeps what ``audience`` may see, and its arguments."""
        stored = self._cached(("audiences",), lambda: [v for (v,) in self._query("SELECT DISTINCT audience FROM docs")])
        seen = tuple(value for value in stored if audience.sees(value))
        if len(seen) == len(stored):
            return "1", ()
        return f"audience IN ({', '.join('?' * len(seen))})", seen

    def member(self, doc_id: str, audience: Audience = ANONYMOUS) -> dict | None:
        where, args = self._seen(audience)
        found = self._query(f"SELECT {_LIGHT} FROM docs WHERE id = ? AND {where}", (doc_id, *args))
        return _member(found[0]) if found else None

    def members(self, ids: list[str], audience: Audience = ANONYMOUS) -> dict[str, dict]:
        """The listed documents of ``ids`` that exist and ``audience`` may see, by id (one query for the lot)."""
        where, args = self._seen(audience)
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 500):  # below SQLite's limit of host parameters
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for values in self._query(f"SELECT {_LIGHT} FROM docs WHERE id IN ({marks}) AND {where}", (*chunk, *args)):
                found[values[0]] = _member(values)
        return found

    def family(self, key: str | None, audience: Audience = ANONYMOUS) -> list[dict]:
        """Every document sharing a translation key that ``audience`` may see, in language order."""
        if not key:
            return []
        where, args = self._seen(audience)
        rows = self._query(
            f"SELECT {_LIGHT} FROM docs WHERE translation_key = ? AND {where} ORDER BY lang, id", (key, *args)
        )
        return [_member(r) for r in rows]

    def languages(self, audience: Audience = ANONYMOUS) -> list[str]:
        """The languages of the documents ``audience`` may see."""
        return self._cached(("languages", audience.key), lambda: self._languages(audience))

    def _languages(self, audience: Audience) -> list[str]:
        where, args = self._seen(audience)
        return [lang for (lang,) in self._query(f"SELECT DISTINCT lang FROM docs WHERE {where} ORDER BY lang", args)]

    def recent(self, limit: int = 5, audience: Audience = ANONYMOUS) -> list[dict]:
        """The newest documents ``audience`` may see by their date (undated ones last)."""
        return self._cached(("recent", limit, audience.key), lambda: self._recent(limit, audience))

    def _recent(self, limit: int, audience: Audience) -> list[dict]:
        where, args = self._seen(audience)
        rows = self._query(
            f"SELECT {_LIGHT} FROM docs WHERE {where} ORDER BY date IS NULL, date DESC, id LIMIT ?",
            (*args, limit),
        )
        return [_member(r) for r in rows]

    def related(
        self, doc_id: str, langs: list[str] | None = None, limit: int = 5, audience: Audience = ANONYMOUS
    ) -> list[dict]:
        """The related families stored for ``doc_id``, each shown in the first of ``langs`` it has; only
        the documents ``audience`` may see (so the stored list is read on past those it may not)."""
        chosen = []
        for group, best in self._query("SELECT grp, best FROM related WHERE id = ? ORDER BY position", (doc_id,)):
            candidates = self.family(group, audience)
            if not candidates:
                fallback = self.member(best, audience)
                if fallback is None:  # removed since (the next build refreshes the list), or not for this reader
                    continue
                candidates = [fallback]
            chosen.append(prefer(candidates, langs or [], fallback=best))
            if len(chosen) >= limit:
                break
        return chosen

    def editors(self, page: int = 1, per_page: int = 100) -> EditorsView:
        return self._cached(("editors", page, per_page), lambda: self._editors(page, per_page))

    def _editors(self, page: int, per_page: int) -> EditorsView:
        """Translation gaps (a page of them, by title), documents with warnings, the files changed last."""
        view = EditorsView(total=self._query("SELECT count(*) FROM docs")[0][0])
        langs = self.languages(PREVIEW)
        # A family lacks a language when it has fewer distinct languages than the knowledge base.
        incomplete = """
            SELECT family, min(id) AS first FROM docs GROUP BY family HAVING count(DISTINCT lang) < ?
        """
        ordered = f"""
            WITH gap AS ({incomplete}),
            head AS (SELECT g.family, g.first,
                     (SELECT sort_title FROM docs d WHERE d.family = g.family ORDER BY lang, id LIMIT 1) AS sort_title
                     FROM gap g)
            SELECT family FROM head ORDER BY sort_title, first LIMIT ? OFFSET ?
        """
        count = len(langs)
        view.gap_count = self._query(f"SELECT count(*) FROM ({incomplete})", (count,))[0][0]
        families = [f for (f,) in self._query(ordered, (count, per_page, (page - 1) * per_page))]
        by_family = f"SELECT {_LIGHT} FROM docs WHERE family = ? ORDER BY lang, id"
        for family in families:
            members = [_member(r) for r in self._query(by_family, (family,))]
            have = {m["lang"] for m in members}
            view.gaps.append((members, [lang for lang in langs if lang not in have]))
        view.with_warnings = [
            _member(r) for r in self._query(f"SELECT {_LIGHT} FROM docs WHERE warnings NOT IN ('[]', '') ORDER BY id")
        ]
        view.changed = [
            _member(r) for r in self._query(f"SELECT {_LIGHT} FROM docs ORDER BY coalesce(mtime, 0) DESC, id LIMIT 10")
        ]
        return view
