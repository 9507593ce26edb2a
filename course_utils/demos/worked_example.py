"""The worked example (notebook 03, slides 001): its steps, its training curve, and the stepper demo.

:func:`worked_example_steps` lists every forward and backward quantity in teaching order, with
where it sits on the diagram; :func:`training_curve` the error over training steps;
:class:`WorkedExampleStepper` walks through them on a drawn network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import MaxNLocator

from .._checks import check_positive_int, check_real
from ..mlp import MLP
from ..plotting import draw_network
from ..worked_example import EXAMPLE, WEIGHT_POSITIONS, WorkedExample, example_mlp, worked_example
from .base import Demo

__all__ = ["Step", "worked_example_steps", "training_curve", "WorkedExampleStepper", "example_mlp"]


#: diagram keys of the example's units (layer index k, unit i)
_UNIT = {"h1": (1, 0), "h2": (1, 1), "o1": (2, 0), "o2": (2, 1)}
_NODE_LABELS = {
    (0, 0): "$i_1$",
    (0, 1): "$i_2$",
    (1, 0): "$h_1$",
    (1, 1): "$h_2$",
    (2, 0): "$o_1$",
    (2, 1): "$o_2$",
    ("b", 0): "$b_1$",
    ("b", 1): "$b_2$",
}


@dataclass(frozen=True)
class Step:
    """One step of the worked example: what is computed, its value, and where it sits on the diagram.

    ``target`` is a diagram key (see :mod:`course_utils.plotting`): a node ``(k, i)``,
    an edge ``(k, i, j)``, a bias edge ``("b", k, i)``, a loss edge ``("loss", i)`` or ``"loss"``.
    """

    stage: str  # "forward" or "backward"
    name: str  # e.g. "net_h1", "dE/dw5"
    value: float
    target: object
    formula: str  # how it is computed, with the lecture's name (HTML, for the status line)


def worked_example_steps(ex: WorkedExample | None = None) -> list[Step]:
    """The forward and backward steps of the worked example in teaching order.

    Parameters
    ----------
    ex : WorkedExample, optional
        What :func:`course_utils.worked_example.worked_example` returns (default: the slides' numbers).

    Returns
    -------
    list of Step
        The forward steps (``net_h1``, ``out_h1``, ..., ``E_total``), then the backward ones
        (deltas, then each ``dE/dw``).
    """
    ex = worked_example() if ex is None else ex
    W = {name: ex.mlp.weights[k][i, j] for name, (k, i, j) in WEIGHT_POSITIONS.items()}
    b1, b2 = ex.mlp.biases[0][0], ex.mlp.biases[1][0]
    i1, i2 = EXAMPLE["inputs"]
    t = EXAMPLE["targets"]
    steps = []
    fw = {
        "h1": f"w1*i1 + w2*i2 + b1 = {W['w1']:.4g}*{i1} + {W['w2']:.4g}*{i2} + {b1:.4g}",
        "h2": f"w3*i1 + w4*i2 + b1 = {W['w3']:.4g}*{i1} + {W['w4']:.4g}*{i2} + {b1:.4g}",
        "o1": f"w5*out_h1 + w6*out_h2 + b2 = {W['w5']:.4g}*{ex.out['out_h1']:.4f} + "
        f"{W['w6']:.4g}*{ex.out['out_h2']:.4f} + {b2:.4g}",
        "o2": f"w7*out_h1 + w8*out_h2 + b2 = {W['w7']:.4g}*{ex.out['out_h1']:.4f} + "
        f"{W['w8']:.4g}*{ex.out['out_h2']:.4f} + {b2:.4g}",
    }
    for unit in ("h1", "h2", "o1", "o2"):
        steps.append(Step("forward", f"net_{unit}", ex.net[f"net_{unit}"], _UNIT[unit], f"net_{unit} = {fw[unit]}"))
        steps.append(
            Step(
                "forward",
                f"out_{unit}",
                ex.out[f"out_{unit}"],
                _UNIT[unit],
                f"out_{unit} = sigmoid(net_{unit}) = 1/(1 + exp(-{ex.net[f'net_{unit}']:.6g}))",
            )
        )
    for unit in (1, 2):
        steps.append(
            Step(
                "forward",
                f"E_o{unit}",
                ex.errors[f"E_o{unit}"],
                ("loss", unit - 1),
                f"E_o{unit} = 1/2 (out_o{unit} - {t[unit - 1]})^2",
            )
        )
    steps.append(Step("forward", "E_total", ex.errors["E_total"], "loss", "E_total = E_o1 + E_o2"))
    for unit in (1, 2):
        steps.append(
            Step(
                "backward",
                f"delta_o{unit}",
                ex.deltas[f"delta_o{unit}"],
                _UNIT[f"o{unit}"],
                f"delta_o{unit} (lecture: &delta;<sup>3</sup><sub>{unit}</sub>) = dE/dnet_o{unit} = "
                f"(out_o{unit} - {t[unit - 1]}) * out_o{unit} (1 - out_o{unit})",
            )
        )
    for w in ("w5", "w6", "w7", "w8"):
        k, i, j = WEIGHT_POSITIONS[w]
        steps.append(
            Step(
                "backward",
                f"dE/d{w}",
                ex.gradients[f"dE/d{w}"],
                (k, i, j),
                f"dE/d{w} (lecture: dL/dW<sup>2</sup><sub>{i + 1}{j + 1}</sub>) = delta_o{i + 1} * out_h{j + 1}",
            )
        )
    for unit in (1, 2):
        steps.append(
            Step(
                "backward",
                f"dE/db2[{unit}]",
                ex.gradients[f"dE/db2[{unit}]"],
                ("b", 1, unit - 1),
                f"dE/db2[{unit}] = delta_o{unit}",
            )
        )
    for unit in (1, 2):
        steps.append(
            Step(
                "backward",
                f"delta_h{unit}",
                ex.deltas[f"delta_h{unit}"],
                _UNIT[f"h{unit}"],
                f"delta_h{unit} (lecture: &delta;<sup>2</sup><sub>{unit}</sub>) = "
                f"(delta_o1 * w{4 + unit} + delta_o2 * w{6 + unit}) * out_h{unit} (1 - out_h{unit})",
            )
        )
    for w in ("w1", "w2", "w3", "w4"):
        k, i, j = WEIGHT_POSITIONS[w]
        steps.append(
            Step(
                "backward",
                f"dE/d{w}",
                ex.gradients[f"dE/d{w}"],
                (k, i, j),
                f"dE/d{w} (lecture: dL/dW<sup>1</sup><sub>{i + 1}{j + 1}</sub>) = delta_h{i + 1} * i{j + 1}",
            )
        )
    for unit in (1, 2):
        steps.append(
            Step(
                "backward",
                f"dE/db1[{unit}]",
                ex.gradients[f"dE/db1[{unit}]"],
                ("b", 0, unit - 1),
                f"dE/db1[{unit}] = delta_h{unit}",
            )
        )
    return steps


def draw_worked_example(ax):
    """The 2-2-2 network of the worked example on ``ax``, laid out for values written beside the nodes.

    Returns the :class:`course_utils.plotting.NetworkDiagram`. Values of the top units and of the
    bias nodes are written above them, those of the bottom units and of the loss node below, so
    that the space between the layers, where edges cross, holds only the weights' labels.
    """
    d = draw_network(
        [2, 2, 2],
        ax,
        node_labels=_NODE_LABELS,
        show_biases=True,
        loss_label="$E$",
        layer_titles=(),
        radius=0.24,
        layer_spacing=2.5,
        unit_spacing=1.8,
        slanted_label_at=0.3,
    )
    top = max(y for key, (_, y) in d.positions.items() if key != "loss" and key[0] != "b")
    for key, text in d.node_values.items():
        x, y = d.positions[key]
        if key != "loss" and (key[0] == "b" or y >= top - 1e-9):
            text.set_position((x, y + 0.29))
            text.set_verticalalignment("bottom")
    for k in range(2):  # the bias nodes sit above their layer's top unit, left of it
        bx, by = 2.5 * k + 1.25, top + 1.1
        d.positions[("b", k)] = (bx, by)
        d.nodes[("b", k)].set_center((bx, by))
        d.node_labels[("b", k)].set_position((bx, by))
        d.node_values[("b", k)].set_position((bx, by + 0.29))
        for i in range(2):
            (x1, y1) = d.positions[(k + 1, i)]
            d.edges[("b", k, i)].set_data([bx, x1], [by, y1])
    lx, ly = 2 * 2.5 + 1.5, 0.0  # the loss node: far enough right for its three lines of values
    d.positions["loss"] = (lx, ly)
    d.nodes["loss"].set_center((lx, ly))
    d.node_labels["loss"].set_position((lx, ly))
    d.node_values["loss"].set_position((lx, ly - 0.29))
    for i in range(2):
        x0, y0 = d.positions[(2, i)]
        d.edges[("loss", i)].set_data([x0, lx], [y0, ly])
    ys = [y for _, y in d.positions.values()]
    xs = [x for x, _ in d.positions.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.95, max(ys) + 0.75)
    return d


def training_curve(
    steps: int, lr: float | None = None, start: MLP | None = None, update_biases: bool = True
) -> np.ndarray:
    """``E_total`` of the worked example before each of ``steps`` gradient steps and after the last.

    Parameters
    ----------
    steps : int
        Number of gradient steps (>= 0).
    lr : float or None
        Learning rate; ``None``: the slides' 0.5.
    start : MLP, optional
        Start from its weights and biases instead of the slides'.
    update_biases : bool, default True
        ``False`` keeps the biases fixed, as the widely published version of this example does
        (it reports 0.291027924 after one step and 0.0000351085 after 10000).

    Returns
    -------
    ndarray, shape (steps + 1,)
        ``E[0]`` the initial error (0.298371109 in the slides), ``E[s]`` the error after ``s`` updates.
    """
    steps = check_positive_int("steps", steps, minimum=0)
    lr = EXAMPLE["lr"] if lr is None else check_real("lr", lr, minimum=0.0)
    mlp = example_mlp()
    if start is not None:
        mlp.weights, mlp.biases = start.weights, start.biases
    x, y = np.array([EXAMPLE["inputs"]]), np.array([EXAMPLE["targets"]])
    errors = np.empty(steps + 1)
    for s in range(steps):
        errors[s], grads = mlp.loss_and_gradients(x, y)
        if not update_biases:
            grads.biases = [np.zeros_like(b) for b in grads.biases]
        mlp.step(grads, lr)
    errors[steps] = mlp.loss_and_gradients(x, y)[0]
    return errors


class WorkedExampleStepper(Demo):
    """Live demo of the worked example: step through the forward pass, the backward pass and the update.

    Buttons: *next forward step*, *next backward step*, *apply update*, *reset*. The current
    node or edge is highlighted on the network diagram and the value just computed is written
    on it and in the two-line status above the picture. A slider shows ``E_total`` against the
    number of training steps (precomputed once, so moving it is instant).

    The buttons only move the state (how many steps are done); the picture is drawn from the
    state, so quick clicks never leave it behind. State for tests: :attr:`current` (the last
    :class:`Step`, or ``None``), :attr:`shown_value`, :attr:`iteration`, :attr:`diagram` (its
    artists), :attr:`figure`.
    """

    figsize = (11.0, 4.2)
    summary = "the 2-2-2 worked example step by step: forward, backward, update"

    def __init__(self, lr: float | None = None, max_train_steps: int = 1000):
        self.lr = EXAMPLE["lr"] if lr is None else check_real("lr", lr, minimum=0.0)
        self.max_train_steps = check_positive_int("max_train_steps", max_train_steps)
        self.curve = training_curve(self.max_train_steps, self.lr)
        self.iteration = 0
        self._set_example(worked_example(self.lr))
        self._message = "Initial weights of the slides. Press <b>next forward step</b>."
        super().__init__()

    @property
    def figure(self):
        return self.fig

    def build(self) -> list:
        """Make the panels and the controls. Parameters and returns as :meth:`Demo.build`."""
        import ipywidgets as w

        self.ax_net = self.fig.add_axes((0.0, 0.0, 0.69, 1.0))
        self.ax_curve = self.fig.add_axes((0.775, 0.14, 0.215, 0.78))
        self.diagram = draw_worked_example(self.ax_net)
        steps = np.arange(self.max_train_steps + 1)
        self.ax_curve.semilogy(steps, self.curve, color="0.85", lw=1.5)  # where training goes (static)
        (self.curve_line,) = self.ax_curve.semilogy([0], self.curve[:1], color="#1c7ed6", lw=2.5)
        (self.curve_dot,) = self.ax_curve.plot([0], self.curve[:1], "o", color="#e8590c")
        self.curve_text = self.ax_curve.text(0.97, 0.97, "", transform=self.ax_curve.transAxes, ha="right", va="top")
        self.ax_curve.set_xlabel("training steps")
        self.ax_curve.set_ylabel("$E_{total}$", labelpad=4)
        self.ax_curve.set_xlim(0, self.max_train_steps)
        self.ax_curve.set_ylim(self.curve.min() * 0.5, self.curve[0] * 6)
        self.ax_curve.set_title(f"training, learning rate {self.lr:g}")
        self.ax_curve.xaxis.set_major_locator(MaxNLocator(3))

        wide = w.Layout(width="auto")  # the default width cuts "next backward step" short
        self.forward_button = w.Button(description="next forward step", icon="arrow-right", layout=wide)
        self.backward_button = w.Button(description="next backward step", icon="arrow-left", layout=wide)
        self.update_button = w.Button(description="apply update", icon="check", layout=wide)
        self.reset_button = w.Button(description="reset", icon="undo", layout=wide)
        self.forward_button.on_click(lambda _: self.next_forward())
        self.backward_button.on_click(lambda _: self.next_backward())
        self.update_button.on_click(lambda _: self.apply_update())
        self.reset_button.on_click(lambda _: self.reset())
        self.controls += [self.forward_button, self.backward_button, self.update_button, self.reset_button]
        self.status = w.HTML()
        self.status.add_class("course-status2")
        self.train_slider = w.IntSlider(
            value=0,
            min=0,
            max=self.max_train_steps,
            step=1,
            description="train N steps",
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        self.watch(self.train_slider)
        return [
            w.HBox([self.forward_button, self.backward_button, self.update_button, self.reset_button]),
            w.HBox([self.train_slider]),
            self.status,
        ]

    # -- state ---------------------------------------------------------------------------
    @property
    def current(self) -> Step | None:
        """The step computed last (``None`` right after reset or an update)."""
        done = self._done_steps()
        return done[-1] if done else None

    @property
    def shown_value(self) -> float | None:
        """The value the status line shows for the current step."""
        step = self.current
        return None if step is None else step.value

    @property
    def forward_steps(self) -> list:
        return [s for s in self.steps if s.stage == "forward"]

    @property
    def backward_steps(self) -> list:
        return [s for s in self.steps if s.stage == "backward"]

    def _done_steps(self) -> list:
        return self.forward_steps[: self._n_forward] + self.backward_steps[: self._n_backward]

    def _set_example(self, ex) -> None:
        self.example = ex
        self.steps = worked_example_steps(ex)
        self._n_forward = 0
        self._n_backward = 0
        self._just_updated = False

    # -- callbacks: they move the state, the picture follows ------------------------------
    def reset(self) -> None:
        """Back to the slides' initial weights, nothing computed."""
        with self.state_lock:
            self.iteration = 0
            self._set_example(worked_example(self.lr))
            self._message = "Initial weights of the slides. Press <b>next forward step</b>."
        self.request()

    def next_forward(self) -> Step | None:
        """Compute the next quantity of the forward pass (``net_h1``, ``out_h1``, ..., ``E_total``).

        Returns
        -------
        Step or None
            The step just shown; ``None`` when the forward pass was already complete.
        """
        with self.state_lock:
            forward = self.forward_steps
            if self._n_forward >= len(forward):
                self._message = "The forward pass is complete: press <b>next backward step</b>."
                step = None
            else:
                step = forward[self._n_forward]
                self._n_forward += 1
                self._just_updated = False
                self._message = self._step_message(step, self._n_forward, len(forward))
        self.request()
        return step

    def next_backward(self) -> Step | None:
        """Compute the next quantity of the backward pass (deltas, then each ``dE/dw``).

        Returns
        -------
        Step or None
            The step just shown; ``None`` when the forward pass is not finished or the backward
            pass was already complete (the status line says which).
        """
        with self.state_lock:
            step = None
            if self._n_forward < len(self.forward_steps):
                left = len(self.forward_steps) - self._n_forward
                self._message = (
                    f"Finish the forward pass first ({left} step{'s' if left > 1 else ''} left): "
                    "backpropagation needs every net and out value."
                )
            elif self._n_backward >= len(self.backward_steps):
                self._message = "The backward pass is complete: press <b>apply update</b>."
            else:
                step = self.backward_steps[self._n_backward]
                self._n_backward += 1
                self._message = self._step_message(step, self._n_backward, len(self.backward_steps))
        self.request()
        return step

    def apply_update(self) -> None:
        """``w <- w - lr dE/dw`` for every weight and bias (from the whole example, done or not yet shown)."""
        with self.state_lock:
            ex = self.example
            W = [np.zeros((2, 2)), np.zeros((2, 2))]
            for name, (k, i, j) in WEIGHT_POSITIONS.items():
                W[k][i, j] = ex.updated[name]
            updated = example_mlp()
            updated.weights = W
            updated.biases = [np.array([ex.updated[f"{b}[1]"], ex.updated[f"{b}[2]"]]) for b in ("b1", "b2")]
            k, i, j = WEIGHT_POSITIONS["w5"]
            w5 = ex.mlp.weights[k][i, j]
            self.iteration += 1
            self._set_example(worked_example(self.lr, start=updated))
            self._just_updated = True
            self._message = (
                f"<b>Update applied</b>: every w &larr; w &minus; {self.lr:g} dE/dw, e.g. "
                f"w5 {w5:.4g} &rarr; {ex.updated['w5']:.6g}. "
                "The next forward pass uses the new weights."
            )
        self.request()

    @staticmethod
    def _step_message(step: Step, n_done: int, n_total: int) -> str:
        return f"<b>{step.stage} {n_done}/{n_total}</b>: {step.formula} = <b>{step.value:.9g}</b>"

    # -- drawing the state ------------------------------------------------------------------
    def compute(self) -> None:
        d, ex = self.diagram, self.example
        d.set_weights(ex.mlp.weights, ex.mlp.biases)
        labels = {key: "" for key in d.edges}
        for name, (k, i, j) in WEIGHT_POSITIONS.items():
            labels[(k, i, j)] = f"{name}={ex.mlp.weights[k][i, j]:.4g}"
        forward_text, delta_text = {}, {}
        for k in range(2):
            forward_text[(0, k)] = f"{EXAMPLE['inputs'][k]:g}"
            forward_text[("b", k)] = f"b{k + 1}={ex.mlp.biases[k][0]:.4g}"
        loss_lines = {}
        done_nodes, done_edges = set(), set()
        done = self._done_steps()
        for step in done:
            key = step.target
            if step.stage == "forward" and (key == "loss" or key[0] != "loss"):
                forward_text[key] = f"{step.name.split('_')[0] if key != 'loss' else 'E'}={step.value:.4g}"
                done_nodes.add(key)
            elif step.stage == "forward":  # E_o1, E_o2: written under the loss node
                loss_lines[step.name] = f"{step.name}={step.value:.4g}"
                done_edges.add(key)
            elif key in d.nodes:
                delta_text[key] = f"δ={step.value:.4g}"
                done_nodes.add(key)
            else:
                done_edges.add(key)
        current = done[-1] if done else None
        if current is not None and current.stage == "backward" and current.target in d.edges:
            gradient = f"∂E/∂{current.name.replace('dE/d', '')}={current.value:.3g}"
            if current.target[0] == "b":  # a bias gradient: written above its bias node
                forward_text[("b", current.target[1])] = gradient
            else:
                labels[current.target] = gradient
        for key, text in labels.items():
            d.set_edge_label(key, text)
        for key in d.node_values:
            if key == "loss":
                lines = [loss_lines.get("E_o1"), loss_lines.get("E_o2"), forward_text.get("loss")]
            else:
                lines = [forward_text.get(key), delta_text.get(key)]
            d.set_node_value(key, "\n".join(t for t in lines if t))
        if current is None:
            edges = [key for key in d.edges if key[0] != "loss"] if self._just_updated else []
            d.set_highlight(edges=edges)
        elif current.target in d.edges:
            d.set_highlight(edges=[current.target], done_nodes=done_nodes, done_edges=done_edges - {current.target})
        else:
            d.set_highlight(nodes=[current.target], done_nodes=done_nodes - {current.target}, done_edges=done_edges)
        self.status.value = f"iteration {self.iteration} &middot; {self._message}"
        n = int(self.train_slider.value)
        self.curve_line.set_data(np.arange(n + 1), self.curve[: n + 1])
        self.curve_dot.set_data([n], [self.curve[n]])
        self.curve_text.set_text(f"after {n}: {self.curve[n]:.4g}")

    def dynamic_artists(self) -> list:
        """What :meth:`compute` redraws. Parameters and returns as :meth:`Demo.dynamic_artists`."""
        return [self.ax_net, self.curve_line, self.curve_dot, self.curve_text]
