"""Layers as forward/backward pairs, in the style of CS231n's ``layers.py``.

Each ``*_forward`` returns ``(out, cache)``; the matching ``*_backward(dout, cache)``
takes the upstream gradient ``dout = dL/dout`` and returns the gradients of its
inputs. Shapes follow the course convention: batches are rows, and ``W`` has
shape ``(S_{l+1}, S_l)`` with ``W[i, j]`` taking node ``j`` of layer ``l`` to
node ``i`` of layer ``l + 1`` (lecture 000).
"""
from __future__ import annotations

from ._checks import as_float_array, check_shape
from .activations import get_activation

__all__ = ["dense_forward", "dense_backward", "activation_forward", "activation_backward"]


def dense_forward(x, W, b):
    """Affine layer ``z = x @ W.T + b`` (the lecture's ``z^{l+1} = W^l a^l + b^l`` for each row).

    Shapes: ``x`` (N, S_l), ``W`` (S_{l+1}, S_l), ``b`` (S_{l+1},) -> ``z`` (N, S_{l+1}).
    Returns ``(z, cache)``.
    """
    W = as_float_array("W", W, ndim=2)
    s_out, s_in = W.shape
    x = as_float_array("x", x, ndim=2)
    check_shape("x", x, (None, s_in), why=f"N rows of {s_in} inputs for W of shape {W.shape}")
    b = as_float_array("b", b, ndim=1)
    check_shape("b", b, (s_out,), why=f"one bias per row of W {W.shape}")
    z = x @ W.T + b
    return z, (x, W)


def dense_backward(dz, cache):
    """Backward pass of :func:`dense_forward`.

    ``dz`` (N, S_{l+1}) is ``dL/dz``. Returns ``(dx, dW, db)``:
    ``dx = dz @ W`` (N, S_l) (the lecture's ``g <- W^T g``), ``dW = dz.T @ x``
    (S_{l+1}, S_l) (``grad_W = g h^T``, summed over the batch), ``db = dz.sum(0)`` (S_{l+1},).
    """
    x, W = cache
    dz = as_float_array("dz", dz, ndim=2)
    check_shape("dz", dz, (x.shape[0], W.shape[0]), why="the shape of this layer's output z")
    return dz @ W, dz.T @ x, dz.sum(axis=0)


def activation_forward(z, activation="relu"):
    """Elementwise ``a = f(z)`` for an activation name or :class:`~course_utils.activations.Activation`.

    Returns ``(a, cache)``; any shape.
    """
    act = get_activation(activation)
    z = as_float_array("z", z)
    return act.forward(z), (z, act)


def activation_backward(da, cache):
    """``dL/dz = dL/da * f'(z)`` (the lecture's ``g <- g ⊙ f'(a)``), of ``z``'s shape."""
    z, act = cache
    da = as_float_array("da", da)
    check_shape("da", da, z.shape, why="the shape of the activation's output")
    return da * act.derivative(z)
