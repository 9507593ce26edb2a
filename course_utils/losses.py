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
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_labels, check_targets

__all__ = ["mse", "mse_gradient", "softmax_cross_entropy", "one_hot"]


def _pair(yhat, y):
    yhat = as_float_array("yhat", yhat, ndim=(1, 2))
    y = as_float_array("y", y, ndim=(1, 2))
    if y.shape != yhat.shape:
        raise ValueError(f"y: expected the shape of yhat {yhat.shape}, got {y.shape}")
    if yhat.ndim == 1:  # one example
        yhat, y = yhat[None, :], y[None, :]
    return yhat, y


def mse(yhat: ArrayLike, y: ArrayLike) -> float:
    """Squared error ``1/N sum_n 1/2 sum_i (yhat[n, i] - y[n, i])^2``: the lecture's ``L`` for ``N = 1``.

    Parameters
    ----------
    yhat : array_like, shape (N, K) or (K,)
        Network outputs (one example if 1-D).
    y : array_like, the shape of ``yhat``
        Targets.

    Returns
    -------
    float
    """
    yhat, y = _pair(yhat, y)
    return float(0.5 * np.sum((yhat - y) ** 2) / yhat.shape[0])


def mse_gradient(yhat: ArrayLike, y: ArrayLike) -> np.ndarray:
    """``dL/dyhat = (yhat - y) / N`` of :func:`mse`.

    Parameters
    ----------
    yhat : array_like, shape (N, K) or (K,)
    y : array_like, the shape of ``yhat``

    Returns
    -------
    ndarray, the shape of ``yhat``
    """
    shape = np.shape(yhat)
    yhat, y = _pair(yhat, y)
    return ((yhat - y) / yhat.shape[0]).reshape(shape)


def one_hot(labels: ArrayLike, num_classes: int) -> np.ndarray:
    """One-hot rows: ``out[n, labels[n]] = 1``, every other entry 0.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Each in ``0 .. num_classes - 1``.
    num_classes : int

    Returns
    -------
    ndarray, shape (N, num_classes)
    """
    labels = check_labels(labels, num_classes)
    out = np.zeros((labels.size, num_classes))
    out[np.arange(labels.size), labels] = 1.0
    return out


def softmax_cross_entropy(z: ArrayLike, y: ArrayLike) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(z)`` against ``y``, and its gradient w.r.t. ``z`` (lecture 002).

    ``loss = -1/N sum_n sum_k y[n,k] log softmax(z)[n,k]`` and ``dz = (softmax(z) - y) / N``.
    Stable for logits of any size: it uses ``log softmax(z) = z - max(z) - log sum exp(z - max(z))``
    and never takes the log of a probability that rounded to 0.

    Parameters
    ----------
    z : array_like, shape (N, K)
        Logits.
    y : array_like, shape (N, K) or (N,)
        One-hot (or any probability) rows, or integer class labels.

    Returns
    -------
    loss : float
    dz : ndarray, shape (N, K)
    """
    z = as_float_array("z", z, ndim=2)
    n, k = z.shape
    y_arr = check_targets(y, n, k, labels=True)
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_p = shifted - log_sum
    loss = float(-np.sum(y_arr * log_p) / n)
    dz = (np.exp(log_p) - y_arr) / n
    return loss, dz
