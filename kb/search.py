"""A thin service over the index: search, facets, snippets and document look-ups.

One searcher is kept open and reused; it is refreshed when the index gets a new
commit or a new generation, so a running site sees ``kb index`` without a restart
and never pays for opening the index per request.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import collectors, sorting
from whoosh import query as Q
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from indexer import storage
from indexer.analysis import ACCENT_SEPARATOR, FIELD_LANGUAGES, field_language, warm_up
from kb import dense
from kb import query as kbquery
from kb.ranking import RecencyBM25F
from kb.snippets import best_section

MAX_LIMIT = 300  # hits one search returns: the results page groups up to this many into families
MAX_PAGE = 1000
_IDF_CACHE_LIMIT = 200_000  # terms; about 40 MB
FACET_FIELDS = ("lang", "type", "year", "tags", "organisation", "region")
#: What /browse counts, in the order it shows them.
BROWSE_FIELDS = ("type", "tags", "lang", "organisation", "region", "year")


@dataclass
class Hit:
    id: str
    title: str
    lang: str
    type: str
    date: str | None
    url: str
    snippet: str
    score: float
    anchor: str = ""
    section: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    # What a snippet is made from, until it is made (see fill_snippet).
    stored: dict | None = field(default=None, repr=False, compare=False)
    words: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "lang": self.lang,
            "type": self.type,
            "date": self.date,
            "url": self.url,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "section": self.section,
            "tags": self.tags,
        }


@dataclass
class SearchResult:
    query: str
    total: int = 0
    took_ms: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    page: int = 1
    limit: int = 10
    relaxed: bool = False  # AND found nothing, these match some of the words
    fuzzy: bool = False  # nothing matched as typed, these match near spellings
    suggestion: str | None = None  # "Did you mean ..."
    message: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.limit))

    def as_json(self) -> dict:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "page": self.page,
            "limit": self.limit,
            "relaxed": self.relaxed,
            "fuzzy": self.fuzzy,
            "suggestion": self.suggestion,
            "message": self.message,
            "results": [h.as_json() for h in self.hits],
            "facets": self.facets,
        }


def doc_url(doc_id: str, anchor: str = "") -> str:
    return f"/doc/{doc_id}" + (f"#{anchor}" if anchor else "")


def fill_snippet(hit: Hit) -> Hit:
    """Give a hit its snippet and deep link (the best-matching section); done once per hit.

    Separate from the search so a page that fetches many hits to group them into
    families pays for snippets only on the ones it shows.
    """
    if hit.stored is not None:
        hit.anchor, hit.section, hit.snippet = best_section(hit.stored, field_language(hit.lang), set(hit.words))
        hit.url = doc_url(hit.id, hit.anchor)
        hit.stored = None
    return hit


def serialized(method):
    """Run a public method under the service's lock.

    Whoosh readers share seek-and-read file objects, so two threads using one searcher
    at once can read each other's bytes (seen as corrupt postings under load). A
    gunicorn sync worker has one thread, so the lock costs nothing there.
    """

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


def _facet_values(name: str, value) -> str | tuple[str, ...] | None:
    """One document's facet value as counted: tags split into a tuple, empty as None."""
    if name == "tags":
        return tuple(t.strip().lower() for t in _text(value).split(",") if t.strip()) if value else ()
    return _text(value) if value else None


def _facet_table(name: str, column) -> tuple[np.ndarray | None, np.ndarray, list[str]]:
    """A facet column as integer codes: one per document, or (tags) one per document and tag."""
    values: dict[str, int] = {}
    if name == "tags":
        docs, codes = [], []
        for docnum, value in enumerate(column):
            for tag in _facet_values(name, value):
                docs.append(docnum)
                codes.append(values.setdefault(tag, len(values)))
        return np.array(docs, dtype=np.int64), np.array(codes, dtype=np.int64), list(values)
    codes = [
        -1 if (value := _facet_values(name, raw)) is None else values.setdefault(value, len(values)) for raw in column
    ]
    return None, np.array(codes, dtype=np.int64), list(values)


