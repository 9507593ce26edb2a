"""The classic step-by-step example of slides 001: a 2-2-2 sigmoid network with squared error.

Inputs ``i1 = 0.05, i2 = 0.10``; targets ``0.01, 0.99``; weights

    w1: i1->h1 = 0.15   w2: i2->h1 = 0.20   w3: i1->h2 = 0.25   w4: i2->h2 = 0.30
    w5: h1->o1 = 0.40   w6: h2->o1 = 0.45   w7: h1->o2 = 0.50   w8: h2->o2 = 0.55

biases ``b1 = 0.35`` (hidden layer) and ``b2 = 0.60`` (output layer), learning
rate 0.5. In the course's notation ``W^1 = [[w1, w2], [w3, w4]]`` and
``W^2 = [[w5, w6], [w7, w8]]`` (row = receiving unit, column = sending unit).

:func:`worked_example` returns every quantity of one forward pass, backward
pass and update, computed by :class:`course_utils.mlp.MLP` (nothing typed in);
:func:`worked_example_graph` builds the same computation as a :class:`Value`
graph, and the tests prove the two agree with each other and with the
published values (E_total = 0.298371109, updated w5 = 0.35891648, w1 = 0.149780716).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .graph import Value
from .mlp import MLP

__all__ = ["WorkedExample", "worked_example", "worked_example_graph", "EXAMPLE"]

#: The example's fixed data (inputs, targets, initial parameters, learning rate).
EXAMPLE = {
    "inputs": (0.05, 0.10),
    "targets": (0.01, 0.99),
    "weights": {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55},
    "biases": {"b1": 0.35, "b2": 0.60},
    "lr": 0.5,
}

#: where each named weight sits: (layer index k in mlp.weights, row i, column j)
WEIGHT_POSITIONS = {
    "w1": (0, 0, 0),
    "w2": (0, 0, 1),
    "w3": (0, 1, 0),
    "w4": (0, 1, 1),
    "w5": (1, 0, 0),
    "w6": (1, 0, 1),
    "w7": (1, 1, 0),
    "w8": (1, 1, 1),
}


@dataclass
class WorkedExample:
    """Every number of one training step of the example (see module docstring)."""

    net: dict = field(default_factory=dict)  # net_h1, net_h2, net_o1, net_o2 (the z's)
    out: dict = field(default_factory=dict)  # out_h1, out_h2, out_o1, out_o2 (the a's)
    errors: dict = field(default_factory=dict)  # E_o1, E_o2, E_total
    deltas: dict = field(default_factory=dict)  # delta_o1, delta_o2, delta_h1, delta_h2
    chain: dict = field(default_factory=dict)  # the factors of the chain rule for w5 and w1
    gradients: dict = field(default_factory=dict)  # dE/dw1..dE/dw8, dE/db1, dE/db2 (per unit)
    updated: dict = field(default_factory=dict)  # w1..w8 after one step, and the biases
    mlp: MLP | None = None  # the network before the update

    def rows(self) -> list[tuple[str, str, float]]:
        """All quantities as rows, in teaching order.

        Returns
        -------
        list of (stage, name, value)
            ``stage`` is "forward", "error", "backward" or "update".
        """
        out = []
        for stage, table in (
            ("forward", {**self.net, **self.out}),
            ("error", self.errors),
            ("backward", {**self.deltas, **self.gradients}),
            ("update", self.updated),
        ):
            out += [(stage, k, v) for k, v in table.items()]
        return out


def example_mlp() -> MLP:
    """The example's 2-2-2 sigmoid network with the initial weights and biases set.

    Returns
    -------
    MLP
    """
    mlp = MLP([2, 2, 2], activation="sigmoid", output_activation="sigmoid")
    W = [np.zeros((2, 2)), np.zeros((2, 2))]
    for name, (k, i, j) in WEIGHT_POSITIONS.items():
        W[k][i, j] = EXAMPLE["weights"][name]
    mlp.weights = W
    mlp.biases = [np.full(2, EXAMPLE["biases"]["b1"]), np.full(2, EXAMPLE["biases"]["b2"])]
    return mlp


def _copy_mlp(mlp: MLP) -> MLP:
    if not isinstance(mlp, MLP) or mlp.sizes != [2, 2, 2]:
        raise ValueError(f"start: expected a 2-2-2 MLP like example_mlp(), got {mlp!r}")
    copy = example_mlp()
    copy.activation, copy.output_activation = mlp.activation, mlp.output_activation
    copy.weights, copy.biases = mlp.weights, mlp.biases
    return copy


def worked_example(lr: float | None = None, start: MLP | None = None) -> WorkedExample:
    """Compute the example with :class:`MLP`: forward, error, backward, one update of size ``lr``.

    Parameters
    ----------
    lr : float, optional
        The learning rate; default the slides' 0.5.
    start : MLP, optional
        A 2-2-2 network to start from instead of the slides' initial weights (e.g. the
        network after a few updates); it is copied, never changed.

    Returns
    -------
    WorkedExample
    """
    lr = EXAMPLE["lr"] if lr is None else lr
    mlp = example_mlp() if start is None else _copy_mlp(start)
    x = np.array([EXAMPLE["inputs"]])
    y = np.array([EXAMPLE["targets"]])
    zs, acts = mlp.forward_layers(x)
    E_total, grads = mlp.loss_and_gradients(x, y, loss="mse")
    ex = WorkedExample(mlp=mlp)
    for k, layer in ((0, "h"), (1, "o")):
        for unit in range(2):
            ex.net[f"net_{layer}{unit + 1}"] = float(zs[k][0, unit])
            ex.out[f"out_{layer}{unit + 1}"] = float(acts[k + 1][0, unit])
    for unit in range(2):
        ex.errors[f"E_o{unit + 1}"] = float(0.5 * (acts[2][0, unit] - y[0, unit]) ** 2)
    ex.errors["E_total"] = E_total
    for unit in range(2):
        ex.deltas[f"delta_o{unit + 1}"] = float(grads.deltas[1][0, unit])
    for unit in range(2):
        ex.deltas[f"delta_h{unit + 1}"] = float(grads.deltas[0][0, unit])
    for name, (k, i, j) in WEIGHT_POSITIONS.items():
        ex.gradients[f"dE/d{name}"] = float(grads.weights[k][i, j])
    for k, b in ((0, "b1"), (1, "b2")):
        for unit in range(2):
            ex.gradients[f"dE/d{b}[{unit + 1}]"] = float(grads.biases[k][unit])
    # the chain-rule factors the slides multiply, read off the same forward/backward pass
    out_o1, out_h1 = ex.out["out_o1"], ex.out["out_h1"]
    ex.chain = {
        "dE_total/dout_o1": out_o1 - y[0, 0],
        "dout_o1/dnet_o1": out_o1 * (1 - out_o1),
        "dnet_o1/dw5": out_h1,
        "dE_total/dout_h1": float(grads.deltas[1][0] @ mlp.weights[1][:, 0]),
        "dout_h1/dnet_h1": out_h1 * (1 - out_h1),
        "dnet_h1/dw1": float(x[0, 0]),
    }
    ex.chain = {k: float(v) for k, v in ex.chain.items()}
    updated = _copy_mlp(mlp)
    updated.step(grads, lr)
    for name, (k, i, j) in WEIGHT_POSITIONS.items():
        ex.updated[name] = float(updated.weights[k][i, j])
    for k, b in ((0, "b1"), (1, "b2")):
        for unit in range(2):
            ex.updated[f"{b}[{unit + 1}]"] = float(updated.biases[k][unit])
    return ex


def worked_example_graph() -> dict:
    """The example as a :class:`Value` graph; returns its named nodes (``w1``..``w8``, ``E_total``, ...).

    Each bias is one shared node per layer, as in the slides (``b1`` feeds both
    hidden units). Call ``nodes["E_total"].backward()`` to fill the gradients.

    Returns
    -------
    dict of str to Value
    """
    w = {k: Value(v, label=k) for k, v in EXAMPLE["weights"].items()}
    b1 = Value(EXAMPLE["biases"]["b1"], label="b1")
    b2 = Value(EXAMPLE["biases"]["b2"], label="b2")
    i1 = Value(EXAMPLE["inputs"][0], label="i1")
    i2 = Value(EXAMPLE["inputs"][1], label="i2")
    t1, t2 = EXAMPLE["targets"]
    nodes = {**w, "b1": b1, "b2": b2, "i1": i1, "i2": i2}
    nodes["net_h1"] = w["w1"] * i1 + w["w2"] * i2 + b1
    nodes["net_h2"] = w["w3"] * i1 + w["w4"] * i2 + b1
    nodes["out_h1"] = nodes["net_h1"].sigmoid()
    nodes["out_h2"] = nodes["net_h2"].sigmoid()
    nodes["net_o1"] = w["w5"] * nodes["out_h1"] + w["w6"] * nodes["out_h2"] + b2
    nodes["net_o2"] = w["w7"] * nodes["out_h1"] + w["w8"] * nodes["out_h2"] + b2
    nodes["out_o1"] = nodes["net_o1"].sigmoid()
    nodes["out_o2"] = nodes["net_o2"].sigmoid()
    nodes["E_o1"] = 0.5 * (nodes["out_o1"] - t1) ** 2
    nodes["E_o2"] = 0.5 * (nodes["out_o2"] - t2) ** 2
    nodes["E_total"] = nodes["E_o1"] + nodes["E_o2"]
    for name, node in nodes.items():
        node.label = name
    return nodes
