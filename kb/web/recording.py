"""Recording searches for the editors' analytics, as little as they need and nothing about who searched.

What is *not* read here, ever: the client's address, its user agent beyond one in-memory test
for robots, cookies, the signed-in reader. ``DNT: 1`` or ``Sec-GPC: 1`` records nothing. A
revalidation answered 304 never reaches a view, so it is not counted. The query is masked in the
recorder's thread (:func:`prepare`), before it is written. Opened results: each result link
carries a ``ping`` to ``/go`` (see :mod:`kb.web.searches`) with a signed token naming the search
and the position, so the link people copy stays the document's own address.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import json
import os
import re
import secrets
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from itsdangerous import BadSignature, SignatureExpired, Signer, TimestampSigner
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from kb.analytics import masking
from kb.analytics.store import Recorder, day_of
from kb.config import Config, ConfigError
from kb.search.audience import PREVIEW
from kb.search.known import query_languages
from kb.search.results import SearchResult
from kb.web.i18n import COOKIE, DEFAULT_LANGUAGE

#: User agents of robots: tested in memory, never kept.
BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|scrap|curl/|wget|python-|httpx|go-http|java/|libwww|okhttp|headless"
    r"|lighthouse|pingdom|uptime|monitor|facebookexternalhit|preview|archiver|feedfetcher",
    re.IGNORECASE,
)
#: A query submitted from a results page's own form within this many seconds, editing its query,
#: counts with the search it refines.
REFINE_SECONDS = 30
REFINES_ARG = "refines"
_WORDS = re.compile(r"[^\W\d_]+")


def init_app(app: Flask, config: Config) -> None:
    """The app's recorder (``app.extensions["kb_analytics"]``), or none when analytics are off."""
    if not config.analytics_enabled:
        return
    folder = config.analytics_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{secrets.token_hex(4)}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise ConfigError(
            f"analytics.path: cannot write the searches store in {folder}: {error.strerror or error} "
            "(hint: a writable folder on a local disk, or analytics.enabled = false)"
        ) from None
    engine = app.extensions["kb_search"]
    languages = IndexLanguages(lambda: engine.languages(audience=PREVIEW))
    app.extensions["kb_analytics"] = Recorder(
        folder,
        prepare=functools.partial(prepare, languages=languages, offered=config.languages),
        retention_days=config.analytics_retention_days,
    )


class IndexLanguages:
    """The index's languages, asked again every few minutes (a new generation may add one), in the
    recorder's thread: a search does not pay for them. Every document's: a language code is all
    that is kept of them."""

    def __init__(self, ask: Callable[[], list[str]], seconds: float = 300.0):
        self.ask, self.seconds, self.value, self.at = ask, seconds, [], -seconds

    def __call__(self) -> list[str]:
        if time.monotonic() - self.at >= self.seconds:
            try:
                self.value = list(self.ask())
            except Exception:  # no usable index: the language stays unknown, the search is still counted
                self.value = []
            self.at = time.monotonic()
        return self.value


def prepare(row: dict, languages: Callable[[], list[str]] = list, offered: tuple[str, ...] = ("en",)) -> dict:
    """In the recorder's thread: the query masked, its language guessed (off the request's clock)."""
    row = dict(row)
    row["day"] = day_of(row["ts"])
    row["ui"] = ui_language_of(*row.pop("ui_from", (None, "")), offered=offered)
    query = masking.normalise(row.pop("raw_query", ""))
    langs = languages()
    words = _WORDS.findall(query)
    found = query_languages(words, langs) if words and langs else []
    row["qlang"] = ",".join(found) if found and len(found) < len(langs) else ""
    row["query"] = masking.mask(query)
    if row.get("filters"):  # facet values, but a crafted address may put anything there
        masked = {name: _filter_value(name, value) for name, value in row["filters"].items()}
        row["filters"] = json.dumps(masked, sort_keys=True)
    return row


def ui_language_of(cookie: str | None, accept: str, offered: tuple[str, ...]) -> str:
    """kb.web.i18n.select_locale's choice, from the two values it reads."""
    if cookie in offered:
        return cookie
    best = parse_accept_header(accept, LanguageAccept).best_match(offered)
    return best or (DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in offered else offered[0])


