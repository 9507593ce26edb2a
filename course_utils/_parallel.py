"""Two worker threads for the fast layers (numpy releases the GIL inside its loops and BLAS calls).

One knob, :data:`THREADS` (default: up to 2, the number of cores permitting). Set
``course_utils._parallel.THREADS = 1`` to run everything in the calling thread, e.g. to compare
one-thread timings with a one-thread BLAS.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = min(2, os.cpu_count() or 1)
_PREFIX = "course_utils_worker"
_executor = None


def map_in_threads(work, parts):
    """``[work(part) for part in parts]``, with the parts shared between :data:`THREADS` threads.

    With one thread or one part, everything runs in the calling thread. Otherwise the parts are
    split into ``THREADS`` contiguous runs, one per worker. The caller must make the parts
    independent (disjoint output slices, per-part partial results); an exception raised by a
    worker is re-raised here.
    """
    global _executor
    threads = min(THREADS, len(parts))
    if threads < 2 or threading.current_thread().name.startswith(_PREFIX):  # no nesting: a worker
        return [work(part) for part in parts]                                 # waiting on its pool
    if _executor is None or _executor._max_workers < threads:
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=_PREFIX)
    size = -(-len(parts) // threads)
    runs = [parts[k:k + size] for k in range(0, len(parts), size)]
    futures = [_executor.submit(lambda run=run: [work(part) for part in run]) for run in runs]
    return [result for future in futures for result in future.result()]
