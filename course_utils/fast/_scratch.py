"""Scratch arrays for the fast layers and pyramids: internal temporaries reused from call to call.

Why: a fresh multi-megabyte ``np.empty`` comes back from the operating system as new pages, and
the first touch of each page is a page fault, which can cost more than a small layer's whole
forward pass (measurements: ``benchmarks/README.md``).

Only internal temporaries use these arrays; every array returned to a caller is freshly allocated.
Each thread has its own set, so threads never share a scratch array.
"""

from __future__ import annotations

import math
import threading

import numpy as np

SCRATCH_LIMIT = 64 * 2**20  # larger scratch arrays are not kept between calls
_workspace = threading.local()


def scratch(name: str, shape, dtype) -> np.ndarray:
    """The scratch array ``name`` of ``shape`` and ``dtype`` (contents undefined), for this thread."""
    dtype = np.dtype(dtype)
    size = math.prod(shape)
    buffers = getattr(_workspace, "buffers", None)
    if buffers is None:
        buffers = _workspace.buffers = {}
    buf = buffers.get((name, dtype))
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        if buf.nbytes <= SCRATCH_LIMIT:
            buffers[(name, dtype)] = buf
    return buf[:size].reshape(shape)
