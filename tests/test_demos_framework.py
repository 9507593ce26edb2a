"""The demo framework (course_utils.demos.base): one base class, coalesced updates, a static picture."""

from __future__ import annotations

import base64
import threading

import pytest

from course_utils import demos
from course_utils.demos.base import Demo, LatestWins
from course_utils.plotting import set_presenter_scale


def test_latest_wins_runs_once_more_for_any_number_of_requests_made_while_it_works():
    seen, started, release = [], threading.Event(), threading.Event()
    state = {"value": 0}

    def work():
        seen.append(state["value"])
        if len(seen) == 1:
            started.set()
            release.wait(10)

    updates = LatestWins(work, on_error=lambda text: seen.append(text), threaded=True)
    updates.request()
    assert started.wait(10)
    for value in range(1, 21):  # a dragged slider: twenty changes while the first picture is drawn
        state["value"] = value
        updates.request()
    assert updates.superseded()
    release.set()
    assert updates.wait(10)
    assert seen == [0, 20], "one more run, for the latest value only"
    assert not updates.superseded()


def test_latest_wins_reports_a_failed_run_and_keeps_working():
    errors, runs = [], []

    def work():
        runs.append(1)
        if len(runs) == 1:
            raise ValueError("bad input")

    updates = LatestWins(work, on_error=errors.append, threaded=False)
    updates.request()
    updates.request()
    assert len(runs) == 2 and len(errors) == 1 and "ValueError: bad input" in errors[0]


class _Broken(Demo):
    figsize = (3.0, 2.0)

    def build(self):
        import ipywidgets as widgets

        self.ax = self.fig.add_subplot()
        self.slider = widgets.IntSlider(value=0, min=0, max=3)
        self.watch(self.slider)
        return [self.slider]

    def compute(self):
        if self.slider.value == 2:
            raise ValueError("no picture for 2")
        self.ax.set_title(f"value {self.slider.value}")


def test_a_failing_update_shows_its_error_in_the_demo_and_the_next_one_clears_it(capsys):
    d = _Broken()
    d.slider.value = 2
    assert "ValueError: no picture for 2" in d.error.value
    d.slider.value = 3
    assert d.error.value == "" and d.ax.get_title() == "value 3"


@pytest.mark.parametrize("entry", demos.DEMOS, ids=[e.name for e in demos.DEMOS])
def test_every_demo_is_listed_with_its_notebook_and_has_a_static_picture(entry):
    from pathlib import Path

    assert (Path(__file__).resolve().parents[1] / "notebooks" / entry.notebook).exists()
    cls = demos.demo_class(entry.name)
    assert issubclass(cls, Demo) and cls.summary
    d = cls()
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live widget where widgets run
    mime = "image/png" if d.image_format == "png" else "image/jpeg"
    assert base64.b64decode(bundle[mime]) == d.image.value  # and its picture everywhere else
    assert "VBox" not in bundle["text/plain"]
    assert d.controls, "a demo without controls"


def test_presenter_scale_draws_larger_and_styles_the_controls(monkeypatch):
    monkeypatch.delenv("COURSE_PRESENTER", raising=False)
    set_presenter_scale(None)
    normal = demos.SteeringDemo()
    monkeypatch.setenv("COURSE_PRESENTER", "1")
    big = demos.SteeringDemo()
    try:
        demos.presenter_mode(False)
        assert demos.SteeringDemo().fig.dpi == 80
    finally:
        set_presenter_scale(None)
    assert normal.fig.dpi == 80 and big.fig.dpi == 100
    assert big.presenter and not normal.presenter
    css = big.widget.children[0].value
    assert "--jp-widgets-font-size: 18px" in css and "18px" not in normal.widget.children[0].value
    assert "course-demo" in big.widget._dom_classes


def test_an_exported_notebook_shows_each_demo_as_a_picture(tmp_path):
    """Saved, exported (nbconvert HTML) or on nbviewer, a demo shows its picture, not VBox(...).

    The notebook is saved as JupyterLab saves it by default: without the widget state (with it,
    the exporter embeds the live widgets instead, whose Image model holds the same picture)."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell(
                "from course_utils.demos import ConvGradientDemo, SteeringDemo\n"
                "from course_utils.images import disk_edges\nConvGradientDemo()"
            ),
            new_code_cell("SteeringDemo(disk_edges(64), sigma=1.0).show()"),
        ]
    )
    NotebookClient(nb, timeout=90, kernel_name="python3", store_widget_state=False).execute()
    outputs = [o for cell in nb.cells for o in cell.outputs]
    assert [sorted(o["data"]) for o in outputs] == [
        ["application/vnd.jupyter.widget-view+json", "image/jpeg", "text/plain"],
        ["application/vnd.jupyter.widget-view+json", "image/jpeg", "text/plain"],
    ]
    body, _ = HTMLExporter().from_notebook_node(nb)
    for output, mime in zip(outputs, ["image/jpeg", "image/jpeg"]):
        assert f'src="data:{mime};base64,{output["data"][mime]}"' in body
    assert "VBox(" not in body


def test_hold_updates_draws_one_picture_for_several_changes():
    d = demos.ConvGradientDemo()
    before = d.renders
    with d.hold_updates():
        d.stride.value, d.pad.value, d.i_in.value = 2, 1, 0
        assert d.renders == before
    assert d.renders == before + 1 and d.dy.shape == (3, 3)


def test_kernel_side_benchmark_times_every_control_of_a_demo():
    """benchmarks/bench_demos.py: one row per control (both modes of the conv demo), timings not asserted."""
    import subprocess
    import sys
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_demos.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--repeats", "1", "--demos", "ConvGradientDemo"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [line.split(" | ")[1] for line in done.stdout.splitlines() if line.startswith("| ConvGradientDemo")]
    expected = ["input pixel / filter weight", "stride S", "pad", "pixel i'", "pixel j'", "weight a'", "weight b'"]
    assert sorted(rows) == sorted(expected)
