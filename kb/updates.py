"""Read side of indexer.history: last-updated dates and authors, and the recently updated documents.

The history is stored next to the index at index time; this module only reads that
file (cached until the index changes), so a request never runs git.
"""

from __future__ import annotations

import threading

from whoosh import query as Q

from indexer import history, storage
from kb.search import SearchService, decode_stored


class UpdatesService:
    """History look-ups for the pages and the feeds; safe to share between threads."""

    def __init__(self, search: SearchService):
        self.search = search
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._files: dict[str, dict] = {}
        self._order: list[tuple[str, dict]] = []

    def _load(self) -> dict[str, dict]:
        generation = storage.current_generation(self.search.index_dir)
        key: tuple = (generation,)
        for name in (history.HISTORY_FILE, history.MTIMES_FILE):
            try:
                key += ((generation / name).stat().st_mtime_ns,) if generation else (None,)
            except OSError:
                key += (None,)
        with self._lock:
            if key != self._key:
                self._files = history.read(generation).get("files", {})
                self._order = sorted(self._files.items(), key=lambda kv: kv[1].get("updated", ""), reverse=True)
                self._key = key
            return self._files

    def for_document(self, doc: dict) -> dict | None:
        """``{"updated", "created", "authors", "source"}`` of one stored document, or None."""
        return self._load().get(doc.get("path") or f"{doc['id']}.md")

    def recent(self, limit: int = 10, lang: str | None = None) -> list[dict]:
        """The most recently changed documents, newest first, each with its history merged in."""
        self._load()
        searcher = self.search.searcher()
        allowed: set[str] | None = None
        if lang:
            column = searcher.reader().column_reader("id")
            allowed = {_text(column[n]) for n in searcher.docs_for_query(Q.Term("lang", lang))}
        found: list[dict] = []
        for path, entry in self._order:
            if len(found) >= limit:
                break
            ident = path[: -len(".md")] if path.endswith(".md") else path
            if allowed is not None and ident not in allowed:
                continue
            stored = searcher.document(id=ident)
            if stored:  # a new file that failed has history but is not in the index
                found.append({**decode_stored(stored), "history": entry})
        return found


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value
