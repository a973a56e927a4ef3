"""The facets as the interface shows them: the engine's definitions (``kb.search.facets``) with labels."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from kb.search import facets as engine
from kb.search.facets import FILTER_ARGS
from kb.web.i18n import language_name, type_label

_LABELS = {
    "type": _l("Type"),
    "topic": _l("Topic"),
    "language": _l("Language"),
    "organisation": _l("Organisation"),
    "region": _l("Region"),
    "year": _l("Year"),
}


@dataclass(frozen=True)
class LabelledFacet(engine.Facet):
    label: object = ""  # a lazy string, in the interface language


FACETS: tuple[LabelledFacet, ...] = tuple(
    LabelledFacet(f.slug, f.field, f.arg, _LABELS.get(f.slug, f.slug)) for f in engine.FACETS
)
BY_SLUG = {f.slug: f for f in FACETS}


def value_label(field: str, value: str) -> str:
    """How a facet value reads in the interface: language codes and types are translated, the rest is data."""
    if field == "lang":
        return language_name(value)
    if field == "type":
        return type_label(value)
    return value


__all__ = ["BY_SLUG", "FACETS", "FILTER_ARGS", "value_label"]
