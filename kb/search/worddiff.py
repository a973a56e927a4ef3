"""Word-level differences between two texts (difflib on word tokens), for the version pages.

A pure function: the marked changes applied to the old text give the new text exactly
(whitespace included), which tests/test_history_versions.py checks with hypothesis.
Lines are matched first and words only within the lines that changed, so a long document
with a few edits costs little (difflib's matcher is quadratic in the worst case).
"""

from __future__ import annotations

import difflib
import re

_TOKEN = re.compile(r"\s+|\S+")
#: Above this many token pairs a changed block is marked deleted and inserted whole (difflib is quadratic).
MAX_PAIRS = 250_000

#: (op, text): ``=`` unchanged, ``-`` deleted, ``+`` inserted.
Change = tuple[str, str]


def diff_words(old: str, new: str) -> list[Change]:
    """The changes that turn ``old`` into ``new``, adjacent pieces of one kind joined."""
    out: list[Change] = []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _add(out, "=", "".join(a[i1:i2]))
        elif i2 - i1 == j2 - j1:  # as many lines as before: each line against its counterpart
            for old_line, new_line in zip(a[i1:i2], b[j1:j2], strict=True):
                _words(out, old_line, new_line)
        else:
            _words(out, "".join(a[i1:i2]), "".join(b[j1:j2]))
    return out


def _words(out: list[Change], old: str, new: str) -> None:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) * len(b) > MAX_PAIRS:
        _add(out, "-", old)
        _add(out, "+", new)
        return
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _add(out, "=", "".join(a[i1:i2]))
            continue
        if i2 > i1:
            _add(out, "-", "".join(a[i1:i2]))
        if j2 > j1:
            _add(out, "+", "".join(b[j1:j2]))


def _add(out: list[Change], op: str, text: str) -> None:
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))


def old_text(changes: list[Change]) -> str:
    return "".join(text for op, text in changes if op != "+")


def new_text(changes: list[Change]) -> str:
    """The old text with the deletions dropped and the insertions made."""
    return "".join(text for op, text in changes if op != "-")


def counts(changes: list[Change]) -> tuple[int, int]:
    """Words inserted and words deleted."""
    added = sum(len(text.split()) for op, text in changes if op == "+")
    removed = sum(len(text.split()) for op, text in changes if op == "-")
    return added, removed
