"""The live demos of the course, one module per lecture topic, all built on one framework.

==========================  =========================================================  ========
module                      what it holds                                              notebook
==========================  =========================================================  ========
:mod:`.base`                :class:`Demo` (the widget base class), coalesced updates
:mod:`.chain_rule`          forward/backward ``grad_table`` traces, Jacobians, the     01
                            deep thin chain
:mod:`.delta_rule`          the slides' matrix-vector backward pass                    02
:mod:`.worked_example`      the 2-2-2 example's steps, :class:`WorkedExampleStepper`   03
:mod:`.activations`         gradient shares, activation tables, dead units             04
:mod:`.xor`                 XOR data and training, :class:`XORDemo`                    05
:mod:`.conv`                :class:`ConvGradientDemo`                                  06
:mod:`.pooling`             :class:`PoolingRoutingDemo`                                07
:mod:`.pyramids`            :class:`PyramidLevelDemo`, :class:`BlendDemo`              09
:mod:`.steerable`           :class:`SteeringDemo`                                      10
:mod:`.tables`              :func:`show_table` (a table in a notebook),               01-05
                            :func:`markdown_table` (its Markdown text)
==========================  =========================================================  ========

Presenter scale: ``presenter_mode()`` (or ``COURSE_PRESENTER=1`` in the environment, which
``python3 course.py present`` sets) draws every demo and notebook figure made afterwards larger:
no text below 18 px on a 1280x720 projector, controls to match.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..plotting import presenter_scale, set_presenter_scale, use_course_style

__all__ = [
    "presenter_mode",
    "DEMOS",
    "DemoEntry",
    "demo_class",
    "ConvGradientDemo",
    "PoolingRoutingDemo",
    "PyramidLevelDemo",
    "BlendDemo",
    "SteeringDemo",
    "WorkedExampleStepper",
    "XORDemo",
]


def presenter_mode(on: bool = True) -> None:
    """Draw demos and figures made from now on at the presenter scale (no text below 18 px at 1280x720).

    Works in JupyterLab too: call it, then re-run the cells that make the demos.

    Parameters
    ----------
    on : bool, default True
        ``False`` goes back to the normal scale.
    """
    set_presenter_scale(bool(on))
    use_course_style()


@dataclass(frozen=True)
class DemoEntry:
    """One demo worth showing: where it lives, what to show with it."""

    name: str  # class name in course_utils.demos
    notebook: str  # the lecture notebook it belongs to
    title: str
    show: str  # what to show in a lecture


#: every demo, in teaching order (``python3 course.py present`` lists these)
DEMOS = (
    DemoEntry(
        "WorkedExampleStepper",
        "03_worked_example.ipynb",
        "Worked example, step by step",
        "one full iteration: every forward step, every backward step, then apply the update; "
        "drag the training slider to 1000 steps.",
    ),
    DemoEntry(
        "XORDemo",
        "05_training_sgd_xor.ipynb",
        "Training a network on XOR",
        "1 hidden unit fails (no line separates XOR); ReLU with seed 3 leaves dead units; "
        "batch size 1 is noisy but fast.",
    ),
    DemoEntry(
        "ConvGradientDemo",
        "06_backprop_convolution.ipynb",
        "Backpropagation through a convolution",
        "a corner pixel against a centre pixel (the region P shrinks); then a filter weight touches "
        "every output; stride 2 leaves gaps.",
    ),
    DemoEntry(
        "PoolingRoutingDemo",
        "07_backprop_pooling.ipynb",
        "Backpropagation through pooling",
        "the lecture's 4x4 example; a tie (type a grid with equal maxima); average pooling shares g; "
        "3x3 windows at stride 1 overlap.",
    ),
    DemoEntry(
        "PyramidLevelDemo",
        "09_gaussian_laplacian_pyramids.ipynb",
        "Gaussian and Laplacian pyramids",
        "walk down the levels; untick the blur at level 3 to see aliasing.",
    ),
    DemoEntry(
        "BlendDemo",
        "09_gaussian_laplacian_pyramids.ipynb",
        "Multi-band blending",
        "1 level (a hard seam) against 6 levels; drag the seam; soften it.",
    ),
    DemoEntry(
        "SteeringDemo",
        "10_steerable_filters_and_pyramids.ipynb",
        "Steering a Gaussian derivative",
        "turn the angle: the kernel and the response follow from two basis filters.",
    ),
)


def demo_class(name: str) -> type:
    """Look a demo up by name (its module is imported on first use).

    Parameters
    ----------
    name : str
        A demo's class name, one of :data:`DEMOS` (e.g. ``"ConvGradientDemo"``).

    Returns
    -------
    type
        The demo class, a subclass of :class:`~course_utils.demos.base.Demo`.
    """
    names = [d.name for d in DEMOS]
    if name not in names:
        raise KeyError(f"name: expected one of {', '.join(names)}, got {name!r}")
    return globals()[name] if name in globals() else __getattr__(name)


_WHERE = {
    "WorkedExampleStepper": "worked_example",
    "XORDemo": "xor",
    "ConvGradientDemo": "conv",
    "PoolingRoutingDemo": "pooling",
    "PyramidLevelDemo": "pyramids",
    "BlendDemo": "pyramids",
    "SteeringDemo": "steerable",
}


def __getattr__(name: str):
    """Import a demo's module only when the demo is used (importing the package stays cheap)."""
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_WHERE))


# re-exported for `from course_utils.demos import presenter_scale`
presenter_scale = presenter_scale
