"""Relevance evaluation as a product feature: golden queries -> recall, MRR, nDCG per language.

The golden file is YAML (documented in README.md, example in golden/content.yaml)::

    thresholds:            # optional; the run fails below any of them
      recall@10: 0.95
      mrr@10: 0.85
      ndcg@10: 0.85
    queries:
      - query: tamogatott lakhatas
        lang: hu                 # optional: the query's language, for the per-language report
        filter: {lang: hu}       # optional: the same filters as /api/search (lang, type, tag, year)
        relevant: [hu/tl-szolgaltatasi-gyuru-forum]        # ids, all of grade 1
      - query: sociální služby
        relevant: {cs/transformace-socialnich-sluzeb-msk: 2, en/msk-social-services-transformation: 1}
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from indexer.errors import KbError
from kb.search import SearchService
from kb.search.facets import FILTER_ARGS

METRICS = ("recall@10", "mrr@10", "ndcg@10")
CUTOFF = 10
_FILTERS = FILTER_ARGS


class GoldenFileError(KbError, ValueError):
    """The golden file cannot be used; the message names the file and the entry."""


@dataclass
class GoldenQuery:
    query: str
    relevant: dict[str, int]
    lang: str = "all"
    filters: dict[str, str] = field(default_factory=dict)


@dataclass
class QueryOutcome:
    query: GoldenQuery
    ranked: list[str]
    scores: dict[str, float]


@dataclass
class Report:
    outcomes: list[QueryOutcome]
    thresholds: dict[str, float]

    def by_language(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[QueryOutcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups["all"].append(outcome)
            if outcome.query.lang != "all":
                groups[outcome.query.lang].append(outcome)
        return {
            lang: {m: sum(o.scores[m] for o in items) / len(items) for m in METRICS} | {"queries": len(items)}
            for lang, items in sorted(groups.items())
        }

    def failures(self) -> list[str]:
        """Thresholds the overall figures fall below, as messages."""
        overall = self.by_language().get("all", {})
        return [
            f"{metric} is {overall.get(metric, 0.0):.3f}, below the threshold {limit:.3f}"
            for metric, limit in self.thresholds.items()
            if overall.get(metric, 0.0) < limit
        ]


def load_golden(path: Path) -> tuple[list[GoldenQuery], dict[str, float]]:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldenFileError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise GoldenFileError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        raise GoldenFileError(f"{path}: expected a mapping with a 'queries' list")
    thresholds = data.get("thresholds") or {}
    if not isinstance(thresholds, dict) or any(k not in METRICS for k in thresholds):
        raise GoldenFileError(f"{path}: 'thresholds' keys must be among {', '.join(METRICS)}")
    queries = []
    for number, entry in enumerate(data["queries"], start=1):
        where = f"{path}: query #{number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
            raise GoldenFileError(f"{where}: needs a 'query' string")
        relevant = entry.get("relevant")
        if isinstance(relevant, list):
            relevant = {str(doc): 1 for doc in relevant}
        if not isinstance(relevant, dict) or not relevant:
            raise GoldenFileError(f"{where} ({entry['query']!r}): needs 'relevant' ids (a list, or id: grade)")
        filters = entry.get("filter") or {}
        if not isinstance(filters, dict) or any(k not in _FILTERS for k in filters):
            raise GoldenFileError(f"{where}: 'filter' keys must be among {', '.join(_FILTERS)}")
        queries.append(
            GoldenQuery(
                query=entry["query"],
                relevant={str(k): int(v) for k, v in relevant.items()},
                lang=str(entry.get("lang") or filters.get("lang") or "all"),
                filters={k: str(v) for k, v in filters.items()},
            )
        )
    return queries, {k: float(v) for k, v in thresholds.items()}


def score(ranked: list[str], relevant: dict[str, int], cutoff: int = CUTOFF) -> dict[str, float]:
    """recall@k, MRR@k and nDCG@k (graded gains) of one ranked list."""
    top = ranked[:cutoff]
    found = [doc for doc in top if doc in relevant]
    recall = len(set(found)) / len(relevant)
    rank = next((i for i, doc in enumerate(top, start=1) if doc in relevant), None)
    mrr = 1.0 / rank if rank else 0.0
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(i + 1) for i, doc in enumerate(top, start=1))
    ideal = sorted(relevant.values(), reverse=True)[:cutoff]
    idcg = sum((2**g - 1) / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return {"recall@10": recall, "mrr@10": mrr, "ndcg@10": dcg / idcg if idcg else 0.0}


def evaluate(service: SearchService, queries: list[GoldenQuery], thresholds: dict[str, float]) -> Report:
    outcomes = []
    for golden in queries:
        result = service.search(golden.query, limit=CUTOFF, **golden.filters)
        ranked = [hit.id for hit in result.hits]
        outcomes.append(QueryOutcome(golden, ranked, score(ranked, golden.relevant)))
    return Report(outcomes, thresholds)


def format_report(report: Report, verbose: bool = False) -> str:
    lines = [f"{'language':<10}{'queries':>8}" + "".join(f"{m:>12}" for m in METRICS)]
    for lang, figures in report.by_language().items():
        lines.append(f"{lang:<10}{figures['queries']:>8}" + "".join(f"{figures[m]:>12.3f}" for m in METRICS))
    misses = [o for o in report.outcomes if o.scores["mrr@10"] < 1.0]
    if verbose and misses:
        lines.append("")
        lines.append("queries whose first result is not relevant:")
        for outcome in misses:
            lines.append(f"  {outcome.query.query!r}: got {outcome.ranked[:3]}, want {sorted(outcome.query.relevant)}")
    return "\n".join(lines)
