"""Projector-first: every state of every demo is readable at the presenter scale.

No text is smaller than 18 px (at 1280x720 with the presenter scale on, the picture is shown at
its own size), no two texts overlap, no text covers a node of a drawn network, and nothing sticks
out of the figure. The notebooks' own figures get the same check in tests/test_notebooks.py.
"""

from __future__ import annotations

import itertools

import pytest

from course_utils import demos
from course_utils.plotting import figure_dpi, set_presenter_scale, text_collisions

MIN_PX = 18


@pytest.fixture(autouse=True)
def presenter():
    set_presenter_scale(True)
    yield
    set_presenter_scale(None)


def _problems(demo, state):
    nodes = list(demo.diagram.nodes.values()) if hasattr(demo, "diagram") else []
    return [
        f"{type(demo).__name__} {state}: {p}"
        for p in text_collisions(demo.fig, nodes=nodes, min_size_px=MIN_PX, draw=False)
    ]


def _fits_a_projector(demo):
    width, height = demo.fig.get_size_inches() * demo.fig.dpi
    assert demo.fig.dpi == figure_dpi() == 100
    # 1280 px wide minus margins; the controls need about 150 px of the 720 (tests/test_browser.py measures it)
    assert width <= 1120 and height <= 470, (type(demo).__name__, width, height)


def test_worked_example_stepper_every_step():
    d = demos.WorkedExampleStepper()
    _fits_a_projector(d)
    problems = _problems(d, "start")
    for n in range(len(d.forward_steps)):
        d.next_forward()
        problems += _problems(d, f"forward {n + 1}")
    for n in range(len(d.backward_steps)):
        d.next_backward()
        problems += _problems(d, f"backward {n + 1}")
    d.apply_update()
    problems += _problems(d, "after the update")
    d.train_slider.value = d.train_slider.max
    problems += _problems(d, "trained")
    assert not problems, "\n".join(sorted(set(problems)))


def test_xor_demo_states():
    d = demos.XORDemo(epochs=100)
    _fits_a_projector(d)
    problems = _problems(d, "start")
    for control, value in [
        ("hidden", 1),
        ("hidden", 16),
        ("activation", "leaky_relu"),
        ("lr", 0.01),
        ("batch_size", 1),
        ("batch_size", 4),
        ("epochs", 5000),
    ]:
        getattr(d, control).value = value
        problems += _problems(d, f"{control}={value}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_conv_demo_states():
    d = demos.ConvGradientDemo()
    _fits_a_projector(d)
    problems = []
    for mode, stride, pad in itertools.product(d.MODES, (1, 2), (0, 1, 2)):
        for corner in (0, d.size - 1) if mode == "input pixel" else (0, d.kernel - 1):
            with d.hold_updates():
                d.mode.value, d.stride.value, d.pad.value = mode, stride, pad
                if mode == "input pixel":
                    d.i_in.value, d.j_in.value = corner, d.size - 1 - corner
                else:
                    d.a_w.value, d.b_w.value = corner, corner
            problems += _problems(d, f"{mode}, S={stride}, pad={pad}, corner {corner}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_pooling_demo_states():
    d = demos.PoolingRoutingDemo()
    _fits_a_projector(d)
    problems = []
    d.grid_text.value = "1.25 3.5 0 2; 9.75 0 1 1; 3 3 3 3; 0.5 2 4 6"
    windows = [(2, 1), (2, 2), (3, 1), (3, 2), (3, 3)]
    for source, kind, (size, stride) in itertools.product(
        ("lecture 4x4", "random 6x6", "typed"), ("max", "average"), windows
    ):
        with d.hold_updates():
            d.source.value, d.kind.value, d.size.value, d.stride.value = source, kind, size, stride
        problems += _problems(d, f"{source}, {kind}, {size}x{size} stride {stride}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_pyramid_demos_states():
    level = demos.PyramidLevelDemo()
    blend = demos.BlendDemo()
    steering = demos.SteeringDemo()
    problems = []
    for d in (level, blend, steering):
        _fits_a_projector(d)
    for n, blur in itertools.product(range(1, 8), (True, False)):
        with level.hold_updates():
            level.level.value, level.blur.value = n, blur
        problems += _problems(level, f"level {n}, blur {blur}")
    for n in range(1, blend.levels.max + 1):
        blend.levels.value = n
        problems += _problems(blend, f"{n} levels")
    for angle in (0, 45, 90, 135, 180, 225, 270, 322, 359):
        steering.angle.value = angle
        problems += _problems(steering, f"angle {angle}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_check_finds_overlaps_small_text_and_cut_off_labels():
    """The checker itself: each kind of defect is reported."""
    from course_utils.plotting import new_figure

    fig = new_figure((4, 3), dpi=100)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "one label")
    ax.text(0.52, 0.5, "another label")
    ax.text(0.1, 0.1, "tiny", fontsize=8)
    ax.set_ylabel("a label far too long to fit in this small a figure, cut off")
    found = "\n".join(text_collisions(fig, min_size_px=MIN_PX))
    assert "'one label' overlaps 'another label'" in found
    assert "'tiny' is 11.1 px, below 18 px" in found
    assert "sticks out of the figure" in found
