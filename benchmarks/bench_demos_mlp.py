"""Callback timings of the MLP live demos (notebooks 03 and 05), default settings.

Run:  .venv/bin/python benchmarks/bench_demos_mlp.py [--repeats 21]

Every callback is timed end to end, *including* rendering the figure to the PNG
bytes the ``ipywidgets.Image`` shows. The baseline is a full redraw of the same
figure with ``fig.savefig`` (what a demo that re-renders everything would pay per
update). Callback and baseline are timed alternately, in pairs, so machine load
affects both alike; the ratio column is the median of the paired ratios. The
last column compares the callback's median with the 100 ms budget of a live demo.
"""
from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from course_utils import demos_mlp as dm  # noqa: E402
from course_utils.plotting import figure_png  # noqa: E402

BUDGET_MS = 100.0


def paired(fn, baseline, repeats: int, setup=None):
    """Median ms of ``fn``, median ms of ``baseline``, median of the per-pair ratios."""
    a, b, ratios = [], [], []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        baseline()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
        ratios.append((t1 - t0) / (t2 - t1))
    return 1000 * statistics.median(a), 1000 * statistics.median(b), statistics.median(ratios)


def main(repeats: int) -> None:
    rows = []

    # -- worked-example stepper (notebook 03) ----------------------------------------------------------
    stepper = dm.WorkedExampleStepper()
    full = lambda: figure_png(stepper.figure)  # noqa: E731

    def forward_setup():
        if stepper._n_forward >= len(stepper.forward_steps):
            stepper.reset()

    def backward_setup():
        if stepper._n_forward < len(stepper.forward_steps) or stepper._n_backward >= len(stepper.backward_steps):
            stepper.reset()
            while stepper._n_forward < len(stepper.forward_steps):
                stepper.next_forward()

    values = iter(list(range(1, 1000, 37)) * (repeats + 1))
    for what, fn, setup in [
        ("render only: dynamic artists on the cached background + PNG", stepper.renderer.png, None),
        ("next forward step", stepper.next_forward, forward_setup),
        ("next backward step", stepper.next_backward, backward_setup),
        ("apply update (computes the remaining steps)", stepper.apply_update, stepper.reset),
        ("reset", stepper.reset, None),
        ("training-steps slider", lambda: setattr(stepper.train_slider, "value", next(values)), None),
    ]:
        rows.append(("stepper", what, *paired(fn, full, repeats, setup)))

    # -- XOR demo (notebook 05) ---------------------------------------------------------------------------
    demo = dm.XORDemo()
    full = lambda: figure_png(demo.figure)  # noqa: E731
    sgd = dm.XORDemo(batch_size=1, epochs=200)
    for what, fn, setup in [
        ("render only: dynamic artists on the cached background + PNG", demo.renderer.png, None),
        ("control change: restart + first chunk + redraw (the callback)",
         lambda: (demo.restart(), demo.train_chunk()), None),
        ("one later chunk (200 updates) + redraw", demo.train_chunk, lambda: (demo.restart(), demo.train_chunk())),
        ("batch size 1: one chunk (200 updates) + redraw", sgd.train_chunk, sgd.restart),
    ]:
        rows.append(("XOR", what, *paired(fn, full, repeats, setup)))
    rows.append(("XOR", "whole default run, synchronous (5 chunks, 1000 epochs; not one callback)",
                 *paired(lambda: (demo.restart(), demo.run_to_completion()), full, max(3, repeats // 3))))

    print(f"Medians of {repeats} paired repeats (ms); baseline = full redraw (savefig) of the same figure.\n")
    print("| demo | callback | median ms | baseline ms | ratio to baseline | under 100 ms |")
    print("|---|---|---|---|---|---|")
    for demo_name, what, ms, base, ratio in rows:
        print(f"| {demo_name} | {what} | {ms:.1f} | {base:.1f} | {ratio:.2f} | {'yes' if ms < BUDGET_MS else 'no'} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    main(parser.parse_args().repeats)
