"""The aggregates editors see (``/editors/searches``, ``kb analytics``): from the rows of
:func:`kb.analytics.store.load`, no Flask and no index. Which documents a reader may see is the
web layer's business: ``opened`` here lists ids, which it filters.

A *search* is a chain of refinements: a query and the edits of it submitted from its own results
page within seconds count once, as their last query (what the reader settled on).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

from kb.analytics.store import Data

#: Rows per list.
TOP = 50


@dataclass
class Report:
    since: str | None
    min_days: int
    searches: int = 0  # chains, refinements folded in
    raw_searches: int = 0  # every recorded request
    hidden: int = 0  # searches whose query was seen on fewer than min_days days: counted, not shown
    top: list[tuple[str, int]] = field(default_factory=list)
    empty: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # query language -> queries
    empty_total: int = 0
    unopened: list[tuple[str, int]] = field(default_factory=list)
    positions: list[tuple[int, int]] = field(default_factory=list)
    weeks: list[tuple[str, int]] = field(default_factory=list)
    opened: list[tuple[str, int]] = field(default_factory=list)  # document id -> opens
    fuzzy: int = 0
    relaxed: int = 0
    glossary_only: int = 0

    def as_json(self) -> dict:
        return json.loads(json.dumps(asdict(self)))


def week_of(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def build(data: Data, *, min_days: int = 3, since: date | None = None, top: int = TOP) -> Report:
    """The report over ``data``; a query's text only when it was searched on ``min_days`` days."""
    report = Report(since=since.isoformat() if since else None, min_days=min_days, raw_searches=len(data.searches))
    chains: dict[str, list[dict]] = defaultdict(list)
    for row in sorted(data.searches, key=lambda r: r["ts"]):
        chains[row["chain"]].append(row)
    opened_searches = {o["search"] for o in data.opens}
    days: dict[str, set[str]] = defaultdict(set)
    for row in data.searches:
        days[row["query"]].add(row["day"])
    for row in data.daily:
        days[row["query"]].add(row["day"])
    shown = {query for query, seen in days.items() if len(seen) >= min_days and query}

    counts: Counter = Counter()
    empty: dict[str, Counter] = defaultdict(Counter)
    unopened: Counter = Counter()
    weeks: Counter = Counter()
    for events in chains.values():
        last = events[-1]
        query = last["query"]
        counts[query] += 1
        weeks[week_of(last["day"])] += 1
        report.fuzzy += bool(last["fuzzy"])
        report.relaxed += bool(last["relaxed"])
        report.glossary_only += bool(last["via_only"])
        if not last["results"]:
            empty[last["qlang"] or "?"][query] += 1
            report.empty_total += 1
        elif not any(e["id"] in opened_searches for e in events):
            unopened[query] += 1
    for row in data.daily:
        counts[row["query"]] += row["searches"]
        weeks[week_of(row["day"])] += row["searches"]
        report.empty_total += row["empty"]
        if row["empty"]:
            empty[row["qlang"] or "?"][row["query"]] += row["empty"]
        if row["searches"] - row["empty"] - row["opened"] > 0:
            unopened[row["query"]] += row["searches"] - row["empty"] - row["opened"]

    report.searches = sum(counts.values())
    report.hidden = sum(n for query, n in counts.items() if query not in shown)
    report.top = _shown(counts, shown, top)
    report.empty = {lang: _shown(found, shown, top) for lang, found in sorted(empty.items())}
    report.empty = {lang: rows for lang, rows in report.empty.items() if rows}
    report.unopened = _shown(unopened, shown, top)
    report.positions = sorted(Counter(o["position"] for o in data.opens if o["position"]).items())
    report.weeks = sorted(weeks.items())
    report.opened = Counter(o["doc"] for o in data.opens if o["doc"]).most_common()
    return report


def _shown(counts: Counter, shown: set[str], top: int) -> list[tuple[str, int]]:
    return [(query, n) for query, n in counts.most_common() if query in shown][:top]


def csv_rows(report: Report) -> list[tuple[str, str, str, int]]:
    """(section, language or position, query or week, count): the report as one CSV table."""
    rows: list[tuple[str, str, str, int]] = [("searches", "", "", report.searches), ("hidden", "", "", report.hidden)]
    rows += [("top", "", query, n) for query, n in report.top]
    rows += [("no_results", lang, query, n) for lang, found in report.empty.items() for query, n in found]
    rows += [("nothing_opened", "", query, n) for query, n in report.unopened]
    rows += [("position", str(pos), "", n) for pos, n in report.positions]
    rows += [("week", "", week, n) for week, n in report.weeks]
    rows += [("opened", "", doc, n) for doc, n in report.opened]
    return rows
