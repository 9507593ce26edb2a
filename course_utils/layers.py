"""Layers as forward/backward pairs, in the style of CS231n's ``layers.py``.

Each ``*_forward`` returns ``(out, cache)``; the matching ``*_backward(dout, cache)`` takes the
upstream gradient ``dout = dL/dout`` and returns the gradients of its inputs. Shapes follow the
course convention: batches are rows, and ``W`` has shape ``(S_{l+1}, S_l)`` with ``W[i, j]``
taking node ``j`` of layer ``l`` to node ``i`` of layer ``l + 1`` (lecture 000).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_cache, check_shape
from .activations import Activation, get_activation

__all__ = [
    "DenseCache",
    "ActivationCache",
    "dense_forward",
    "dense_backward",
    "activation_forward",
    "activation_backward",
]


@dataclass(frozen=True, eq=False)
class DenseCache:
    """What :func:`dense_backward` needs: the layer's input and weights."""

    x: np.ndarray  #: (N, S_l)
    W: np.ndarray  #: (S_{l+1}, S_l)


@dataclass(frozen=True, eq=False)
class ActivationCache:
    """What :func:`activation_backward` needs: the pre-activation ``z`` and the activation."""

    z: np.ndarray
    activation: Activation


def dense_forward(x: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, DenseCache]:
    """Affine layer ``z = x @ W.T + b``: the lecture's ``z^{l+1} = W^l a^l + b^l`` for each row.

    Parameters
    ----------
    x : array_like, shape (N, S_l)
    W : array_like, shape (S_{l+1}, S_l)
    b : array_like, shape (S_{l+1},)

    Returns
    -------
    z : ndarray, shape (N, S_{l+1})
    cache : DenseCache
    """
    W = as_float_array("W", W, ndim=2)
    s_out, s_in = W.shape
    x = as_float_array("x", x, ndim=2)
    check_shape("x", x, (None, s_in), why=f"N rows of {s_in} inputs for W of shape {W.shape}")
    b = as_float_array("b", b, ndim=1)
    check_shape("b", b, (s_out,), why=f"one bias per row of W {W.shape}")
    z = x @ W.T + b
    return z, DenseCache(x, W)


def dense_backward(dz: ArrayLike, cache: DenseCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`dense_forward`: ``g <- W^T g`` and ``grad_W = g h^T`` (slides 001).

    Parameters
    ----------
    dz : array_like, shape (N, S_{l+1})
        ``dL/dz``.
    cache : DenseCache

    Returns
    -------
    dx : ndarray, shape (N, S_l)
        ``dz @ W``.
    dW : ndarray, shape (S_{l+1}, S_l)
        ``dz.T @ x``, summed over the batch.
    db : ndarray, shape (S_{l+1},)
        ``dz.sum(axis=0)``.
    """
    cache = check_cache(cache, DenseCache, "dense_forward")
    x, W = cache.x, cache.W
    dz = as_float_array("dz", dz, ndim=2)
    check_shape("dz", dz, (x.shape[0], W.shape[0]), why="the shape of this layer's output z")
    return dz @ W, dz.T @ x, dz.sum(axis=0)


def activation_forward(z: ArrayLike, activation: str | Activation = "relu") -> tuple[np.ndarray, ActivationCache]:
    """Elementwise ``a = f(z)``.

    Parameters
    ----------
    z : array_like, any shape
    activation : str or Activation, default "relu"
        A name accepted by :func:`~course_utils.activations.get_activation`, or an activation.

    Returns
    -------
    a : ndarray, the shape of ``z``
    cache : ActivationCache
    """
    act = get_activation(activation)
    z = as_float_array("z", z)
    return act.forward(z), ActivationCache(z, act)


def activation_backward(da: ArrayLike, cache: ActivationCache) -> np.ndarray:
    """``dL/dz = dL/da * f'(z)``: the lecture's ``g <- g ⊙ f'(a)``.

    Parameters
    ----------
    da : array_like, the shape of ``z``
        ``dL/da``.
    cache : ActivationCache

    Returns
    -------
    dz : ndarray, the shape of ``z``
    """
    cache = check_cache(cache, ActivationCache, "activation_forward")
    da = as_float_array("da", da)
    check_shape("da", da, cache.z.shape, why="the shape of the activation's output")
    return da * cache.activation.derivative(cache.z)
