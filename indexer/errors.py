"""The one base of the product's own errors.

Every error the knowledge base raises on purpose (a document that cannot become one,
an index that cannot be used or written, a bad setting, a failed import or publish) is
a :class:`KbError`: its message is meant for a person, and a caller that turns such
errors into one line can name this class. Each keeps the base it had before as well
(``ConfigError`` is still a ``ValueError``, ``PublishError`` a ``RuntimeError``), so
existing ``except`` clauses catch what they caught.

Not one: :class:`indexer.guards.deadline.Expired`, a ``BaseException`` on purpose, so that
no ``except Exception`` in a library swallows the end of a time limit.
"""


class KbError(Exception):
    """An error of the knowledge base with a message for a person (not a bug)."""
