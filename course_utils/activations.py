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

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_choice, check_real

__all__ = [
    "Activation",
    "get_activation",
    "ACTIVATIONS",
    "sigmoid",
    "sigmoid_derivative",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "linear",
    "linear_derivative",
    "softmax",
    "softmax_backward",
]


def sigmoid(z: ArrayLike) -> np.ndarray:
    """``1 / (1 + exp(-z))``, computed without overflow for large ``|z|``.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=False)
    # 1 / (1 + e^{-z}) = exp(-log(1 + e^{-z})); logaddexp never overflows and keeps
    # full relative accuracy for large negative z, where 1/(1 + e^{-z}) would overflow.
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_derivative(z: ArrayLike) -> np.ndarray:
    """``sigma'(z) = sigma(z) (1 - sigma(z))``; at most 1/4 (at z = 0).

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    return np.tanh(as_float_array("z", z, finite=False))


def tanh_derivative(z: ArrayLike) -> np.ndarray:
    """``1 - tanh(z)^2``; at most 1 (at z = 0).

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    t = tanh(z)
    return 1.0 - t * t


def relu(z: ArrayLike) -> np.ndarray:
    """``max(0, z)``.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=False)
    return np.maximum(z, 0.0)


def relu_derivative(z: ArrayLike) -> np.ndarray:
    """1 where ``z > 0``, else 0 (at ``z = 0`` we take 0, as PyTorch does).

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=False)
    return (z > 0).astype(z.dtype)


def leaky_relu(z: ArrayLike, slope: float = 0.01) -> np.ndarray:
    """``z`` where ``z > 0``, else ``slope * z``.

    Parameters
    ----------
    z : array_like, any shape
    slope : float, default 0.01

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=False)
    return np.where(z > 0, z, slope * z)


def leaky_relu_derivative(z: ArrayLike, slope: float = 0.01) -> np.ndarray:
    """1 where ``z > 0``, else ``slope`` (``slope`` at ``z = 0``).

    Parameters
    ----------
    z : array_like, any shape
    slope : float, default 0.01

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=False)
    return np.where(z > 0, 1.0, slope).astype(z.dtype)


def linear(z: ArrayLike) -> np.ndarray:
    """Identity, the output activation for regression.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    return as_float_array("z", z, finite=False).copy()


def linear_derivative(z: ArrayLike) -> np.ndarray:
    """1 everywhere.

    Parameters
    ----------
    z : array_like, any shape

    Returns
    -------
    ndarray, the shape of ``z``
    """
    return np.ones_like(as_float_array("z", z, finite=False))


def softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    """``exp(z_k) / sum_j exp(z_j)`` along ``axis``.

    Stable for large logits (1e3 and beyond): the maximum is subtracted first,
    which does not change the result because softmax is invariant to adding a
    constant to every logit.

    Parameters
    ----------
    z : array_like, any shape, e.g. (N, K) logits
    axis : int, default -1
        The axis that sums to 1.

    Returns
    -------
    ndarray, the shape of ``z``
    """
    z = as_float_array("z", z, finite=True)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(da: ArrayLike, s: ArrayLike, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: given ``da = dL/da`` and ``s = softmax(z)``, return ``dL/dz``.

    The Jacobian is ``ds_k/dz_i = s_k (delta_ki - s_i)``, so
    ``dL/dz_i = s_i (da_i - sum_k da_k s_k)``.

    Parameters
    ----------
    da : array_like, the shape of ``s``
    s : array_like, e.g. (N, K)
        The softmax output.
    axis : int, default -1

    Returns
    -------
    ndarray, the shape of ``s``
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


def get_activation(name: str | Activation, slope: float = 0.01) -> Activation:
    """Look up an activation by name.

    An :class:`Activation` passed in is returned unchanged. ``"softmax"`` is not
    elementwise and is handled by the output layer (see :mod:`course_utils.mlp`).

    Parameters
    ----------
    name : str or Activation
        One of ``ACTIVATIONS``.
    slope : float, default 0.01
        Leaky ReLU's slope for ``z < 0``.

    Returns
    -------
    Activation
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"name: expected an activation name (str), got {type(name).__name__}")
    check_choice("name", name, ACTIVATIONS)
    if name == "sigmoid":
        return Activation(
            "sigmoid", sigmoid, sigmoid_derivative, r"\sigma(z) = \frac{1}{1 + e^{-z}}", r"\sigma(z)\,(1 - \sigma(z))"
        )
    if name == "tanh":
        return Activation("tanh", tanh, tanh_derivative, r"\tanh(z)", r"1 - \tanh^2(z)")
    if name == "relu":
        return Activation("relu", relu, relu_derivative, r"\max(0, z)", r"[z > 0]")
    if name == "leaky_relu":
        slope = check_real("slope", slope, minimum=0.0)
        return Activation(
            "leaky_relu",
            partial(leaky_relu, slope=slope),
            partial(leaky_relu_derivative, slope=slope),
            rf"\max({slope:g} z, z)",
            rf"1 \text{{ if }} z > 0 \text{{ else }} {slope:g}",
        )
    return Activation("linear", linear, linear_derivative, "z", "1")
