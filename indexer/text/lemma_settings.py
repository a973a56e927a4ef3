"""How a process gets its lemma dictionaries (:mod:`indexer.text.lemmas`): the settings object
handed to the dictionary factory (:mod:`indexer.text.lemma_store`), the build and langdetect's
profile cache. A module of its own, light to import, below both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Look-ups from disk after which a process loads the whole dictionary instead.
SWITCH_AFTER = 20_000


@dataclass
class Settings:
    """How a process gets its lemma dictionaries; handed to what reads it (the dictionary factory,
    the build, langdetect's profile cache), never read from a module of its own."""

    #: The folder for the tables (and langdetect's profiles); None: everything in memory, until
    #: kb.config names the folder (``paths.cache``: its default is stated there, once).
    cache_dir: Path | None = None
    #: Whether dictionaries go straight into memory (a build of many documents, see :meth:`expect_many`).
    many: bool = False
    switch_after: int = SWITCH_AFTER

    def use_cache_dir(self, folder: Path | None) -> None:
        """Keep the tables (and langdetect's profiles) in ``folder``; None: in memory only."""
        self.cache_dir = folder

    def expect_many(self) -> None:
        """This process will look up many words (a build of many documents): load each dictionary
        whole at its first look-up instead of first serving ``switch_after`` words from its table."""
        self.many = True

    @contextmanager
    def expectation(self) -> Iterator[None]:
        """Restore what :meth:`expect_many` changes when the block ends (one build of a longer process)."""
        before = self.many
        try:
            yield
        finally:
            self.many = before
