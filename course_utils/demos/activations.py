"""Outputs, losses and activations (notebook 04, lectures 002 and 003): who is responsible for the loss.

:func:`gradient_shares`, :func:`activation_table`, :func:`dead_units`, :func:`plot_activations`.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_float_array
from ..activations import get_activation
from ..mlp import MLP

__all__ = ["gradient_shares", "activation_table", "dead_units", "plot_activations"]


def gradient_shares(mlp: MLP, x, y, loss: str = "mse") -> list:
    """ "Who is responsible for the loss": per weight layer, the size of its gradient.

    Rows ``(layer l, mean |delta^{l+1}|, ||dJ/dW^l||_F, share)`` for ``l = 1 .. L-1`` where
    ``share`` is this layer's fraction of the summed Frobenius norms of all ``dJ/dW``.
    """
    _, grads = mlp.loss_and_gradients(x, y, loss=loss)
    norms = [float(np.linalg.norm(g)) for g in grads.weights]
    total = sum(norms) or 1.0
    return [(k + 1, float(np.mean(np.abs(grads.deltas[k]))), norms[k], norms[k] / total) for k in range(len(norms))]


def activation_table(zs, names=("sigmoid", "tanh", "relu", "leaky_relu")) -> list:
    """Rows ``(z, f_1(z), f_1'(z), f_2(z), f_2'(z), ...)`` for the activations ``names``."""
    zs = as_float_array("zs", zs, ndim=1)
    acts = [get_activation(n) for n in names]
    return [(float(z), *[v for a in acts for v in (float(a.forward(z)), float(a.derivative(z)))]) for z in zs]


def dead_units(mlp: MLP, x) -> list:
    """For each hidden layer, a boolean array: which units have ``z <= 0`` on every example of ``x``.

    With ReLU such a unit outputs 0 and has ``f'(z) = 0`` everywhere on the data,
    so its delta and the gradients of its incoming weights are exactly 0: it is dead.
    """
    zs, _ = mlp.forward_layers(x)
    return [np.all(z <= 0, axis=0) for z in zs[:-1]]


def plot_activations(axes, names=("sigmoid", "tanh", "relu", "leaky_relu"), z_range=(-6.0, 6.0), slope: float = 0.1):
    """Plot each activation (top row) and its derivative (bottom row) on ``axes`` of shape ``(2, len(names))``.

    Leaky ReLU is drawn with ``slope`` (default 0.1, larger than usual so it is visible).
    Returns the list of line artists.
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
