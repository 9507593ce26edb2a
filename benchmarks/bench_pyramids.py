"""Benchmark: course_utils' pyramids against OpenCV, scikit-image and pyrtools.

Run:  .venv/bin/python benchmarks/bench_pyramids.py [--quick] [--threads N] [--clock wall|cpu] [--order rotate|fixed]

Times a 5-level Gaussian build, a 5-level Laplacian build and the reconstruction
from a 5-level Laplacian pyramid on 512x512 and 2048x2048 float64 and float32
images. "course_utils" is the fast path (``course_utils.fast.pyramids``, what the demos use);
the last columns time the readable ``course_utils.pyramids`` (what students read) in the same
rounds. Every implementation is timed in the same run, interleaved round by
round (so background load hits all of them alike), and the table reports
medians and ratios against OpenCV (goal: course_utils within 3x of OpenCV) and
of scikit-image / pyrtools against course_utils (goal: at least 2x). Columns
of libraries that are not installed are shown as "not installed" (install them
with ``pip install -e '.[bench]'``). scikit-image has no inverse of its
Laplacian pyramid (it is not invertible), so its reconstruction is "n/a".

The live demos are timed by ``benchmarks/bench_demos.py`` (every control of every demo).

Order: the implementations are called in turn, the order rotating from round
to round (``--order fixed`` keeps one order; see ``_time_round_robin``).

Threads: by default every library runs with its own default (OpenCV's
``cv2.getNumThreads()`` is the number of cores, OpenBLAS likewise; numpy's
element-wise work is single-threaded). ``--threads 1`` pins OpenCV
(``cv2.setNumThreads``) and OpenBLAS (``OPENBLAS_NUM_THREADS``, for every
library) to one thread, the fair single-core comparison; ``--clock cpu``
(only with ``--threads 1``) measures process CPU time, steadier on a busy
machine. The header states which setting a table was measured with.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import pin_threads_from_argv

# BLAS thread counts are read when numpy loads, so --threads N re-runs this script with them set
_THREADS = pin_threads_from_argv(sys.argv[1:]) if __name__ == "__main__" else None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from course_utils import pyramids as readable  # noqa: E402
from course_utils.fast import pyramids  # noqa: E402

LEVELS = 5


def _optional(name):
    try:
        return __import__(name)
    except Exception:  # not installed, or broken
        return None


cv2 = _optional("cv2")
if cv2 is not None and _THREADS is not None:
    cv2.setNumThreads(int(_THREADS))
pyrtools = _optional("pyrtools")
skimage_transform = None
if _optional("skimage") is not None:
    import skimage.transform as skimage_transform


# --- the implementations: each returns {op: callable()} for an image ----------------


def _ours(x):
    lap = pyramids.laplacian_pyramid(x, LEVELS)
    return {
        "gaussian": lambda: pyramids.gaussian_pyramid(x, LEVELS),
        "laplacian": lambda: pyramids.laplacian_pyramid(x, LEVELS),
        "reconstruct": lambda: pyramids.reconstruct(lap),
    }


def _readable(x):
    lap = readable.laplacian_pyramid(x, LEVELS)
    return {
        "gaussian": lambda: readable.gaussian_pyramid(x, LEVELS),
        "laplacian": lambda: readable.laplacian_pyramid(x, LEVELS),
        "reconstruct": lambda: readable.reconstruct(lap),
    }


def _opencv(x):
    def gaussian():
        pyr = [x]
        for _ in range(LEVELS - 1):
            pyr.append(cv2.pyrDown(pyr[-1]))
        return pyr

    def laplacian():
        g = gaussian()
        return [a - cv2.pyrUp(b, dstsize=(a.shape[1], a.shape[0])) for a, b in zip(g[:-1], g[1:])] + [g[-1]]

    lap = laplacian()

    def reconstruct():
        y = lap[-1]
        for band in reversed(lap[:-1]):
            y = cv2.pyrUp(y, dstsize=(band.shape[1], band.shape[0])) + band
        return y

    return {"gaussian": gaussian, "laplacian": laplacian, "reconstruct": reconstruct}


def _skimage(x):
    return {
        "gaussian": lambda: list(skimage_transform.pyramid_gaussian(x, max_layer=LEVELS - 1)),
        "laplacian": lambda: list(skimage_transform.pyramid_laplacian(x, max_layer=LEVELS - 1)),
        "reconstruct": None,
    }


def _pyrtools(x):
    lap = pyrtools.pyramids.LaplacianPyramid(x, height=LEVELS)
    return {
        "gaussian": lambda: pyrtools.pyramids.GaussianPyramid(x, height=LEVELS),
        "laplacian": lambda: pyrtools.pyramids.LaplacianPyramid(x, height=LEVELS),
        "reconstruct": lambda: lap.recon_pyr(),
    }


IMPLEMENTATIONS = [
    ("course_utils", _ours, True),
    ("OpenCV", _opencv, cv2 is not None),
    ("scikit-image", _skimage, skimage_transform is not None),
    ("pyrtools", _pyrtools, pyrtools is not None),
    ("readable", _readable, True),
]


CLOCK = time.perf_counter  # --clock cpu switches to time.process_time


ROTATE = True  # --order fixed: every round in the same order (as before)


def _time_round_robin(callables: dict, repeats: int) -> dict:
    """Median seconds of each callable, calling them in turn ``repeats`` times (after one warm-up).

    The order rotates from round to round, so each implementation follows each
    other one equally often. With a fixed order the second one reads the input
    the first has just brought into the cache, and the first one runs after
    the last, pyrtools, which sweeps the cache: OpenCV's 5-level Gaussian
    pyramid of a 512x512 float64 image took 0.196 ms right after
    course_utils and 0.223 ms right after pyrtools; course_utils took 0.554 ms
    after pyrtools and 0.489 ms after OpenCV (one run, medians of 40).
    """
    names = [name for name, fn in callables.items() if fn is not None]
    times = {name: [] for name in names}
    for name in names:
        callables[name]()
    for r in range(repeats):
        shift = r % len(names) if ROTATE else 0
        for name in names[shift:] + names[:shift]:
            start = CLOCK()
            callables[name]()
            times[name].append(CLOCK() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def _fmt_ms(seconds):
    return f"{seconds * 1e3:.2f}" if seconds < 0.01 else f"{seconds * 1e3:.1f}"


SMALL_REPEATS = 5  # images up to 512x512 take a millisecond or less: 5x the repeats steadies their medians


def bench_pyramids(sizes, repeats):
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        for dtype in (np.float64, np.float32):
            x = rng.random((size, size)).astype(dtype)
            built = {name: make(x) for name, make, ok in IMPLEMENTATIONS if ok}
            for op in ("gaussian", "laplacian", "reconstruct"):
                medians = _time_round_robin(
                    {name: ops[op] for name, ops in built.items()}, repeats * SMALL_REPEATS if size <= 512 else repeats
                )
                rows.append((size, np.dtype(dtype).name, op, medians))
    header = (
        "| image | dtype | 5-level op | course_utils ms | OpenCV ms | ours / OpenCV (goal <= 3) "
        "| scikit-image ms | skimage / ours (goal >= 2) | pyrtools ms | pyrtools / ours (goal >= 2) "
        "| readable ms | readable / OpenCV |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for size, dtype, op, m in rows:
        ours = m["course_utils"]

        def col(name, against_ours, m=m, ours=ours):
            if not dict(((n, ok) for n, _, ok in IMPLEMENTATIONS))[name]:
                return "not installed", "-"
            if name not in m:
                return "n/a", "-"
            ratio = (m[name] / ours) if against_ours else (ours / m[name])
            return _fmt_ms(m[name]), f"{ratio:.2f}"

        cv_ms, cv_ratio = col("OpenCV", against_ours=False)
        sk_ms, sk_ratio = col("scikit-image", against_ours=True)
        pt_ms, pt_ratio = col("pyrtools", against_ours=True)
        rd_ratio = f"{m['readable'] / m['OpenCV']:.2f}" if "OpenCV" in m else "-"
        lines.append(
            f"| {size}x{size} | {dtype} | {op} | {_fmt_ms(ours)} | {cv_ms} | {cv_ratio} "
            f"| {sk_ms} | {sk_ratio} | {pt_ms} | {pt_ratio} | {_fmt_ms(m['readable'])} | {rd_ratio} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="512x512 only, fewer repeats")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="OpenCV and OpenBLAS threads for every library (default: each library's own)",
    )
    parser.add_argument(
        "--order",
        choices=("rotate", "fixed"),
        default="rotate",
        help="fixed: the same order every round (favours the library timed right after another "
        "read the same input; see _time_round_robin)",
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: process CPU time, steady on a busy machine but meaningful only with --threads 1",
    )
    args = parser.parse_args(argv)
    global ROTATE
    ROTATE = args.order == "rotate"
    if args.clock == "cpu":
        if args.threads != 1:
            parser.error("--clock cpu needs --threads 1 (CPU time adds up the time of every thread)")
        global CLOCK
        CLOCK = time.process_time
    sizes = [512] if args.quick else [512, 2048]
    repeats = 3 if args.quick else 9
    print(
        f"# Pyramids benchmark ({os.cpu_count()} cores, numpy {np.__version__}, "
        f"OpenCV {getattr(cv2, '__version__', 'not installed')} with {cv2.getNumThreads() if cv2 else 0} threads, "
        f"scikit-image {'installed' if skimage_transform else 'not installed'}, "
        f"pyrtools {getattr(pyrtools, '__version__', 'installed') if pyrtools else 'not installed'}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
        f"{'process CPU time' if args.clock == 'cpu' else 'wall-clock time'}, "
        f"{'rotating' if ROTATE else 'fixed'} order)\n"
    )
    print(
        f"Medians of {repeats} interleaved repeats ({repeats * SMALL_REPEATS} up to 512x512), one run. "
        "Ratios: ours / OpenCV and other / ours.\n"
    )
    print(bench_pyramids(sizes, repeats))


if __name__ == "__main__":
    main()
