"""Read side of indexer.generation.history: last-updated dates and authors, and the recently updated documents.

The history is stored next to the index at index time; this module only reads that
file (parsed once per change of it), so a request never runs git. The recently
updated lists are made from the catalogue's light rows (no stored document is read,
no searcher lock is taken) and kept until the history or the catalogue changes.
"""

from __future__ import annotations

import threading

from indexer.generation import history, storage
from kb.search.audience import ANONYMOUS, Audience
from kb.search.service import SearchService

#: Candidates looked up per catalogue query while filling a list (most of them are in the index).
_BATCH = 200


class UpdatesService:
    """History look-ups for the pages and the feeds; safe to share between threads."""

    def __init__(self, search: SearchService):
        self.search = search
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._files: dict[str, dict] = {}
        self._order: list[tuple[str, dict]] = []  # (document id, history), newest first
        self._lists: tuple[tuple, dict] = (
            (),
            {},
        )  # (history key, catalogue stamp) -> {(limit, lang, texts, audience): list}

    def _load(self) -> tuple[dict[str, dict], tuple]:
        """The parsed history, read again only when its files changed, and the key naming it."""
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
                ordered = sorted(self._files.items(), key=lambda kv: kv[1].get("updated", ""), reverse=True)
                self._order = [(path[: -len(".md")] if path.endswith(".md") else path, e) for path, e in ordered]
                self._key = key
            return self._files, key

    def for_document(self, doc: dict) -> dict | None:
        """``{"updated", "created", "authors", "source"}`` of one stored document, or None."""
        return self._load()[0].get(doc.get("path") or f"{doc['id']}.md")

    def stamp(self) -> tuple:
        """Names the state the lists come from (the history files, the catalogue's commit): a key for caches."""
        try:
            catalogue = self.search.catalogue.stamp()
        except storage.IndexUnavailable:  # no index yet: the lists are empty, not an error
            catalogue = None
        return (self._load()[1], catalogue)

    def recent(
        self, limit: int = 10, lang: str | None = None, texts: bool = False, audience: Audience = ANONYMOUS
    ) -> list[dict]:
        """The most recently changed documents ``audience`` may see, newest first: their catalogue
        rows with ``history`` added.

        A new file that failed has history but is not in the index (nor in the catalogue).
        ``texts``: a document without a summary also gets its stored ``text`` (what a feed
        entry shows instead), read from the index for those documents only.
        """
        stamp = self.stamp()
        question = (limit, lang, texts, audience.key)
        with self._lock:
            held, answers = self._lists
            if held != stamp or len(answers) >= 256:  # a key per set of groups: bounded
                answers = {}
                self._lists = (stamp, answers)
            if question in answers:
                return answers[question]
        found = self._recent(limit, lang, texts, audience)
        with self._lock:
            answers[question] = found
        return found

    def _recent(self, limit: int, lang: str | None, texts: bool, audience: Audience) -> list[dict]:
        order = self._order
        found: list[dict] = []
        for start in range(0, len(order), _BATCH):
            batch = order[start : start + _BATCH]
            try:
                rows = self.search.catalogue.members([ident for ident, _ in batch], audience)
            except storage.IndexUnavailable:
                return []
            for ident, entry in batch:
                row = rows.get(ident)
                if row is not None and (lang is None or row["lang"] == lang):
                    found.append({**row, "history": entry})
                    if len(found) >= limit:
                        break
            if len(found) >= limit:
                break
        if texts:
            missing = [doc["id"] for doc in found if not doc.get("summary")]
            stored = self.search.documents_by_id(missing, audience) if missing else {}
            for doc in found:
                if doc["id"] in stored:
                    doc["text"] = stored[doc["id"]].get("text", "")
        return found