class _MatchesTopCollector(collectors.TopCollector):
    """The top N by score, also keeping every matching document number (for facet counts).

    ``allow``: the global document numbers a filter lets through (None: all). The filter
    is applied here rather than by Whoosh's FilterCollector, whose loop lets the matcher
    be pruned by its quality estimate; those estimates know neither the recency boost
    nor the field lengths we do not store, and a filtered count came out at 623 of 1,883.
    """

    def __init__(self, limit: int, allow: set[int] | None = None):
        super().__init__(limit=limit, usequality=False, replace=0)
        self.allow = allow

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.matched: list[int] = []

    def _use_block_quality(self) -> bool:
        return False  # skipping low-scoring blocks would leave documents out of the facet counts

    def _collect(self, global_docnum: int, score: float):
        if self.allow is not None and global_docnum not in self.allow:
            return None
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)

    def collect_matches(self) -> None:
        """What ``TopCollector`` does per match, in one loop with the recency boosts from an array.

        A common word matches thousands of documents; Whoosh's four calls per match were
        a fifth of such a search.
        """
        weighting = self.top_searcher.weighting
        if not isinstance(weighting, RecencyBM25F):
            return super().collect_matches()
        boosts = weighting.boosts(self.top_searcher)
        matcher, offset, limit, allow = self.matcher, self.offset, self.limit, self.allow
        items, matched = self.items, self.matched
        count = 0
        while matcher.is_active():
            docnum = offset + matcher.id()
            if allow is None or docnum in allow:
                score = matcher.score() * boosts[docnum]
                matched.append(docnum)
                count += 1
                if len(items) < limit:
                    heapq.heappush(items, (score, -docnum))
                elif score > items[0][0]:
                    heapq.heapreplace(items, (score, -docnum))
                    self.minscore = items[0][0]
            matcher.next()
        self.total += count


