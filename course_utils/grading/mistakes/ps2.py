"""The bank of ps2: the slides' worked example (2-2-2 sigmoid network, squared error), softmax + cross-entropy."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from ._core import Mistake, PartBank, Unexpected, register, tuple_of
from .ps1 import sigmoid, sigmoid_prime


def _example_forward(W1, b1, W2, b2, x, transpose=False, bias=True, from_net=False, out_f=sigmoid, swap_b=False):
    A, B = (W1.T, W2.T) if transpose else (W1, W2)
    c1, c2 = (b2, b1) if swap_b else (b1, b2)
    net_h = A @ x + (c1 if bias else 0.0)
    out_h = sigmoid(net_h)
    net_o = B @ (net_h if from_net else out_h) + (c2 if bias else 0.0)
    return net_h, out_h, net_o, out_f(net_o)


def _example_inputs(rng):
    return {
        "W1": rng.uniform(-1, 1, (2, 2)),
        "b1": rng.uniform(-1, 1, 2),
        "W2": rng.uniform(-1, 1, (2, 2)),
        "b2": rng.uniform(-1, 1, 2),
        "x": rng.uniform(-1, 1, 2),
    }


def _example_terms(W1, b1, W2, b2, x, target=None):
    out = {"W^1": W1, "b_1": b1, "W^2": W2, "b_2": b2, "x": x}
    if target is not None:
        out["target"] = target
    return out


register(
    PartBank(
        "ps2.forward_example",
        "forward_example",
        ("net_h", "out_h", "net_o", "out_o"),
        _example_forward,
        "net_h = W^1 x + b_1 (row i of W^1 is the receiving unit h_i), out_h = σ(net_h), net_o = W^2 out_h + b_2, "
        "out_o = σ(net_o)",
        (
            Mistake(
                "net_o_from_net_h",
                "{name} was computed from net_h; the output layer receives the hidden "
                "*outputs*: net_o = W^2 out_h + b_2",
                lambda **kw: _example_forward(**kw, from_net=True),
            ),
            Mistake(
                "transposed",
                "{name} used the weight matrices transposed: row i of W^l is the receiving unit, "
                "net_h1 = w1 i1 + w2 i2 + b1",
                lambda **kw: _example_forward(**kw, transpose=True),
            ),
            Mistake(
                "no_bias", "{name} lacks the biases: net = W a + b", lambda **kw: _example_forward(**kw, bias=False)
            ),
            Mistake(
                "biases_swapped",
                "{name} uses b_2 in the hidden layer and b_1 in the output layer",
                lambda **kw: _example_forward(**kw, swap_b=True),
            ),
            Mistake(
                "linear_output",
                "{name}: the output units apply the sigmoid too, out_o = σ(net_o)",
                lambda **kw: _example_forward(**kw, out_f=lambda v: v),
            ),
        ),
        _example_inputs,
        terms=_example_terms,
        unpack=tuple_of("forward_example", ("net_h", "out_h", "net_o", "out_o")),
        shape_hint="each of net_h, out_h, net_o, out_o has one entry per unit, shape (2,)",
    )
)


def _error_inputs(rng):
    return {"out_o": rng.uniform(0, 1, 3), "target": rng.uniform(0, 1, 3)}


register(
    PartBank(
        "ps2.total_error",
        "total_error",
        ("E_total",),
        lambda out_o, target: (0.5 * np.sum((target - out_o) ** 2),),
        "E_total = ½ Σ_k (target_k − out_k)² depends on every output",
        (
            Mistake(
                "no_half",
                "{name} is twice E_total: the squared error of the slides has a ½, E = ½ Σ (target − out)²",
                lambda out_o, target: (np.sum((target - out_o) ** 2),),
            ),
            Mistake(
                "mean",
                "{name} divides by the number of outputs: E_total is a sum, ½ Σ_k (target_k − out_k)²",
                lambda out_o, target: (0.5 * np.mean((target - out_o) ** 2),),
            ),
            Mistake(
                "mean_no_half",
                "{name} is the mean squared error; the slides' E_total is ½ Σ (target − out)²",
                lambda out_o, target: (np.mean((target - out_o) ** 2),),
            ),
            Mistake(
                "not_squared",
                "{name} sums the differences without squaring them",
                lambda out_o, target: (0.5 * np.sum(target - out_o),),
            ),
            Mistake(
                "absolute",
                "{name} sums |target − out|; the error squares the differences",
                lambda out_o, target: (0.5 * np.sum(np.abs(target - out_o)),),
            ),
        ),
        _error_inputs,
        terms=lambda out_o, target: {"out_o": out_o, "target": target},
    )
)


def _mse_backward_inputs(rng):
    return {"out": rng.uniform(0.01, 0.99, 5), "target": rng.uniform(0, 1, 5)}


register(
    PartBank(
        "ps2.mse_backward",
        "mse_backward",
        ("∂E/∂out",),
        lambda out, target: (out - target,),
        "∂E/∂out_k = out_k − target_k depends on out_k and target_k",
        (
            Mistake(
                "sign",
                "{name} has the wrong sign: ∂E/∂out_k = out_k − target_k (E grows as out moves away from the target)",
                lambda out, target: (target - out,),
            ),
            Mistake(
                "times_two",
                "{name} is twice the derivative: the ½ of E = ½ Σ (target − out)² cancels the 2",
                lambda out, target: (2 * (out - target),),
            ),
            Mistake(
                "half",
                "{name} is half the derivative: d/dout of ½ (target − out)² is (out − target)",
                lambda out, target: (0.5 * (out - target),),
            ),
            Mistake(
                "squared",
                "{name} is the squared difference (the error itself); its derivative is out − target",
                lambda out, target: ((out - target) ** 2,),
            ),
        ),
        _mse_backward_inputs,
        terms=lambda out, target: {"out": out, "target": target},
    )
)


def _sigmoid_backward_inputs(rng):
    return {"dout": rng.uniform(-1, 1, 5), "out": rng.uniform(0.01, 0.99, 5)}


register(
    PartBank(
        "ps2.sigmoid_backward",
        "sigmoid_backward",
        ("∂E/∂net",),
        lambda dout, out: (dout * out * (1 - out),),
        "∂E/∂net_k = ∂E/∂out_k · out_k (1 − out_k) depends on ∂E/∂out_k and out_k",
        (
            Mistake(
                "no_dout",
                "{name} is out(1 − out), the local derivative alone: multiply by the gradient from above, ∂E/∂out",
                lambda dout, out: (out * (1 - out),),
            ),
            Mistake(
                "fprime_of_out",
                "{name} applies σ' to out as if it were net: given the output, the "
                "derivative is out(1 − out), no second sigmoid",
                lambda dout, out: (dout * sigmoid_prime(out),),
            ),
            Mistake(
                "no_fprime",
                "{name} is ∂E/∂out passed through unchanged: multiply by σ'(net) = out(1 − out)",
                lambda dout, out: (dout,),
            ),
            Mistake(
                "one_minus_only",
                "{name} is ∂E/∂out · (1 − out): σ'(net) = out(1 − out) has both factors",
                lambda dout, out: (dout * (1 - out),),
            ),
        ),
        _sigmoid_backward_inputs,
        terms=lambda dout, out: {"∂E/∂out": dout, "out": out},
    )
)


def _example_grads(
    W1,
    b1,
    W2,
    b2,
    x,
    target,
    transpose_outer=False,
    from_net=False,
    W2_forward=False,
    hidden_fprime=True,
    output_fprime=True,
    sign=1.0,
    updated_lr=None,
    forward_example=None,
    mse_backward=None,
    sigmoid_backward=None,
):
    forward_example = forward_example or (lambda *a: _example_forward(*a))
    mse_backward = mse_backward or (lambda out, t: out - t)
    sigmoid_backward = sigmoid_backward or (lambda dout, out: dout * out * (1 - out))
    net_h, out_h, _net_o, out_o = (np.asarray(v, dtype=float) for v in forward_example(W1, b1, W2, b2, x))
    d_out = sign * np.asarray(mse_backward(out_o, target), dtype=float)
    d_o = np.asarray(sigmoid_backward(d_out, out_o), dtype=float) if output_fprime else d_out
    outer = (lambda a, b: np.outer(b, a)) if transpose_outer else np.outer
    dW2 = outer(d_o, net_h if from_net else out_h)
    W2_used = W2 - updated_lr * dW2 if updated_lr else W2
    back = (W2_used if W2_forward else W2_used.T) @ d_o
    d_h = np.asarray(sigmoid_backward(back, out_h), dtype=float) if hidden_fprime else back
    return outer(d_h, x), dW2


def _example_grads_inputs(rng):
    return {**_example_inputs(rng), "target": rng.uniform(0, 1, 2)}


def _eg(**options):
    return partial(_example_grads, **options)


register(
    PartBank(
        "ps2.example_gradients",
        "example_gradients",
        ("dW1", "dW2"),
        _example_grads,
        "∂E/∂W^2_ij = δ_{o_i} out_{h_j} and ∂E/∂W^1_ij = δ_{h_i} x_j with δ_h = ((W^2)^T δ_o) ⊙ out_h(1 − out_h)",
        (
            Mistake(
                "transposed",
                "{name} is the transpose: ∂E/∂w5 = δ_{o1} out_{h1} sits where w5 sits, "
                "np.outer(δ, a) with δ of the receiving layer first",
                _eg(transpose_outer=True),
            ),
            Mistake(
                "from_net",
                "{name} uses net_h where out_h belongs: ∂net_o/∂w5 = out_{h1}, the hidden *output*",
                _eg(from_net=True),
            ),
            Mistake(
                "W2_not_transposed",
                "{name}: δ_h went back through W^2 instead of (W^2)^T; unit h_j collects "
                "δ_{o_i} w_ij over the units o_i it feeds (column j of W^2)",
                _eg(W2_forward=True),
            ),
            Mistake(
                "hidden_no_fprime",
                "{name}: δ_h lacks the factor out_h(1 − out_h) = σ'(net_h)",
                _eg(hidden_fprime=False),
            ),
            Mistake(
                "output_no_fprime",
                "{name}: δ_o lacks the factor out_o(1 − out_o) = σ'(net_o)",
                _eg(output_fprime=False),
            ),
            Mistake("sign", "{name} has the wrong sign: ∂E/∂out_o = out_o − target", _eg(sign=-1.0)),
            Mistake(
                "updated_W2",
                "{name}: δ_h used the *updated* W^2; the slides use the original weights for "
                "every gradient of the step",
                _eg(updated_lr=0.5),
            ),
        ),
        _example_grads_inputs,
        terms=_example_terms,
        unpack=tuple_of("example_gradients", ("dW1", "dW2")),
        shape_hint="∂E/∂W^l has the shape of W^l, (2, 2)",
        uses=("forward_example", "mse_backward", "sigmoid_backward"),
    )
)


YOUR_EXAMPLE_KEYS = ("out_o1", "E_total", "dE/dw5", "dE/dw1", "w5_new")


def _your_example(
    example,
    net_as_out=False,
    half=True,
    sign=1.0,
    step=-1.0,
    lr=None,
    forward_example=None,
    example_gradients=None,
    total_error=None,
    sgd_update=None,
):
    """The numbers of one variant, with the bank's functions or the student's own (then: "right given yours")."""
    w, b = example["weights"], example["biases"]
    W1 = np.array([[w["w1"], w["w2"]], [w["w3"], w["w4"]]])
    W2 = np.array([[w["w5"], w["w6"]], [w["w7"], w["w8"]]])
    b1, b2 = np.full(2, b["b1"]), np.full(2, b["b2"])
    x, t = np.array(example["inputs"], dtype=float), np.array(example["targets"], dtype=float)
    forward_example = forward_example or _example_forward
    example_gradients = example_gradients or _example_grads
    total_error = total_error or (lambda out, target: 0.5 * np.sum((target - out) ** 2))
    sgd_update = sgd_update or (lambda W, dW, eta: W - eta * dW)
    _net_h, _out_h, net_o, out_o = (np.asarray(v, dtype=float) for v in forward_example(W1, b1, W2, b2, x))
    dW1, dW2 = (np.asarray(v, dtype=float) for v in example_gradients(W1, b1, W2, b2, x, t))
    error = float(total_error(out_o, t)) * (1.0 if half else 2.0)
    eta = example["lr"] if lr is None else lr
    w5 = np.asarray(sgd_update(W2, -step * dW2, eta), dtype=float)[0, 0]
    return (net_o[0] if net_as_out else out_o[0], error, sign * dW2[0, 0], sign * dW1[0, 0], w5)


def _your_example_inputs(rng):
    from course_utils.variants import worked_example_variant

    return {"example": worked_example_variant(f"student{int(rng.integers(0, 10**6))}")}


def slides_numbers(example: object, **helpers: Callable) -> tuple:
    """The worked example's answers computed on the slides' numbers, whatever variant was asked.

    A student who copied the slides instead of their own variant gives these.

    Parameters
    ----------
    example : object
        The variant asked for (ignored).
    **helpers : callable
        The functions the answers are computed with (the student's own or the bank's).

    Returns
    -------
    tuple
        ``(out_o1, E_total, dE/dw5, dE/dw1, w5 after one step)`` of ``course_utils.worked_example.EXAMPLE``.
    """
    from course_utils.worked_example import EXAMPLE

    return _your_example(EXAMPLE, **helpers)


def _unpack_answers(value, **_):
    if not isinstance(value, dict):
        raise Unexpected(
            f"your answers should be a dict with the keys {', '.join(YOUR_EXAMPLE_KEYS)}, got {type(value).__name__}."
        )
    missing = [k for k in YOUR_EXAMPLE_KEYS if value.get(k) is None or value.get(k) is ...]
    if missing:
        raise Unexpected(f"your answers have no number for {', '.join(missing)} yet.")
    return tuple(value[k] for k in YOUR_EXAMPLE_KEYS)


_unpack_answers.pack = lambda values: dict(zip(YOUR_EXAMPLE_KEYS, values))

register(
    PartBank(
        "ps2.your_example",
        "my_answers",
        ("out_o1", "E_total", "∂E/∂w5", "∂E/∂w1", "w5 after one step"),
        _your_example,
        "each number is computed from your own variant's inputs, targets, weights and biases (printed in the set-up "
        "cell)",
        (
            Mistake(
                "slides",
                "{name} is the slides' number (inputs .05/.10, targets .01/.99); your variant has its own "
                "inputs, targets and weights: run your functions on them",
                slides_numbers,
            ),
            Mistake(
                "net_as_out",
                "{name} is net_o1, before the sigmoid: out_o1 = σ(net_o1)",
                partial(_your_example, net_as_out=True),
            ),
            Mistake("no_half", "{name} is twice E_total: E = ½ Σ (target − out)²", partial(_your_example, half=False)),
            Mistake("sign", "{name} has the wrong sign: ∂E/∂out_o = out_o − target", partial(_your_example, sign=-1.0)),
            Mistake("ascent", "{name} went up the gradient: w5 ← w5 − η ∂E/∂w5", partial(_your_example, step=1.0)),
            Mistake(
                "no_rate",
                "{name} forgot the learning rate: w5 ← w5 − η ∂E/∂w5 with η = 0.5",
                partial(_your_example, lr=1.0),
            ),
        ),
        _your_example_inputs,
        terms=lambda example: {},
        unpack=_unpack_answers,
        uses=("forward_example", "example_gradients", "total_error", "sgd_update"),
    )
)


def _sgd_inputs(rng):
    return {"W": rng.uniform(-1, 1, (2, 3)), "dW": rng.uniform(-1, 1, (2, 3)), "lr": 0.3}


register(
    PartBank(
        "ps2.sgd_update",
        "sgd_update",
        ("updated W",),
        lambda W, dW, lr: (W - lr * dW,),
        "each entry is w − η ∂E/∂w, from the same entry of W and of dW",
        (
            Mistake(
                "ascent",
                "{name} = W + η dW: gradient descent *subtracts* the gradient",
                lambda W, dW, lr: (W + lr * dW,),
            ),
            Mistake(
                "no_lr", "{name} = W − dW: the learning rate η multiplies the gradient", lambda W, dW, lr: (W - dW,)
            ),
            Mistake(
                "divided",
                "{name} = W − dW / η: multiply by the learning rate, do not divide",
                lambda W, dW, lr: (W - dW / lr,),
            ),
            Mistake("step_only", "{name} = −η dW, the step alone: add it to W", lambda W, dW, lr: (-lr * dW,)),
        ),
        _sgd_inputs,
        terms=lambda W, dW, lr: {"W": W, "dW": dW},
    )
)


def _softmax(z, axis=1, shift="row"):
    z = np.asarray(z, dtype=float)
    if shift == "row":
        z = z - z.max(axis=axis, keepdims=True)
    elif shift == "all":
        z = z - z.max()
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_inputs(rng):
    z = rng.uniform(-3, 3, (2, 4))
    # large logits: without a shift row 1 overflows; shifted by the global maximum, row 0 underflows
    return {"z": z + np.array([[-300.0], [800.0]])}


register(
    PartBank(
        "ps2.softmax",
        "softmax",
        ("softmax(z)",),
        lambda z: (_softmax(z),),
        "softmax(z)_{n,k} = e^{z_{n,k}} / Σ_j e^{z_{n,j}} depends on row n of z only",
        (
            Mistake(
                "axis0",
                "{name} normalises each *column*: the softmax runs over the K logits of a row (axis=1)",
                lambda z: (_softmax(z, axis=0),),
            ),
            Mistake(
                "sum_over_columns",
                "{name} divides by the sum of each *column* (axis=0); each row's "
                "probabilities sum to 1: np.sum(e, axis=1, keepdims=True)",
                lambda z: ((lambda e: e / e.sum(axis=0, keepdims=True))(np.exp(z - z.max(axis=1, keepdims=True))),),
            ),
            Mistake(
                "no_shift",
                "{name} overflowed: e^{z} is inf for logits near 800; subtract each row's maximum "
                "first (the softmax does not change)",
                lambda z: (_softmax(z, shift="none"),),
            ),
            Mistake(
                "global_max",
                "{name}: you subtracted the largest logit of the whole array; a row far below it "
                "underflows to 0/0. Subtract each row's own maximum (keepdims=True)",
                lambda z: (_softmax(z, shift="all"),),
            ),
            Mistake(
                "global_sum",
                "{name} divides by the sum over the whole array; normalise each row by its own sum",
                lambda z: (np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(),),
            ),
            Mistake(
                "log_softmax",
                "{name} holds log-probabilities; the softmax is their exponential",
                lambda z: (np.log(_softmax(z)),),
            ),
        ),
        _softmax_inputs,
        terms=lambda z: {"z": z},
        shape_hint="normalise each row: np.sum(..., axis=1, keepdims=True) keeps the shape (N, 1) that broadcasts",
    )
)


def _ce(z, y, divide=True, mean=True, onehot=1.0, sign=1.0, log_p_from="log-sum-exp"):
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    with np.errstate(all="ignore"):
        if log_p_from == "log(softmax)":  # a probability that rounds to 0 gives log 0 = -inf
            picked = np.log(np.exp(log_p))[np.arange(n), y]
        elif log_p_from == "unshifted":  # e^z overflows for large logits
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            picked = np.log(p)[np.arange(n), y]
            log_p = np.log(p)
        else:
            picked = log_p[np.arange(n), y]
    loss = -sign * (picked.mean() if mean else picked.sum())
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= onehot
    return loss, sign * dz / (n if divide else 1)


def _ce_inputs(rng):
    z, y = rng.uniform(-2, 2, (4, 3)), rng.integers(0, 3, 4)
    z[1] += 800.0  # shifted logits: the softmax does not change, e^z overflows
    z[3] += np.array([800.0, 0.0, -800.0])
    y[3] = 1  # p of the label is e^{-800}: it rounds to 0, its log must not
    return {"z": z, "y": y}


register(
    PartBank(
        "ps2.softmax_cross_entropy",
        "softmax_cross_entropy",
        ("loss", "dz"),
        _ce,
        "L = −(1/N) Σ_n log p_{n, y_n} and ∂L/∂z_{n,k} = (p_{n,k} − [k = y_n]) / N",
        (
            Mistake(
                "dz_not_divided",
                "{name} is N times too large: L is the *mean* over the N rows, so ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, divide=False),
            ),
            Mistake(
                "loss_sum", "{name} is the sum over the N rows; L is their mean", lambda z, y: _ce(z, y, mean=False)
            ),
            Mistake(
                "no_onehot",
                "{name} is p / N: subtract the one-hot label, ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, onehot=0.0),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: L = −mean log p_{n, y_n} ≥ 0 and ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, sign=-1.0),
            ),
            Mistake(
                "log_of_softmax",
                "{name} is infinite: log(softmax(z)) gives log 0 = −∞ when a probability rounds "
                "to 0 (here a label's p is e^{−800}); compute log p = z − max z − "
                "log Σ e^{z − max z}",
                lambda z, y: _ce(z, y, log_p_from="log(softmax)"),
            ),
            Mistake(
                "unshifted",
                "{name} is NaN: e^{z} overflowed for logits near 800; subtract each row's maximum "
                "before exponentiating (log-sum-exp)",
                lambda z, y: _ce(z, y, log_p_from="unshifted"),
            ),
        ),
        _ce_inputs,
        terms=lambda z, y: {"z": z, "y": y},
        unpack=tuple_of("softmax_cross_entropy", ("loss", "dz")),
        shape_hint="dz has the shape of z, (N, K); index p[np.arange(N), y] picks each row's label",
    )
)
