"""Loss functions with their gradients.

* :func:`mse` is the lecture's squared error ``L = 1/2 sum_i (yhat_i - y_i)^2``
  (lecture 000), averaged over the ``N`` examples of a batch; for ``N = 1`` it
  is exactly the lecture's ``L``.
* :func:`softmax_cross_entropy` is the classification loss of lecture 002:
  softmax on the logits ``z`` then cross-entropy, fused so that its gradient is
  the famous ``softmax(z) - y``.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array

__all__ = ["mse", "mse_gradient", "softmax_cross_entropy", "one_hot"]


def _pair(yhat, y):
    yhat = as_float_array("yhat", yhat, ndim=(1, 2))
    y = as_float_array("y", y, ndim=(1, 2))
    if y.shape != yhat.shape:
        raise ValueError(f"y: expected the shape of yhat {yhat.shape}, got {y.shape}")
    if yhat.ndim == 1:  # one example
        yhat, y = yhat[None, :], y[None, :]
    return yhat, y


def mse(yhat, y) -> float:
    """``1/N sum_n 1/2 sum_i (yhat[n, i] - y[n, i])^2``.

    ``yhat``, ``y``: shape ``(N, K)``, or ``(K,)`` for one example.
    """
    yhat, y = _pair(yhat, y)
    return float(0.5 * np.sum((yhat - y) ** 2) / yhat.shape[0])


def mse_gradient(yhat, y):
    """``dL/dyhat = (yhat - y) / N``, of ``yhat``'s shape."""
    shape = np.shape(yhat)
    yhat, y = _pair(yhat, y)
    return ((yhat - y) / yhat.shape[0]).reshape(shape)


def one_hot(labels, num_classes: int):
    """Integer labels of shape ``(N,)`` -> one-hot rows of shape ``(N, num_classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected a 1-D array of integers, got dtype {labels.dtype} shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels: expected integers in [0, {num_classes - 1}], "
                         f"got values from {labels.min()} to {labels.max()}")
    out = np.zeros((labels.size, num_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def softmax_cross_entropy(z, y):
    """Mean cross-entropy of ``softmax(z)`` against ``y``, and its gradient w.r.t. ``z``.

    ``z``: logits, shape ``(N, K)``. ``y``: one-hot (or any probability) rows of
    shape ``(N, K)``, or integer class labels of shape ``(N,)``.

    Returns ``(loss, dz)`` with ``loss = -1/N sum_n sum_k y[n,k] log softmax(z)[n,k]``
    and ``dz = (softmax(z) - y) / N``. Stable for logits of any size: it uses
    ``log softmax(z) = z - max(z) - log sum exp(z - max(z))`` and never takes
    the log of a probability that rounded to 0.
    """
    z = as_float_array("z", z, ndim=2)
    n, k = z.shape
    y_arr = np.asarray(y)
    if y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer):
        if y_arr.shape[0] != n:
            raise ValueError(f"y: expected {n} integer labels (one per row of z), got {y_arr.shape[0]}")
        y_arr = one_hot(y_arr, k)
    else:
        y_arr = as_float_array("y", y_arr, ndim=2)
        if y_arr.shape != z.shape:
            raise ValueError(f"y: expected one-hot rows of shape {z.shape} or {n} integer labels, got shape {y_arr.shape}")
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_p = shifted - log_sum
    loss = float(-np.sum(y_arr * log_p) / n)
    dz = (np.exp(log_p) - y_arr) / n
    return loss, dz
