"""Outputs, losses and activations (notebook 04, lectures 002 and 003): who is responsible for the loss.

:func:`gradient_shares`, :func:`activation_table`, :func:`dead_units`, :func:`plot_activations`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._checks import as_float_array
from ..activations import get_activation
from ..mlp import MLP

__all__ = ["gradient_shares", "activation_table", "dead_units", "plot_activations"]


def gradient_shares(mlp: MLP, x: ArrayLike, y: ArrayLike, loss: str = "mse") -> list[tuple]:
    """ "Who is responsible for the loss": per weight layer, the size of its gradient.

    Parameters
    ----------
    mlp : MLP
        The network.
    x : array_like, shape (N, S_1)
        The batch.
    y : array_like, shape (N, S_L), or (N,) integer labels for cross-entropy
        The targets.
    loss : {"mse", "cross_entropy"}, default "mse"
        As :meth:`MLP.loss_and_gradients`.

    Returns
    -------
    list of tuple
        ``(l, mean |delta^{l+1}|, ||dJ/dW^l||_F, share)`` for ``l = 1 .. L-1``, where ``share`` is this
        layer's fraction of the summed Frobenius norms of all ``dJ/dW``.
    """
    _, grads = mlp.loss_and_gradients(x, y, loss=loss)
    norms = [float(np.linalg.norm(g)) for g in grads.weights]
    total = sum(norms) or 1.0
    return [(k + 1, float(np.mean(np.abs(grads.deltas[k]))), norms[k], norms[k] / total) for k in range(len(norms))]


def activation_table(zs: ArrayLike, names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu")) -> list[tuple]:
    """Values and derivatives of some activations at some points.

    Parameters
    ----------
    zs : array_like, shape (M,)
        The points ``z``.
    names : sequence of str, default ("sigmoid", "tanh", "relu", "leaky_relu")
        Activations, as :func:`course_utils.activations.get_activation` knows them.

    Returns
    -------
    list of tuple
        One row ``(z, f_1(z), f_1'(z), f_2(z), f_2'(z), ...)`` per point, floats.
    """
    zs = as_float_array("zs", zs, ndim=1)
    acts = [get_activation(n) for n in names]
    return [(float(z), *[v for a in acts for v in (float(a.forward(z)), float(a.derivative(z)))]) for z in zs]


def dead_units(mlp: MLP, x: ArrayLike) -> list[np.ndarray]:
    """Which hidden units have ``z <= 0`` on every example of ``x``.

    With ReLU such a unit outputs 0 and has ``f'(z) = 0`` everywhere on the data,
    so its delta and the gradients of its incoming weights are exactly 0: it is dead.

    Parameters
    ----------
    mlp : MLP
        The network.
    x : array_like, shape (N, S_1)
        The data.

    Returns
    -------
    list of ndarray of bool
        One per hidden layer ``l = 2 .. L-1``, shape (S_l,).
    """
    zs, _ = mlp.forward_layers(x)
    return [np.all(z <= 0, axis=0) for z in zs[:-1]]


def plot_activations(
    axes: ArrayLike,
    names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu"),
    z_range: tuple[float, float] = (-6.0, 6.0),
    slope: float = 0.1,
) -> list:
    """Plot each activation (top row) and its derivative (bottom row).

    Parameters
    ----------
    axes : array of matplotlib Axes, shape (2, len(names))
        One column per activation.
    names : sequence of str, default ("sigmoid", "tanh", "relu", "leaky_relu")
        Activations, as :func:`course_utils.activations.get_activation` knows them.
    z_range : (float, float), default (-6.0, 6.0)
        The interval of ``z`` drawn.
    slope : float, default 0.1
        Leaky ReLU's slope for ``z < 0`` (larger than usual so it is visible).

    Returns
    -------
    list of matplotlib.lines.Line2D
        The plotted lines, two per activation.
    """
    axes = np.asarray(axes)
    if axes.shape != (2, len(names)):
        raise ValueError(f"axes: expected a (2, {len(names)}) grid of axes, got shape {axes.shape}")
    z = np.linspace(*z_range, 401)
    lines = []
    for c, name in enumerate(names):
        act = get_activation(name, slope=slope) if name == "leaky_relu" else get_activation(name)
        lines += axes[0, c].plot(z, act.forward(z), color="#1c7ed6")
        lines += axes[1, c].plot(z, act.derivative(z), color="#e8590c")
        axes[0, c].set_title(f"{name}\n${act.formula}$")
        axes[1, c].set_title(f"$f'(z) = {act.derivative_formula}$")
        for ax in axes[:, c]:
            ax.axhline(0, color="0.8", lw=0.8)
            ax.axvline(0, color="0.8", lw=0.8)
        axes[1, c].set_xlabel("$z$")
    return lines
