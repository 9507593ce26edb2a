"""Computations, tables and live demos behind the MLP notebooks (01-05).

Everything a notebook shows is computed here (or in the modules this one
imports); the notebooks only call these functions. The widget classes build
their matplotlib figure once, update its artists in callbacks and render it to
PNG bytes for an ``ipywidgets.Image``, so they work with the plain inline
backend, in plain pytest (set a control's ``.value``, read the artists) and
headless (no exception without a front end).

Contents, in teaching order:

* computational graphs (notebook 01): :func:`forward_trace`, :func:`backward_trace`,
  :func:`jacobian`, :func:`thin_chain`, :func:`reverse_chain_rows`;
* the delta rule (02): :func:`matrix_form_backward` (slides 001's ``g`` algorithm,
  column vectors as in the lecture), :func:`numerical_mlp_gradients`;
* the worked example (03): :func:`worked_example_steps`, :func:`training_curve`,
  :class:`WorkedExampleStepper`;
* outputs and losses (04): :func:`gradient_shares`, :func:`activation_table`,
  :func:`dead_units`, :func:`plot_activations`;
* training and XOR (05): :func:`xor_data`, :func:`xor_clusters`,
  :func:`best_linear_accuracy`, :func:`perceptron_learning`, :func:`compare_batch_sizes`,
  :func:`decision_grid`, :class:`XORDemo`;
* self-check questions: :func:`check_answer`, :data:`QUESTIONS`;
* :func:`markdown_table` to show rows of numbers in a notebook.
"""
from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._checks import as_float_array, check_choice, check_positive_int, check_real
from .activations import ACTIVATIONS, get_activation
from .gradcheck import numerical_gradient
from .graph import Value, topological_order
from .mlp import MLP, Gradients
from .plotting import FastRenderer, draw_network, new_figure
from .worked_example import EXAMPLE, WEIGHT_POSITIONS, example_mlp, worked_example

__all__ = [
    "example_mlp",
    "markdown_table", "forward_trace", "backward_trace", "jacobian", "thin_chain", "reverse_chain_rows",
    "chain_rule_costs",
    "matrix_form_backward", "numerical_mlp_gradients", "Step", "worked_example_steps", "training_curve",
    "WorkedExampleStepper", "gradient_shares", "activation_table", "dead_units", "plot_activations",
    "xor_data", "xor_clusters", "best_linear_accuracy", "perceptron_learning", "train_xor",
    "compare_batch_sizes", "BatchRun", "decision_grid", "XORDemo", "QUESTIONS", "check_answer",
]


# ---------------------------------------------------------------------------------------------
# Display helper
# ---------------------------------------------------------------------------------------------
def _fmt(v, digits: int) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{v:.{digits}g}"
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=digits, separator=", ", suppress_small=False)
    return str(v)


