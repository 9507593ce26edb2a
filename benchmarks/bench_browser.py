"""Latency of every demo control in the real browser: JupyterLab and the presenter view (Voila).

Run:  .venv/bin/python benchmarks/bench_browser.py [--repeats 9] [--views lab,voila] [--demos ConvGradientDemo,...]

Starts JupyterLab as ``python3 course.py lab`` starts it and Voila as ``python3 course.py present``
starts it (each on a free port, on the demo pages that ``present`` generates), opens every demo in
Debian's Chromium at 1280x720 and operates each of its controls ``--repeats`` times, waiting for
each picture before the next input. A latency is measured in the page: from the input event
(``keydown``/``pointerdown``, captured on ``document``) to the ``load`` event of the demo's new
picture (``course_utils.demos.drive``). Then, on the sliders a lecturer drags (the stepper's
training slider, the blend's seam, the steering angle), a burst: 15 key presses 30 ms apart,
reporting pictures per second during the burst and the time from the last press to the last
picture (settle): with updates that coalesce it stays near one picture's time.

The XOR demo's controls start its declared training run: the latency is the first picture (the
fresh network); training then continues in the background with progress. The budget: median under
100 ms, none over 300 ms. The machine's load is printed; numbers on a shared machine vary.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils.demos import DEMOS  # noqa: E402
from course_utils.demos.drive import CHROMIUM_ARGS, INSTRUMENT_JS, demo_actions, is_enabled, latencies, perform  # noqa: E402
from course_utils.demos.presenter import demo_notebook_name, write_presenter_notebooks  # noqa: E402


def _course():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_script", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"server did not answer {url}") from None
            time.sleep(0.5)


def start_servers(folder: Path, views):
    course = _course()
    bin_dir = Path(sys.executable).parent
    servers = {}
    if "lab" in views:
        port, token = _free_port(), "bench"
        cmd = course.lab_command(
            ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"],
            bin_dir=bin_dir,
            root=folder,
        )
        proc = subprocess.Popen(
            cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status?token={token}", proc)
        servers["lab"] = (proc, base, token)
    if "voila" in views:
        port = _free_port()
        cmd = course.present_command(folder, port, ["--no-browser"], bin_dir=bin_dir)
        proc = subprocess.Popen(
            cmd,
            cwd=folder,
            env=course.present_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/voila/render/index.ipynb", proc)
        servers["voila"] = (proc, base, None)
    return servers


def open_demo(page, view, base, token, name):
    quoted = urllib.parse.quote(name)
    if view == "voila":
        page.goto(f"{base}/voila/render/{quoted}", wait_until="commit")
    else:
        from course_utils.demos.drive import run_all_in_lab

        run_all_in_lab(page, base, token, quoted)
    demo = page.locator(".course-demo").first
    demo.locator("img").wait_for(timeout=120_000)
    page.evaluate(INSTRUMENT_JS)
    return demo


def _wait_new_sample(page, before: int, timeout_ms: int = 15_000) -> bool:
    try:
        page.wait_for_function("(n) => window.__lat.samples.length > n", arg=before, timeout=timeout_ms)
        return True
    except Exception:
        return False


def measure(page, demo, repeats: int):
    rows = []
    actions = demo_actions(demo)
    for action in actions:
        if action.label.strip() == "stop" or not is_enabled(demo, action):  # stop: not a picture change
            continue
        samples, unchanged = [], 0
        for _ in range(repeats):
            n = len(latencies(page)["samples"])
            perform(page, demo, action)
            if _wait_new_sample(page, n):
                samples.append(latencies(page)["samples"][-1])
            else:  # e.g. the pooling input "typed" after "random 6x6": the same grid, no new picture to wait for
                unchanged += 1
            page.wait_for_timeout(120)
        if samples:
            same = f" ({unchanged} of {repeats}: same picture)" if unchanged else ""
            rows.append((f"{action.kind} '{action.label[:28]}'{same}", samples))
    return rows


#: the sliders a lecturer drags (continuous, many steps): demo -> the slider's label
DRAGGED = {"WorkedExampleStepper": "train N steps", "BlendDemo": "seam at", "SteeringDemo": "angle"}


def burst(page, demo, label: str, presses: int = 15, gap_ms: int = 30):
    """A dragged slider: ``presses`` key presses ``gap_ms`` apart, towards the slider's far end."""
    slider = demo.locator(".widget-slider", has_text=label).first
    handle = slider.locator(".noUi-handle")
    handle.focus()
    now = float(handle.get_attribute("aria-valuenow"))
    low, high = (float(handle.get_attribute(a)) for a in ("aria-valuemin", "aria-valuemax"))
    key = "ArrowLeft" if now - low >= high - now else "ArrowRight"  # every press moves it
    before = latencies(page)
    n_inputs, n_loads = len(before["inputs"]), len(before["loads"])
    for _ in range(presses):
        page.keyboard.press(key)
        page.wait_for_timeout(gap_ms)
    page.wait_for_timeout(3000)
    after = latencies(page)
    inputs, loads = after["inputs"][n_inputs:], after["loads"][n_loads:]
    if not loads:
        return None
    during = [t for t in loads if t <= inputs[-1]]
    span = inputs[-1] - inputs[0]
    return {
        "slider": label,
        "pictures": len(loads),
        "fps": 1000 * len(during) / span if span else float("nan"),
        "settle": loads[-1] - inputs[-1],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--views", default="lab,voila")
    parser.add_argument("--demos", default=",".join(d.name for d in DEMOS))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    views = args.views.split(",")
    wanted = args.demos.split(",")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    folder = Path(tempfile.mkdtemp(prefix="course-bench-browser-"))
    write_presenter_notebooks(folder, ROOT / "notebooks")
    servers = start_servers(folder, views)
    table, bursts = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for view in views:
                _, base, token = servers[view]
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                for entry in DEMOS:
                    if entry.name not in wanted:
                        continue
                    demo = open_demo(page, view, base, token, demo_notebook_name(entry))
                    for control, samples in measure(page, demo, args.repeats):
                        table.append((view, entry.name, control, samples))
                    b = burst(page, demo, DRAGGED[entry.name]) if entry.name in DRAGGED else None
                    if b:
                        bursts.append((view, entry.name, b))
                page.close()
            browser.close()
    finally:
        for proc, *_ in servers.values():
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    load = os.getloadavg()
    print(
        f"# Browser latency, input event to the new picture's load (Chromium 1280x720, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f})\n"
    )
    print("| view | demo | control | n | median ms | max ms |")
    print("|---|---|---|---|---|---|")
    everything = []
    for view, name, control, samples in table:
        everything += samples
        print(
            f"| {view} | {name} | {control} | {len(samples)} | {statistics.median(samples):.0f} | {max(samples):.0f} |"
        )
    if everything:
        print(
            f"\nAll {len(everything)} interactions: median {statistics.median(everything):.0f} ms, "
            f"max {max(everything):.0f} ms, over 300 ms: {sum(s > 300 for s in everything)}."
        )
    print("\n| view | demo | slider dragged (15 presses, 30 ms apart) | pictures | pictures/s during | settle ms |")
    print("|---|---|---|---|---|---|")
    for view, name, b in bursts:
        print(f"| {view} | {name} | {b['slider']} | {b['pictures']} | {b['fps']:.1f} | {b['settle']:.0f} |")


if __name__ == "__main__":
    main()
