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
from numpy.typing import ArrayLike

from ._checks import check_batch, check_choice, check_targets
from .mlp import LOSSES, MLP, Gradients

__all__ = ["forward_one_example", "deltas_one_example", "index_form_gradients"]


def _f(act, z: float) -> float:
    return float(act.forward(np.float64(z)))


def _fprime(act, z: float) -> float:
    return float(act.derivative(np.float64(z)))


def forward_one_example(mlp: MLP, x_row: ArrayLike) -> tuple[dict, dict]:
    """Forward pass for one example, unit by unit: ``z_i^{l+1} = sum_j w_ij^l a_j^l + b_i^l``, ``a = f(z)``.

    Parameters
    ----------
    mlp : MLP
    x_row : sequence of float, length S_1

    Returns
    -------
    z : dict of int to list of float
        ``z[l]`` for ``l = 2..L``.
    a : dict of int to list of float
        ``a[1]`` is the input, ``a[l]`` for ``l = 2..L``.
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


def deltas_one_example(mlp: MLP, x_row: ArrayLike, y_row: ArrayLike, loss: str = "mse") -> tuple[dict, dict, dict]:
    """All deltas of one example by the lecture's recursion.

    ``delta_i^L = (yhat_i - y_i) f'(z_i^L)`` and ``delta_i^l = (sum_j delta_j^{l+1} w_ji^l) f'(z_i^l)``.

    Parameters
    ----------
    mlp : MLP
    x_row : sequence of float, length S_1
    y_row : sequence of float, length S_L
    loss : {"mse", "cross_entropy"}, default "mse"

    Returns
    -------
    delta : dict of int to list of float
        ``delta[l]`` for ``l = 2..L``.
    z, a : dict of int to list of float
        As :func:`forward_one_example` returns them.
    """
    L = mlp.num_layers
    z, a = forward_one_example(mlp, x_row)
    W = [w.tolist() for w in mlp.weights]
    yhat, S_L = a[L], mlp.sizes[-1]
    delta = {}
    if loss == "cross_entropy":  # softmax + cross-entropy: delta_i^L = yhat_i - y_i
        delta[L] = [yhat[i] - y_row[i] for i in range(S_L)]
    elif mlp.output_activation == "softmax":  # squared error through softmax's Jacobian
        delta[L] = [sum((yhat[k] - y_row[k]) * yhat[k] * ((k == i) - yhat[i]) for k in range(S_L)) for i in range(S_L)]
    else:
        delta[L] = [(yhat[i] - y_row[i]) * _fprime(mlp.output_activation, z[L][i]) for i in range(S_L)]
    for l in range(L - 1, 1, -1):  # l = L-1 down to 2
        S_l, S_next = mlp.sizes[l - 1], mlp.sizes[l]
        delta[l] = [
            sum(delta[l + 1][j] * W[l - 1][j][i] for j in range(S_next)) * _fprime(mlp.activation, z[l][i])
            for i in range(S_l)
        ]
    return delta, z, a


def index_form_gradients(mlp: MLP, x: ArrayLike, y: ArrayLike, loss: str = "mse") -> Gradients:
    """Gradients of the batch loss by the index-form delta rule, averaged over the examples.

    ``dL/dW_ij^l = delta_i^{l+1} a_j^l`` and ``dL/db_i^l = delta_i^{l+1}``, one example at a time.

    Parameters
    ----------
    mlp : MLP
    x : array_like, shape (N, S_1)
    y : array_like, shape (N, S_L), or (N,) integer labels for cross-entropy
    loss : {"mse", "cross_entropy"}, default "mse"

    Returns
    -------
    Gradients
        Laid out like :meth:`MLP.loss_and_gradients` (``deltas[k]`` holds ``delta^{k+2}`` per example).
    """
    check_choice("loss", loss, LOSSES)
    x = check_batch(x, mlp.sizes[0])
    n = x.shape[0]
    y = check_targets(y, n, mlp.sizes[-1], labels=loss == "cross_entropy").tolist()
    L = mlp.num_layers
    dW = [[[0.0] * mlp.sizes[l - 1] for _ in range(mlp.sizes[l])] for l in range(1, L)]
    db = [[0.0] * mlp.sizes[l] for l in range(1, L)]
    all_deltas = [[] for _ in range(1, L)]
    for row in range(n):
        delta, _, a = deltas_one_example(mlp, x[row].tolist(), y[row], loss)
        for l in range(1, L):
            for i in range(mlp.sizes[l]):
                db[l - 1][i] += delta[l + 1][i] / n
                for j in range(mlp.sizes[l - 1]):
                    dW[l - 1][i][j] += delta[l + 1][i] * a[l][j] / n  # dL/dw_ij^l = delta_i^{l+1} a_j^l
            all_deltas[l - 1].append(delta[l + 1])
    weights = [np.array(g) + mlp.weight_decay * W for g, W in zip(dW, mlp.weights)]
    return Gradients(weights, [np.array(g) for g in db], [np.array(d) for d in all_deltas])


def value_graph_loss(mlp: MLP, x: ArrayLike, y: ArrayLike) -> tuple:
    """The MLP's squared-error loss built as a scalar :class:`~course_utils.graph.Value` graph.

    A third, independent formulation: every multiply and add of the forward
    pass is a node, and ``loss.backward()`` differentiates it by the
    ``grad_table`` algorithm. Returns ``(loss, W, b)`` where ``W[k][i][j]`` and
    ``b[k][i]`` are the parameter nodes (read ``.grad`` after ``backward``).
    Supports the activations sigmoid, tanh, relu and linear; slow (use small nets).

    Parameters
    ----------
    mlp : MLP
    x : array_like, shape (N, S_1)
    y : array_like, shape (N, S_L)

    Returns
    -------
    loss : Value
    W : list of list of list of Value
        ``W[k][i][j]`` is the node of ``w_ij^{k+1}``.
    b : list of list of Value
    """
    from .graph import Value

    def apply(act, node):
        return node if act.name == "linear" else getattr(node, act.name)()

    if mlp.output_activation == "softmax" or "leaky" in mlp.activation.name:
        raise ValueError("mlp: value_graph_loss supports sigmoid, tanh, relu and linear activations only")
    x = check_batch(x, mlp.sizes[0])
    y = check_targets(y, x.shape[0], mlp.sizes[-1])
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
