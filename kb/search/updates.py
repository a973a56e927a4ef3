"""Read side of indexer.history: last-updated dates and authors, and the recently updated documents.

The history is stored next to the index at index time; this module only reads that
file (cached until the index changes), so a request never runs git.
"""

from __future__ import annotations

import threading

from indexer import history, storage
from kb.search.service import SearchService


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
        """The most recently changed documents, newest first, each with its history merged in.

        Reads the index only through the search service (its lock), in batches of the
        next candidates: a new file that failed has history but is not in the index.
        """
        self._load()
        allowed = self.search.ids_in_language(lang) if lang else None
        found: list[dict] = []
        candidates = ((path[: -len(".md")] if path.endswith(".md") else path, entry) for path, entry in self._order)
        batch: list[tuple[str, dict]] = []
        for ident, entry in candidates:
            if allowed is not None and ident not in allowed:
                continue
            batch.append((ident, entry))
            if len(batch) >= limit - len(found):
                found += self._stored(batch)
                batch = []
                if len(found) >= limit:
                    break
        if batch and len(found) < limit:
            found += self._stored(batch)
        return found[:limit]

    def _stored(self, batch: list[tuple[str, dict]]) -> list[dict]:
        docs = self.search.documents_by_id([ident for ident, _ in batch])
        return [{**docs[ident], "history": entry} for ident, entry in batch if ident in docs]
