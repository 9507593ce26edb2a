"""A scalar computational graph and the backward ``grad_table`` algorithm (slides 001).

Every :class:`Value` is a node ``u^(i)`` of the graph. An operation creates a
new node from its parents ``Pa(u^(i))`` and records, at the same time, its
*local* derivatives ``du^(i)/du^(j)`` for each parent ``u^(j)``: each operation
defines its own local backward, and nothing else is needed.

:meth:`Value.backward` then runs the slides' algorithm literally::

    order the nodes u^(1..n) so that parents come before children (topological order)
    grad_table[u^(n)] <- 1
    for j = n-1 down to 1:
        grad_table[u^(j)] <- sum over consumers i of u^(j):  grad_table[u^(i)] * du^(i)/du^(j)

Because a node is visited only after all of its consumers, each entry is the
*total* derivative of the output: the sum over every path, computed once per
node and reused (the dynamic programming of lecture 002).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["Value", "topological_order", "draw_graph"]


def _as_value(other) -> Value:
    return other if isinstance(other, Value) else Value(other)


class Value:
    """A scalar node: ``data`` (its value), ``grad`` (d output / d this node after ``backward``).

    ``parents`` and ``local_grads`` are aligned tuples: ``local_grads[k]`` is the
    partial derivative of this node with respect to ``parents[k]``.
    """

    __slots__ = ("data", "grad", "label", "local_grads", "op", "parents")

    def __init__(
        self, data: float, parents: tuple = (), local_grads: tuple = (), op: str = "", label: str = ""
    ) -> None:
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"data: expected a real number, got {type(data).__name__} {data!r}")
        data = float(data)
        if not math.isfinite(data):
            raise ValueError(
                f"data: expected a finite number, got {data}" + (f" (from operation {op!r})" if op else "")
            )
        self.data = data
        self.grad = 0.0
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # -- operations: each one states its local derivatives ------------------------------------
    def __add__(self, other):
        other = _as_value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    __radd__ = __add__

    def __mul__(self, other):
        other = _as_value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    __rmul__ = __mul__

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other):
        other = _as_value(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __rsub__(self, other):
        return _as_value(other) - self

    def __truediv__(self, other):
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError("Value division by a node whose value is 0")
        return Value(self.data / other.data, (self, other), (1.0 / other.data, -self.data / other.data**2), "/")

    def __rtruediv__(self, other):
        return _as_value(other) / self

    def __pow__(self, exponent):
        if isinstance(exponent, Value) or isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"exponent: expected a number (int or float), got {type(exponent).__name__}")
        exponent = float(exponent)
        if self.data == 0.0 and exponent < 1.0:
            raise ValueError(f"exponent: {exponent} is not differentiable at 0")
        if self.data < 0 and not exponent.is_integer():
            raise ValueError(f"exponent: a negative base ({self.data}) needs an integer exponent, got {exponent}")
        return Value(self.data**exponent, (self,), (exponent * self.data ** (exponent - 1),), f"**{exponent:g}")

    def exp(self) -> Value:
        """``e^x``; its local derivative is ``e^x``.

        Returns
        -------
        Value
        """
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise ValueError(f"exp: the result for input {self.data} exceeds the float range") from None
        return Value(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """Natural logarithm of a positive value; its local derivative is ``1 / x``.

        Returns
        -------
        Value
        """
        if self.data <= 0:
            raise ValueError(f"log: expected a positive value, got {self.data}")
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def sigmoid(self) -> Value:
        """``sigma(x) = 1 / (1 + e^{-x})``; its local derivative is ``sigma(x) (1 - sigma(x))``.

        Returns
        -------
        Value
        """
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def tanh(self) -> Value:
        """``tanh(x)``; its local derivative is ``1 - tanh(x)^2``.

        Returns
        -------
        Value
        """
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")

    def relu(self) -> Value:
        """``max(0, x)``; its local derivative is ``1 if x > 0 else 0``.

        Returns
        -------
        Value
        """
        return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,), "relu")

    # -- the backward algorithm ------------------------------------------------------------
    def backward(self) -> dict:
        """Fill ``grad`` of every node this one depends on; return the ``grad_table`` dict.

        Gradients are recomputed from scratch each call (calling it twice gives
        the same gradients; nothing accumulates across calls).

        Returns
        -------
        dict of Value to float
            The grad_table: ``d self / d node`` for every node ``self`` depends on.
        """
        order = topological_order(self)  # u^(1), ..., u^(n) = self
        consumers = {id(node): [] for node in order}  # j -> [(u^(i), du^(i)/du^(j)), ...]
        for node in order:
            for parent, local in zip(node.parents, node.local_grads):
                consumers[id(parent)].append((node, local))
        grad_table = {id(self): 1.0}
        for node in reversed(order[:-1]):
            grad_table[id(node)] = sum(grad_table[id(child)] * local for child, local in consumers[id(node)])
        for node in order:
            node.grad = grad_table[id(node)]
        return {node: grad_table[id(node)] for node in order}

    __hash__ = object.__hash__


def topological_order(root: Value) -> list[Value]:
    """Nodes that ``root`` depends on, parents before children, ending with ``root``.

    This is the ordering the forward algorithm of slides 001 assumes
    (``u^(1..n_i)`` the inputs first, ``u^(n)`` the output last). Iterative, so
    deep graphs do not hit Python's recursion limit.

    Parameters
    ----------
    root : Value

    Returns
    -------
    list of Value
    """
    if not isinstance(root, Value):
        raise TypeError(f"root: expected a Value, got {type(root).__name__}")
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent in reversed(node.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def _layout(order):
    """Column = longest path from a leaf; rows spread within a column."""
    depth = {}
    for node in order:
        depth[id(node)] = 1 + max((depth[id(p)] for p in node.parents), default=-1)
    columns = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos = {}
    for col, nodes in columns.items():
        for row, node in enumerate(nodes):
            pos[id(node)] = (col, -(row - (len(nodes) - 1) / 2))
    return pos


def draw_graph(
    root: Value, ax: object = None, show_grad: bool = True, highlight: tuple = (), title: str | None = None
) -> tuple:
    """Draw the graph of ``root`` with matplotlib: one box per node with its value and gradient.

    Leaves (inputs) are on the left, the output on the right; a box shows the
    node's label (or operation), ``value`` and, if ``show_grad``, ``grad``
    (call ``root.backward()`` first). Nodes in ``highlight`` are drawn in orange.

    Parameters
    ----------
    root : Value
    ax : matplotlib Axes, optional
        Drawn into a new figure if not given.
    show_grad : bool, default True
    highlight : collection of Value
    title : str, optional

    Returns
    -------
    fig, ax : matplotlib Figure and Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    order = topological_order(root)
    pos = _layout(order)
    if ax is None:
        n_cols = 1 + max(p[0] for p in pos.values())
        n_rows = max(sum(1 for p in pos.values() if p[0] == c) for c in range(n_cols))
        fig, ax = plt.subplots(figsize=(max(4.0, 2.2 * n_cols), max(2.5, 1.2 * n_rows)))
    else:
        fig = ax.figure
    highlighted = {id(h) for h in highlight}
    for node in order:
        x1, y1 = pos[id(node)]
        for parent in node.parents:
            x0, y0 = pos[id(parent)]
            ax.annotate(
                "", xy=(x1 - 0.38, y1), xytext=(x0 + 0.38, y0), arrowprops=dict(arrowstyle="->", color="0.45", lw=1.0)
            )
    for node in order:
        x, y = pos[id(node)]
        name = node.label or (node.op if node.op else "input")
        if node.op and node.label:
            name = f"{node.label} ({node.op})"
        text = f"{name}\nvalue {node.data:.4g}"
        if show_grad:
            text += f"\ngrad {node.grad:.4g}"
        colour = "#ffd8a8" if id(node) in highlighted else ("#d0ebff" if not node.parents else "#f1f3f5")
        ax.add_patch(
            FancyBboxPatch((x - 0.38, y - 0.3), 0.76, 0.6, boxstyle="round,pad=0.02", facecolor=colour, edgecolor="0.3")
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig, ax
