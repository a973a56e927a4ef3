"""simplemma lemmas without paying for the whole dictionary when only a few words are needed.

Loading a language's simplemma dictionary decodes every entry (Hungarian has millions:
seconds). A full build or a running site needs that; an editor's ``kb index``
after saving one document looks up a few hundred words. So the dictionary is also
kept as an SQLite table on disk (built once per machine and simplemma version, the
first time an incremental run needs it) and served from there, row by row, until
a process has looked up so many words that loading the whole dictionary is
cheaper (:mod:`indexer.text.lemma_store`). Either way simplemma runs its own
lemmatisation rules over the same dictionary, so the lemmas are identical.

simplemma itself is imported on the first look-up, not with this module: its import
compiles the rules of every language it knows, and a ``kb index`` that finds nothing
changed (or a process that only opens the index) needs no lemma.

:class:`Settings` names the folder for the tables (the ``paths.cache`` setting,
``KB_CACHE_DIR``; default: ``kb-methodology`` in the user's cache folder, shared
with :mod:`indexer.text.langprofiles`); None keeps everything in memory, as simplemma
does by itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.text.lemma_settings import Settings

#: This process's settings, the ones :data:`FACTORY` and :func:`lemmatize` use; ``kb.config.apply_process_settings``
#: names their folder, a build (indexer.pipeline) says when it expects many words.
SETTINGS = Settings()


#: What indexer.text.lemma_store provides, imported (with simplemma) on first use.
_LAZY = frozenset({"AdaptiveDictionaryFactory", "SqliteDictionary", "store_path", "write_store"})


def __getattr__(name: str):
    if name == "FACTORY":
        return factory()
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from indexer.text import lemma_store  # here, not at the top: it imports simplemma (see above)

    value = getattr(lemma_store, name)
    globals()[name] = value  # found directly from now on
    return value


def factory():
    """This process's dictionary factory (``FACTORY``, over :data:`SETTINGS`), made at its first use."""
    found = globals().get("FACTORY")
    if found is None:
        from indexer.text import lemma_store

        found = globals()["FACTORY"] = lemma_store.AdaptiveDictionaryFactory(SETTINGS)
    return found


_lemmatizer = None


def lemmatize(word: str, lang: str) -> str:
    """simplemma's lemma of ``word`` (same rules, same dictionary, as ``simplemma.lemmatize``)."""
    global _lemmatizer
    if _lemmatizer is None:
        from indexer.text import lemma_store

        _lemmatizer = lemma_store.lemmatizer(factory())
    return _lemmatizer.lemmatize(word, lang)


def prepare_tables(langs: Iterable[str], settings: Settings = SETTINGS) -> None:
    """Build the missing tables of ``langs`` now, side by side, before anything looks a word up.

    A new machine's first build needs a table per glossary language (Polish alone takes seconds
    to decode); one at a time, at each language's first look-up, they took far longer than
    side by side. Nothing to do when tables are off, already there, or the words are going to memory.
    """
    if settings.many or settings.cache_dir is None:
        return
    from indexer.text import lemma_store

    lemma_store.write_missing(langs, settings.cache_dir)


def load(lang: str) -> None:
    """Load ``lang``'s whole dictionary now (a site warming up before its first visitor)."""
    factory().load(lang)
