"""Search analytics that keep no one's data: masked queries in a SQLite store per host
(:mod:`kb.analytics.store`), masking (:mod:`kb.analytics.masking`) and the editors' aggregates
(:mod:`kb.analytics.report`). Between kb.search and kb.web: no Flask here."""
