"""What a query becomes before anything keeps it: normalised, and without digits, e-mail addresses
or phone numbers (a reader may search for a client's case number or a colleague's address).

Order matters: e-mail addresses and phone numbers are replaced whole first (so that ``@`` and
the parts of a number do not survive as fragments), then any digit left, of any script
(``str.isdigit`` also knows ``٣`` and ``³``), becomes ``#``.
"""

from __future__ import annotations

import re
import unicodedata

#: A mask: what stands for a removed e-mail address and phone number.
EMAIL_MASK = "[e-mail]"
PHONE_MASK = "[phone]"
DIGIT_MASK = "#"

# The whole word around an ``@``: a local part may hold almost any character (RFC 5322), so any
# non-space run is taken rather than trying to tell where an address ends.
_EMAIL = re.compile(r"\S*@\S*")
# A run of digits with separators a phone number is written with: +36 30 123 4567, (06-1) 234-5678.
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")
_SPACES = re.compile(r"\s+")


def normalise(query: str) -> str:
    """One form for the same search: NFC, lower case, single spaces, no surrounding space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", query)).strip().lower()


def mask(query: str) -> str:
    """``query`` normalised, with e-mail addresses, phone numbers and every digit masked."""
    text = normalise(query)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PHONE.sub(PHONE_MASK, text)
    text = "".join(DIGIT_MASK if ch.isdigit() or unicodedata.category(ch) == "Nd" else ch for ch in text)
    return _SPACES.sub(" ", text).strip()
