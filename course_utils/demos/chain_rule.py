"""Computational graphs and the chain rule (notebook 01, slides 001, lecture 002): the tables the notebook shows.

:func:`forward_trace`, :func:`backward_trace` (the slides' ``grad_table`` algorithm, row by row),
:func:`jacobian`, :func:`thin_chain` and :func:`reverse_chain_rows` (the deep thin network
traversed in reverse, reusing partial products), :func:`chain_rule_costs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._checks import check_choice, check_positive_int, check_real
from ..graph import Value, topological_order

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "forward_trace",
    "backward_trace",
    "jacobian",
    "thin_chain",
    "reverse_chain_rows",
    "chain_rule_costs",
    "draw_computational_graph",
]


def _node_names(order) -> dict:
    """``id(node) -> name``: its label, or ``u<i>`` after its position in the order."""
    return {id(node): node.label or f"u{k + 1}" for k, node in enumerate(order)}


def forward_trace(root: Value) -> list:
    """The forward algorithm of slides 001 on the graph of ``root``: one row per node, in order.

    Parameters
    ----------
    root : Value
        The graph's output.

    Returns
    -------
    list of tuple
        ``(i, node, operation, parents, value)`` per node, in topological order (inputs first):
        ``u^(i) <- f^(i)(A^(i))`` with ``A^(i)`` the values of the parents ``Pa(u^(i))``.
        Unlabelled nodes are named ``u1, u2, ...`` after their position.
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

    Runs ``root.backward()`` (so every node's ``grad`` is set).

    Parameters
    ----------
    root : Value
        The graph's output.

    Returns
    -------
    list of tuple
        ``(j, node, sum of terms, grad_table value)`` per node, the output first, where the terms
        read ``grad_table[u^(i)] * du^(i)/du^(j)`` for every consumer ``u^(i)``.
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


def jacobian(outputs: Iterable[Value], inputs: Iterable[Value]) -> np.ndarray:
    """Jacobian ``dy/dx`` of some :class:`Value` nodes with respect to others.

    Parameters
    ----------
    outputs : iterable of Value, length n
        The nodes ``y_k``.
    inputs : iterable of Value, length m
        The nodes ``x_i``.

    Returns
    -------
    ndarray, shape (n, m)
        Entry ``[k, i] = dy_k/dx_i`` (0 where ``x_i`` does not reach ``y_k``); row ``k`` is one
        backward pass from ``outputs[k]``.
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


def thin_chain(weights: Sequence[float], x: float, y: float, activation: str = "sigmoid") -> list[Value]:
    """The deep-but-thin network of lecture 002 as a :class:`Value` chain.

    One unit per layer: ``a_1 = w_1 x``, ``h_1 = f(a_1)``, ``a_k = w_k h_{k-1}``,
    ``h_k = f(a_k)``, ``yhat = h_n`` and the loss ``L = 1/2 (yhat - y)^2``.

    Parameters
    ----------
    weights : sequence of float, length n >= 1
        ``w_1 .. w_n``.
    x : float
        The input (a constant of the graph).
    y : float
        The target.
    activation : {"sigmoid", "tanh", "relu"}, default "sigmoid"
        ``f``.

    Returns
    -------
    list of Value, length 3n + 1
        ``[w_1, a_1, h_1, w_2, a_2, h_2, ..., L]``, labelled so; call ``nodes[-1].backward()`` for
        the gradients.
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
    return [*nodes, loss]


def reverse_chain_rows(nodes: Sequence[Value]) -> list[tuple]:
    """Traverse the thin chain in reverse, reusing the partial product (dynamic programming).

    Walks ``L -> ... -> h_n -> a_n -> h_{n-1} -> ... -> a_1`` and returns rows
    ``(node, local derivative d(node above)/d(node), dL/d(node))`` where each
    ``dL/d(node)`` is the product already computed for the node above times one
    local derivative. A weight ``w_k`` gets ``dL/dw_k = dL/da_k * da_k/dw_k``
    from the product already computed for ``a_k``: the chain is never
    re-multiplied. Uses only the local derivatives the operations stored, not
    :meth:`Value.backward`.

    Parameters
    ----------
    nodes : sequence of Value
        The list :func:`thin_chain` returned.

    Returns
    -------
    list of tuple
        ``(node name, local derivative, dL/d(node))`` from ``L`` down to ``a_1`` (the first row is
        ``("L", "", 1.0)``).
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


def chain_rule_costs(n_layers: int) -> tuple[int, int]:
    """Multiplications needed for every ``dL/dw_k`` of an ``n``-layer thin chain.

    Separately, ``dL/dw_k = dL/dh_n * prod_{j=k}^{n} f'(a_j) * prod_{j=k+1}^{n} w_j * h_{k-1}``
    has ``2(n-k)+3`` factors, so ``2(n-k)+2`` multiplications; summed over ``k``: ``n^2 + n``.
    Reusing the partial product (the backward pass), each layer costs one
    multiplication by ``f'(a_j)``, one by ``h_{j-1}`` for its weight and one by ``w_j``
    to go further down (not needed below layer 1): ``3n - 1``.

    Parameters
    ----------
    n_layers : int
        ``n`` (>= 1).

    Returns
    -------
    separately : int
        ``n^2 + n``.
    reused : int
        ``3n - 1``.
    """
    n = check_positive_int("n_layers", n_layers)
    return n * n + n, 3 * n - 1


def _graph_columns(order) -> dict:
    """Column of each node: operations one right of their deepest parent; inputs and constants one
    left of their first consumer, so that no edge jumps over a column (and no edge crosses a box)."""
    column = {}
    for node in order:
        column[id(node)] = 1 + max((column[id(p)] for p in node.parents), default=-1)
    consumers = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(id(parent), []).append(node)
    for node in order:
        if not node.parents and consumers.get(id(node)):
            column[id(node)] = min(column[id(c)] for c in consumers[id(node)]) - 1
    return column


def draw_computational_graph(
    root: Value,
    ax: Axes | None = None,
    show_grad: bool = True,
    highlight: Iterable[Value] = (),
    title: str | None = None,
) -> tuple[Figure, Axes]:
    """Draw the graph of ``root``: a box per node (name, ``= value``, ``∂L: gradient``), arrows parent -> consumer.

    Inputs and constants sit just left of the operation that uses them, and within a column the
    nodes keep the order of their consumers, so edges go from one column to the next and do not
    cross boxes.

    Parameters
    ----------
    root : Value
        The graph's output; call ``root.backward()`` first for the gradients.
    ax : matplotlib.axes.Axes, optional
        Where to draw; without it a pyplot figure sized to the graph is made.
    show_grad : bool, default True
        Write each node's ``grad`` in its box.
    highlight : iterable of Value, default ()
        Nodes drawn in orange.
    title : str or None
        A title above the graph.

    Returns
    -------
    fig : matplotlib.figure.Figure
    ax : matplotlib.axes.Axes
    """
    order = topological_order(root)
    column = _graph_columns(order)
    n_cols = 1 + max(column.values())
    by_column = {c: [] for c in range(n_cols)}
    for node in order:
        by_column[column[id(node)]].append(node)
    consumers = {}
    for node in order:
        for k, parent in enumerate(node.parents):
            consumers.setdefault(id(parent), []).append((node, k))
    row = {}
    for c in range(n_cols - 1, -1, -1):  # right to left: each node near its consumers (barycentre)

        def key(node):
            places = [row[id(n)] + 0.01 * k for n, k in consumers.get(id(node), []) if id(n) in row]
            return sum(places) / len(places) if places else 0.0

        nodes = sorted(by_column[c], key=key)
        by_column[c] = nodes
        for k, node in enumerate(nodes):
            row[id(node)] = k - (len(nodes) - 1) / 2
    n_rows = max(len(v) for v in by_column.values())
    if ax is None:
        import matplotlib.pyplot as plt

        height = 1.15 * n_rows
        fig = plt.figure(figsize=(1.6 * n_cols, height + (0.45 if title else 0.0)), layout="none")
        ax = fig.add_axes((0.0, 0.0, 1.0, height / fig.get_figheight()))  # data units are inches
    fig = ax.figure
    pos, boxes = {}, {}
    highlighted = {id(h) for h in highlight}
    for c, nodes in by_column.items():
        for node in nodes:
            pos[id(node)] = (c * 1.6, -row[id(node)] * 1.15)
    for node in order:
        x, y = pos[id(node)]
        name = node.label or node.op or "input"
        if node.op and node.label:
            name = f"{node.label} ({node.op})"
        lines = [name, f"= {node.data:.4g}"] + ([f"∂L: {node.grad:.4g}"] if show_grad else [])
        colour = "#ffd8a8" if id(node) in highlighted else ("#d0ebff" if not node.parents else "#f1f3f5")
        boxes[id(node)] = ax.text(
            x,
            y,
            "\n".join(lines),
            ha="center",
            va="center",
            zorder=3,
            linespacing=1.15,
            bbox=dict(boxstyle="round,pad=0.3", fc=colour, ec="0.3"),
        )
    for node in order:
        for parent in node.parents:
            ax.annotate(
                "",
                xy=(0.0, 0.5),
                xycoords=boxes[id(node)],
                xytext=(1.0, 0.5),
                textcoords=boxes[id(parent)],
                zorder=2,
                arrowprops=dict(arrowstyle="-|>", color="0.4", lw=1.2, shrinkA=6, shrinkB=6),
            )
    ax.set_xlim(-0.8, (n_cols - 1) * 1.6 + 0.8)
    ax.set_ylim(-(n_rows / 2) * 1.15, (n_rows / 2) * 1.15)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig, ax
