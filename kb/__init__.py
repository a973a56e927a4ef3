"""Methodology knowledge base: the engine (``kb.search``), the web app (``kb.web``) and the ``kb`` command."""
