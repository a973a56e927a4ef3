"""Which files under the content folder may be indexed or served: one rule for documents,
glossary files, images and attachments.

A file qualifies only when its path, as written and once every symbolic link is
followed, stays inside the content folder and has no part starting with ``.`` or
``_`` relative to it: ``.git`` (the content folder is often a git clone, whose
``config`` may hold a token in its remote URL) and the folders editors keep private
(``_private/``) are never read for a reader. A committed link such as
``att/gitconfig.txt -> ../../.git/config`` or ``hu/x.md -> /etc/passwd`` is refused
with a message naming the link, for ``kb check``, ``kb index`` and the site alike.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Names starting with these are hidden (``.git``) or private (``_private``): never indexed or served.
HIDDEN_PREFIXES = (".", "_")

_NEVER = "never indexed or served"


def hidden(parts: tuple[str, ...] | list[str]) -> str | None:
    """The first hidden or private part of a relative path, or None."""
    return next((part for part in parts if part.startswith(HIDDEN_PREFIXES)), None)


def refusal(content_dir: Path, path: Path) -> str | None:
    """Why ``path`` may not be indexed or served, or None when it may (whether it exists or not).

    The reasons name what was found and what to do: a symbolic link that leaves the content
    folder, one that leads into a hidden or private folder, one that cannot be followed, or a
    path that is itself hidden or private. Each reads as a message of its own and after
    "<name> is ..." (``kb check``: ``attachment 'x.pdf' is a symbolic link ...``).
    """
    root = Path(os.path.abspath(content_dir))
    written = Path(os.path.abspath(path))
    if not written.is_relative_to(root):
        return f"outside the content folder: {_NEVER}"
    part = hidden(written.relative_to(root).parts)
    if part is not None:
        return f"hidden or private ('{part}': names starting with '.' or '_' are {_NEVER})"
    try:
        real_root = root.resolve()
        resolved = written.resolve()
    except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
        return f"a symbolic link that cannot be followed (a loop?){_arrow(written)}: {_NEVER}"
    if not resolved.is_relative_to(real_root):
        return (
            f"a symbolic link to a file outside the content folder{_arrow(written)}: {_NEVER}; "
            "copy the file into the content folder instead"
        )
    inside = resolved.relative_to(real_root)
    part = hidden(inside.parts)
    if part is not None:
        return (
            f"a symbolic link into the hidden or private '{part}' ({inside.as_posix()}){_arrow(written)}: "
            f"{_NEVER}; copy the file next to the document instead"
        )
    return None


def _arrow(path: Path) -> str:
    """`` (-> target)`` as the link is written, when ``path`` itself is the link."""
    try:
        return f" (-> {os.readlink(path)})"
    except OSError:  # not a link itself: a folder above it is
        return ""
