"""Who is reading: the groups a reader belongs to, and whether they see everything (the preview).

Every answer of the engine is for one audience. A document is seen by a reader when it is
public, or shares a group with them; a draft only by the preview (``kb serve --watch`` on an
editor's own machine). Nothing here knows about HTTP: the web layer makes an Audience of the
signed-in reader, and caches key their answers by :attr:`Audience.key`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indexer.documents.access import audience_parts


@dataclass(frozen=True)
class Audience:
    groups: frozenset[str] = frozenset()
    everything: bool = False  # the preview: drafts and every group's documents

    @classmethod
    def of(cls, groups: Iterable[str]) -> Audience:
        return cls(frozenset(g for g in groups if g))

    @property
    def key(self) -> str:
        """A short stable name of what this audience may see, for cache keys and ETags."""
        if self.everything:
            return "*"
        return ",".join(sorted(self.groups))

    @property
    def anonymous(self) -> bool:
        return not self.everything and not self.groups

    def sees(self, value: str | None) -> bool:
        """Whether this audience may read a document of the stored audience ``value``."""
        if self.everything or not value:
            return True
        draft, groups = audience_parts(value)
        return not draft and bool(groups & self.groups)


#: A reader who is not signed in: public documents only. The default everywhere: forgetting to
#: pass a reader's audience shows less, never more.
ANONYMOUS = Audience()
#: The editor's own preview (``kb serve --watch``): everything, drafts included.
PREVIEW = Audience(everything=True)