class SearchService:
    """Search over the index in ``index_dir``; safe to share between threads (one at a time)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        self._generation: Path | None = None
        self._ix: FileIndex | None = None
        self._searcher: Searcher | None = None
        self._langs: list[str] = list(FIELD_LANGUAGES)
        self._facet_reader = None
        self._facet_cache: dict[str, tuple] = {}
        self._postings = dense.PostingsCache()

    # -- index lifecycle -------------------------------------------------

    def searcher(self) -> Searcher:
        """The shared searcher, replaced when the index changed (raises IndexUnavailable).

        A replaced searcher is not closed here: other threads may still be reading
        with it; it closes its files when the last of them lets go of it.
        """
        with self._lock:
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
            if len(self._searcher._idf_cache) > _IDF_CACHE_LIMIT:
                self._searcher._idf_cache.clear()  # Whoosh never forgets a term's idf on its own
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
        self._langs = self._present_languages(self._searcher)

    def _drop(self) -> None:
        self._searcher = None
        self._ix = None
        self._generation = None

    @staticmethod
    def _present_languages(searcher: Searcher) -> list[str]:
        """Only the language fields that hold documents are worth querying."""
        present = {field_language(_text(lang)) for lang in searcher.lexicon("lang")}
        return [lang for lang in FIELD_LANGUAGES if lang in present] or [FIELD_LANGUAGES[0]]

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
        searcher = self.searcher()
        langs = {_text(lang): searcher.doc_frequency("lang", lang) for lang in searcher.lexicon("lang")}
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
        parsed = kbquery.parse(text)
        result = SearchResult(query=parsed.text, page=page, limit=limit)
        searcher = self.searcher()
        langs = [field_language(lang)] if lang else self._langs
        filters = [
            Q.Term(name, value)
            for name, value in (("lang", lang), ("type", type), ("tags", tag.lower() if tag else None), ("year", year))
            if value
        ] + [Q.Term(name, value) for name, value in (("organisation", organisation), ("region", region)) if value]
        filter_q = Q.And(filters) if filters else None
        if parsed.empty and not filters:
            result.message = "Type a word to search." if not parsed.text else "Nothing searchable in that query."
            return result

        spellings = self._accented_spellings(searcher, parsed)
        misspelled = self._misspelled(searcher, parsed, langs) - spellings.keys()
        if parsed.empty:
            q = Q.Every()
        else:
            q = kbquery.build(parsed, langs, misspelled=misspelled, spellings=spellings)
        if q is None:
            result.message = "Only very common words in that query: add a more specific word."
            return result
        result.fuzzy = bool(misspelled)
        if misspelled:
            result.suggestion = self._suggest(searcher, parsed, misspelled)
        results = self._run(searcher, q, filter_q, page, limit, terms=result.fuzzy)
        if results.scored_length() == 0 and len(parsed.words) + len(parsed.phrases) > 1:
            relaxed = kbquery.build(parsed, langs, conjunction=False, misspelled=misspelled, spellings=spellings)
            results = self._run(searcher, relaxed, filter_q, page, limit, terms=result.fuzzy)
            result.relaxed = results.scored_length() > 0
            q = relaxed
        result.total = len(results)
        result.facets = self._facets(searcher, results)
        terms = {t for t in (q.all_terms() if q else ())}
        if result.fuzzy:
            terms |= {(fieldname, text) for fieldname, text in self._expanded_terms(searcher, results)}
        offset = (page - 1) * limit
        for hit in list(results)[offset : offset + limit]:
            result.hits.append(self._hit(hit, terms))
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
        top = _MatchesTopCollector(limit=page * limit, allow=allow)
        collector = top
        if terms:
            collector = collectors.TermsCollector(collector)
        searcher.search_with_collector(q, collector)
        results = collector.results()
        results.matched_docnums = np.array(top.matched, dtype=np.int64)
        return results

    def _facets(self, searcher: Searcher, results) -> dict[str, dict[str, int]]:
        """Counts per facet value over all matching documents, from per-document codes kept per searcher.

        Whoosh's grouping builds its column readers again for every query; here each facet
        is an array of value codes, counted for thousands of matches with one ``bincount``.
        """
        tables = self._facet_tables(searcher)
        matched = results.matched_docnums
        is_matched = np.zeros(searcher.doc_count_all(), dtype=bool)
        is_matched[matched] = True
        facets: dict[str, dict[str, int]] = {}
        for name in FACET_FIELDS:
            table = tables.get(name)
            if table is None:
                facets[name] = {}
                continue
            docs, codes, values = table
            picked = codes[is_matched[docs]] if docs is not None else codes[matched]
            counts = np.bincount(picked[picked >= 0], minlength=len(values))
            found = {values[i]: int(counts[i]) for i in np.flatnonzero(counts)}
            facets[name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    def _facet_tables(self, searcher: Searcher) -> dict[str, tuple]:
        """Per facet: (document of each code or None, value codes, values); -1 codes no value."""
        reader = searcher.reader()
        if self._facet_reader is not reader:
            self._facet_cache = {
                name: _facet_table(name, reader.column_reader(name)) for name in FACET_FIELDS if reader.has_column(name)
            }
            self._facet_reader = reader
        return self._facet_cache

    @staticmethod
    def _expanded_terms(searcher: Searcher, results) -> set[tuple[str, str]]:
        """The index terms a fuzzy query actually matched, for highlighting."""
        try:
            return {(f, _text(t)) for f, t in results.matched_terms()}
        except Exception:
            return set()

    @staticmethod
    def _accented_spellings(searcher: Searcher, parsed: kbquery.ParsedQuery) -> dict[str, tuple[str, ...]]:
        """For each unaccented word, the most frequent accented words of the index that fold to it."""
        found: dict[str, tuple[str, ...]] = {}
        reader = searcher.reader()
        for word in parsed.all_words():
            if kbquery.fold(word) != word or not word.isalpha():
                continue
            prefix = word + ACCENT_SEPARATOR
            keys = list(itertools.islice(reader.expand_prefix("words", prefix), 20))
            if keys:
                keys.sort(key=lambda k: -reader.doc_frequency("words", k))
                found[word] = tuple(_text(k)[len(prefix) :] for k in keys[:3])
        return found

    @staticmethod
    def _misspelled(searcher: Searcher, parsed: kbquery.ParsedQuery, langs: list[str]) -> frozenset[str]:
        """Words that are in the index in none of their forms (likely typos)."""
        return frozenset(
            word
            for word in parsed.words
            if not any(searcher.doc_frequency(f, t) for f, t in kbquery.word_forms_by_field(word, langs))
        )

    @staticmethod
    def _suggest(searcher: Searcher, parsed: kbquery.ParsedQuery, misspelled: frozenset[str]) -> str | None:
        """The query with each misspelled word replaced by the closest indexed word."""
        corrector = searcher.corrector("words")
        words, changed = [], False
        for word in parsed.words:
            if word in misspelled:
                candidates = [
                    c
                    for c in corrector.suggest(kbquery.fold(word), limit=5, maxdist=2, prefix=1)
                    if ACCENT_SEPARATOR not in c
                ]
                if candidates:
                    words.append(candidates[0])
                    changed = True
                    continue
            words.append(word)
        words += [f'"{" ".join(p)}"' for p in parsed.phrases]
        return " ".join(words) if changed else None

    # -- autocomplete ----------------------------------------------------------

    @serialized
    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Completions of the last word typed (frequent index words, accented) and matching titles."""
        typed = kbquery.WORD_PATTERN.findall(kbquery.clean(text).lower())
        if not typed or len(typed[-1]) < 2:
            return []
        searcher = self.searcher()
        reader = searcher.reader()
        head = [kbquery.fold(w) for w in typed[:-1]]
        last = kbquery.fold(typed[-1])
        lead = text[: text.lower().rfind(typed[-1])] if typed[-1] in text.lower() else " ".join(typed[:-1]) + " "
        candidates = [
            t for t in itertools.islice(reader.expand_prefix("words", last), 1000) if ACCENT_SEPARATOR not in _text(t)
        ]
        candidates.sort(key=lambda t: -reader.doc_frequency("words", t))
        suggestions = []
        for term in candidates[: max(1, limit // 2)]:
            word = _text(term)
            spelled = self._accented_spellings(searcher, kbquery.ParsedQuery(word, [word])).get(word, (word,))[0]
            suggestions.append({"text": f"{lead}{spelled}".strip(), "kind": "term"})
        room = limit - len(suggestions)
        title_query = Q.And([Q.Term("suggest", w) for w in head] + [Q.Prefix("suggest", last)])
        for hit in searcher.search(title_query, limit=room) if room > 0 else ():
            suggestions.append({"text": hit["title"], "kind": "document", "url": doc_url(hit["id"])})
        return suggestions

    # -- hits and snippets -------------------------------------------------

    def _hit(self, hit, terms: set) -> Hit:
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
            words=frozenset(_text(text) for fieldname, text in terms if fieldname in wanted),
        )

    # -- documents -----------------------------------------------------------

    @serialized
    def document(self, doc_id: str) -> dict | None:
        stored = self.searcher().document(id=doc_id)
        return decode_stored(stored) if stored else None

    @serialized
    def translations(self, key: str | None, exclude: str | None = None) -> list[dict]:
        if not key:
            return []
        searcher = self.searcher()
        docs = [decode_stored(d) for d in searcher.documents(translation_key=key)]
        return sorted((d for d in docs if d["id"] != exclude), key=lambda d: d["lang"])

    @serialized
    def documents(self, page: int = 1, limit: int = 50) -> tuple[int, list[dict]]:
        searcher = self.searcher()
        page = min(max(1, page), MAX_PAGE)
        limit = min(max(1, limit), MAX_LIMIT)
        results = searcher.search(Q.Every(), limit=None, sortedby="id")
        total = len(results)
        chosen = [decode_stored(hit.fields()) for hit in list(results)[(page - 1) * limit : page * limit]]
        return total, chosen

    @serialized
    def recent(self, limit: int = 5) -> list[dict]:
        searcher = self.searcher()
        results = searcher.search(Q.Every(), limit=limit, sortedby="date", reverse=True)
        return [decode_stored(hit.fields()) for hit in results]

    # -- browsing, families and related documents (additive: the site's multilingual browsing) --

    @serialized
    def browse_counts(self, fields: tuple[str, ...] = BROWSE_FIELDS) -> dict[str, dict[str, int]]:
        """How many documents have each value of each browsable field, most frequent first."""
        searcher = self.searcher()
        facets = sorting.Facets()
        for name in fields:
            facets.add_field(name, allow_overlap=(name == "tags"))
        results = searcher.search(Q.Every(), limit=1, groupedby=facets, maptype=sorting.Count)
        counts: dict[str, dict[str, int]] = {}
        for name in fields:
            try:
                groups = results.groups(name)
            except KeyError:
                groups = {}
            values = {str(k): int(v) for k, v in groups.items() if k not in (None, "")}
            if name == "year":  # newest first
                counts[name] = dict(sorted(values.items(), reverse=True))
            else:
                counts[name] = dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0].lower())))
        return counts

    @serialized
    def languages(self) -> list[str]:
        """The document languages present in the knowledge base."""
        searcher = self.searcher()
        return sorted(_text(lang) for lang in searcher.lexicon("lang"))

    @serialized
    def family_keys(self, ids: list[str]) -> dict[str, str | None]:
        """Each document's translation key (None when it has no translations declared)."""
        searcher = self.searcher()
        keys: dict[str, str | None] = {}
        for doc_id in ids:
            stored = searcher.document(id=doc_id)
            keys[doc_id] = (stored or {}).get("translation_key") or None
        return keys

    @serialized
    def family(self, key: str | None) -> list[dict]:
        """Every document sharing a translation key, in language order (metadata only, no HTML)."""
        if not key:
            return []
        searcher = self.searcher()
        members = [_family_member(d) for d in searcher.documents(translation_key=key)]
        return sorted(members, key=lambda d: d["lang"])

    @serialized
    def related(self, doc_id: str, langs: list[str] | None = None, limit: int = 5) -> list[dict]:
        """Documents like this one (Whoosh ``more_like``), one per translation family.

        Each translation of the document is compared within its own language's field and
        the rankings are fused; each related family is then shown in the first of
        ``langs`` it exists in, else in the language that matched best.
        """
        searcher = self.searcher()
        stored = searcher.document(id=doc_id)
        if not stored:
            return []
        key = stored.get("translation_key")
        members = [stored] + [d for d in (searcher.documents(translation_key=key) if key else []) if d["id"] != doc_id]
        own = {m["id"] for m in members} | ({key} if key else set())
        fused: dict[str, float] = {}
        best: dict[str, dict] = {}
        for member in members:
            docnum = searcher.document_number(id=member["id"])
            text = member.get("text") or ""
            if docnum is None or not text.strip():
                continue
            fieldname = f"body_{field_language(member.get('lang'))}"
            hits = searcher.more_like(docnum, fieldname, text=text, top=limit * 3, numterms=20)
            for rank, hit in enumerate(hits):
                other = hit.fields()
                group = other.get("translation_key") or other["id"]
                if other["id"] in own or group in own:
                    continue
                fused[group] = fused.get(group, 0.0) + 1.0 / (10 + rank)
                best.setdefault(group, other)
        chosen = []
        for group in sorted(fused, key=lambda g: -fused[g])[:limit]:
            candidates = [_family_member(d) for d in searcher.documents(translation_key=group)] or [
                _family_member(best[group])
            ]
            chosen.append(_prefer(candidates, langs or [], fallback=best[group]["id"]))
        return chosen


def _family_member(stored: dict) -> dict:
    """The light part of a stored document: enough to list and link it."""
    keep = ("id", "title", "lang", "type", "date", "year", "summary", "translation_key", "organisation", "region")
    member = {k: stored.get(k) for k in keep}
    member["tags"] = split_tags(stored.get("tags", ""))
    member["url"] = doc_url(stored["id"])
    return member


def _prefer(candidates: list[dict], langs: list[str], fallback: str) -> dict:
    """The candidate in the most preferred language, else the one with id ``fallback``."""
    for lang in langs:
        for candidate in candidates:
            if candidate["lang"] == lang:
                return candidate
    return next((c for c in candidates if c["id"] == fallback), candidates[0])


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()]


def decode_stored(stored: dict) -> dict:
    """Stored fields with JSON parts decoded, as the templates and the API want them."""
    doc = dict(stored)
    doc["tags"] = split_tags(doc.get("tags", ""))
    for name in ("sections", "attachments", "warnings"):
        try:
            doc[name] = json.loads(doc.get(name) or "[]")
        except ValueError:
            doc[name] = []
    doc.setdefault("date", None)
    doc["url"] = doc_url(doc["id"])
    return doc
