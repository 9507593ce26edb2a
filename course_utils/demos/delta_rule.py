"""The delta rule (notebook 02, lecture 000, slides 001): the slides' matrix-vector algorithm, literally.

:func:`matrix_form_backward` (column vectors, as in the lecture) and
:func:`numerical_mlp_gradients` (central differences, no backpropagation).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from .._checks import as_float_array
from ..gradcheck import numerical_gradient
from ..mlp import MLP, Gradients

__all__ = ["matrix_form_backward", "numerical_mlp_gradients"]


def matrix_form_backward(mlp: MLP, x_row: ArrayLike, y_row: ArrayLike) -> tuple[list, list, list]:
    """Slides 001's backward algorithm for ONE example with column vectors, literally.

    Forward: ``h^(0) = x``, ``a^(k) = b^(k) + W^(k) h^(k-1)``, ``h^(k) = f(a^(k))``.
    Backward (squared error, ``J = 1/2 ||yhat - y||^2``)::

        g <- grad_yhat J = yhat - y
        for k = l .. 1:
            g <- g * f'(a^(k))           # now the lecture's delta of layer k+1
            grad_b^(k) J = g ;  grad_W^(k) J = g h^(k-1)^T   (+ lambda W^(k))
            g <- W^(k)^T g

    Note: slides 001 call the pre-activation ``a`` and the activation ``h``; lecture 000
    calls them ``z`` and ``a``.

    Parameters
    ----------
    mlp : MLP
        The network; its output activation must be elementwise (not softmax).
    x_row : array_like, shape (S_1,)
        One example's input.
    y_row : array_like, shape (S_L,)
        Its target.

    Returns
    -------
    weight_grads : list of ndarray
        ``weight_grads[k]`` is ``grad_W^(k+1) J``, shape (S_{k+2}, S_{k+1}), like ``mlp.weights[k]``.
    bias_grads : list of ndarray
        ``bias_grads[k]``, shape (S_{k+2},).
    trace : list of tuple
        ``(k, g after f', grad_W shape)`` per layer, from the top layer down.
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp: expected an MLP, got {type(mlp).__name__}")
    if mlp.output_activation == "softmax":
        raise ValueError(
            "mlp: matrix_form_backward follows the slides' elementwise g * f'(a); got output_activation='softmax'"
        )
    x = as_float_array("x_row", x_row, ndim=1).reshape(-1, 1)
    y = as_float_array("y_row", y_row, ndim=1).reshape(-1, 1)
    if x.shape[0] != mlp.sizes[0] or y.shape[0] != mlp.sizes[-1]:
        raise ValueError(
            f"x_row, y_row: expected {mlp.sizes[0]} inputs and {mlp.sizes[-1]} targets, "
            f"got {x.shape[0]} and {y.shape[0]}"
        )
    n = len(mlp.weights)
    acts = [mlp.activation] * (n - 1) + [mlp.output_activation]
    hs, pre = [x], []
    for W, b, f in zip(mlp.weights, mlp.biases, acts):
        a = b.reshape(-1, 1) + W @ hs[-1]
        pre.append(a)
        hs.append(f.forward(a))
    g = hs[-1] - y
    dW, db, trace = [None] * n, [None] * n, []
    for k in range(n - 1, -1, -1):
        g = g * acts[k].derivative(pre[k])
        db[k] = g.ravel().copy()
        dW[k] = g @ hs[k].T + mlp.weight_decay * mlp.weights[k]
        trace.append((k, g.ravel().copy(), dW[k].shape))
        g = mlp.weights[k].T @ g
    return dW, db, trace


def numerical_mlp_gradients(mlp: MLP, x: ArrayLike, y: ArrayLike, loss: str = "mse", h: float = 1e-5) -> Gradients:
    """Central-difference gradients of ``mlp``'s loss w.r.t. every weight and bias (no backprop).

    Parameters
    ----------
    mlp : MLP
        The network (its parameters are nudged and restored).
    x : array_like, shape (N, S_1)
        The batch.
    y : array_like, shape (N, S_L), or (N,) integer labels for cross-entropy
        The targets.
    loss : {"mse", "cross_entropy"}, default "mse"
        As :meth:`MLP.loss_and_gradients`.
    h : float, default 1e-5
        The central-difference step.

    Returns
    -------
    Gradients
        ``weights`` and ``biases`` shaped like the parameters; ``deltas`` empty.
    """

    def J(_):
        return mlp.loss_and_gradients(x, y, loss=loss)[0]

    weights = [numerical_gradient(J, W, h=h) for W in mlp.weights]
    biases = [numerical_gradient(J, b, h=h) for b in mlp.biases]
    return Gradients(weights, biases, [])
