"""``kb analytics``: the editors' page as text or JSON, from the same store and aggregates."""

from __future__ import annotations

import json
from datetime import date

from kb.analytics import hints, report, store
from kb.config import Config

#: Queries without results that get hints (as the editors' page).
HINTED = 10


def render(config: Config, since: date | None, as_json: bool) -> str:
    """The report over every host's file in ``analytics.path`` (a missing folder: nothing recorded yet)."""
    folder = config.analytics_dir
    data = store.load(folder, since) if folder.is_dir() else store.Data()
    built = report.build(data, min_days=config.analytics_min_days, since=since)
    helped = _hints(config, built)
    if as_json:
        payload = built.as_json()
        payload["hints"] = [{"lang": lang, "query": query, **hint} for (lang, query), hint in helped.items()]
        return json.dumps(payload, ensure_ascii=False, indent=2)
    lines = [
        f"Searches: {built.searches} (requests {built.raw_searches}; queries seen on fewer than "
        f"{built.min_days} days, counted only: {built.hidden}) from {data.files} file(s) in {folder}",
        "",
        "Top queries:",
        *(f"  {n:6d}  {query}" for query, n in built.top),
        "",
        f"Queries without results ({built.empty_total} searches):",
    ]
    for lang, found in built.empty.items():
        lines.append(f"  [{lang}]")
        for query, n in found:
            lines.append(f"  {n:6d}  {query}")
            hint = helped.get((lang, query))
            if hint:
                lines += [f"          near: {d['id']} ({d['title']})" for d in hint["near"]]
                lines += [f"          glossary: {g['concept']} [{g['lang']}] {g['label']}" for g in hint["labels"]]
                lines.append(f"          {hint['scaffold']}")
    lines += ["", "Queries whose readers opened nothing:", *(f"  {n:6d}  {q}" for q, n in built.unopened)]
    lines += ["", "Opened results by position:", *(f"  {p:6d}  {n}" for p, n in built.positions)]
    lines += ["", "Searches per week:", *(f"  {week}  {n}" for week, n in built.weeks)]
    return "\n".join(lines)


def _hints(config: Config, built: report.Report) -> dict:
    """Hints as an editor on this machine sees them (every document, drafts too); none without an index."""
    from kb.search import IndexUnavailable, SearchService
    from kb.search.audience import PREVIEW
    from kb.search.view import ReaderView

    wanted = [(lang, query) for lang, found in built.empty.items() for query, _ in found[:HINTED]]
    if not wanted:
        return {}
    service = SearchService(config.index_dir)
    try:
        view = ReaderView(service, PREVIEW)
        return {(lang, query): hints.hints(view, query, lang) for lang, query in wanted}
    except IndexUnavailable:
        return {}
    finally:
        service.close()
