"""The search service: owns the index's lifecycle and the one lock through which a searcher is reached.

One searcher is kept open and reused; it is refreshed when the index gets a new
commit or a new generation, so a running site sees ``kb index`` without a restart
and never pays for opening the index per request. Every public method runs under
the lock (Whoosh readers share seek-and-read file objects: two threads using one
searcher at once can read each other's bytes); the work itself is in the modules
beside this one, as functions of a searcher.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh import collectors
from whoosh import query as Q
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from indexer import storage
from indexer.analysis import FIELD_LANGUAGES, field_language, warm_up
from kb.search import documents, plan, suggest
from kb.search.catalogue import Catalogue, EditorsView
from kb.search.facets import FIELDS, FacetCounter, filter_query
from kb.search.results import Hit, SearchResult, decode_stored, doc_url, split_tags, text_of
from kb.search.snippets import fill_snippet
from kb.search.whoosh_internals import dense
from kb.search.whoosh_internals.collector import MatchesTopCollector
from kb.search.whoosh_internals.ranking import RecencyBM25F
from kb.search.whoosh_internals.searcher import bound_idf_cache

MAX_LIMIT = documents.MAX_LIMIT  # hits one search returns: the results page groups up to this many
MAX_PAGE = documents.MAX_PAGE


def serialized(method):
    """Run a public method under the service's lock; a damaged index becomes IndexUnavailable."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            try:
                return method(self, *args, **kwargs)
            except storage.IndexUnavailable:
                raise
            except Exception:
                self._drop()
                self.check()  # a damaged index becomes IndexUnavailable (503), a bug stays a 500
                raise

    return locked