def markdown_table(rows, headers, digits: int = 6) -> str:
    """Rows (sequences) as a Markdown table; floats get ``digits`` significant digits.

    Show it with ``IPython.display.Markdown(markdown_table(...))``.
    """
    headers = list(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for k, row in enumerate(rows):
        row = list(row)
        if len(row) != len(headers):
            raise ValueError(f"rows[{k}]: expected {len(headers)} entries (one per header), got {len(row)}")
        lines.append("| " + " | ".join(_fmt(v, digits).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# 01 Computational graphs
# ---------------------------------------------------------------------------------------------
def _node_names(order) -> dict:
    """``id(node) -> name``: its label, or ``u<i>`` after its position in the order."""
    return {id(node): node.label or f"u{k + 1}" for k, node in enumerate(order)}


def forward_trace(root: Value) -> list:
    """The forward algorithm of slides 001 on the graph of ``root``: one row per node, in order.

    Rows are ``(i, node, operation, parents, value)``: ``u^(i) <- f^(i)(A^(i))`` with
    ``A^(i)`` the values of the parents ``Pa(u^(i))``. Inputs (leaves) come first.
    Unlabelled nodes get names ``u1, u2, ...``.
    """
    order = topological_order(root)
    names = _node_names(order)
    rows = []
    for k, node in enumerate(order):
        parents = ", ".join(names[id(p)] for p in node.parents) if node.parents else "(input)"
        kind = "input" if node.label else "constant"
        rows.append((k + 1, names[id(node)], node.op or kind, parents, node.data))
    return rows


def backward_trace(root: Value) -> list:
    """The backward ``grad_table`` algorithm of slides 001, one row per node from the output down.

    Runs ``root.backward()`` and returns rows ``(j, node, sum of terms, grad_table value)``
    where the terms read ``grad_table[u^(i)] * du^(i)/du^(j)`` for every consumer ``u^(i)``.
    """
    order = topological_order(root)
    table = root.backward()
    names = _node_names(order)
    consumers = {id(n): [] for n in order}
    for node in order:
        for parent, local in zip(node.parents, node.local_grads):
            consumers[id(parent)].append((node, local))
    rows = [(len(order), names[id(root)], "1 (the output)", table[root])]
    for k in range(len(order) - 2, -1, -1):
        node = order[k]
        terms = " + ".join(f"{table[c]:.4g}*{local:.4g}" for c, local in consumers[id(node)])
        rows.append((k + 1, names[id(node)], terms, table[node]))
    return rows


def jacobian(outputs, inputs) -> np.ndarray:
    """Jacobian ``dy/dx`` of the :class:`Value` nodes ``outputs`` (n) w.r.t. ``inputs`` (m): shape ``(n, m)``.

    Row ``k`` is one backward pass from ``outputs[k]``: entry ``[k, i] = dy_k/dx_i``
    (0 where ``x_i`` does not reach ``y_k``).
    """
    outputs, inputs = list(outputs), list(inputs)
    for name, seq in (("outputs", outputs), ("inputs", inputs)):
        if not seq or not all(isinstance(v, Value) for v in seq):
            raise TypeError(f"{name}: expected a non-empty list of Value nodes, got {seq!r}")
    J = np.zeros((len(outputs), len(inputs)))
    for k, y in enumerate(outputs):
        table = y.backward()
        for i, x in enumerate(inputs):
            J[k, i] = table.get(x, 0.0)
    return J


def thin_chain(weights, x: float, y: float, activation: str = "sigmoid") -> list:
    """The deep-but-thin network of lecture 002 as a :class:`Value` chain; returns its nodes in order.

    One unit per layer: ``a_1 = w_1 x``, ``h_1 = f(a_1)``, ``a_k = w_k h_{k-1}``,
    ``h_k = f(a_k)``, ``yhat = h_n`` and the loss ``L = 1/2 (yhat - y)^2``. The
    returned list is ``[w_1, a_1, h_1, w_2, a_2, h_2, ..., L]`` (weights and
    intermediate nodes; ``x`` is a constant). Call ``nodes[-1].backward()`` for the gradients.
    """
    weights = [check_real(f"weights[{k}]", w) for k, w in enumerate(weights)]
    if not weights:
        raise ValueError("weights: expected at least one weight, got none")
    check_choice("activation", activation, ("sigmoid", "tanh", "relu"))
    x, y = check_real("x", x), check_real("y", y)
    nodes, h = [], Value(x, label="x")
    for k, w in enumerate(weights, start=1):
        wv = Value(w, label=f"w{k}")
        a = wv * h
        a.label = f"a{k}"
        h = getattr(a, activation)()
        h.label = f"h{k}"
        nodes += [wv, a, h]
    loss = 0.5 * (h - y) ** 2
    loss.label = "L"
    return nodes + [loss]


def reverse_chain_rows(nodes) -> list:
    """Traverse the thin chain in reverse, reusing the partial product (dynamic programming).

    Walks ``L -> ... -> h_n -> a_n -> h_{n-1} -> ... -> a_1`` and returns rows
    ``(node, local derivative d(node above)/d(node), dL/d(node))`` where each
    ``dL/d(node)`` is the product already computed for the node above times one
    local derivative. A weight ``w_k`` gets ``dL/dw_k = dL/da_k * da_k/dw_k``
    from the product already computed for ``a_k``: the chain is never
    re-multiplied. Uses only the local derivatives the operations stored, not
    :meth:`Value.backward`.
    """
    nodes = list(nodes)
    if not nodes or not isinstance(nodes[-1], Value):
        raise TypeError("nodes: expected the list returned by thin_chain(...)")
    node, grad = nodes[-1], 1.0
    rows = [(node.label or "L", "", 1.0)]
    while node.parents:
        if node.op == "*" and node.label.startswith("a"):
            w, below = node.parents  # a_k = w_k * h_{k-1}
            rows.append((w.label, node.local_grads[0], grad * node.local_grads[0]))
            if not below.parents:  # below is the input x: the chain ends
                break
            local, node = node.local_grads[1], below
        else:
            local, node = node.local_grads[0], node.parents[0]
        grad = grad * local
        rows.append((node.label or f"({node.op})", local, grad))
    return rows


def chain_rule_costs(n_layers: int) -> tuple:
    """Multiplications needed for every ``dL/dw_k`` of an ``n``-layer thin chain: ``(separately, reused)``.

    Separately, ``dL/dw_k = dL/dh_n * prod_{j=k}^{n} f'(a_j) * prod_{j=k+1}^{n} w_j * h_{k-1}``
    has ``2(n-k)+3`` factors, so ``2(n-k)+2`` multiplications; summed over ``k``: ``n^2 + n``.
    Reusing the partial product (the backward pass), each layer costs one
    multiplication by ``f'(a_j)``, one by ``h_{j-1}`` for its weight and one by ``w_j``
    to go further down (not needed below layer 1): ``3n - 1``.
    """
    n = check_positive_int("n_layers", n_layers)
    return n * n + n, 3 * n - 1


# ---------------------------------------------------------------------------------------------
# 02 The delta rule: the slides' matrix-vector algorithm
# ---------------------------------------------------------------------------------------------
def matrix_form_backward(mlp: MLP, x_row, y_row):
    """Slides 001's backward algorithm for ONE example with column vectors, literally.

    Forward: ``h^(0) = x``, ``a^(k) = b^(k) + W^(k) h^(k-1)``, ``h^(k) = f(a^(k))``.
    Backward (squared error, ``J = 1/2 ||yhat - y||^2``)::

        g <- grad_yhat J = yhat - y
        for k = l .. 1:
            g <- g * f'(a^(k))           # now the lecture's delta of layer k+1
            grad_b^(k) J = g ;  grad_W^(k) J = g h^(k-1)^T   (+ lambda W^(k))
            g <- W^(k)^T g

    Note: slides 001 call the pre-activation ``a`` and the activation ``h``; lecture 000
    calls them ``z`` and ``a``. Returns ``(weight_grads, bias_grads, trace)`` where
    ``trace`` lists ``(k, g after f', grad_W shape)`` from the top layer down.
    Needs an elementwise output activation (not softmax).
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp: expected an MLP, got {type(mlp).__name__}")
    if mlp.output_activation == "softmax":
        raise ValueError("mlp: matrix_form_backward follows the slides' elementwise g * f'(a); "
                         "got output_activation='softmax'")
    x = as_float_array("x_row", x_row, ndim=1).reshape(-1, 1)
    y = as_float_array("y_row", y_row, ndim=1).reshape(-1, 1)
    if x.shape[0] != mlp.sizes[0] or y.shape[0] != mlp.sizes[-1]:
        raise ValueError(f"x_row, y_row: expected {mlp.sizes[0]} inputs and {mlp.sizes[-1]} targets, "
                         f"got {x.shape[0]} and {y.shape[0]}")
    n = len(mlp.weights)
    acts = [mlp.activation] * (n - 1) + [mlp.output_activation]
    hs, pre = [x], []
    for W, b, f in zip(mlp.weights, mlp.biases, acts):
        a = b.reshape(-1, 1) + W @ hs[-1]
        pre.append(a)
        hs.append(f.forward(a))
    g = hs[-1] - y
    dW, db, trace = [None] * n, [None] * n, []
    for k in range(n - 1, -1, -1):
        g = g * acts[k].derivative(pre[k])
        db[k] = g.ravel().copy()
        dW[k] = g @ hs[k].T + mlp.weight_decay * mlp.weights[k]
        trace.append((k, g.ravel().copy(), dW[k].shape))
        g = mlp.weights[k].T @ g
    return dW, db, trace


def numerical_mlp_gradients(mlp: MLP, x, y, loss: str = "mse", h: float = 1e-5) -> Gradients:
    """Central-difference gradients of ``mlp``'s loss w.r.t. every weight and bias (no backprop)."""
    def J(_):
        return mlp.loss_and_gradients(x, y, loss=loss)[0]

    weights = [numerical_gradient(J, W, h=h) for W in mlp.weights]
    biases = [numerical_gradient(J, b, h=h) for b in mlp.biases]
    return Gradients(weights, biases, [])


# ---------------------------------------------------------------------------------------------
# 03 The worked example: steps and stepper
# ---------------------------------------------------------------------------------------------
#: diagram keys of the example's units (layer index k, unit i)
_UNIT = {"h1": (1, 0), "h2": (1, 1), "o1": (2, 0), "o2": (2, 1)}
_NODE_LABELS = {(0, 0): "$i_1$", (0, 1): "$i_2$", (1, 0): "$h_1$", (1, 1): "$h_2$",
                (2, 0): "$o_1$", (2, 1): "$o_2$", ("b", 0): "$b_1$", ("b", 1): "$b_2$"}


@dataclass(frozen=True)
class Step:
    """One step of the worked example: what is computed, its value, and where it sits on the diagram.

    ``target`` is a diagram key (see :mod:`course_utils.plotting`): a node ``(k, i)``,
    an edge ``(k, i, j)``, a bias edge ``("b", k, i)``, a loss edge ``("loss", i)`` or ``"loss"``.
    """

    stage: str       # "forward" or "backward"
    name: str        # e.g. "net_h1", "dE/dw5"
    value: float
    target: object
    formula: str     # how it is computed, with the lecture's name (HTML, for the status line)


def worked_example_steps(ex=None) -> list:
    """The forward and backward steps of :func:`worked_example` in teaching order, as :class:`Step`\\ s."""
    ex = worked_example() if ex is None else ex
    W = {name: ex.mlp.weights[k][i, j] for name, (k, i, j) in WEIGHT_POSITIONS.items()}
    b1, b2 = ex.mlp.biases[0][0], ex.mlp.biases[1][0]
    i1, i2 = EXAMPLE["inputs"]
    t = EXAMPLE["targets"]
    steps = []
    fw = {"h1": f"w1*i1 + w2*i2 + b1 = {W['w1']:.4g}*{i1} + {W['w2']:.4g}*{i2} + {b1:.4g}",
          "h2": f"w3*i1 + w4*i2 + b1 = {W['w3']:.4g}*{i1} + {W['w4']:.4g}*{i2} + {b1:.4g}",
          "o1": f"w5*out_h1 + w6*out_h2 + b2 = {W['w5']:.4g}*{ex.out['out_h1']:.4f} + "
                f"{W['w6']:.4g}*{ex.out['out_h2']:.4f} + {b2:.4g}",
          "o2": f"w7*out_h1 + w8*out_h2 + b2 = {W['w7']:.4g}*{ex.out['out_h1']:.4f} + "
                f"{W['w8']:.4g}*{ex.out['out_h2']:.4f} + {b2:.4g}"}
    for unit in ("h1", "h2", "o1", "o2"):
        steps.append(Step("forward", f"net_{unit}", ex.net[f"net_{unit}"], _UNIT[unit], f"net_{unit} = {fw[unit]}"))
        steps.append(Step("forward", f"out_{unit}", ex.out[f"out_{unit}"], _UNIT[unit],
                          f"out_{unit} = sigmoid(net_{unit}) = 1/(1 + exp(-{ex.net[f'net_{unit}']:.6g}))"))
    for unit in (1, 2):
        steps.append(Step("forward", f"E_o{unit}", ex.errors[f"E_o{unit}"], ("loss", unit - 1),
                          f"E_o{unit} = 1/2 (out_o{unit} - {t[unit - 1]})^2"))
    steps.append(Step("forward", "E_total", ex.errors["E_total"], "loss", "E_total = E_o1 + E_o2"))
    for unit in (1, 2):
        steps.append(Step("backward", f"delta_o{unit}", ex.deltas[f"delta_o{unit}"], _UNIT[f"o{unit}"],
                          f"delta_o{unit} (lecture: &delta;<sup>3</sup><sub>{unit}</sub>) = dE/dnet_o{unit} = "
                          f"(out_o{unit} - {t[unit - 1]}) * out_o{unit} (1 - out_o{unit})"))
    for w in ("w5", "w6", "w7", "w8"):
        k, i, j = WEIGHT_POSITIONS[w]
        steps.append(Step("backward", f"dE/d{w}", ex.gradients[f"dE/d{w}"], (k, i, j),
                          f"dE/d{w} (lecture: dL/dW<sup>2</sup><sub>{i + 1}{j + 1}</sub>) = "
                          f"delta_o{i + 1} * out_h{j + 1}"))
    for unit in (1, 2):
        steps.append(Step("backward", f"dE/db2[{unit}]", ex.gradients[f"dE/db2[{unit}]"], ("b", 1, unit - 1),
                          f"dE/db2[{unit}] = delta_o{unit}"))
    for unit in (1, 2):
        steps.append(Step("backward", f"delta_h{unit}", ex.deltas[f"delta_h{unit}"], _UNIT[f"h{unit}"],
                          f"delta_h{unit} (lecture: &delta;<sup>2</sup><sub>{unit}</sub>) = "
                          f"(delta_o1 * w{4 + unit} + delta_o2 * w{6 + unit}) * out_h{unit} (1 - out_h{unit})"))
    for w in ("w1", "w2", "w3", "w4"):
        k, i, j = WEIGHT_POSITIONS[w]
        steps.append(Step("backward", f"dE/d{w}", ex.gradients[f"dE/d{w}"], (k, i, j),
                          f"dE/d{w} (lecture: dL/dW<sup>1</sup><sub>{i + 1}{j + 1}</sub>) = delta_h{i + 1} * i{j + 1}"))
    for unit in (1, 2):
        steps.append(Step("backward", f"dE/db1[{unit}]", ex.gradients[f"dE/db1[{unit}]"], ("b", 0, unit - 1),
                          f"dE/db1[{unit}] = delta_h{unit}"))
    return steps


def training_curve(steps: int, lr: float | None = None, start: MLP | None = None,
                   update_biases: bool = True) -> np.ndarray:
    """``E_total`` of the worked example before each of ``steps`` gradient steps and after the last.

    Returns ``steps + 1`` values: ``E[0]`` is the initial error (0.298371109 in the
    slides), ``E[s]`` the error after ``s`` updates of size ``lr`` (default 0.5).
    ``update_biases=False`` keeps the biases fixed, as the widely published
    version of this example does (it reports 0.291027924 after one step and
    0.0000351085 after 10000).
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


def _widgets():
    import ipywidgets
    return ipywidgets


def _display(widget) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        print(widget)
        return
    display(widget)


class WorkedExampleStepper:
    """Live demo of the worked example: step through the forward pass, the backward pass and the update.

    Buttons: *next forward step*, *next backward step*, *apply update*, *reset*.
    The current node or edge is highlighted on the network diagram and the value
    just computed is written on it and in the status line. A slider shows
    ``E_total`` against the number of training steps (precomputed once, so
    moving it is instant).

    State for tests: :attr:`current` (the last :class:`Step`, or ``None``),
    :attr:`shown_value`, :attr:`iteration`, :attr:`diagram` (its artists), :attr:`figure`.
    """

    def __init__(self, lr: float | None = None, max_train_steps: int = 1000, dpi: float = 80):
        w = _widgets()
        self.lr = EXAMPLE["lr"] if lr is None else check_real("lr", lr, minimum=0.0)
        self.max_train_steps = check_positive_int("max_train_steps", max_train_steps)
        self.curve = training_curve(self.max_train_steps, self.lr)
        self.figure = new_figure((11.0, 4.6), dpi=dpi)
        gs = self.figure.add_gridspec(1, 2, width_ratios=(2.1, 1.0), wspace=0.1)
        self.ax_net = self.figure.add_subplot(gs[0])
        self.ax_curve = self.figure.add_subplot(gs[1])
        self.figure.subplots_adjust(left=0.01, right=0.98, top=0.9, bottom=0.14)
        self.diagram = draw_network([2, 2, 2], self.ax_net, node_labels=_NODE_LABELS, show_biases=True,
                                    loss_label="$E$", layer_titles=["inputs", "hidden", "outputs"],
                                    radius=0.2, layer_spacing=2.1, unit_spacing=1.4)
        self.title = self.ax_net.set_title("", fontsize=10, loc="left")
        steps = np.arange(self.max_train_steps + 1)
        self.ax_curve.semilogy(steps, self.curve, color="0.85", lw=1.0)  # where training goes (static)
        (self.curve_line,) = self.ax_curve.semilogy([0], self.curve[:1], color="#1c7ed6", lw=2.0)
        (self.curve_dot,) = self.ax_curve.plot([0], self.curve[:1], "o", color="#e8590c")
        self.curve_text = self.ax_curve.text(0.97, 0.95, "", transform=self.ax_curve.transAxes,
                                             ha="right", va="top", fontsize=9)
        self.ax_curve.set_xlabel("training steps")
        self.ax_curve.set_ylabel("$E_{total}$")
        self.ax_curve.set_xlim(0, self.max_train_steps)
        self.ax_curve.set_ylim(self.curve.min() * 0.7, self.curve[0] * 1.4)
        self.ax_curve.set_title(f"gradient descent, learning rate {self.lr:g}", fontsize=10)
        self.renderer = FastRenderer(self.figure, [self.ax_net, self.curve_line, self.curve_dot, self.curve_text])

        wide = w.Layout(width="auto")  # the default width cuts "next backward step" short
        self.forward_button = w.Button(description="next forward step", icon="arrow-right", layout=wide)
        self.backward_button = w.Button(description="next backward step", icon="arrow-left", layout=wide)
        self.update_button = w.Button(description="apply update", icon="check", layout=wide)
        self.reset_button = w.Button(description="reset", icon="undo", layout=wide)
        self.forward_button.on_click(lambda _: self.next_forward())
        self.backward_button.on_click(lambda _: self.next_backward())
        self.update_button.on_click(lambda _: self.apply_update())
        self.reset_button.on_click(lambda _: self.reset())
        self.status = w.HTML()
        self.image = w.Image(format="png")
        self.train_slider = w.IntSlider(value=0, min=0, max=self.max_train_steps, step=1,
                                        description="train N steps", continuous_update=True,
                                        style={"description_width": "initial"},
                                        layout=w.Layout(width="60%"))
        self.train_slider.observe(self._on_train_steps, names="value")
        self.widget = w.VBox([w.HBox([self.forward_button, self.backward_button, self.update_button,
                                      self.reset_button]),
                              self.status, self.image, self.train_slider])
        self.reset()
        self._on_train_steps({"new": self.train_slider.value})

    # -- state ---------------------------------------------------------------------------
    @property
    def current(self) -> Step | None:
        """The step computed last (``None`` right after reset or an update)."""
        return self._current

    @property
    def shown_value(self) -> float | None:
        """The value the status line shows for the current step."""
        return None if self._current is None else self._current.value

    @property
    def forward_steps(self) -> list:
        return [s for s in self.steps if s.stage == "forward"]

    @property
    def backward_steps(self) -> list:
        return [s for s in self.steps if s.stage == "backward"]

    # -- callbacks -----------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the slides' initial weights, nothing computed."""
        self.iteration = 0
        self._start(worked_example(self.lr))
        self._say("Initial weights of the slides. Press <b>next forward step</b>.")

    def _start(self, ex) -> None:
        self.example = ex
        self.steps = worked_example_steps(ex)
        self._n_forward = 0
        self._n_backward = 0
        self._current = None
        self._done_nodes, self._done_edges = set(), set()
        self._node_text = {key: [] for key in self.diagram.node_values}
        self.diagram.clear_values()
        self.diagram.set_weights(ex.mlp.weights, ex.mlp.biases)
        self._edge_text = {key: "" for key in self.diagram.edges}
        self._last_edge = None
        for name, (k, i, j) in WEIGHT_POSITIONS.items():
            self._edge_text[(k, i, j)] = f"{name}={ex.mlp.weights[k][i, j]:.4g}"
        for k, b in enumerate(("b1", "b2")):
            for i in range(2):
                self._edge_text[("b", k, i)] = f"{ex.mlp.biases[k][i]:.4g}" if i == 0 else ""
        for key, text in self._edge_text.items():
            self.diagram.set_edge_label(key, text)
        for k in range(2):
            self.diagram.set_node_value((0, k), f"{EXAMPLE['inputs'][k]:g}")
        self.diagram.set_highlight()
        self.title.set_text(f"iteration {self.iteration}")

    def next_forward(self) -> Step | None:
        """Compute the next quantity of the forward pass (``net_h1``, ``out_h1``, ..., ``E_total``)."""
        forward = self.forward_steps
        if self._n_forward >= len(forward):
            self._say("The forward pass is complete: press <b>next backward step</b>.")
            return None
        step = forward[self._n_forward]
        self._n_forward += 1
        self._show(step)
        return step

    def next_backward(self) -> Step | None:
        """Compute the next quantity of the backward pass (deltas, then each ``dE/dw``)."""
        if self._n_forward < len(self.forward_steps):
            left = len(self.forward_steps) - self._n_forward
            self._say(f"Finish the forward pass first ({left} step{'s' if left > 1 else ''} left): "
                      "backpropagation needs every net and out value.")
            return None
        backward = self.backward_steps
        if self._n_backward >= len(backward):
            self._say("The backward pass is complete: press <b>apply update</b>.")
            return None
        step = backward[self._n_backward]
        self._n_backward += 1
        self._show(step)
        return step

    def apply_update(self) -> None:
        """``w <- w - lr dE/dw`` for every weight and bias; the remaining steps are computed first."""
        self._quiet = True  # compute the remaining steps without rendering each one
        try:
            while self.next_forward() is not None:
                pass
            while self.next_backward() is not None:
                pass
        finally:
            self._quiet = False
        ex = self.example
        changes = ", ".join(f"{name} {ex.mlp.weights[k][i, j]:.4g} &rarr; {ex.updated[name]:.6g}"
                            for name, (k, i, j) in WEIGHT_POSITIONS.items())
        W = [np.zeros((2, 2)), np.zeros((2, 2))]
        for name, (k, i, j) in WEIGHT_POSITIONS.items():
            W[k][i, j] = ex.updated[name]
        updated = example_mlp()
        updated.weights = W
        updated.biases = [np.array([ex.updated[f"{b}[1]"], ex.updated[f"{b}[2]"]]) for b in ("b1", "b2")]
        self.iteration += 1
        self._start(worked_example(self.lr, start=updated))
        self.diagram.set_highlight(edges=[key for key in self.diagram.edges if key[0] != "loss"])
        self._say(f"Update applied with learning rate {self.lr:g}: {changes}. "
                  "The next forward pass uses the new weights.")

    def _show(self, step: Step) -> None:
        self._current = step
        d = self.diagram
        if step.target == "loss" or (isinstance(step.target, tuple) and len(step.target) == 2
                                     and step.target[0] != "loss"):
            key = step.target
            short = step.name.split("_")[0] if step.stage == "forward" else "δ"
            if key == "loss":
                short = "E"
            self._node_text[key].append(f"{short}={step.value:.4g}")
            d.set_node_value(key, "\n".join(self._node_text[key]))
            d.set_highlight(nodes=[key], done_nodes=self._done_nodes, done_edges=self._done_edges)
            self._done_nodes.add(key)
        else:
            key = step.target
            if self._last_edge is not None:  # the previous gradient goes back to a plain weight label
                d.set_edge_label(self._last_edge, self._edge_text[self._last_edge])
            if key[0] == "loss":
                d.set_edge_label(key, f"{step.name}={step.value:.4g}")
                self._edge_text[key] = d.edge_labels[key].get_text()
            else:
                d.set_edge_label(key, f"{self._edge_text[key]}\n∂={step.value:.2g}")
                self._last_edge = key
            d.set_highlight(edges=[key], done_nodes=self._done_nodes, done_edges=self._done_edges)
            self._done_edges.add(key)
        n_total = len(self.forward_steps) if step.stage == "forward" else len(self.backward_steps)
        n_done = self._n_forward if step.stage == "forward" else self._n_backward
        self._say(f"<b>{step.stage} {n_done}/{n_total}</b>: {step.formula} = <b>{step.value:.9g}</b>")

    def _say(self, html: str) -> None:
        if getattr(self, "_quiet", False):
            return
        self.status.value = html
        self._render()

    def _on_train_steps(self, change) -> None:
        n = int(change["new"])
        steps = np.arange(n + 1)
        self.curve_line.set_data(steps, self.curve[:n + 1])
        self.curve_dot.set_data([n], [self.curve[n]])
        self.curve_text.set_text(f"E after {n} steps = {self.curve[n]:.6g}")
        self._render()

    def _render(self) -> None:
        self.image.value = self.renderer.png()

    def show(self) -> None:
        """Display the demo (in a notebook); harmless without a front end."""
        _display(self.widget)


# ---------------------------------------------------------------------------------------------
# 04 Outputs, losses, activations
# ---------------------------------------------------------------------------------------------
def gradient_shares(mlp: MLP, x, y, loss: str = "mse") -> list:
    """"Who is responsible for the loss": per weight layer, the size of its gradient.

    Rows ``(layer l, mean |delta^{l+1}|, ||dJ/dW^l||_F, share)`` for ``l = 1 .. L-1`` where
    ``share`` is this layer's fraction of the summed Frobenius norms of all ``dJ/dW``.
    """
    _, grads = mlp.loss_and_gradients(x, y, loss=loss)
    norms = [float(np.linalg.norm(g)) for g in grads.weights]
    total = sum(norms) or 1.0
    return [(k + 1, float(np.mean(np.abs(grads.deltas[k]))), norms[k], norms[k] / total)
            for k in range(len(norms))]


def activation_table(zs, names=("sigmoid", "tanh", "relu", "leaky_relu")) -> list:
    """Rows ``(z, f_1(z), f_1'(z), f_2(z), f_2'(z), ...)`` for the activations ``names``."""
    zs = as_float_array("zs", zs, ndim=1)
    acts = [get_activation(n) for n in names]
    return [(float(z), *[v for a in acts for v in (float(a.forward(z)), float(a.derivative(z)))]) for z in zs]


def dead_units(mlp: MLP, x) -> list:
    """For each hidden layer, a boolean array: which units have ``z <= 0`` on every example of ``x``.

    With ReLU such a unit outputs 0 and has ``f'(z) = 0`` everywhere on the data,
    so its delta and the gradients of its incoming weights are exactly 0: it is dead.
    """
    zs, _ = mlp.forward_layers(x)
    return [np.all(z <= 0, axis=0) for z in zs[:-1]]


def plot_activations(axes, names=("sigmoid", "tanh", "relu", "leaky_relu"), z_range=(-6.0, 6.0),
                     slope: float = 0.1):
    """Plot each activation (top row) and its derivative (bottom row) on ``axes`` of shape ``(2, len(names))``.

    Leaky ReLU is drawn with ``slope`` (default 0.1, larger than usual so it is visible).
    Returns the list of line artists.
    """
    axes = np.asarray(axes)
    if axes.shape != (2, len(names)):
        raise ValueError(f"axes: expected a (2, {len(names)}) grid of axes, got shape {axes.shape}")
    z = np.linspace(*z_range, 401)
    lines = []
    for c, name in enumerate(names):
        act = get_activation(name, slope=slope) if name == "leaky_relu" else get_activation(name)
        lines += axes[0, c].plot(z, act.forward(z), color="#1c7ed6")
        lines += axes[1, c].plot(z, act.derivative(z), color="#e8590c")
        axes[0, c].set_title(f"{name}: ${act.formula}$", fontsize=9)
        axes[1, c].set_title(f"$f'(z) = {act.derivative_formula}$", fontsize=9)
        for ax in axes[:, c]:
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
        axes[1, c].set_xlabel("$z$")
    return lines


# ---------------------------------------------------------------------------------------------
# 05 Training, SGD and XOR
# ---------------------------------------------------------------------------------------------
def xor_data():
    """The XOR truth table of lecture 003: ``x`` of shape ``(4, 2)``, targets ``y`` of shape ``(4, 1)``."""
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return x, y


def xor_clusters(n_per_corner: int = 10, noise: float = 0.15, seed: int = 0):
    """A noisy XOR: ``n_per_corner`` points around each corner of the unit square, labelled by XOR."""
    n = check_positive_int("n_per_corner", n_per_corner)
    noise = check_real("noise", noise, minimum=0.0)
    x0, y0 = xor_data()
    rng = np.random.default_rng(seed)
    x = np.repeat(x0, n, axis=0) + noise * rng.standard_normal((4 * n, 2))
    return x, np.repeat(y0, n, axis=0)


def best_linear_accuracy(x, y, n_angles: int = 720) -> float:
    """Best accuracy any single threshold unit ``[w . x + b > 0]`` reaches on ``(x, y)``.

    Searches every direction ``w = (cos t, sin t)`` (``n_angles`` of them) and,
    for each, every threshold between consecutive projections (exhaustive in
    ``b`` for that ``w``). For XOR it returns 0.75: no line separates the classes.
    """
    x = as_float_array("x", x, ndim=2)
    y = np.asarray(y).reshape(-1)
    if x.shape[1] != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"x, y: expected x of shape (N, 2) and N labels, got {x.shape} and {y.shape[0]}")
    best = 0.0
    for t in np.linspace(0, 2 * np.pi, check_positive_int("n_angles", n_angles), endpoint=False):
        p = x @ np.array([np.cos(t), np.sin(t)])
        s = np.sort(np.unique(p))
        thresholds = np.concatenate([[s[0] - 1], (s[:-1] + s[1:]) / 2, [s[-1] + 1]])
        for th in thresholds:
            best = max(best, float(np.mean((p > th) == (y > 0.5))))
    return best


def perceptron_learning(x, y, epochs: int = 20, lr: float = 1.0):
    """Rosenblatt's perceptron rule ``w <- w + lr (t - [w.x + b > 0]) x``; accuracy after each epoch.

    Returns ``(w, b, accuracies)``. On a linearly separable set it stops making
    mistakes; on XOR it cycles forever and never passes 0.75.
    """
    x = as_float_array("x", x, ndim=2)
    t = np.asarray(y).reshape(-1)
    w, b, acc = np.zeros(x.shape[1]), 0.0, []
    for _ in range(check_positive_int("epochs", epochs)):
        for xi, ti in zip(x, t):
            pred = float(w @ xi + b > 0)
            w = w + lr * (ti - pred) * xi
            b = b + lr * (ti - pred)
        acc.append(float(np.mean((x @ w + b > 0) == (t > 0.5))))
    return w, b, acc


def train_xor(hidden: int = 4, activation: str = "tanh", lr: float = 1.0, batch_size: int | None = None,
              epochs: int = 1000, seed: int = 0, x=None, y=None):
    """Train a ``2-hidden-1`` MLP (sigmoid output, squared error) on XOR; return ``(mlp, history)``."""
    if x is None:
        x, y = xor_data()
    mlp = MLP([2, check_positive_int("hidden", hidden), 1], activation=activation,
              output_activation="sigmoid", seed=seed)
    history = mlp.fit(x, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, progress=False)
    return mlp, history


@dataclass(frozen=True)
class BatchRun:
    """One training run of :func:`compare_batch_sizes`.

    ``epoch``: position of each measurement in epochs (0, 1/u, 2/u, ... for ``u``
    updates per epoch); ``loss``: the loss on all of ``x`` at that moment (first
    entry before any update).
    """

    batch_size: int
    updates_per_epoch: int
    epoch: np.ndarray
    loss: np.ndarray

    @property
    def fraction_uphill(self) -> float:
        """Fraction of updates after which the loss on the whole training set went *up*."""
        return float(np.mean(np.diff(self.loss) > 0))

    def loss_per_epoch(self) -> np.ndarray:
        """The loss at the end of each epoch."""
        return self.loss[self.updates_per_epoch::self.updates_per_epoch]


def compare_batch_sizes(x, y, batch_sizes=(1, None), epochs: int = 60, lr: float = 0.5, hidden: int = 4,
                        activation: str = "tanh", seed: int = 0) -> dict:
    """Train the same initial network with each batch size; return ``{batch_size: BatchRun}``.

    ``None`` means the full batch (standard gradient descent); ``1`` is SGD with one
    example per update (lecture 003). The loss on the whole training set is recorded
    after *every* update, so the noise of small batches is visible.
    """
    x = as_float_array("x", x, ndim=2)
    y = as_float_array("y", y, ndim=2)
    epochs = check_positive_int("epochs", epochs)
    lr = check_real("lr", lr, minimum=0.0)
    n = x.shape[0]
    out = {}
    for bs in batch_sizes:
        size = n if bs is None else check_positive_int("batch_size", bs)
        mlp = MLP([x.shape[1], check_positive_int("hidden", hidden), y.shape[1]], activation=activation,
                  output_activation="sigmoid", seed=seed)
        rng = np.random.default_rng(seed)
        losses = [mlp.loss_and_gradients(x, y)[0]]
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, size):
                idx = order[start:start + size]
                mlp.step(mlp.loss_and_gradients(x[idx], y[idx])[1], lr)
                losses.append(mlp.loss_and_gradients(x, y)[0])
        per_epoch = math.ceil(n / size)
        out[bs] = BatchRun(size, per_epoch, np.arange(len(losses)) / per_epoch, np.array(losses))
    return out


def decision_grid(mlp: MLP, n: int = 41, lim=(-0.5, 1.5)):
    """The network's output on an ``n x n`` grid over ``lim^2``: ``(grid_x, grid_y, output)``."""
    n = check_positive_int("n", n, minimum=2)
    g = np.linspace(lim[0], lim[1], n)
    gx, gy = np.meshgrid(g, g)
    out = mlp.forward(np.column_stack([gx.ravel(), gy.ravel()]))[:, 0].reshape(n, n)
    return gx, gy, out


def _running_loop():
    """The running asyncio loop (inside a Jupyter kernel's comm handler), or ``None`` (tests, scripts)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class XORDemo:
    """Live demo: train a 2-layer network on XOR; the loss curve and decision boundary follow the controls.

    Controls: hidden units, activation, learning rate, batch size, epochs, seed.
    A change restarts training from a fresh network; training runs in chunks of
    about ``chunk_updates`` gradient steps, and after each chunk the progress bar,
    the loss curve and the decision boundary are updated. Inside a running kernel
    the chunks after the first run as an asyncio task, so the kernel stays
    responsive (a new change cancels the run); without one (tests, CI) they run
    synchronously. :meth:`train_chunk` is one such callback.
    """

    LOSS_RANGE = (1e-5, 1.0)  # fixed y range of the loss plot, so its axes are drawn once

    def __init__(self, hidden: int = 4, activation: str = "tanh", lr: float = 1.0, batch_size: int = 4,
                 epochs: int = 1000, seed: int = 0, chunk_updates: int = 200, dpi: float = 80,
                 data: tuple | None = None):
        w = _widgets()
        self.x, self.y = xor_data() if data is None else data
        self.chunk_updates = check_positive_int("chunk_updates", chunk_updates)
        self.hidden = w.IntSlider(value=hidden, min=1, max=16, description="hidden units",
                                  continuous_update=False, style={"description_width": "initial"})
        self.activation = w.Dropdown(options=[a for a in ACTIVATIONS if a != "linear"], value=activation,
                                     description="activation")
        self.lr = w.FloatLogSlider(value=lr, base=10, min=-2, max=1, step=0.1, description="learning rate",
                                   continuous_update=False, style={"description_width": "initial"})
        n = self.x.shape[0]
        sizes = sorted({1, 2, 4, 8, 16, 32, n} & set(range(1, n + 1)))
        self.batch_size = w.Dropdown(options=sizes, value=batch_size if batch_size in sizes else n,
                                     description="batch size")
        self.epochs = w.IntSlider(value=epochs, min=50, max=5000, step=50, description="epochs",
                                  continuous_update=False)
        self.seed = w.IntSlider(value=seed, min=0, max=20, description="init seed", continuous_update=False)
        self.progress = w.IntProgress(value=0, min=0, max=epochs, description="training")
        self.progress_label = w.Label("")
        self.image = w.Image(format="png")
        self.controls = [self.hidden, self.activation, self.lr, self.batch_size, self.epochs, self.seed]
        for c in self.controls:
            c.observe(self._on_change, names="value")

        self.figure = new_figure((10.0, 3.8), dpi=dpi)
        self.ax_loss = self.figure.add_subplot(1, 2, 1)
        self.ax_map = self.figure.add_subplot(1, 2, 2)
        self.figure.subplots_adjust(left=0.08, right=0.97, bottom=0.15, top=0.88, wspace=0.25)
        (self.loss_line,) = self.ax_loss.semilogy([0], [1.0], color="#1c7ed6")
        self.ax_loss.set_ylim(*self.LOSS_RANGE)
        self.ax_loss.set_xlabel("epoch")
        self.ax_loss.set_ylabel("loss (all examples)")
        self.ax_loss.set_title("training loss", fontsize=10)
        self.grid_x, self.grid_y, out = decision_grid(MLP([2, 1, 1]), n=41)
        self.map_image = self.ax_map.imshow(out, origin="lower", extent=(-0.5, 1.5, -0.5, 1.5), vmin=0, vmax=1,
                                            cmap="RdBu_r", interpolation="bilinear")
        labels = self.y.reshape(-1) > 0.5
        self.points = [self.ax_map.scatter(self.x[labels, 0], self.x[labels, 1], c="#c92a2a", edgecolors="k", s=50,
                            label="XOR = 1"),
                       self.ax_map.scatter(self.x[~labels, 0], self.x[~labels, 1], c="#1864ab", edgecolors="k", s=50,
                            marker="s", label="XOR = 0")]
        self.ax_map.set_xlabel("$x_1$")
        self.ax_map.set_ylabel("$x_2$")
        self.map_title = self.ax_map.text(0.5, 1.03, "", transform=self.ax_map.transAxes, ha="center",
                                          va="bottom", fontsize=10)
        self.figure.colorbar(self.map_image, ax=self.ax_map, fraction=0.046, label="network output")
        self.renderer = FastRenderer(self.figure, [self.loss_line, self.map_image, *self.points, self.map_title])
        self._x_limit = None

        self.widget = w.VBox([w.HBox([self.hidden, self.activation, self.lr]),
                              w.HBox([self.batch_size, self.epochs, self.seed]),
                              w.HBox([self.progress, self.progress_label]), self.image])
        self._task = None
        self.restart()
        self.run_to_completion()

    # -- state -------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.epochs_done >= self.epochs.value

    def accuracy(self) -> float:
        """Fraction of the training points on the right side of the 0.5 output level."""
        return float(np.mean((self.mlp.forward(self.x) > 0.5) == (self.y > 0.5)))

    # -- training in chunks ---------------------------------------------------------------------
    def restart(self) -> None:
        """A fresh network from the current controls; nothing trained yet."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.mlp = MLP([2, self.hidden.value, 1], activation=self.activation.value,
                       output_activation="sigmoid", seed=self.seed.value)
        self.history = [self.mlp.loss_and_gradients(self.x, self.y)[0]]
        self.epochs_done = 0
        self.progress.max = self.epochs.value
        self.progress.value = 0

    def _chunk_epochs(self) -> int:
        updates_per_epoch = math.ceil(self.x.shape[0] / self.batch_size.value)
        return max(1, self.chunk_updates // updates_per_epoch)

    def train_chunk(self) -> None:
        """Train one chunk of epochs, then update the progress bar and both plots (one callback's work)."""
        if self.done:
            return
        n = min(self._chunk_epochs(), self.epochs.value - self.epochs_done)
        if self.batch_size.value >= self.x.shape[0]:
            # full batch: one backward pass per epoch gives both this loss and the next update
            _, grads = self.mlp.loss_and_gradients(self.x, self.y)
            for _ in range(n):
                self.mlp.step(grads, self.lr.value)
                value, grads = self.mlp.loss_and_gradients(self.x, self.y)
                self.history.append(value)
        else:
            self.history += self.mlp.fit(self.x, self.y, epochs=n, lr=self.lr.value,
                                         batch_size=self.batch_size.value,
                                         seed=self.seed.value + self.epochs_done, progress=False)
        self.epochs_done += n
        self.progress.value = self.epochs_done
        self.progress_label.value = f"{self.epochs_done}/{self.epochs.value} epochs"
        self.redraw()

    def run_to_completion(self) -> None:
        """Train the remaining chunks now (synchronously)."""
        while not self.done:
            self.train_chunk()
        self.redraw()

    def redraw(self) -> None:
        """Put the current loss history and decision map into the figure and re-render it."""
        h = np.clip(np.asarray(self.history), *self.LOSS_RANGE)
        self.loss_line.set_data(np.arange(h.size), h)
        if self._x_limit != self.epochs.value:  # the only static part that can change
            self._x_limit = self.epochs.value
            self.ax_loss.set_xlim(0, max(1, self._x_limit))
            self.renderer.invalidate()
        _, _, out = decision_grid(self.mlp, n=self.grid_x.shape[0])
        self.map_image.set_data(out)
        self.map_title.set_text(f"{self.hidden.value} {self.activation.value} units, epoch {self.epochs_done}: "
                                f"accuracy {self.accuracy():.0%}")
        self.image.value = self.renderer.png()

    def _on_change(self, change=None) -> None:
        """A control changed: restart, train and draw the first chunk, then continue (async in a kernel)."""
        self.restart()
        self.train_chunk()
        if self.done:
            return
        loop = _running_loop()
        if loop is None:
            self.run_to_completion()
        else:
            self._task = loop.create_task(self._continue())

    async def _continue(self) -> None:
        while not self.done:
            await asyncio.sleep(0.01)  # let the kernel handle widget messages between chunks
            self.train_chunk()

    def show(self) -> None:
        """Display the demo (in a notebook); harmless without a front end."""
        _display(self.widget)


# ---------------------------------------------------------------------------------------------
# Self-check questions
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    """A self-check question: ``expected()`` computes the answer with course_utils."""

    text: str
    kind: str                 # "number", "shape", "choice", "vector"
    expected: Callable[[], object]
    hint: str
    tol: float = 1e-4
    choices: tuple = ()


def _q_jacobian_shape():
    x = [Value(v) for v in (1.0, 2.0, 3.0)]
    y = [x[0] * x[1], x[1] + x[2]]
    return jacobian(y, x).shape


def _q_chain_dzdx():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x * y + 1) ** 2
    z.backward()
    return x.grad


