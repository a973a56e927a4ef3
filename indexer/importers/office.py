"""What Word and PowerPoint files share: core properties (title, created date, language)."""

from __future__ import annotations

import datetime as dt

#: Creation stamps of the blank templates bundled with python-docx and python-pptx: a file
#: carrying one was generated from the template, and the stamp says nothing about the document.
TEMPLATE_STAMPS = frozenset({dt.datetime(2013, 12, 23, 23, 15), dt.datetime(2013, 1, 27, 9, 14, 16)})


def core_title(props: object) -> str | None:
    title = " ".join(str(getattr(props, "title", "") or "").split())
    return title or None


def core_date(props: object) -> dt.date | None:
    """The created date from the file's properties.

    A file whose created stamp is a library template's counts only when it was saved
    again later (a modified date more than a day after), and then that date is used.
    """
    created = _naive(getattr(props, "created", None))
    modified = _naive(getattr(props, "modified", None))
    if created is not None and created not in TEMPLATE_STAMPS:
        return created.date()
    if modified is not None and (created is None or modified - created > dt.timedelta(days=1)):
        return modified.date()
    return None


def _naive(value: object) -> dt.datetime | None:
    return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else None


def core_lang(props: object) -> str | None:
    """``hu-HU`` -> ``hu``."""
    value = str(getattr(props, "language", "") or "").strip()
    return value.split("-")[0].lower() if len(value.split("-")[0]) == 2 else None
