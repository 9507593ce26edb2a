"""Two worker threads for the fast layers (numpy releases the GIL inside its loops and BLAS calls).

One knob, :data:`THREADS` (default: up to 2, the number of cores permitting). Set
``course_utils.fast._parallel.THREADS = 1`` to run everything in the calling thread, e.g. to
compare one-thread timings with a one-thread BLAS.

Handing work to the pool costs tens of microseconds, and numpy calls in two workers queue for
the GIL, so only work made of few, long calls gains (measurements: ``benchmarks/README.md``).
Limiting BLAS to one thread per worker needs ``threadpoolctl`` (the ``fast`` extra); without it
the layers that would split their batch between threads run in one thread and BLAS threads itself.
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

THREADS = min(2, os.cpu_count() or 1)
_PREFIX = "course_utils_worker"
_executor = None
_executor_workers = 0
_blas = None  # threadpoolctl's controller of the BLAS libraries, made on first use


def map_in_threads(work, parts, one_blas_thread_each=False):
    """``[work(part) for part in parts]``, with the parts shared between :data:`THREADS` threads.

    With one thread or one part, everything runs in the calling thread. Otherwise the parts are
    split into ``THREADS`` contiguous runs, one per worker. The caller must make the parts
    independent (disjoint output slices, per-part partial results); an exception raised by a
    worker is re-raised here. ``one_blas_thread_each=True``: while the workers run, BLAS runs
    single-threaded (:func:`one_blas_thread`), for work whose matrix products should run side
    by side, one per worker.
    """
    global _executor, _executor_workers
    threads = min(THREADS, len(parts))
    if threads < 2 or threading.current_thread().name.startswith(_PREFIX):  # no nesting: a worker
        return [work(part) for part in parts]  # waiting on its pool
    if _executor is None or _executor_workers < threads:
        _executor, _executor_workers = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=_PREFIX), threads
    size = -(-len(parts) // threads)
    runs = [parts[k : k + size] for k in range(0, len(parts), size)]
    with one_blas_thread() if one_blas_thread_each else contextlib.nullcontext():
        futures = [_executor.submit(lambda run=run: [work(part) for part in run]) for run in runs]
        return [result for future in futures for result in future.result()]


def blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries, or None (none found, or no threadpoolctl)."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # an optional dependency of the fast path
            _blas = False
        else:
            _blas = ThreadpoolController().select(user_api="blas")
    return _blas if _blas and _blas.lib_controllers else None


@contextlib.contextmanager
def one_blas_thread():
    """Run BLAS single-threaded inside the block (every thread of the process; restored after).

    Why: when two of our workers each call a matrix product while BLAS runs its own threads,
    four threads fight for two cores and OpenBLAS's threads spin waiting for each other (one
    layer took 8x longer). With one BLAS thread per worker the two products run side by side.
    """
    controller = blas_controller()
    if controller is None:
        yield
        return
    limits = controller.limit(limits=1)
    try:
        yield
    finally:
        limits.restore_original_limits()
