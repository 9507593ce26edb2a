"""Callback timings of the MLP live demos (notebooks 03 and 05), default settings.

Run:  .venv/bin/python benchmarks/bench_demos_mlp.py [--repeats 15]

Every callback is timed end to end, *including* rendering the figure to the PNG
bytes the ``ipywidgets.Image`` shows. The baseline, measured in the same run, is
a full redraw of the same figure with ``fig.savefig`` (what a demo that re-renders
everything would pay per update); the ratio column is callback / baseline.
The last column compares the median with the 100 ms budget for a live demo.
Machine load from other processes makes absolute numbers noisy: read the ratios.
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


def median_ms(fn, repeats: int, setup=None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main(repeats: int) -> None:
    rows = []

    # -- worked-example stepper (notebook 03) ----------------------------------------------------------
    stepper = dm.WorkedExampleStepper()
    base_step = median_ms(lambda: figure_png(stepper.figure), repeats)
    rows.append(("stepper", "baseline: full redraw (savefig) of the figure", base_step, base_step))
    rows.append(("stepper", "render only: blit changed artists + PNG", median_ms(stepper.renderer.png, repeats),
                 base_step))

    def forward_setup():
        if stepper._n_forward >= len(stepper.forward_steps):
            stepper.reset()
    rows.append(("stepper", "next forward step", median_ms(stepper.next_forward, repeats, forward_setup), base_step))

    def backward_setup():
        if stepper._n_forward < len(stepper.forward_steps) or stepper._n_backward >= len(stepper.backward_steps):
            stepper.reset()
            while stepper._n_forward < len(stepper.forward_steps):
                stepper.next_forward()
    rows.append(("stepper", "next backward step", median_ms(stepper.next_backward, repeats, backward_setup), base_step))
    rows.append(("stepper", "apply update (computes remaining steps)", median_ms(stepper.apply_update, repeats,
                                                                                stepper.reset), base_step))
    rows.append(("stepper", "reset", median_ms(stepper.reset, repeats), base_step))
    values = iter(list(range(1, 1000, 37)) * (repeats + 1))
    rows.append(("stepper", "training-steps slider", median_ms(
        lambda: setattr(stepper.train_slider, "value", next(values)), repeats), base_step))

    # -- XOR demo (notebook 05) ---------------------------------------------------------------------------
    demo = dm.XORDemo()
    base_xor = median_ms(lambda: figure_png(demo.figure), repeats)
    rows.append(("XOR", "baseline: full redraw (savefig) of the figure", base_xor, base_xor))
    rows.append(("XOR", "render only: blit changed artists + PNG", median_ms(demo.renderer.png, repeats), base_xor))
    rows.append(("XOR", "control change: restart + first chunk + redraw (the callback)",
                 median_ms(lambda: (demo.restart(), demo.train_chunk()), repeats), base_xor))
    rows.append(("XOR", "one later chunk (200 updates) + redraw", median_ms(demo.train_chunk, repeats,
                                                                          setup=lambda: (demo.restart(),
                                                                                         demo.train_chunk())),
                 base_xor))
    sgd = dm.XORDemo(batch_size=1, epochs=200)
    rows.append(("XOR", "batch size 1: one chunk (200 updates) + redraw",
                 median_ms(sgd.train_chunk, repeats, setup=sgd.restart), base_xor))
    rows.append(("XOR", "whole default run, synchronous (5 chunks, 1000 epochs)",
                 median_ms(lambda: (demo.restart(), demo.run_to_completion()), max(3, repeats // 3)), base_xor))

    print(f"Median of {repeats} repeats per row (ms); ratio = row / full-redraw baseline of the same figure.\n")
    print("| demo | callback | median ms | ratio to full redraw | within 100 ms |")
    print("|---|---|---|---|---|")
    for demo_name, what, ms, base in rows:
        print(f"| {demo_name} | {what} | {ms:.1f} | {ms / base:.2f} | {'yes' if ms < BUDGET_MS else 'NO'} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    main(parser.parse_args().repeats)
