"""The build: Markdown in content/ to a search index, in wings with one job each.

- ``text/``: words, their forms and languages (what the query side shares);
- ``documents/``: a file to a :class:`~indexer.documents.model.Document`;
- ``glossary/``: the concepts documents are tagged with;
- ``format/``: every reader and writer of Whoosh's bytes and private parts;
- ``build/``: what changed, the worker processes, the fields of a document;
- ``generation/``: an index folder: storage, catalogue, related lists, history, file stats;
- ``guards/``: limits, Markdown shapes, deadlines, crash points;
- ``importers/``, ``authoring/``: other formats in, ``kb check`` and ``kb new``;
- ``pipeline``: the one entry point the CLI, the watcher and the webhook call;
- ``errors``: :class:`~indexer.errors.KbError`, the base of the product's own errors.
"""

from indexer.format import moved

moved.install()  # indexes built before the wings name their classes by the old module paths