def _q_params_2432():
    mlp = MLP([2, 4, 3, 2])
    return sum(W.size for W in mlp.weights) + sum(b.size for b in mlp.biases)


def _q_ce_delta():
    from .losses import softmax_cross_entropy
    yhat = np.array([[0.7, 0.2, 0.1]])
    _, dz = softmax_cross_entropy(np.log(yhat), np.array([0]))
    return dz[0]  # N = 1: the output delta yhat - y


QUESTIONS = {
    "01.jacobian_shape": Question(
        "x has 3 entries and y = g(x) has 2. What is the shape (rows, columns) of the Jacobian dy/dx?",
        "shape", lambda: _q_jacobian_shape(),
        "One row per output y_j, one column per input x_i."),
    "01.chain_rule": Question(
        "For z = (x y + 1)^2 at x = 1, y = 2, what is dz/dx?", "number", _q_chain_dzdx,
        "Chain rule: dz/dx = dz/du * du/dx with u = x y + 1."),
    "01.grad_table_order": Question(
        "In the backward algorithm, grad_table[u_j] can be computed once which nodes are done? "
        "(a) all its parents  (b) all its consumers (the nodes that use u_j)  (c) all the inputs",
        "choice", lambda: "b", "grad_table[u_j] is a sum over the nodes i that have j in Pa(u_i).",
        choices=("a", "b", "c")),
    "02.W2_shape": Question(
        "In the 2-4-3-2 network, what is the shape of W^2 in the code's convention?", "shape",
        lambda: MLP([2, 4, 3, 2]).weights[1].shape, "W^l has shape (S_{l+1}, S_l)."),
    "02.num_params": Question(
        "How many parameters (weights and biases) does the 2-4-3-2 network have?", "number", _q_params_2432,
        "Each layer has S_{l+1} * S_l weights and S_{l+1} biases.", tol=0.0),
    "02.bias_gradient": Question(
        "dL/db_i^l equals: (a) delta_i^l  (b) delta_i^{l+1}  (c) delta_i^{l+1} a_i^l", "choice",
        lambda: "b", "z_i^{l+1} = sum_j w_ij^l a_j^l + b_i^l, and dz_i^{l+1}/db_i^l = 1.", choices=("a", "b", "c")),
    "03.out_o1": Question(
        "In the worked example, what is out_o1 (4 decimals are enough)?", "number",
        lambda: worked_example().out["out_o1"], "out_o1 = sigmoid(net_o1).", tol=5e-5),
    "03.new_w5": Question(
        "What is w5 after one update with learning rate 0.5 (4 decimals)?", "number",
        lambda: worked_example().updated["w5"], "w5 - 0.5 * dE/dw5.", tol=5e-5),
    "03.bigger_gradient": Question(
        "Which weight has the larger |dE/dw| in the first step: 'w1' or 'w5'?", "choice",
        lambda: max(("w1", "w5"), key=lambda w: abs(worked_example().gradients[f"dE/d{w}"])),
        "Each layer you go down multiplies by another sigmoid' <= 1/4 and by weights < 1.",
        choices=("w1", "w5")),
    "04.ce_delta": Question(
        "Softmax output yhat = [0.7, 0.2, 0.1], true class 0 (first). What is the output delta dL/dz (a list of 3)?",
        "vector", _q_ce_delta, "For softmax + cross-entropy the output delta is yhat - y (y one-hot)."),
    "04.sigmoid_max_slope": Question(
        "What is the largest value sigma'(z) takes?", "number",
        lambda: float(get_activation("sigmoid").derivative(np.array(0.0))),
        "sigma'(z) = sigma(z)(1 - sigma(z)) is largest where sigma(z) = 1/2."),
    "04.relu_dead_gradient": Question(
        "A ReLU unit has z = -3 on every example. What is the gradient reaching its incoming weights?",
        "number", lambda: float(get_activation("relu").derivative(np.array(-3.0))) * 1.0,
        "delta = (...) * f'(z): what is the slope of ReLU for negative z?", tol=0.0),
    "05.linear_xor": Question(
        "What is the best accuracy a single threshold unit (one line) can reach on the 4 XOR points?",
        "number", lambda: best_linear_accuracy(*xor_data()), "Try to separate (0,1),(1,0) from (0,0),(1,1) "
        "with one line: how many can you get right?", tol=1e-9),
    "05.updates_per_epoch": Question(
        "With N = 40 examples and batch size 8, how many weight updates happen in one epoch?", "number",
        lambda: math.ceil(40 / 8), "One update per batch.", tol=0.0),
    "05.noisier": Question(
        "Which run has more updates that make the loss on the whole training set go up: "
        "(a) batch size 1 or (b) the full batch?", "choice",
        lambda: _q_noisier(),
        "Each SGD step follows one example's gradient, not the average.", choices=("a", "b")),
}


