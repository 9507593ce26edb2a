"""Benchmark: convolution and pooling layers, fast and readable vs PyTorch CPU, and vs the naive loops (float64).

Run:  .venv/bin/python benchmarks/bench_conv.py [--repeats 15] [--quick] [--threads N] [--clock wall|cpu] [--isolated]

Timings on a shared machine are noisy, so every comparison is measured in the same run
with the contenders **interleaved** (round r times each contender once), and the table
reports medians and the median of the per-round ratios. A ratio below 1 means
course_utils is faster. "fast" is ``course_utils.fast`` (what the demos and ``TinyCNN`` use),
"readable" the vectorized versions in ``course_utils.conv`` / ``course_utils.pooling`` (what a
student reads), "naive" their loop versions. PyTorch columns appear when ``torch`` is importable (an
optional baseline: ``pip install torch==2.13.0`` gives a CPU build on Python 3.11).
The demos' own times are in ``benchmarks/bench_demos.py`` (every control of every demo).

``--threads 1`` pins numpy's BLAS, course_utils' own worker threads and PyTorch to one thread
each: on a machine shared with other jobs that comparison is much steadier than the default
(2 threads on 2 cores), where both libraries' worker threads are descheduled unpredictably. ``--threads 1 --clock cpu``
measures process CPU time instead of wall-clock time: the work done, not the waiting for a
core, which is the steadiest comparison on a loaded machine.

``--isolated`` times course_utils and PyTorch in **separate processes** (alternating, five
processes each, median of their medians) instead of interleaved in one process. With several
threads, interleaving lets one library's idle worker threads, which spin for a while after
each call (OpenBLAS's and PyTorch's OpenMP pools both do), take a core from the other library's
next call; isolated runs measure each library as a user would run it alone. (Measured: with
``OMP_WAIT_POLICY=PASSIVE``, which puts PyTorch's idle threads to sleep at once, the
interleaved 2x2 max-pool ratio fell from 1.90 to 0.76 in the same session.) Interleaving also
makes each call start on caches the other library just filled: with one thread each, the
smallest conv layer read 1.03-1.06 interleaved (CPU time) and 0.81 isolated in the same session.
``--isolated --threads 1`` is the steadiest comparison; ``--isolated`` alone, the one a user sees.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import pin_threads_from_argv

# BLAS thread counts are read when numpy loads, so --threads N re-runs this script with them set
_THREADS = pin_threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_utils.fast._parallel  # noqa: E402
from course_utils import conv, pooling  # noqa: E402
from course_utils.fast import conv as fast_conv  # noqa: E402
from course_utils.fast import pooling as fast_pooling  # noqa: E402

if _THREADS is not None:  # the fast layers split their work between threads of their own: pin
    course_utils.fast._parallel.THREADS = int(_THREADS)  # those too (else --clock cpu adds up two threads' time)

try:
    import torch

    if _THREADS is not None:
        torch.set_num_threads(int(_THREADS))
except ImportError:  # optional baseline
    torch = None

CONV_SHAPES = [  # (N, C, H, W, F, K, stride, pad), from the issue
    (8, 3, 32, 32, 16, 3, 1, 1),
    (32, 16, 32, 32, 32, 3, 1, 1),
    (64, 64, 16, 16, 64, 3, 1, 1),
    (16, 3, 64, 64, 8, 5, 2, 2),
]
CONV_NAIVE_SHAPES = [(2, 3, 12, 12, 4, 3, 1, 1), (1, 3, 16, 16, 2, 5, 2, 2)]
POOL_SHAPES = [((64, 64, 32, 32), 2, 2), ((64, 64, 32, 32), 3, 2)]
POOL_NAIVE_SHAPES = [((4, 8, 16, 16), 2, 2)]


CLOCK = time.perf_counter  # --clock cpu switches to time.process_time


def interleaved(contenders: dict, repeats: int, warmup: int = 3):
    """Time each callable once per round, ``repeats`` rounds after ``warmup`` calls each; return lists of seconds."""
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = CLOCK()
            fn()
            times[name].append(CLOCK() - start)
    return times


def paired_ratio(times, num, den):
    return statistics.median(a / b for a, b in zip(times[num], times[den]))


def conv_jobs(shape, seed=0):
    n, c, h, w, f, k, s, p = shape
    rng = np.random.default_rng(seed)
    x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, k, k)), rng.normal(size=f)
    oh = (h - k + 2 * p) // s + 1
    dout = rng.normal(size=(n, f, oh, (w - k + 2 * p) // s + 1))

    def run(module, forward="conv2d_forward", backward="conv2d_backward"):
        def job():
            _, cache = getattr(module, forward)(x, wt, b, s, p)
            getattr(module, backward)(dout, cache)

        return job

    jobs = {
        "fast": run(fast_conv),
        "readable": run(conv),
        "naive": run(conv, "conv2d_forward_naive", "conv2d_backward_naive"),
    }
    if torch is not None:
        xt, wt_t, bt = (torch.tensor(v, requires_grad=True) for v in (x, wt, b))
        dt = torch.tensor(dout)

        def pytorch():
            xt.grad = wt_t.grad = bt.grad = None
            torch.nn.functional.conv2d(xt, wt_t, bt, stride=s, padding=p).backward(dt)

        jobs["torch"] = pytorch
    return jobs


def pool_jobs(shape, size, stride, seed=0):
    rng = np.random.default_rng(seed)
    x = np.maximum(rng.normal(size=shape), 0)  # after a ReLU, as in a CNN (ties included)
    out, _ = fast_pooling.max_pool_forward(x, size, stride)
    dout = rng.normal(size=out.shape)

    def run(module, forward="max_pool_forward", backward="max_pool_backward"):
        def job():
            _, cache = getattr(module, forward)(x, size, stride)
            getattr(module, backward)(dout, cache)

        return job

    jobs = {
        "fast": run(fast_pooling),
        "readable": run(pooling),
        "naive": run(pooling, "max_pool_forward_naive", "max_pool_backward_naive"),
    }
    if torch is not None:
        xt, dt = torch.tensor(x, requires_grad=True), torch.tensor(dout)

        def pytorch():
            xt.grad = None
            torch.nn.functional.max_pool2d(xt, size, stride).backward(dt)

        jobs["torch"] = pytorch
    return jobs


def ms(seconds):
    return f"{1e3 * statistics.median(seconds):.2f}"


def _layer_table(title, cases, repeats):
    """fast, readable and PyTorch interleaved; ratios against PyTorch side by side."""
    print(f"### {title}\n")
    print("| layer | fast ms | readable ms | PyTorch ms | fast / PyTorch | readable / PyTorch | readable / fast |")
    print("|---|---|---|---|---|---|---|")
    for label, jobs in cases:
        jobs.pop("naive")
        t = interleaved(jobs, repeats)
        if "torch" in t:
            fast, readable = paired_ratio(t, "fast", "torch"), paired_ratio(t, "readable", "torch")
            ref = f"{ms(t['torch'])} | **{fast:.2f}** | {readable:.2f}"
        else:
            ref = "n/a | n/a | n/a"
        print(
            f"| {label} | {ms(t['fast'])} | {ms(t['readable'])} | {ref} | {paired_ratio(t, 'readable', 'fast'):.2f} |"
        )


def _naive_table(cases, repeats):
    print("\n| layer | naive ms | fast ms | naive / fast |")
    print("|---|---|---|---|")
    for label, jobs in cases:
        jobs.pop("torch", None)
        jobs.pop("readable")
        t = interleaved(jobs, max(3, repeats // 5))
        print(f"| {label} | {ms(t['naive'])} | {ms(t['fast'])} | {paired_ratio(t, 'naive', 'fast'):.0f} |")


def bench_layers(repeats):
    _layer_table(
        "Convolution, forward + backward, float64", [(str(shape), conv_jobs(shape)) for shape in CONV_SHAPES], repeats
    )
    _naive_table([(str(shape), conv_jobs(shape)) for shape in CONV_NAIVE_SHAPES], repeats)
    print()
    _layer_table(
        "Max pooling, forward + backward, float64, input after a ReLU",
        [(f"{shape}, {size}, {stride}", pool_jobs(shape, size, stride)) for shape, size, stride in POOL_SHAPES],
        repeats,
    )
    _naive_table(
        [(f"{shape}, {size}, {stride}", pool_jobs(shape, size, stride)) for shape, size, stride in POOL_NAIVE_SHAPES],
        repeats,
    )


def _layer_cases():
    """Every (label, jobs) pair of the layer tables, in order: conv shapes, then pooling."""
    cases = [(f"conv {shape}", lambda shape=shape: conv_jobs(shape)) for shape in CONV_SHAPES]
    cases += [
        (f"max pool {shape}, {size}, {stride}", lambda a=(shape, size, stride): pool_jobs(*a))
        for shape, size, stride in POOL_SHAPES
    ]
    return cases


def timed_alone(fn, repeats, min_seconds, warmup=5):
    """Seconds of each of at least ``repeats`` calls of ``fn`` lasting ``min_seconds`` in all, after a warm-up.

    The warm-up (at least ``warmup`` calls and ``min_seconds / 2``) lets both libraries reach their
    steady state first: scratch and allocator caches filled, thread pools started; and a layer of
    1 ms gets hundreds of samples, not 15.
    """
    start = CLOCK()
    calls = 0
    while calls < warmup or CLOCK() - start < min_seconds / 2:
        fn()
        calls += 1
    times = []
    start = CLOCK()
    while len(times) < repeats or CLOCK() - start < min_seconds:
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return times


def child_medians(contender, repeats, min_seconds=0.5, warmup=5):
    """(--child) Median seconds of ``contender`` on every layer case, measured in this process alone."""
    result = {}
    for label, make in _layer_cases():
        fn = make().get(contender)
        if fn is None:
            continue
        result[label] = statistics.median(timed_alone(fn, repeats, min_seconds, warmup))
    return result


def bench_isolated(repeats, threads, rounds=5):
    print("### Isolated processes: forward + backward, float64, each library alone\n")
    if torch is None:
        print("PyTorch is not installed: nothing to compare.")
        return
    medians = {"fast": [], "readable": [], "torch": []}
    for _ in range(rounds):
        for contender in medians:
            cmd = [sys.executable, __file__, "--child", contender, "--repeats", str(repeats)]
            if threads is not None:
                cmd += ["--threads", str(threads)]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            medians[contender].append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(
        f"{rounds} processes per contender, alternating; each reports the median of at least {repeats} calls "
        "and 0.5 s of calls per layer, after a warm-up.\n"
    )
    print("| layer | fast ms | readable ms | PyTorch ms | fast / PyTorch | readable / PyTorch |")
    print("|---|---|---|---|---|---|")
    for label, _ in _layer_cases():
        fast, readable, ref = (statistics.median(m[label] for m in medians[c]) for c in ("fast", "readable", "torch"))
        print(
            f"| {label} | {1e3 * fast:.2f} | {1e3 * readable:.2f} | {1e3 * ref:.2f} | **{fast / ref:.2f}** "
            f"| {readable / ref:.2f} |"
        )
    print()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="BLAS and PyTorch threads for both sides (default: the libraries' own choice)",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: process CPU time, steady on a busy machine but meaningful only with --threads 1",
    )
    parser.add_argument(
        "--isolated", action="store_true", help="also time course_utils and PyTorch in separate processes (see above)"
    )
    parser.add_argument("--child", choices=("fast", "readable", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global CLOCK
    if args.clock == "cpu":
        if args.threads != 1:
            parser.error("--clock cpu needs --threads 1 (CPU time adds up the time of every thread)")
        CLOCK = time.process_time
    repeats = 3 if args.quick else args.repeats
    if args.child:  # one contender alone, for --isolated: print its medians as JSON
        quick = {"min_seconds": 0.0, "warmup": 1} if args.quick else {}  # --quick: a smoke run
        print(json.dumps(child_medians(args.child, repeats, **quick)))
        return
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ", torch not installed")
        + f", {os.cpu_count()} CPUs"
    )
    blas_env = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS", "OMP_", "MKL_"))}
    print(
        f"BLAS-related environment: {blas_env or 'none set'}; {repeats} interleaved rounds, medians of "
        f"{'process CPU time' if args.clock == 'cpu' else 'wall-clock time'}; load average "
        f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}\n"
    )
    if args.isolated:
        bench_isolated(repeats, args.threads)
    bench_layers(repeats)


if __name__ == "__main__":
    main()
