"""Shared timing helpers for the benchmark scripts."""
from __future__ import annotations

import statistics
import time


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
