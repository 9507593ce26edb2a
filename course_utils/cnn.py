"""A tiny CNN built only from course_utils layers: conv -> ReLU -> max pool -> dense -> softmax.

Every step is a forward/backward pair from this package, so ``loss_and_gradients`` is
the chain rule written out layer by layer, the lecture's ``dC/dx_{i-1} = dC/dx_i *
dF_i/dx_{i-1}``::

    x --conv2d--> z1 --ReLU--> a1 --max pool--> p1 --flatten--> h --dense--> scores --softmax CE--> L

Shapes for an input (N, C, H, W), ``F`` filters of size ``K`` (padding ``K // 2`` keeps H x W),
pooling ``P x P`` with stride ``P``: z1, a1 (N, F, H, W); p1 (N, F, H/P, W/P); h (N, F*H*W/P^2);
scores (N, n_classes).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_positive_int, check_real
from .fast.conv import conv2d_backward, conv2d_forward  # the same layers as .conv and .pooling, tuned
from .fast.pooling import max_pool_backward, max_pool_forward
from .layers import activation_backward, activation_forward, dense_backward, dense_forward
from .losses import softmax_cross_entropy
from .pooling import pool_output_size

__all__ = ["TinyCNN"]


class TinyCNN:
    """conv(F filters, K x K, pad K//2) -> ReLU -> max pool (P x P, stride P) -> dense -> softmax.

    The weights live in ``self.params``: ``w1`` (F, C, K, K), ``b1`` (F,), ``W2``
    (n_classes, F*H'*W') in the course's ``(S_{l+1}, S_l)`` layout, ``b2`` (n_classes,).
    Weights start as He-scaled Gaussians from ``seed``; biases at 0. The layers come from
    :mod:`course_utils.fast` (the same results as :mod:`course_utils.conv` and :mod:`course_utils.pooling`).

    Parameters
    ----------
    in_shape : tuple, default (1, 12, 12)
        (C, H, W) of one image.
    n_filters : int, default 6
        ``F``.
    kernel : int, default 3
        ``K``, odd.
    pool : int, default 2
        ``P``.
    n_classes : int, default 4
    seed : int, default 0
    """

    def __init__(
        self,
        in_shape: tuple = (1, 12, 12),
        n_filters: int = 6,
        kernel: int = 3,
        pool: int = 2,
        n_classes: int = 4,
        seed: int = 0,
    ) -> None:
        if len(in_shape) != 3:
            raise ValueError(f"in_shape: expected (C, H, W), got {in_shape!r}")
        c, h, w = (check_positive_int(f"in_shape[{i}]", v) for i, v in enumerate(in_shape))
        self.n_filters = check_positive_int("n_filters", n_filters)
        self.kernel = check_positive_int("kernel", kernel)
        self.pool = check_positive_int("pool", pool)
        self.n_classes = check_positive_int("n_classes", n_classes, minimum=2)
        if self.kernel % 2 == 0:
            raise ValueError(f"kernel: expected an odd size (so that padding K//2 keeps H x W), got {kernel}")
        if self.pool > min(h, w):
            raise ValueError(f"pool: expected at most the image size {min(h, w)}, got {pool}")
        self.in_shape = (c, h, w)
        self.pooled_shape = (
            self.n_filters,
            pool_output_size(h, self.pool, self.pool),
            pool_output_size(w, self.pool, self.pool),
        )
        n_hidden = int(np.prod(self.pooled_shape))
        rng = np.random.default_rng(seed)
        fan_in = c * self.kernel**2
        self.params = {
            "w1": rng.normal(scale=np.sqrt(2.0 / fan_in), size=(self.n_filters, c, self.kernel, self.kernel)),
            "b1": np.zeros(self.n_filters),
            "W2": rng.normal(scale=np.sqrt(1.0 / n_hidden), size=(self.n_classes, n_hidden)),
            "b2": np.zeros(self.n_classes),
        }

    def _check_x(self, x):
        x = as_float_array("x", x, ndim=4)
        if x.shape[1:] != self.in_shape:
            raise ValueError(f"x: expected images of shape (N, {', '.join(map(str, self.in_shape))}), got {x.shape}")
        return x

    def forward(self, x: ArrayLike) -> tuple[np.ndarray, tuple]:
        """Class scores and the caches of every layer, in order.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W)

        Returns
        -------
        scores : ndarray, shape (N, n_classes)
        caches : tuple
            ``(conv_cache, relu_cache, pool_cache, p1.shape, dense_cache)``.
        """
        x = self._check_x(x)
        p = self.params
        z1, conv_cache = conv2d_forward(x, p["w1"], p["b1"], stride=1, pad=self.kernel // 2)
        a1, relu_cache = activation_forward(z1, "relu")
        p1, pool_cache = max_pool_forward(a1, self.pool, self.pool)
        h = p1.reshape(len(x), -1)
        scores, dense_cache = dense_forward(h, p["W2"], p["b2"])
        return scores, (conv_cache, relu_cache, pool_cache, p1.shape, dense_cache)

    def loss_and_gradients(self, x: ArrayLike, y: ArrayLike) -> tuple[float, dict]:
        """Mean softmax cross-entropy over the batch and its gradient w.r.t. every parameter.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W)
        y : array_like of int, shape (N,)
            Class labels.

        Returns
        -------
        loss : float
        grads : dict of str to ndarray
            Keyed like ``params``, each the shape of its parameter.
        """
        scores, (conv_cache, relu_cache, pool_cache, p1_shape, dense_cache) = self.forward(x)
        loss, dscores = softmax_cross_entropy(scores, y)
        dh, dW2, db2 = dense_backward(dscores, dense_cache)
        dp1 = dh.reshape(p1_shape)  # un-flatten
        da1 = max_pool_backward(dp1, pool_cache)  # route to the switches
        dz1 = activation_backward(da1, relu_cache)  # ReLU gate
        _, dw1, db1 = conv2d_backward(dz1, conv_cache)  # dL/dW = X ⋆ dL/dY
        return loss, {"w1": dw1, "b1": db1, "W2": dW2, "b2": db2}

    def predict(self, x: ArrayLike) -> np.ndarray:
        """Predicted class: the argmax of the scores.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W)

        Returns
        -------
        ndarray of int, shape (N,)
        """
        return np.argmax(self.forward(x)[0], axis=1)

    def accuracy(self, x: ArrayLike, y: ArrayLike) -> float:
        """Fraction of the images classified correctly.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W)
        y : array_like of int, shape (N,)

        Returns
        -------
        float
        """
        return float(np.mean(self.predict(x) == np.asarray(y)))

    def train(
        self,
        x: ArrayLike,
        y: ArrayLike,
        epochs: int = 5,
        lr: float = 0.1,
        batch_size: int = 32,
        momentum: float = 0.9,
        seed: int = 0,
    ) -> list[float]:
        """Mini-batch SGD with momentum: ``v <- momentum v - lr dL/dp``, ``p <- p + v``.

        Parameters
        ----------
        x : array_like, shape (N, C, H, W)
        y : array_like of int, shape (N,)
        epochs : int, default 5
        lr : float, default 0.1
        batch_size : int, default 32
        momentum : float, default 0.9
        seed : int, default 0
            Seed of the shuffling.

        Returns
        -------
        list of float
            The loss of every batch, in order.
        """
        x = self._check_x(x)
        y = np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(f"y: expected {len(x)} integer labels, got shape {y.shape}")
        epochs = check_positive_int("epochs", epochs)
        batch_size = check_positive_int("batch_size", batch_size)
        lr = check_real("lr", lr, minimum=0.0)
        momentum = check_real("momentum", momentum, minimum=0.0)
        rng = np.random.default_rng(seed)
        velocity = {k: np.zeros_like(v) for k, v in self.params.items()}
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                idx = order[start : start + batch_size]
                loss, grads = self.loss_and_gradients(x[idx], y[idx])
                for k in self.params:
                    velocity[k] = momentum * velocity[k] - lr * grads[k]
                    self.params[k] += velocity[k]
                losses.append(loss)
        return losses
