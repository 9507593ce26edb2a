"""The delta rule exactly as the lecture writes it: index form, one example at a time.

This is the readable reference for :class:`course_utils.mlp.MLP`, which does
the same computation with matrices over a whole batch; the tests prove the two
agree. Every line below is one of the lecture's equations (lecture 000), with
layers ``l = 1..L`` and ``W^l[i][j] = w_ij^l`` (unit ``j`` of layer ``l`` to unit
``i`` of layer ``l+1``)::

    z_i^{l+1} = sum_j w_ij^l a_j^l + b_i^l,              a_i^{l+1} = f(z_i^{l+1})
    delta_i^L = (yhat_i - y_i) f'(z_i^L)                   (squared error)
    delta_i^l = (sum_{j=1}^{S_{l+1}} delta_j^{l+1} w_ji^l) f'(z_i^l)
    dL/dw_ij^l = delta_i^{l+1} a_j^l,                      dL/db_i^l = delta_i^{l+1}

Plain Python floats and loops: slow, and meant to be read.
"""
from __future__ import annotations

import math

import numpy as np

from .mlp import LOSSES, MLP, Gradients
from ._checks import check_choice

__all__ = ["forward_one_example", "deltas_one_example", "index_form_gradients"]


def _f(act, z: float) -> float:
    return float(act.forward(np.float64(z)))


def _fprime(act, z: float) -> float:
    return float(act.derivative(np.float64(z)))


def forward_one_example(mlp: MLP, x_row):
    """Forward pass for one example. Returns ``(z, a)``: dicts keyed by layer number ``l``.

    ``a[1]`` is the input; ``z[l]`` and ``a[l]`` for ``l = 2..L`` are lists of floats.
    """
    L = mlp.num_layers
    W = [w.tolist() for w in mlp.weights]  # W[l-1][i][j] = w_ij^l
    b = [v.tolist() for v in mlp.biases]
    a = {1: [float(v) for v in x_row]}
    z = {}
    for l in range(1, L):
        S_next, S_l = mlp.sizes[l], mlp.sizes[l - 1]
        z[l + 1] = [sum(W[l - 1][i][j] * a[l][j] for j in range(S_l)) + b[l - 1][i] for i in range(S_next)]
        if l + 1 == L and mlp.output_activation == "softmax":
            m = max(z[L])
            e = [math.exp(v - m) for v in z[L]]
            a[L] = [v / sum(e) for v in e]
        else:
            act = mlp.activation if l + 1 < L else mlp.output_activation
            a[l + 1] = [_f(act, v) for v in z[l + 1]]
    return z, a


def deltas_one_example(mlp: MLP, x_row, y_row, loss: str = "mse"):
    """All deltas of one example: a dict ``delta[l]`` (list of floats) for ``l = 2..L``, plus ``(z, a)``."""
    L = mlp.num_layers
    z, a = forward_one_example(mlp, x_row)
    W = [w.tolist() for w in mlp.weights]
    yhat, S_L = a[L], mlp.sizes[-1]
    delta = {}
    if loss == "cross_entropy":  # softmax + cross-entropy: delta_i^L = yhat_i - y_i
        delta[L] = [yhat[i] - y_row[i] for i in range(S_L)]
    elif mlp.output_activation == "softmax":  # squared error through softmax's Jacobian
        delta[L] = [sum((yhat[k] - y_row[k]) * yhat[k] * ((k == i) - yhat[i]) for k in range(S_L))
                    for i in range(S_L)]
    else:
        delta[L] = [(yhat[i] - y_row[i]) * _fprime(mlp.output_activation, z[L][i]) for i in range(S_L)]
    for l in range(L - 1, 1, -1):  # l = L-1 down to 2
        S_l, S_next = mlp.sizes[l - 1], mlp.sizes[l]
        delta[l] = [sum(delta[l + 1][j] * W[l - 1][j][i] for j in range(S_next)) * _fprime(mlp.activation, z[l][i])
                    for i in range(S_l)]
    return delta, z, a


def index_form_gradients(mlp: MLP, x, y, loss: str = "mse") -> Gradients:
    """Gradients of the batch loss by the index-form delta rule, averaged over the examples.

    Returns a :class:`~course_utils.mlp.Gradients` laid out like
    :meth:`MLP.loss_and_gradients` (``deltas[k]`` holds ``delta^{k+2}`` per example).
    """
    check_choice("loss", loss, LOSSES)
    x = mlp._check_x(x)
    n = x.shape[0]
    y = mlp._check_targets(y, n, loss).tolist()
    L = mlp.num_layers
    dW = [[[0.0] * mlp.sizes[l - 1] for _ in range(mlp.sizes[l])] for l in range(1, L)]
    db = [[0.0] * mlp.sizes[l] for l in range(1, L)]
    all_deltas = [[] for _ in range(1, L)]
    for row in range(n):
        delta, z, a = deltas_one_example(mlp, x[row].tolist(), y[row], loss)
        for l in range(1, L):
            for i in range(mlp.sizes[l]):
                db[l - 1][i] += delta[l + 1][i] / n
                for j in range(mlp.sizes[l - 1]):
                    dW[l - 1][i][j] += delta[l + 1][i] * a[l][j] / n  # dL/dw_ij^l = delta_i^{l+1} a_j^l
            all_deltas[l - 1].append(delta[l + 1])
    weights = [np.array(g) + mlp.weight_decay * W for g, W in zip(dW, mlp.weights)]
    return Gradients(weights, [np.array(g) for g in db], [np.array(d) for d in all_deltas])


def value_graph_loss(mlp: MLP, x, y):
    """The MLP's squared-error loss built as a scalar :class:`~course_utils.graph.Value` graph.

    A third, independent formulation: every multiply and add of the forward
    pass is a node, and ``loss.backward()`` differentiates it by the
    ``grad_table`` algorithm. Returns ``(loss, W, b)`` where ``W[k][i][j]`` and
    ``b[k][i]`` are the parameter nodes (read ``.grad`` after ``backward``).
    Supports the activations sigmoid, tanh, relu and linear; slow (use small nets).
    """
    from .graph import Value

    def apply(act, node):
        return node if act.name == "linear" else getattr(node, act.name)()

    if mlp.output_activation == "softmax" or "leaky" in mlp.activation.name:
        raise ValueError("mlp: value_graph_loss supports sigmoid, tanh, relu and linear activations only")
    x = mlp._check_x(x)
    y = mlp._check_targets(y, x.shape[0], "mse")
    W = [[[Value(v) for v in row] for row in w.tolist()] for w in mlp.weights]
    b = [[Value(v) for v in vec.tolist()] for vec in mlp.biases]
    total = Value(0.0)
    for row, target in zip(x.tolist(), y.tolist()):
        a = [Value(v) for v in row]
        for k in range(len(W)):
            act = mlp.activation if k < len(W) - 1 else mlp.output_activation
            z = [sum((W[k][i][j] * a[j] for j in range(len(a))), b[k][i]) for i in range(len(W[k]))]
            a = [apply(act, zi) for zi in z]
        total = total + sum((0.5 * (ai - t) ** 2 for ai, t in zip(a, target)), Value(0.0))
    return total / len(x), W, b
