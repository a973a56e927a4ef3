"""The indexing pipeline: content files -> documents -> language -> analysis -> Whoosh index.

One module per stage (``load``, ``render``, ``language``, ``analysis``, ``schema``,
``write``); ``pipeline`` runs them in order. Nothing here imports Flask, so the
same code serves the ``kb`` command line, the web app and the benchmarks.
"""
