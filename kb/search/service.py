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
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from indexer.format.readers import bound_idf_cache
from indexer.generation import storage
from indexer.text.analysis import FIELD_LANGUAGES, field_language, warm_up
from kb.search import collector, documents, suggest, typos
from kb.search import glossary as glossary_search
from kb.search import plan as plans
from kb.search.audience import ANONYMOUS, Audience
from kb.search.catalogue import Catalogue, EditorsView
from kb.search.facets import FIELDS, FacetCounter, filter_query
from kb.search.hits import fill_stored, light_hit, via_of
from kb.search.memory import release_freed_memory
from kb.search.ranking import RecencyBM25F
from kb.search.results import Hit, SearchResult, decode_stored, family_member, text_of
from kb.search.snippets import fill_snippet
from kb.search.visibility import Visibility, audience_mask, live_documents

MAX_LIMIT = documents.MAX_LIMIT  # hits one search returns: the results page groups up to this many
MAX_PAGE = documents.MAX_PAGE
#: Audiences (sets of groups) whose view of the current index a service keeps.
_VIEWS_KEPT = 64


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

    def __init__(self, index_dir: Path, warm: bool = True):
        """``warm``: load the lemma dictionaries whole when the index opens, as a site does before its
        first visitor; a one-off search (``kb search``) looks its few words up one by one instead."""
        self.index_dir = Path(index_dir)
        self._warm = warm
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._ix: FileIndex | None = None
        self._searcher: Searcher | None = None
        self._langs: list[str] = list(FIELD_LANGUAGES)
        self._facets = FacetCounter()
        self._columns = documents.HitColumns()
        self._postings = self._new_postings_cache()
        self._typo_index: dict[frozenset[str], typos.Vocabulary] = {}  # segment ids -> their vocabulary
        self._views: tuple[object, dict[str, Visibility]] = (None, {})  # (reader, {audience key: its view})
        self.catalogue = Catalogue(self.index_dir)
        self._glossary = glossary_search.for_generation(None)

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
            self._vocabularies()

    def _current(self) -> Searcher:
        """The shared searcher, replaced when the index changed. Call with the lock held.

        A replaced searcher is not closed here: a reader may still hold it; it closes
        its files when the last of them lets go of it.
        """
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            self._drop()
            raise storage.IndexUnavailable(
                f"no index in {self.index_dir}: run 'kb index' to build it", storage.NO_INDEX
            )
        if self._searcher is None or generation != self._generation:
            self._drop()
            self._ix = storage.open_index(self.index_dir)
            self._generation = generation
            self._open_searcher()
            if self._warm:
                warm_up(self._langs)
        elif self._ix.latest_generation() != self._searcher.reader().generation():
            self._open_searcher()
        bound_idf_cache(self._searcher)
        return self._searcher

    def _open_searcher(self) -> None:
        try:
            self._searcher = self._ix.searcher(weighting=RecencyBM25F())
            self._postings = self._new_postings_cache()  # BM25 statistics change with the index
        except Exception as exc:  # damaged segment files
            self._drop()
            raise storage.IndexUnavailable(
                f"the index in {self.index_dir} cannot be read ({exc}): run 'kb index --full'", storage.DAMAGED
            ) from None
        self._langs = documents.field_languages(self._searcher)
        self._glossary = glossary_search.for_generation(self._generation)  # kb index writes it before committing

    #: The decoded postings a searcher keeps: (postings, terms), the bounds of :class:`collector.PostingsCache`.
    postings_limits: tuple[int, int] = (4_000_000, 100_000)

    def _new_postings_cache(self) -> collector.PostingsCache:
        budget, entries = self.postings_limits
        return collector.PostingsCache(budget, entries)

    def _visible(self, searcher: Searcher, audience: Audience) -> Visibility:
        """What ``audience`` sees of ``searcher`` (kept per reader: a new commit may change it)."""
        reader, views = self._views
        if reader is not searcher.reader():
            views = {}
            self._views = (searcher.reader(), views)
        view = views.get(audience.key)
        if view is None:
            if len(views) >= _VIEWS_KEPT:
                views.clear()
            values = self._columns.get(searcher)["audience"]
            mask = audience_mask(values, live_documents(searcher), audience)
            view = views[audience.key] = Visibility(searcher, audience, mask, self._postings)
        return view

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
    def stats(self, audience: Audience = ANONYMOUS) -> dict:
        """How many documents ``audience`` may see, in all and per language; the index's generation and segments."""
        searcher = self._current()
        mask = self._visible(searcher, audience).mask
        if mask is None:
            count = searcher.doc_count()
            langs = {text_of(lang): searcher.doc_frequency("lang", lang) for lang in searcher.lexicon("lang")}
        else:
            count = int(mask.sum())
            langs = dict(Counter(np.asarray(self._columns.get(searcher)["lang"], dtype=object)[mask].tolist()))
        return {
            "documents": count,
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
        audience: Audience = ANONYMOUS,
    ) -> SearchResult:
        started = time.perf_counter()
        page = min(max(1, page), MAX_PAGE)
        limit = min(max(1, limit), MAX_LIMIT)
        parsed = plans.parse(text)
        result = SearchResult(query=parsed.text, page=page, limit=limit)
        searcher = self._current()
        langs = [field_language(lang)] if lang else self._langs
        filters = {"lang": lang, "type": type, "tag": tag, "year": year, "organisation": organisation, "region": region}
        filter_q = filter_query(filters)
        if parsed.empty and filter_q is None:
            result.message = "Type a word to search." if not parsed.text else "Nothing searchable in that query."
            return result

        visible = self._visible(searcher, audience)
        plan = plans.build_plan(searcher, parsed, langs, self._vocabularies, self._glossary_step(), visible)
        if plan.message:
            result.message = plan.message
            return result
        result.fuzzy = plan.fuzzy
        result.suggestion = plan.suggestion
        allow = visible.allowing(searcher.docs_for_query(filter_q) if filter_q is not None else None)
        clauses = [
            collector.ClauseQueries(c.query, [a.query for a in c.alternatives], bool(c.typos)) for c in plan.clauses
        ]
        found = collector.collect(
            searcher, clauses, page * limit, allow=allow, cache=self._postings, required=plans.required_coverage
        )
        result.relaxed = bool(clauses) and found.best < len(clauses) and found.best > 0
        result.total = len(found.results)
        result.facets = self._facets.count(searcher, found.results.matched_docnums)
        terms = plan.terms()
        offset = (page - 1) * limit
        columns = self._columns.get(searcher)
        for score, docnum in found.results.top_n[offset : offset + limit]:
            via = via_of(plan, found.via.get(docnum, []), self._glossary, columns["lang"][docnum] or "xx")
            hit = light_hit(columns, score, docnum, terms, via)
            hit.reader = searcher.reader()
            result.hits.append(hit)
        if snippets:
            self._complete(searcher, result.hits)
        result.took_ms = (time.perf_counter() - started) * 1000
        return result

    @serialized
    def complete(self, hits: list[Hit]) -> list[Hit]:
        """Fill in what a page shows of each hit (title, summary, tags, snippet and deep link).

        A results page asks for a few hundred hits to group translations but shows ten:
        only those are read from the stored documents, here, under the lock.
        """
        self._complete(self._current(), hits)
        return hits

    def _complete(self, searcher: Searcher, hits: list[Hit]) -> None:
        reader = searcher.reader()
        for hit in hits:
            if hit.complete:
                continue
            docnum = hit.docnum
            if hit.reader is not reader:  # the index changed since the search: numbers moved
                docnum = searcher.document_number(id=hit.id)
                if docnum is None:  # removed meanwhile: the hit keeps what its columns said
                    continue
            fill_stored(hit, searcher.stored_fields(docnum))
            fill_snippet(hit)

    def _glossary_step(self):
        """The plan's glossary step for this index (None: no glossary)."""
        return functools.partial(glossary_search.plan_step, self._glossary) if self._glossary else None

    def _vocabularies(self, build: bool = True) -> list[typos.Vocabulary] | None:
        """The typo index: one vocabulary per group of segments; with ``build=False``, None unless
        the index's segments are all covered already (an optional shortcut is not worth building
        it for a one-off ``kb search``: the vocabulary costs far more than the search).

        The first build groups every segment; later, a group whose segments are all still
        there is kept, and the segments no group covers form one new group: an incremental
        update adds a small segment, so the first search after it builds a small vocabulary.
        A group that lost a segment (merged, or a full rebuild's new generation) is dropped
        before the new group is built, so a swap never holds two generations' indexes at
        once, and the freed memory (the old groups', the build's) goes back to the system.
        """
        leaves = [leaf.reader() for leaf, _offset in self._searcher.leaf_searchers()]
        readers = {reader.segment().segment_id(): reader for reader in leaves}
        kept = {group: vocabulary for group, vocabulary in self._typo_index.items() if group.issubset(readers)}
        rest = [segment for segment in readers if not any(segment in group for group in kept)]
        if not build:
            return None if rest else list(kept.values())
        changed = bool(rest) or len(kept) < len(self._typo_index)
        self._typo_index = kept
        if rest:
            self._typo_index[frozenset(rest)] = typos.vocabulary_of([readers[segment] for segment in rest])
        if changed:  # a build leaves its term lists' and sort's memory free in the heap
            release_freed_memory()
        return list(self._typo_index.values())

    @serialized
    def suggest(self, text: str, limit: int = 8, audience: Audience = ANONYMOUS) -> list[dict]:
        """Completions of the last word typed (frequent index words, accented) and matching titles."""
        searcher = self._current()
        return suggest.complete(searcher, self._vocabularies(), text, limit, self._visible(searcher, audience))

    # -- documents and browsing: each for one audience ------------------------

    @serialized
    def document(self, doc_id: str, audience: Audience = ANONYMOUS) -> dict | None:
        """The stored document, or None when it does not exist or ``audience`` may not see it."""
        return documents.document(self._current(), doc_id, audience)

    @serialized
    def documents_by_id(self, ids: list[str], audience: Audience = ANONYMOUS) -> dict[str, dict]:
        return documents.documents_by_id(self._current(), ids, audience)

    @serialized
    def translations(self, key: str | None, exclude: str | None = None, audience: Audience = ANONYMOUS) -> list[dict]:
        return documents.translations(self._current(), key, exclude, audience)

    @serialized
    def documents(self, page: int = 1, limit: int = 50, audience: Audience = ANONYMOUS) -> tuple[int, list[dict]]:
        searcher = self._current()
        return documents.page_of_documents(searcher, page, limit, self._visible(searcher, audience).hidden())

    # Lists that need no query come from the catalogue, without the searcher lock.

    def recent(self, limit: int = 5, audience: Audience = ANONYMOUS) -> list[dict]:
        return self.catalogue.recent(limit, audience)

    def languages(self, audience: Audience = ANONYMOUS) -> list[str]:
        return self.catalogue.languages(audience)

    @serialized
    def documents_and_families(
        self, audience: Audience = ANONYMOUS
    ) -> tuple[list[tuple[str, str]], list[list[tuple[str, str]]]]:
        """Every (id, lang) and the translation families: what the sitemap lists."""
        searcher = self._current()
        return documents.documents_and_families(searcher, self._visible(searcher, audience).sees)

    def family(self, key: str | None, audience: Audience = ANONYMOUS) -> list[dict]:
        return self.catalogue.family(key, audience)

    @serialized
    def browse_counts(
        self, fields: tuple[str, ...] = FIELDS, audience: Audience = ANONYMOUS
    ) -> dict[str, dict[str, int]]:
        """How many documents have each value of each facet, most frequent first (years newest first)."""
        searcher = self._current()
        return self._facets.browse(searcher, fields, self._visible(searcher, audience).mask, audience.key)

    def related(
        self, doc_id: str, langs: list[str] | None = None, limit: int = 5, audience: Audience = ANONYMOUS
    ) -> list[dict]:
        """Documents like ``doc_id`` (stored by the build), each in the first of ``langs`` it exists in."""
        return self.catalogue.related(doc_id, langs, limit, audience)

    def editors(self, page: int = 1, per_page: int = 100) -> EditorsView:
        """The editors' overview: every document (the pages that show it are for editors only)."""
        return self.catalogue.editors(page, per_page)

    # -- glossary ----------------------------------------------------------

    @serialized
    def glossary(self) -> glossary_search.Glossary:
        """The current index generation's glossary (concepts, labels, the matcher)."""
        self._current()
        return self._glossary

    @serialized
    def concept_documents(self, concept: str, limit: int = 50, audience: Audience = ANONYMOUS) -> list[dict]:
        """Documents holding any label of ``concept``, best first (light records, as lists want them)."""
        searcher = self._current()
        q = glossary_search.concept_query(concept)
        hidden = self._visible(searcher, audience).hidden()
        return [family_member(hit.fields()) for hit in searcher.search(q, limit=limit, mask=hidden)]


__all__ = ["SearchService", "SearchResult", "Hit", "decode_stored"]
