"""Activation functions and their derivatives with respect to the pre-activation ``z``.

The lecture writes ``a = f(z)`` for each unit; backpropagation needs ``f'(z)``
(the factor in ``delta_i^l = (...) f'(z_i^l)``). Each activation is looked up by
name::

    act = get_activation("sigmoid")
    a = act.forward(z)
    fprime = act.derivative(z)

All functions work elementwise on arrays of any shape, except :func:`softmax`,
which normalises along one axis and whose derivative is a Jacobian, not an
elementwise factor (see :func:`softmax_backward`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from ._checks import as_float_array, check_choice, check_real

__all__ = [
    "Activation", "get_activation", "ACTIVATIONS",
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative",
    "relu", "relu_derivative", "leaky_relu", "leaky_relu_derivative",
    "linear", "linear_derivative", "softmax", "softmax_backward",
]


def sigmoid(z):
    """``1 / (1 + exp(-z))``, computed without overflow for large ``|z|``."""
    z = as_float_array("z", z, finite=False)
    # 1 / (1 + e^{-z}) = exp(-log(1 + e^{-z})); logaddexp never overflows and keeps
    # full relative accuracy for large negative z, where 1/(1 + e^{-z}) would overflow.
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_derivative(z):
    """``sigma'(z) = sigma(z) (1 - sigma(z))``; at most 1/4 (at z = 0)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(as_float_array("z", z, finite=False))


def tanh_derivative(z):
    """``1 - tanh(z)^2``; at most 1 (at z = 0)."""
    t = tanh(z)
    return 1.0 - t * t


def relu(z):
    """``max(0, z)``."""
    z = as_float_array("z", z, finite=False)
    return np.maximum(z, 0.0)


def relu_derivative(z):
    """1 where ``z > 0``, else 0 (at ``z = 0`` we take 0, as PyTorch does)."""
    z = as_float_array("z", z, finite=False)
    return (z > 0).astype(z.dtype)


def leaky_relu(z, slope: float = 0.01):
    """``z`` where ``z > 0``, else ``slope * z``."""
    z = as_float_array("z", z, finite=False)
    return np.where(z > 0, z, slope * z)


def leaky_relu_derivative(z, slope: float = 0.01):
    """1 where ``z > 0``, else ``slope`` (``slope`` at ``z = 0``)."""
    z = as_float_array("z", z, finite=False)
    return np.where(z > 0, 1.0, slope).astype(z.dtype)


def linear(z):
    """Identity, the output activation for regression."""
    return as_float_array("z", z, finite=False).copy()


def linear_derivative(z):
    """1 everywhere."""
    return np.ones_like(as_float_array("z", z, finite=False))


def softmax(z, axis: int = -1):
    """``exp(z_k) / sum_j exp(z_j)`` along ``axis``.

    Stable for large logits (1e3 and beyond): the maximum is subtracted first,
    which does not change the result because softmax is invariant to adding a
    constant to every logit.
    """
    z = as_float_array("z", z, finite=True)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(da, s, axis: int = -1):
    """Vector-Jacobian product of softmax: given ``da = dL/da`` and ``s = softmax(z)``, return ``dL/dz``.

    The Jacobian is ``ds_k/dz_i = s_k (delta_ki - s_i)``, so
    ``dL/dz_i = s_i (da_i - sum_k da_k s_k)``.
    """
    da = as_float_array("da", da)
    s = as_float_array("s", s)
    if da.shape != s.shape:
        raise ValueError(f"da: expected the shape of s {s.shape}, got {da.shape}")
    return s * (da - np.sum(da * s, axis=axis, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An elementwise activation ``f`` with its derivative ``f'`` (both take ``z``)."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    formula: str  # LaTeX of f(z)
    derivative_formula: str  # LaTeX of f'(z)

    def __call__(self, z):
        return self.forward(z)


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


def get_activation(name, slope: float = 0.01) -> Activation:
    """Look up an activation by name: one of ``ACTIVATIONS`` (``slope`` is leaky ReLU's).

    An :class:`Activation` passed in is returned unchanged. ``"softmax"`` is not
    elementwise and is handled by the output layer (see :mod:`course_utils.mlp`).
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name: expected an activation name (str), got {type(name).__name__}")
    check_choice("name", name, ACTIVATIONS)
    if name == "sigmoid":
        return Activation("sigmoid", sigmoid, sigmoid_derivative,
                          r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma(z)\,(1 - \sigma(z))")
    if name == "tanh":
        return Activation("tanh", tanh, tanh_derivative, r"\tanh(z)", r"1 - \tanh^2(z)")
    if name == "relu":
        return Activation("relu", relu, relu_derivative, r"\max(0, z)", r"[z > 0]")
    if name == "leaky_relu":
        slope = check_real("slope", slope, minimum=0.0)
        return Activation("leaky_relu", partial(leaky_relu, slope=slope),
                          partial(leaky_relu_derivative, slope=slope),
                          rf"\max({slope:g} z, z)", rf"1 \text{{ if }} z > 0 \text{{ else }} {slope:g}")
    return Activation("linear", linear, linear_derivative, "z", "1")
