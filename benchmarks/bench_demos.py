"""Kernel-side cost of every demo control: the update a control asks for, split into compute and picture.

Run:  .venv/bin/python benchmarks/bench_demos.py [--repeats 15] [--demos ConvGradientDemo,...] [--presenter]

For every demo of ``course_utils.demos.DEMOS`` and every one of its controls, the control is
operated as a lecturer would (a slider one step, the next option of a dropdown or toggle, a
click) ``--repeats`` times. The update runs in the demo's worker thread, as in a kernel, but
no front end receives the picture. ``update`` is the time from the input to the first new
picture, which is split into ``compute`` (the numbers and the artists), ``draw`` (the demo's
renderer: restore the cached background, draw what changed) and ``encode`` (JPEG). The
baseline, measured in the same run on the same figure and state, is a full draw of the figure
plus the same encoding (a renderer without a background): what every picture cost before the
demos kept one. ``full / update`` is what the cached background saves, compute included.

This is the server's share of the browser latency (``bench_browser.py`` measures the whole trip,
input event to picture load): the budget there is a median under 100 ms and none over 300 ms.
The XOR demo's controls start its declared training run; only its first picture is timed here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from course_utils import demos  # noqa: E402
from course_utils.demos import base  # noqa: E402
from course_utils.plotting import Renderer  # noqa: E402


def _next_value(control):
    """The value a lecturer's next input gives ``control`` (``None`` for a button: click it)."""
    import ipywidgets as w

    if isinstance(control, w.Button):
        return None
    if isinstance(control, (w.IntSlider, w.FloatSlider, w.FloatLogSlider)):
        if isinstance(control, w.FloatLogSlider):
            values = [control.base**e for e in (control.min, control.min + control.step)]
            return values[1] if abs(control.value - values[1]) > 1e-12 else values[0]
        step = control.step
        return control.value - step if control.value + step > control.max else control.value + step
    if isinstance(control, w.Checkbox):
        return not control.value
    if isinstance(control, w.Text):
        return control.value + " "  # the same grid, typed again
    options = list(control.options)
    labels = [o[1] if isinstance(o, tuple) else o for o in options]
    k = labels.index(control.value)
    return labels[k - 1] if k == len(labels) - 1 else labels[k + 1]


def _label(control) -> str:
    if getattr(control, "description", ""):
        return control.description
    options = getattr(control, "options", None)
    return " / ".join(str(o) for o in options) if options else type(control).__name__


def _operate(demo, control) -> None:
    value = _next_value(control)
    if value is None:
        control.click()
    else:
        control.value = value
    demo.wait(120)


def _enable(demo, control) -> bool:
    """Switch modes (toggles, dropdowns, checkboxes; untimed) until ``control`` is enabled."""
    import ipywidgets as w

    for mode in demo.controls:
        if control.disabled and isinstance(mode, (w.ToggleButtons, w.Dropdown, w.Checkbox)):
            _operate(demo, mode)
    return not control.disabled


class _Timed:
    """Wraps a demo's compute and its renderer's drawing to split each update's time."""

    def __init__(self, demo):
        self.demo, self.compute, self.draw, self.encode, self.pictures = demo, [], [], [], []
        compute, rgba, picture = demo.compute, demo.renderer.rgba, demo.renderer.picture
        # the baseline: the same figure through a renderer without a background (a full draw)
        self.full_renderer = Renderer(demo.fig, None, demo.renderer.format)

        def timed_compute():
            t = time.perf_counter()
            compute()
            self.compute.append(time.perf_counter() - t)

        def timed_rgba():
            t = time.perf_counter()
            pixels = rgba()
            self.draw.append(time.perf_counter() - t)
            return pixels

        def timed_picture():
            t, drawn = time.perf_counter(), len(self.draw)
            out = picture()  # calls timed_rgba (an instance attribute wins)
            self.encode.append(time.perf_counter() - t - sum(self.draw[drawn:]))
            self.pictures.append(time.perf_counter())
            return out

        demo.compute = timed_compute
        demo.renderer.rgba = timed_rgba
        demo.renderer.picture = timed_picture

    def full_draw(self) -> float:
        """The baseline: a full draw of the figure as it is now, plus the same encoding."""
        t = time.perf_counter()
        self.full_renderer.picture()
        return time.perf_counter() - t


def measure(name: str, repeats: int):
    """Rows ``(demo, control, first-picture times, (compute, draw, encode) of it, full-draw times)``."""
    cls = demos.demo_class(name)
    base.in_kernel = lambda: True  # updates in the demo's worker thread, as in a kernel
    demo = cls(epochs=200) if name == "XORDemo" else cls()
    timed = _Timed(demo)
    rows, done = [], set()
    for second in (False, True):  # a toggle (pixel / weight) enables controls that were off at first
        for k, control in enumerate(list(demo.controls)):
            if k in done or _label(control) == "stop":
                continue
            if getattr(control, "disabled", False) and not (second and _enable(demo, control)):
                continue
            done.add(k)
            total, parts, full = [], [], []
            for _ in range(repeats):
                for times in (timed.compute, timed.draw, timed.encode, timed.pictures):
                    times.clear()
                t = time.perf_counter()
                _operate(demo, control)
                # the first picture after the input (XOR trains on after it: not timed here)
                total.append(timed.pictures[0] - t)
                parts.append((timed.compute[0], timed.draw[0], timed.encode[0]))
                full.append(timed.full_draw())
                demo.renderer.invalidate()  # the full draw above left the canvas in another state
                demo.render()
            rows.append((name, _label(control), total, parts, full))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--demos", default=",".join(d.name for d in demos.DEMOS))
    parser.add_argument("--presenter", action="store_true", help="at the presenter scale (course.py present)")
    args = parser.parse_args(argv)
    if args.presenter:
        demos.presenter_mode(True)
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.2f}; {args.repeats} updates per control; times in ms (median / max)")
    print()
    print("| demo | control | update | compute | draw | encode | full draw + encode | full / update |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = []
    for name in args.demos.split(","):
        for demo_name, label, total, parts, full in measure(name, args.repeats):
            med = statistics.median(total)
            comp, draw, enc = (statistics.median(p[k] for p in parts) for k in range(3))
            base = statistics.median(full)
            ratios.append(base / med)
            print(
                f"| {demo_name} | {label} | {1e3 * med:.1f} / {1e3 * max(total):.1f} | {1e3 * comp:.1f} | "
                f"{1e3 * draw:.1f} | {1e3 * enc:.1f} | {1e3 * base:.1f} | {base / med:.2f} |"
            )
    print()
    print(f"load average at end: {os.getloadavg()[0]:.2f}; median full/update ratio {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
