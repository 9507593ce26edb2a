"""Shared timing helpers for the benchmark scripts."""

from __future__ import annotations

import os
import statistics
import sys
import time


def pin_threads_from_argv(argv):
    """``--threads N`` from ``argv`` (or None); with it, make sure the BLAS/OpenMP pools use N threads.

    Their thread counts are read when numpy (or PyTorch) loads, so if the environment does not
    say N yet, this re-runs the current script with ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``
    and ``MKL_NUM_THREADS`` set to N (it does not return in that case). Call it before importing numpy.
    """
    threads = None
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            threads = argv[k + 1]
        elif arg.startswith("--threads="):
            threads = arg.split("=", 1)[1]
    if threads is not None and os.environ.get("OPENBLAS_NUM_THREADS") != threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)
    return threads


def median_time(fn, repeats: int = 7, min_time: float = 0.05) -> float:
    """Median wall time of ``fn()`` in seconds; each sample loops until ``min_time`` has passed."""
    fn()  # warm-up
    samples = []
    for _ in range(repeats):
        loops, start = 0, time.perf_counter()
        while True:
            fn()
            loops += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        samples.append(elapsed / loops)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
