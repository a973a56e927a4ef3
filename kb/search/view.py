"""The search service as one reader sees it: every answer that could name a document is for
their audience, so a page cannot forget to pass it.

The web layer hands this, never the bare service, to code that answers a reader. What does
not depend on the reader (completing hits already filtered, the glossary's concepts, the
health check) passes through; anything else is refused, so a new method of the service is
not reachable from a page until it is listed here as one or the other.
"""

from __future__ import annotations

import functools

from kb.search.audience import Audience

#: Methods that answer for an audience (they take ``audience=``).
FOR_AUDIENCE = frozenset(
    {
        "search",
        "suggest",
        "document",
        "documents_by_id",
        "translations",
        "documents",
        "recent",
        "languages",
        "documents_and_families",
        "family",
        "browse_counts",
        "related",
        "concept_documents",
        "stats",
    }
)
#: Methods whose answer names no document beyond what the reader already got, or that are for editors.
AS_IS = frozenset({"complete", "glossary", "check", "editors", "index_dir"})


class ReaderView:
    def __init__(self, service, audience: Audience):
        self._service = service
        self.audience = audience

    def __getattr__(self, name: str):
        if name in FOR_AUDIENCE:
            return functools.partial(getattr(self._service, name), audience=self.audience)
        if name in AS_IS:
            return getattr(self._service, name)
        raise AttributeError(
            f"ReaderView: {name!r} is neither for an audience nor reader-independent (kb/search/view.py)"
        )
