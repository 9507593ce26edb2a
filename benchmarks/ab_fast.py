"""A/B benchmark: the fast path of this checkout against another checkout's, in alternating processes.

Run:  .venv/bin/python benchmarks/ab_fast.py OTHER_CHECKOUT [--pairs 3]

For a "did my change slow the fast path down?" check on a shared machine: each round starts one
process per checkout (this one first, then the other), each times the same calls with process
CPU time in one thread (BLAS and the fast layers' own threads pinned to 1) and reports medians.
Alternating processes cancel slow drifts in the machine's load; CPU time ignores the waiting
for a core. The other checkout may predate ``course_utils.fast`` (the tuned code then lived in
``course_utils.conv``, ``.pooling`` and ``.pyramids``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _modules(root: str) -> dict:
    """The fast conv, pooling and pyramids modules of the checkout at ``root`` (imported from there)."""
    sys.path.insert(0, root)
    import importlib

    if (Path(root) / "course_utils" / "fast" / "conv.py").exists():
        names = {"conv": "course_utils.fast.conv", "pooling": "course_utils.fast.pooling"}
        names["pyramids"] = (
            "course_utils.fast.pyramids"
            if (Path(root) / "course_utils/fast/pyramids.py").exists()
            else "course_utils.pyramids"
        )
        parallel = "course_utils.fast._parallel"
    else:
        names = {"conv": "course_utils.conv", "pooling": "course_utils.pooling", "pyramids": "course_utils.pyramids"}
        parallel = "course_utils._parallel"
    importlib.import_module(parallel).THREADS = 1
    return {key: importlib.import_module(name) for key, name in names.items()}


def _cases(m: dict) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    cases = {}
    for label, (n, c, h, f, k, s, p) in {
        "conv (8,3,32,32) 16 3x3": (8, 3, 32, 16, 3, 1, 1),
        "conv (16,3,64,64) 8 5x5 s2": (16, 3, 64, 8, 5, 2, 2),
    }.items():
        x, w, b = rng.normal(size=(n, c, h, h)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
        dout = rng.normal(size=m["conv"].conv2d_forward(x, w, b, s, p)[0].shape)

        def conv(x=x, w=w, b=b, s=s, p=p, dout=dout):
            m["conv"].conv2d_backward(dout, m["conv"].conv2d_forward(x, w, b, s, p)[1])

        cases[label] = conv
    x = np.maximum(rng.normal(size=(64, 64, 32, 32)), 0)
    for size, stride in [(2, 2), (3, 2)]:
        dout = rng.normal(size=m["pooling"].max_pool_forward(x, size, stride)[0].shape)

        def pool(size=size, stride=stride, dout=dout):
            m["pooling"].max_pool_backward(dout, m["pooling"].max_pool_forward(x, size, stride)[1])

        cases[f"max pool (64,64,32,32) {size}x{size} s{stride}"] = pool
    for dtype in ("float32", "float64"):
        image = rng.random((512, 512)).astype(dtype)
        lap = m["pyramids"].laplacian_pyramid(image, 5)
        cases[f"Laplacian pyramid 512^2 {dtype}"] = lambda image=image: m["pyramids"].laplacian_pyramid(image, 5)
        cases[f"reconstruct 512^2 {dtype}"] = lambda lap=lap: m["pyramids"].reconstruct(lap)
    return cases


def child(root: str, min_seconds: float) -> None:
    """Median CPU seconds of every case, as JSON on stdout."""
    cases = _cases(_modules(root))
    result = {}
    for label, fn in cases.items():
        for _ in range(3):
            fn()
        times, start = [], time.process_time()
        while len(times) < 10 or time.process_time() - start < min_seconds:
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        result[label] = statistics.median(times)
    print(json.dumps(result))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="the other checkout (e.g. a `git worktree add --detach ... main`)")
    parser.add_argument("--pairs", type=int, default=3, help="rounds of (this, other) processes")
    parser.add_argument("--seconds", type=float, default=0.3, help="CPU seconds of calls per case and process")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.seconds)
        return
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    roots = {"this": str(HERE), "other": str(Path(args.other).resolve())}
    runs = {"this": [], "other": []}
    for _ in range(args.pairs):
        for side, root in roots.items():
            cmd = [sys.executable, __file__, roots["other"], "--child", root, "--seconds", str(args.seconds)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd="/")
            runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"this: {roots['this']}\nother: {roots['other']}\n{args.pairs} pairs of processes, CPU time, one thread; "
        f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n"
    )
    print("| case | this ms (per process) | other ms (per process) | this / other (median) |")
    print("|---|---|---|---|")
    for label in runs["this"][0]:
        mine = [r[label] for r in runs["this"]]
        theirs = [r[label] for r in runs["other"]]
        show = lambda ts: " / ".join(f"{1e3 * t:.2f}" for t in ts)  # noqa: E731
        print(
            f"| {label} | {show(mine)} | {show(theirs)} | {statistics.median(mine) / statistics.median(theirs):.2f} |"
        )


if __name__ == "__main__":
    main()
