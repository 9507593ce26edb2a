"""A multilayer perceptron trained by backpropagation: the delta rule, vectorized over a batch.

Notation (lecture 000): layers ``l = 1..L`` with ``S_l`` units; ``W^l`` has shape
``(S_{l+1}, S_l)`` and ``W^l[i, j]`` connects unit ``j`` of layer ``l`` to unit
``i`` of layer ``l+1``. Layer 1 is the input, ``a^1 = x``; for ``l = 1..L-1``::

    z^{l+1} = W^l a^l + b^l,        a^{l+1} = f(z^{l+1}).

Backward (the delta rule), for one example::

    delta^L     = (a^L - y) * f'(z^L)                      (squared error)
    delta^l     = ((W^l)^T delta^{l+1}) * f'(z^l)            i.e.  delta_i^l = (sum_j delta_j^{l+1} w_ji^l) f'(z_i^l)
    dL/dW^l     = delta^{l+1} (a^l)^T                       i.e.  dL/dW_ij^l = delta_i^{l+1} a_j^l
    dL/db^l     = delta^{l+1}

Where the code departs from the lecture:

* Python lists are 0-based: ``weights[k]`` is ``W^{k+1}``, ``biases[k]`` is ``b^{k+1}``.
* Batches are rows, so a layer computes ``z = a @ W.T + b`` (the lecture's
  ``W a + b`` for every row at once), and ``deltas[k]`` has one row per example.
* The loss of a batch is the mean of the examples' losses, so the weight
  gradients are the mean of the per-example ``delta a^T`` (for ``N = 1`` they
  are exactly the lecture's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    as_float_array,
    check_batch,
    check_choice,
    check_positive_int,
    check_real,
    check_shape,
    check_targets,
)
from .activations import Activation, get_activation, softmax, softmax_backward

__all__ = ["MLP", "Gradients", "LOSSES"]

LOSSES = ("mse", "cross_entropy")


@dataclass
class Gradients:
    """Gradients of the loss, shaped like the parameters.

    ``weights[k]``: ``dJ/dW^{k+1}``, shape ``(S_{k+2}, S_{k+1})``.
    ``biases[k]``: ``dJ/db^{k+1}``, shape ``(S_{k+2},)``.
    ``deltas[k]``: the per-example deltas of layer ``k+2`` (the ``delta^{l+1}`` that
    multiplies ``a^l`` in ``dL/dW^l``), shape ``(N, S_{k+2})``; row ``n`` is the
    lecture's ``delta`` for example ``n`` alone (no ``1/N``).
    """

    weights: list = field(default_factory=list)
    biases: list = field(default_factory=list)
    deltas: list = field(default_factory=list)


class MLP:
    """Fully connected network with layer sizes ``sizes = [S_1, ..., S_L]``.

    Parameters
    ----------
    sizes : sequence of int, at least two (input and output).
    activation : hidden-layer activation name (see :data:`course_utils.activations.ACTIVATIONS`).
    output_activation : output activation name, or ``"softmax"``.
    seed : seed of the weight initialisation (normal, scaled by ``1/sqrt(S_l)``; biases 0).
    weight_decay : ``lambda`` of the regulariser ``lambda * Omega`` with
        ``Omega = 1/2 sum_l ||W^l||^2`` (biases are not regularised), slides 001.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation = "sigmoid",
        seed: int = 0,
        weight_decay: float = 0.0,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes: expected a list of layer sizes like [2, 4, 3, 2], got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes: expected at least 2 layer sizes (input and output), got {list(sizes)}")
        self.sizes = [check_positive_int(f"sizes[{k}]", s) for k, s in enumerate(sizes)]
        self.activation = get_activation(activation)
        if output_activation == "softmax":
            self.output_activation = "softmax"
        else:
            self.output_activation = get_activation(output_activation)
        self.weight_decay = check_real("weight_decay", weight_decay, minimum=0.0)
        rng = np.random.default_rng(seed)
        self._weights = [
            rng.normal(0.0, 1.0 / np.sqrt(s_in), size=(s_out, s_in))
            for s_in, s_out in zip(self.sizes[:-1], self.sizes[1:])
        ]
        self._biases = [np.zeros(s_out) for s_out in self.sizes[1:]]

    # -- parameters (settable, checked) -------------------------------------------------
    @property
    def weights(self) -> list:
        """``weights[k]`` is ``W^{k+1}`` of shape ``(S_{k+2}, S_{k+1})``."""
        return self._weights

    @weights.setter
    def weights(self, new):
        new = list(new)
        if len(new) != len(self._weights):
            raise ValueError(f"weights: expected {len(self._weights)} matrices for sizes {self.sizes}, got {len(new)}")
        checked = []
        for k, W in enumerate(new):
            W = as_float_array(f"weights[{k}]", W, ndim=2).astype(np.float64)
            check_shape(
                f"weights[{k}]",
                W,
                self._weights[k].shape,
                why=f"W^{k + 1} for a layer of size {self.sizes[k]} -> {self.sizes[k + 1]}",
            )
            checked.append(W.copy())
        self._weights = checked

    @property
    def biases(self) -> list:
        """``biases[k]`` is ``b^{k+1}`` of shape ``(S_{k+2},)``."""
        return self._biases

    @biases.setter
    def biases(self, new):
        new = list(new)
        if len(new) != len(self._biases):
            raise ValueError(f"biases: expected {len(self._biases)} vectors for sizes {self.sizes}, got {len(new)}")
        checked = []
        for k, b in enumerate(new):
            b = as_float_array(f"biases[{k}]", b, ndim=1).astype(np.float64)
            check_shape(f"biases[{k}]", b, self._biases[k].shape, why=f"b^{k + 1}, one per unit of layer {k + 2}")
            checked.append(b.copy())
        self._biases = checked

    @property
    def num_layers(self) -> int:
        """``L``, the number of layers counting the input layer (lecture 000)."""
        return len(self.sizes)

    def __repr__(self) -> str:
        out = self.output_activation if isinstance(self.output_activation, str) else self.output_activation.name
        return (
            f"MLP(sizes={self.sizes}, activation={self.activation.name!r}, "
            f"output_activation={out!r}, weight_decay={self.weight_decay})"
        )

    # -- forward ---------------------------------------------------------------------------
    def _output(self, z):
        if self.output_activation == "softmax":
            return softmax(z, axis=1)
        return self.output_activation.forward(z)

    def forward_layers(self, x: ArrayLike) -> tuple[list, list]:
        """Forward pass keeping every layer: ``z^{l+1} = W^l a^l + b^l``, ``a^{l+1} = f(z^{l+1})``.

        Parameters
        ----------
        x : array_like, shape (N, S_1)

        Returns
        -------
        zs : list of ndarray
            ``zs[k]`` is ``z^{k+2}``, shape (N, S_{k+2}), the pre-activation of ``activations[k+1]``.
        activations : list of ndarray
            ``activations[k]`` is ``a^{k+1}``, shape (N, S_{k+1}); ``activations[0] = x``.
        """
        a = check_batch(x, self.sizes[0])
        zs, activations = [], [a]
        last = len(self._weights) - 1
        for k, (W, b) in enumerate(zip(self._weights, self._biases)):
            z = a @ W.T + b
            a = self._output(z) if k == last else self.activation.forward(z)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Network output ``yhat = a^L``.

        Parameters
        ----------
        x : array_like, shape (N, S_1)

        Returns
        -------
        ndarray, shape (N, S_L)
        """
        return self.forward_layers(x)[1][-1]

    def predict(self, x: ArrayLike) -> np.ndarray:
        """Class index of the largest output per row.

        Parameters
        ----------
        x : array_like, shape (N, S_1)

        Returns
        -------
        ndarray of int, shape (N,)
        """
        return np.argmax(self.forward(x), axis=1)

    # -- loss and backward --------------------------------------------------------------------
    def loss_and_gradients(self, x: ArrayLike, y: ArrayLike, loss: str = "mse") -> tuple[float, Gradients]:
        """Loss ``J`` of the batch and its gradients (a :class:`Gradients`).

        ``loss="mse"``: ``J = 1/N sum_n 1/2 ||yhat_n - y_n||^2``, any output activation.
        ``loss="cross_entropy"``: ``J = -1/N sum_n sum_k y_nk log yhat_nk``; needs
        ``output_activation="softmax"``, and then the output delta is ``yhat - y``.
        ``y``: ``(N, S_L)`` targets, or ``(N,)`` integer labels for cross-entropy.
        With ``weight_decay = lambda``, ``J`` includes ``lambda/2 sum_l ||W^l||^2`` and each
        ``dJ/dW^l`` includes ``lambda W^l``.

        Parameters
        ----------
        x : array_like, shape (N, S_1)
        y : array_like, shape (N, S_L), or (N,) integer labels for cross-entropy
        loss : {"mse", "cross_entropy"}, default "mse"

        Returns
        -------
        loss : float
        grads : Gradients
            ``weights[k]`` (S_{k+2}, S_{k+1}), ``biases[k]`` (S_{k+2},), ``deltas[k]`` (N, S_{k+2}).
        """
        check_choice("loss", loss, LOSSES)
        if loss == "cross_entropy" and self.output_activation != "softmax":
            raise ValueError(
                "loss: 'cross_entropy' expects output_activation='softmax' "
                f"(so that the output delta is yhat - y), got {self.output_activation.name!r}"
            )
        zs, activations = self.forward_layers(x)
        n = activations[0].shape[0]
        y = check_targets(y, n, self.sizes[-1], labels=loss == "cross_entropy")
        yhat = activations[-1]
        if loss == "mse":
            value = 0.5 * np.sum((yhat - y) ** 2) / n
            dyhat = yhat - y  # dL_n/dyhat_n, per example
            if self.output_activation == "softmax":
                delta = softmax_backward(dyhat, yhat, axis=1)
            else:
                delta = dyhat * self.output_activation.derivative(zs[-1])
        else:
            value = -np.sum(y * np.log(np.clip(yhat, 1e-300, None))) / n
            delta = yhat - y
        value += self.weight_decay * 0.5 * sum(np.sum(W * W) for W in self._weights)

        n_w = len(self._weights)
        grads = Gradients([None] * n_w, [None] * n_w, [None] * n_w)
        for k in reversed(range(n_w)):
            grads.deltas[k] = delta
            grads.weights[k] = delta.T @ activations[k] / n + self.weight_decay * self._weights[k]
            grads.biases[k] = delta.sum(axis=0) / n
            if k > 0:
                delta = (delta @ self._weights[k]) * self.activation.derivative(zs[k - 1])
        return float(value), grads

    # -- training --------------------------------------------------------------------------------
    def step(self, grads: Gradients, lr: float) -> None:
        """Gradient descent update ``W <- W - lr dJ/dW``, ``b <- b - lr dJ/db`` (in place).

        Parameters
        ----------
        grads : Gradients
            From :meth:`loss_and_gradients`.
        lr : float
            Learning rate (>= 0).
        """
        lr = check_real("lr", lr, minimum=0.0)
        if not isinstance(grads, Gradients):
            raise TypeError(f"grads: expected the Gradients returned by loss_and_gradients, got {type(grads).__name__}")
        for k in range(len(self._weights)):
            check_shape(f"grads.weights[{k}]", np.asarray(grads.weights[k]), self._weights[k].shape)
            check_shape(f"grads.biases[{k}]", np.asarray(grads.biases[k]), self._biases[k].shape)
        for k in range(len(self._weights)):
            self._weights[k] -= lr * grads.weights[k]
            self._biases[k] -= lr * grads.biases[k]

    def fit(
        self,
        x: ArrayLike,
        y: ArrayLike,
        epochs: int,
        lr: float,
        batch_size: int | None = None,
        loss: str = "mse",
        shuffle: bool = True,
        seed: int = 0,
        progress: str | bool | Callable = "auto",
        callback: Callable[[int, float], None] | None = None,
    ) -> list:
        """Train by (mini-batch) gradient descent; return the loss on all of ``x`` after each epoch.

        ``batch_size=None`` is full-batch gradient descent; ``batch_size=1`` is
        stochastic gradient descent (one example per step). ``progress``: ``"auto"``
        shows a progress bar only inside a Jupyter kernel, ``True``/``False`` force it,
        or pass a callable ``progress(epoch, epochs)``. ``callback(epoch, loss)`` is
        called after each epoch.

        Parameters
        ----------
        x : array_like, shape (N, S_1)
        y : array_like, shape (N, S_L), or (N,) integer labels for cross-entropy
        epochs : int
        lr : float
        batch_size : int, optional
        loss : {"mse", "cross_entropy"}, default "mse"
        shuffle : bool, default True
        seed : int, default 0
        progress : "auto", bool or callable, default "auto"
        callback : callable, optional

        Returns
        -------
        list of float
            The loss on all of ``x`` after each epoch.
        """
        epochs = check_positive_int("epochs", epochs)
        lr = check_real("lr", lr, minimum=0.0)
        x = check_batch(x, self.sizes[0])
        n = x.shape[0]
        y = check_targets(y, n, self.sizes[-1], labels=loss == "cross_entropy")
        batch_size = n if batch_size is None else check_positive_int("batch_size", batch_size)
        report = _progress_reporter(progress, epochs)
        rng = np.random.default_rng(seed)
        history = []
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                _, grads = self.loss_and_gradients(x[idx], y[idx], loss=loss)
                self.step(grads, lr)
            value, _ = self.loss_and_gradients(x, y, loss=loss)
            history.append(value)
            if callback is not None:
                callback(epoch, value)
            report(epoch + 1)
        return history


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _progress_reporter(progress, total: int):
    """Return ``report(done)``; draws an ipywidgets progress bar in a kernel when asked to."""
    if callable(progress):
        return lambda done: progress(done, total)
    show = _in_kernel() if progress == "auto" else bool(progress)
    if not show:
        return lambda done: None
    import ipywidgets as widgets
    from IPython.display import display

    bar = widgets.IntProgress(value=0, min=0, max=total, description="epochs")
    label = widgets.Label(f"0/{total}")
    display(widgets.HBox([bar, label]))
    step = max(1, total // 100)  # at most ~100 redraws

    def report(done):
        if done % step == 0 or done == total:
            bar.value = done
            label.value = f"{done}/{total}"

    return report