class SearchService:
    """Search over the index in ``index_dir``; safe to share between threads (one at a time)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._ix: FileIndex | None = None
        self._searcher: Searcher | None = None
        self._langs: list[str] = list(FIELD_LANGUAGES)
        self._facets = FacetCounter()
        self._postings = dense.PostingsCache()
        self.catalogue = Catalogue(self.index_dir)

    # -- index lifecycle -------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[Searcher]:
        """The current searcher, held under the lock for the ``with`` block (raises IndexUnavailable)."""
        with self._lock:
            yield self._current()

    def open(self) -> None:
        """Open the index and load what the first search needs (before the first visitor)."""
        with self._lock:
            self._current()

    def _current(self) -> Searcher:
        """The shared searcher, replaced when the index changed. Call with the lock held.

        A replaced searcher is not closed here: a reader may still hold it; it closes
        its files when the last of them lets go of it.
        """
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            self._drop()
            raise storage.IndexUnavailable(f"no index in {self.index_dir}: run 'kb index' to build it")
        if self._searcher is None or generation != self._generation:
            self._drop()
            self._ix = storage.open_index(self.index_dir)
            self._generation = generation
            self._open_searcher()
            warm_up(self._langs)
        elif self._ix.latest_generation() != self._searcher.reader().generation():
            self._open_searcher()
        bound_idf_cache(self._searcher)
        return self._searcher

    def _open_searcher(self) -> None:
        try:
            self._searcher = self._ix.searcher(weighting=RecencyBM25F())
            self._postings = dense.PostingsCache()  # BM25 statistics change with the index
        except Exception as exc:  # damaged segment files
            self._drop()
            raise storage.IndexUnavailable(
                f"the index in {self.index_dir} cannot be read ({exc}): run 'kb index --full'"
            ) from None
        self._langs = documents.field_languages(self._searcher)

    def _drop(self) -> None:
        self._searcher = None
        self._ix = None
        self._generation = None

    def check(self) -> None:
        """Open the index afresh and read a little of every segment (raises IndexUnavailable)."""
        try:
            storage.verify(storage.open_index(self.index_dir))
        except storage.IndexUnavailable:
            self.close()  # pages show the maintenance message too, not what open files still hold
            raise

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._drop()

    @serialized
    def stats(self) -> dict:
        searcher = self._current()
        langs = {text_of(lang): searcher.doc_frequency("lang", lang) for lang in searcher.lexicon("lang")}
        return {
            "documents": searcher.doc_count(),
            "languages": langs,
            "generation": self._generation.name if self._generation else None,
            "segments": len(searcher.ixreader.leaf_readers()),
        }

    # -- search ----------------------------------------------------------

    @serialized
    def search(
        self,
        text: str,
        *,
        lang: str | None = None,
        type: str | None = None,
        tag: str | None = None,
        year: str | None = None,
        page: int = 1,
        limit: int = 10,
        organisation: str | None = None,
        region: str | None = None,
        snippets: bool = True,
    ) -> SearchResult:
        started = time.perf_counter()
        page = min(max(1, page), MAX_PAGE)
        limit = min(max(1, limit), MAX_LIMIT)
        parsed = plan.parse(text)
        result = SearchResult(query=parsed.text, page=page, limit=limit)
        searcher = self._current()
        langs = [field_language(lang)] if lang else self._langs
        filters = {"lang": lang, "type": type, "tag": tag, "year": year, "organisation": organisation, "region": region}
        filter_q = filter_query(filters)
        if parsed.empty and filter_q is None:
            result.message = "Type a word to search." if not parsed.text else "Nothing searchable in that query."
            return result

        reader = searcher.reader()
        spellings = plan.accented_spellings(reader, parsed.all_words())
        misspelled = plan.misspelled(searcher, parsed, langs) - spellings.keys()
        if parsed.empty:
            q = Q.Every()
        else:
            q = plan.build(parsed, langs, misspelled=misspelled, spellings=spellings)
        if q is None:
            result.message = "Only very common words in that query: add a more specific word."
            return result
        result.fuzzy = bool(misspelled)
        if misspelled:
            result.suggestion = plan.did_you_mean(searcher, parsed, misspelled)
        results = self._run(searcher, q, filter_q, page, limit, terms=result.fuzzy)
        if results.scored_length() == 0 and len(parsed.words) + len(parsed.phrases) > 1:
            relaxed = plan.build(parsed, langs, conjunction=False, misspelled=misspelled, spellings=spellings)
            results = self._run(searcher, relaxed, filter_q, page, limit, terms=result.fuzzy)
            result.relaxed = results.scored_length() > 0
            q = relaxed
        result.total = len(results)
        result.facets = self._facets.count(searcher, results.matched_docnums)
        terms = {t for t in (q.all_terms() if q else ())}
        if result.fuzzy:
            terms |= _matched_terms(results)
        offset = (page - 1) * limit
        for hit in list(results)[offset : offset + limit]:
            result.hits.append(_hit(hit, terms))
        if snippets:
            for hit in result.hits:
                fill_snippet(hit)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    def _run(self, searcher: Searcher, q: Q.Query, filter_q: Q.Query | None, page: int, limit: int, terms: bool):
        """The top hits, and every matching document number for the facet counts, in one pass."""
        allow = set(searcher.docs_for_query(filter_q)) if filter_q is not None else None
        if not terms:
            found = dense.search(searcher, q, page * limit, allow=allow, cache=self._postings)
            if found is not None:
                return found
        top = MatchesTopCollector(limit=page * limit, allow=allow)
        collector = collectors.TermsCollector(top) if terms else top
        searcher.search_with_collector(q, collector)
        results = collector.results()
        results.matched_docnums = np.array(top.matched, dtype=np.int64)
        return results

    @serialized
    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Completions of the last word typed (frequent index words, accented) and matching titles."""
        return suggest.complete(self._current(), text, limit)

    # -- documents and browsing -------------------------------------------

    @serialized
    def document(self, doc_id: str) -> dict | None:
        return documents.document(self._current(), doc_id)

    @serialized
    def documents_by_id(self, ids: list[str]) -> dict[str, dict]:
        return documents.documents_by_id(self._current(), ids)

    @serialized
    def translations(self, key: str | None, exclude: str | None = None) -> list[dict]:
        return documents.translations(self._current(), key, exclude)

    @serialized
    def documents(self, page: int = 1, limit: int = 50) -> tuple[int, list[dict]]:
        return documents.page_of_documents(self._current(), page, limit)

    # Lists that need no query come from the catalogue, without the searcher lock.

    def recent(self, limit: int = 5) -> list[dict]:
        return self.catalogue.recent(limit)

    def languages(self) -> list[str]:
        return self.catalogue.languages()

    @serialized
    def ids_in_language(self, lang: str) -> set[str]:
        return documents.ids_in_language(self._current(), lang)

    def family_keys(self, ids: list[str]) -> dict[str, str | None]:
        return self.catalogue.family_keys(ids)

    def family(self, key: str | None) -> list[dict]:
        return self.catalogue.family(key)

    @serialized
    def browse_counts(self, fields: tuple[str, ...] = FIELDS) -> dict[str, dict[str, int]]:
        """How many documents have each value of each facet, most frequent first (years newest first)."""
        return self._facets.count(self._current(), None, fields)

    def related(self, doc_id: str, langs: list[str] | None = None, limit: int = 5) -> list[dict]:
        """Documents like ``doc_id`` (stored by the build), each in the first of ``langs`` it exists in."""
        return self.catalogue.related(doc_id, langs, limit)

    def editors(self, page: int = 1, per_page: int = 100) -> EditorsView:
        return self.catalogue.editors(page, per_page)


def _matched_terms(results) -> set[tuple[str, str]]:
    """The index terms a fuzzy query actually matched, for highlighting."""
    try:
        return {(f, text_of(t)) for f, t in results.matched_terms()}
    except Exception:
        return set()


def _hit(hit, terms: set) -> Hit:
    stored = hit.fields()
    lang = stored.get("lang", "xx")
    field_lang = field_language(lang)
    wanted = (f"body_{field_lang}", f"head_{field_lang}")
    return Hit(
        id=stored["id"],
        title=stored.get("title", stored["id"]),
        lang=lang,
        type=stored.get("type", ""),
        date=stored.get("date"),
        url=doc_url(stored["id"]),
        snippet="",
        score=float(hit.score or 0.0),
        summary=stored.get("summary", ""),
        tags=split_tags(stored.get("tags", "")),
        stored=stored,
        words=frozenset(text_of(text) for fieldname, text in terms if fieldname in wanted),
    )


__all__ = ["SearchService", "SearchResult", "Hit", "decode_stored", "fill_snippet"]
