"""The browsable facets: their URL names, index fields, search arguments and labels."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from kb.i18n import language_name, type_label


@dataclass(frozen=True)
class Facet:
    slug: str  # in /browse/<slug>
    field: str  # in the index and in the search service's facet counts
    arg: str  # in /search?<arg>=
    label: object  # a lazy string, in the interface language


FACETS: tuple[Facet, ...] = (
    Facet("type", "type", "type", _l("Type")),
    Facet("topic", "tags", "tag", _l("Topic")),
    Facet("language", "lang", "lang", _l("Language")),
    Facet("organisation", "organisation", "organisation", _l("Organisation")),
    Facet("region", "region", "region", _l("Region")),
    Facet("year", "year", "year", _l("Year")),
)
BY_SLUG = {f.slug: f for f in FACETS}
BY_FIELD = {f.field: f for f in FACETS}
FILTER_ARGS: tuple[str, ...] = tuple(f.arg for f in FACETS)


def value_label(field: str, value: str) -> str:
    """How a facet value reads in the interface: language codes and types are translated, the rest is data."""
    if field == "lang":
        return language_name(value)
    if field == "type":
        return type_label(value)
    return value
