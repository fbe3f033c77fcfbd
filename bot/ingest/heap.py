"""Give the C heap's free pages back to the OS between the batches of a streamed dump (glibc only).

Each batch of a long dump allocates and frees tens of MB (parsed stories, statements, feature
vectors) among objects that live longer (the run's caches). glibc's malloc keeps freed memory for
reuse instead of returning it, and the heap's free space grew with the run (11 MB after 10,000
stories of the 1 GB bench dump, 50 MB after 18,000: docs/benchmarks.md), so RSS kept creeping though
nothing held grew. ``malloc_trim(0)`` returns every whole free page (the top of the heap and, with
madvise, the holes inside it), once per batch of 500 stories: under a millisecond on a fresh heap,
25-50 ms on a 300 MB heap full of holes, against 5-20 s of CPU a batch takes. Other C libraries
(musl, macOS, Windows) have no such call: there it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (looked up once, on first use)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library; musl has no malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the C heap's free pages to the OS; True if the C library could be asked (glibc)."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True