def _filter_value(name: str, value: str) -> str:
    return value if name == "year" and re.fullmatch(r"\d{4}", value) else masking.mask(value)


def recording() -> Recorder | None:
    """The recorder, if this request may be counted at all."""
    recorder = current_app.extensions.get("kb_analytics")
    if recorder is None:
        return None
    headers = request.headers
    if headers.get("DNT") == "1" or headers.get("Sec-GPC") == "1":
        return None
    if BOTS.search(headers.get("User-Agent", "")):
        return None
    return recorder


class Recorded:
    """A recorded search as its page links to it: the hidden field of its form, the ``/go`` pings.
    Signed only when the page asks (the API never does): an HMAC each, no system call."""

    def __init__(self, event: str, chain: str, query: str):
        self.event, self.chain, self.query = event, chain, query

    @functools.cached_property
    def refines(self) -> str:
        return _signer(REFINES_SALT, timed=True).sign(f"{self.chain}|{self.query}").decode()

    @functools.cached_property
    def signed_event(self) -> str:
        return _signer(OPEN_SALT).sign(self.event).decode()


REFINES_SALT = "kb-analytics-refines"
OPEN_SALT = "kb-analytics-open"


def _signer(salt: str, timed: bool = False) -> Signer:
    return (TimestampSigner if timed else Signer)(current_app.secret_key, salt=salt)


_ids: dict = {"pid": None}


def new_id() -> str:
    """An opaque, unique id without a system call per search: a random prefix per process, a counter."""
    if _ids["pid"] != os.getpid():
        _ids.update(pid=os.getpid(), prefix=secrets.token_hex(8), counter=itertools.count())
    return f"{_ids['prefix']}{next(_ids['counter']):x}"


def is_refinement(before: str, after: str) -> bool:
    """Whether ``after`` edits or extends ``before`` (shares a word, or is a near spelling of it)."""
    before, after = masking.normalise(before), masking.normalise(after)
    if not before or not after or before == after:
        return bool(before) and before == after
    if set(before.split()) & set(after.split()) or after.startswith(before) or before.startswith(after):
        return True
    return difflib.SequenceMatcher(None, before, after).ratio() >= 0.6


def _chain(query: str) -> str | None:
    """The chain of the search this one refines (the form's hidden field), when it does."""
    token = request.args.get(REFINES_ARG)
    if not token:
        return None
    try:
        value = _signer(REFINES_SALT, timed=True).unsign(token, max_age=REFINE_SECONDS).decode()
    except (SignatureExpired, BadSignature, UnicodeDecodeError):
        return None
    chain, _, before = value.partition("|")
    return chain if chain and is_refinement(before, query) else None


def record_search(
    result: SearchResult, query: str, filters: dict, page: int, took_ms: float, source: str
) -> Recorded | None:
    """Queue one search; returns what the page needs to link to it (None when not recorded)."""
    recorder = recording()
    if recorder is None or not query.strip():
        return None
    event = new_id()
    chain = _chain(query) or event
    now = time.time()
    hits = result.hits
    chosen = {name: value for name, value in filters.items() if value}
    recorder.add(
        "search",
        {
            "id": event,
            "chain": chain,
            "ts": now,
            "raw_query": query,
            # The interface language as kb.web.i18n chooses it, chosen in the recorder's thread (the
            # header is parsed there, and only the language code is kept).
            "ui_from": (request.cookies.get(COOKIE), request.headers.get("Accept-Language", "")),
            "filters": chosen or None,
            "results": result.total,
            "via_only": int(bool(hits) and all(hit.via for hit in hits)),
            "fuzzy": int(result.fuzzy),
            "suggested": int(bool(result.suggestion)),
            "relaxed": int(result.relaxed),
            "page": page,
            "took_ms": round(took_ms, 2),
            "source": source,
        },
    )
    return Recorded(event, chain, query)


def read_event(signed: str) -> str | None:
    """The search event a ``/go`` link names, if this site signed it."""
    try:
        return _signer(OPEN_SALT).unsign(signed).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def record_open(event: str, position: int, doc_id: str) -> None:
    recorder = recording()
    if recorder is None:
        return
    now = time.time()
    recorder.add(
        "open",
        {"id": new_id(), "search": event, "ts": now, "day": day_of(now), "position": position,
         "doc": doc_id},
    )  # fmt: skip