def _q_noisier():
    runs = compare_batch_sizes(*xor_clusters(), epochs=10, lr=0.5)
    return "a" if runs[1].fraction_uphill > runs[None].fraction_uphill else "b"


def _compare(q: Question, answer, expected):
    """Return ``(ok, message)``; never raises on a malformed answer."""
    if q.kind == "choice":
        given = str(answer).strip().strip("()").lower() if answer is not None else ""
        if given not in [c.lower() for c in q.choices]:
            return False, f"answer with one of {', '.join(repr(c) for c in q.choices)} (got {answer!r})."
        return given == str(expected).lower(), ""
    if q.kind == "shape":
        try:
            given = tuple(int(v) for v in answer)
        except (TypeError, ValueError):
            return False, f"answer with a tuple like (rows, columns) (got {answer!r})."
        return given == tuple(expected), ""
    if q.kind == "vector":
        try:
            given = np.asarray(answer, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return False, f"answer with a list of numbers (got {answer!r})."
        expected = np.asarray(expected, dtype=float).reshape(-1)
        if given.shape != expected.shape:
            return False, f"answer with {expected.size} numbers (got {given.size})."
        return bool(np.all(np.abs(given - expected) <= q.tol + 1e-12)), ""
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return False, f"answer with a number (got {answer!r})."
    if not math.isfinite(float(answer)):
        return False, f"answer with a finite number (got {answer!r})."
    return abs(float(answer) - float(expected)) <= q.tol + 1e-12, ""


def check_answer(question_id: str, answer, quiet: bool = False) -> bool:
    """Check a self-check answer against the value computed by course_utils; print feedback.

    Returns ``True`` for a right answer. A wrong or malformed answer prints a
    hint (never the answer) and returns ``False``; it does not raise.
    """
    if question_id not in QUESTIONS:
        raise KeyError(f"question_id: expected one of {', '.join(sorted(QUESTIONS))}, got {question_id!r}")
    q = QUESTIONS[question_id]
    if answer is ...:
        ok, problem = False, "replace the ... with your answer."
    else:
        ok, problem = _compare(q, answer, q.expected())
    if not quiet:
        if ok:
            print(f"[{question_id}] Correct.")
        elif problem:
            print(f"[{question_id}] Not checked yet: {problem}")
        else:
            print(f"[{question_id}] Not quite. Hint: {q.hint}")
    return ok
