"""Give memory back to the system once an index generation's structures are released.

Why: a new generation's typo indexes and caches are built while the old ones are
still alive, then the old ones are freed in many small pieces. glibc keeps those
pieces in its heap for reuse and returns none of it, so a worker's RSS stays at the
swap's high-water mark (bench/README.md, "Worker memory over generations").
``malloc_trim(0)`` returns the free pages; it costs a walk over the heap, once per swap.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc); elsewhere nothing."""
    trim = _trim()
    if trim is not None:
        trim(0)
