"""The bank of ps1: the delta rule (lecture 000) on the 2-4-3-2 sigmoid network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from ._core import Mistake, PartBank, Unexpected, pair_of_seqs, register, seq_of

SIZES = (2, 4, 3, 2)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """The reference ``σ(z) = 1 / (1 + e^(−z))``.

    Parameters
    ----------
    z : array_like
        Any shape.

    Returns
    -------
    ndarray
        ``σ(z)``, same shape, float64.
    """
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_prime(z: ArrayLike) -> np.ndarray:
    """The reference ``σ'(z) = σ(z)(1 − σ(z))``.

    Parameters
    ----------
    z : array_like
        Any shape.

    Returns
    -------
    ndarray
        ``σ'(z)``, same shape, float64.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def _network(rng, scale=1.5):
    weights = [rng.uniform(-scale, scale, (SIZES[k + 1], SIZES[k])) for k in range(3)]
    biases = [rng.uniform(-0.5, 0.5, SIZES[k + 1]) for k in range(3)]
    return weights, biases


def forward_pass(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: ArrayLike,
    f: Callable = sigmoid,
    bias: bool = True,
    last: Callable = sigmoid,
) -> tuple[list, list]:
    """The forward pass of one example, ``z^{l+1} = W^l a^l + b^l``, ``a^{l+1} = f(z^{l+1})``, and its mistakes.

    Parameters
    ----------
    weights : sequence of ndarray, shape (S_{l+1}, S_l) each
        ``W^l``.
    biases : sequence of ndarray, shape (S_{l+1},) each
        ``b^l``.
    x : array_like, shape (S_1,)
        The input ``a^1``.
    f : callable, default sigmoid
        The hidden layers' activation.
    bias : bool, default True
        False: the mistake of leaving the biases out.
    last : callable, default sigmoid
        The output layer's activation.

    Returns
    -------
    zs : list of ndarray
        ``z^2 .. z^L``.
    acts : list of ndarray
        ``a^1 = x, a^2 .. a^L``.
    """
    zs, acts = [], [np.asarray(x, dtype=float)]
    for k, (W, b) in enumerate(zip(weights, biases)):
        z = W @ acts[-1] + (b if bias else 0.0)
        zs.append(z)
        acts.append((last if k == len(weights) - 1 else f)(z))
    return zs, acts


def _deltas(weights, zs, delta_L, fprime=sigmoid_prime, transpose=True):
    deltas = [np.asarray(delta_L, dtype=float)]
    for k in range(len(weights) - 1, 0, -1):
        W = weights[k].T if transpose else weights[k]
        deltas.insert(0, (W @ deltas[0]) * fprime(zs[k - 1]))
    return deltas


def _loss(weights, biases, x, y):
    return 0.5 * float(np.sum((forward_pass(weights, biases, x)[1][-1] - y) ** 2))


_S_ONE_MINUS_Z = (
    "{name} equals σ(z)(1 − z): the second factor of σ'(z) = σ(z)(1 − σ(z)) is one minus the "
    "*sigmoid* of z, not one minus z"
)
_SIGMOID_NAMES = ("sigmoid(z)",)
_SIGMOID_PRIME_NAMES = ("sigmoid_prime(z)",)


def _z_inputs(rng):
    return {"z": rng.uniform(-4.0, 4.0, 7)}


register(
    PartBank(
        "ps1.sigmoid",
        "sigmoid",
        _SIGMOID_NAMES,
        lambda z: (sigmoid(z),),
        "σ(z_i) = 1/(1 + e^{−z_i}) depends only on z_i",
        (
            Mistake(
                "minus_sign",
                "{name} equals 1/(1 + e^{z}) = σ(−z): the exponent of σ(z) = 1/(1 + e^{−z}) is −z",
                lambda z: (sigmoid(-z),),
            ),
            Mistake(
                "tanh", "{name} equals tanh(z); the logistic sigmoid is σ(z) = 1/(1 + e^{−z})", lambda z: (np.tanh(z),)
            ),
            Mistake(
                "no_one",
                "{name} equals 1/e^{−z} = e^{z}: the denominator of σ(z) is 1 + e^{−z}",
                lambda z: (np.exp(z),),
            ),
        ),
        _z_inputs,
        terms=lambda z: {"z": z},
    ),
    PartBank(
        "ps1.sigmoid_prime",
        "sigmoid_prime",
        _SIGMOID_PRIME_NAMES,
        lambda z: (sigmoid_prime(z),),
        "σ'(z_i) = σ(z_i)(1 − σ(z_i)) depends only on z_i",
        (
            Mistake("s_one_minus_z", _S_ONE_MINUS_Z, lambda z: (sigmoid(z) * (1 - z),)),
            Mistake(
                "z_one_minus_z",
                "{name} equals z(1 − z): the formula a(1 − a) holds for a = σ(z), the "
                "sigmoid's *output*; given z, write σ(z)(1 − σ(z))",
                lambda z: (z * (1 - z),),
            ),
            Mistake(
                "of_a",
                "{name} equals σ'(σ(z)): σ' was applied to a = σ(z) instead of z",
                lambda z: (sigmoid_prime(sigmoid(z)),),
            ),
            Mistake(
                "no_derivative", "{name} equals σ(z) itself: the derivative is σ(z)(1 − σ(z))", lambda z: (sigmoid(z),)
            ),
            Mistake(
                "constant",
                "{name} is 1/4 everywhere: that is σ'(0) only (its maximum); σ'(z) = σ(z)(1 − σ(z)) changes with z",
                lambda z: (np.full_like(z, 0.25),),
            ),
            Mistake(
                "sign",
                "{name} equals −σ(z)(1 − σ(z)): the sigmoid increases, so its slope is positive",
                lambda z: (-sigmoid_prime(z),),
            ),
        ),
        _z_inputs,
        terms=lambda z: {"z": z},
    ),
)


def _forward_names(**_):
    return (
        *tuple(f"zs[{k}] (z^{k + 2})" for k in range(3)),
        "activations[0] (a^1 = x)",
        *tuple(f"activations[{k}] (a^{k + 1})" for k in range(1, 4)),
    )


def _forward_inputs(rng):
    weights, biases = _network(rng, 2.0)
    return {"weights": weights, "biases": biases, "x": rng.uniform(-2.0, 2.0, 2)}


def _as_forward(zs, acts):
    return tuple(zs) + tuple(acts)


def _network_terms(weights, biases=None, **more):
    out = {f"W^{k + 1}": W for k, W in enumerate(weights)}
    out.update({f"b^{k + 1}": b for k, b in enumerate(biases or [])})
    for name, value in more.items():
        if isinstance(value, (list, tuple)):
            out.update({f"{name}[{k}]": v for k, v in enumerate(value)})
        else:
            out[name] = value
    return out


def _ps1_forward(weights, biases, x, sigmoid=sigmoid, bias=True, hidden=True, output=True, zs_are_as=False):
    identity = lambda z: z  # noqa: E731
    zs, acts = forward_pass(
        weights, biases, x, f=sigmoid if hidden else identity, bias=bias, last=sigmoid if output else identity
    )
    return _as_forward(acts[1:] if zs_are_as else zs, acts)


register(
    PartBank(
        "ps1.forward",
        "forward",
        _forward_names,
        _ps1_forward,
        "z^{l+1}_i = Σ_j W^l_ij a^l_j + b^l_i depends on row i of W^l, on a^l and on b^l_i, and "
        "a^{l+1}_i = σ(z^{l+1}_i)",
        (
            Mistake(
                "no_bias", "{name} is missing the bias: z^{l+1} = W^l a^l + b^l", partial(_ps1_forward, bias=False)
            ),
            Mistake(
                "no_activation",
                "{name} equals the z's: each layer must apply the sigmoid, a^{l+1} = f(z^{l+1})",
                partial(_ps1_forward, hidden=False, output=False),
            ),
            Mistake(
                "linear_output",
                "{name}: the last layer has no sigmoid in your code; in this network the output "
                "is ŷ = a^4 = σ(z^4) too",
                partial(_ps1_forward, output=False),
            ),
            Mistake(
                "zs_hold_activations",
                "{name} holds a's where the z's belong: zs[k] is z^{k+2}, the value *before* the sigmoid",
                partial(_ps1_forward, zs_are_as=True),
            ),
        ),
        _forward_inputs,
        terms=lambda weights, biases, x: _network_terms(weights, biases, x=x),
        unpack=pair_of_seqs("forward", ("zs", 3, "z^2, z^3, z^4"), ("activations", 4, "a^1 = x, a^2, a^3, a^4")),
        shape_hint="W^l has shape (S_{l+1}, S_l) and multiplies a^l from the left: z^{l+1} = W^l a^l + b^l",
        uses=("sigmoid",),
    )
)


def _output_delta_inputs(rng):
    z = rng.uniform(-3.0, 3.0, 2)
    return {"yhat": sigmoid(z), "z_L": z, "y": rng.uniform(0.0, 1.0, 2)}


def _ps1_output_delta(yhat, z_L, y, sigmoid_prime=sigmoid_prime, fprime="z", sign=1.0, factor=1.0):
    slope = {
        "z": lambda: sigmoid_prime(z_L),
        "none": lambda: 1.0,
        "a": lambda: sigmoid_prime(yhat),
        "s(1-z)": lambda: sigmoid(z_L) * (1 - z_L),
        "z(1-z)": lambda: z_L * (1 - z_L),
    }[fprime]()
    return (factor * sign * (yhat - y) * slope,)


register(
    PartBank(
        "ps1.output_delta",
        "output_delta",
        ("δ^L",),
        _ps1_output_delta,
        "δ^L_i = (ŷ_i − y_i) f'(z^L_i) depends on ŷ_i, y_i and z^L_i",
        (
            Mistake(
                "no_fprime",
                "{name} equals ŷ − y: the factor f'(z^L) is missing, δ^L_i = (ŷ_i − y_i) f'(z^L_i)",
                partial(_ps1_output_delta, fprime="none"),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: it is (y − ŷ) f'(z^L); δ^L = ∂L/∂z^L = (ŷ − y) f'(z^L)",
                partial(_ps1_output_delta, sign=-1.0),
            ),
            Mistake(
                "fprime_of_a",
                "{name} uses f'(a^L) = σ'(ŷ): f' must be applied to z^L, not to the output a^L",
                partial(_ps1_output_delta, fprime="a"),
            ),
            Mistake(
                "s_one_minus_z",
                "{name} uses σ(z)(1 − z) for f'(z^L); f'(z) = σ(z)(1 − σ(z))",
                partial(_ps1_output_delta, fprime="s(1-z)"),
            ),
            Mistake(
                "z_one_minus_z",
                "{name} uses z(1 − z) for f'(z^L); a(1 − a) holds for a = σ(z)",
                partial(_ps1_output_delta, fprime="z(1-z)"),
            ),
            Mistake(
                "half",
                "{name} is half the delta: the ½ of L = ½ Σ (ŷ_i − y_i)² cancels the 2 of the square",
                partial(_ps1_output_delta, factor=0.5),
            ),
        ),
        _output_delta_inputs,
        terms=lambda yhat, z_L, y: {"ŷ = a^L": yhat, "z^L": z_L, "y": y},
        uses=("sigmoid_prime",),
    )
)


def _backward_names(**_):
    return tuple(f"deltas[{k}] (δ^{k + 2})" for k in range(3))


def _backward_inputs(rng):
    weights, _ = _network(rng, 2.0)
    zs = [rng.uniform(-2.0, 2.0, SIZES[k + 1]) for k in range(3)]
    return {"weights": weights, "zs": zs, "delta_L": rng.uniform(-1.0, 1.0, 2)}


def _ps1_backward(weights, zs, delta_L, sigmoid_prime=sigmoid_prime, fprime="z", reverse=False):
    slope = {
        "z": sigmoid_prime,
        "none": lambda z: 1.0,
        "a": lambda z: sigmoid_prime(sigmoid(z)),
        "s(1-z)": lambda z: sigmoid(z) * (1 - z),
    }[fprime]
    deltas = tuple(_deltas(weights, zs, delta_L, fprime=slope))
    return deltas[::-1] if reverse else deltas


register(
    PartBank(
        "ps1.backward_deltas",
        "backward_deltas",
        _backward_names,
        _ps1_backward,
        "δ^l_i = (Σ_j δ^{l+1}_j w^l_ji) f'(z^l_i) depends on column i of W^l, on all of δ^{l+1} and on z^l_i",
        (
            Mistake(
                "no_fprime",
                "{name} lacks the factor f'(z^l): δ^l = ((W^l)^T δ^{l+1}) ⊙ f'(z^l)",
                partial(_ps1_backward, fprime="none"),
            ),
            Mistake(
                "fprime_of_a",
                "{name} uses f'(σ(z^l)): f' must be applied to z^l, not to a^l = σ(z^l)",
                partial(_ps1_backward, fprime="a"),
            ),
            Mistake(
                "s_one_minus_z",
                "{name} uses σ(z)(1 − z) for f'(z^l); f'(z) = σ(z)(1 − σ(z))",
                partial(_ps1_backward, fprime="s(1-z)"),
            ),
            Mistake(
                "reversed",
                "your deltas are in reverse order: deltas[k] must be δ^{k+2}, from δ^2 up to δ^L = deltas[-1]",
                partial(_ps1_backward, reverse=True),
            ),
        ),
        _backward_inputs,
        terms=lambda weights, zs, delta_L: _network_terms(weights, zs=zs, **{"δ^L": delta_L}),
        unpack=seq_of("deltas", 3, "δ^2, δ^3, δ^4"),
        shape_hint="the recursion sums over j, the *row* index of w^l_ji: it is (W^l)^T δ^{l+1}, not W^l δ^{l+1}",
        uses=("sigmoid_prime",),
    )
)


def _gradients_names(**_):
    return tuple(f"dWs[{k}] (∂L/∂W^{k + 1})" for k in range(3)) + tuple(f"dbs[{k}] (∂L/∂b^{k + 1})" for k in range(3))


def _gradients_inputs(rng):
    return {
        "deltas": [rng.uniform(-1.0, 1.0, SIZES[k + 1]) for k in range(3)],
        "activations": [rng.uniform(0.0, 1.0, SIZES[k]) for k in range(4)],
    }


def _gradients_ref(deltas, activations, outer=np.outer, shift=0):
    dWs = tuple(outer(d, a) for d, a in zip(deltas, activations[shift : shift + 3]))
    return dWs + tuple(np.asarray(d, dtype=float) for d in deltas)


register(
    PartBank(
        "ps1.gradients",
        "gradients",
        _gradients_names,
        _gradients_ref,
        "∂L/∂W^l_ij = δ^{l+1}_i a^l_j depends on δ^{l+1}_i and a^l_j, and ∂L/∂b^l_i = δ^{l+1}_i",
        (
            Mistake(
                "outer_transposed",
                "{name} is the transpose of ∂L/∂W^l: ∂L/∂W^l_ij = δ^{l+1}_i a^l_j, rows "
                "follow δ^{l+1} (layer l+1) like the rows of W^l: np.outer(δ, a), not "
                "np.outer(a, δ)",
                lambda deltas, activations: _gradients_ref(deltas, activations, outer=lambda d, a: np.outer(a, d)),
            ),
            Mistake(
                "next_activation",
                "{name} pairs δ^{l+1} with a^{l+1}; the weight W^l_ij carries a^l_j (activations[k] for dWs[k])",
                lambda deltas, activations: _gradients_ref(deltas, activations, shift=1),
            ),
        ),
        _gradients_inputs,
        terms=lambda deltas, activations: _network_terms([], deltas=deltas, activations=activations),
        unpack=pair_of_seqs(
            "gradients", ("dWs", 3, "∂L/∂W^1, ∂L/∂W^2, ∂L/∂W^3"), ("dbs", 3, "∂L/∂b^1, ∂L/∂b^2, ∂L/∂b^3")
        ),
        shape_hint="∂L/∂W^l has the shape of W^l, (S_{l+1}, S_l): the outer product δ^{l+1} (a^l)^T",
    )
)


def _numgrad(weights, biases, x, y, k, h, scheme="central", restore=True, loss=_loss):
    """Finite differences of L with respect to weights[k], entry by entry, in several (wrong) schemes."""
    weights = [np.array(W, dtype=float) for W in weights]
    W = weights[k]
    grad = np.zeros_like(W)
    if scheme == "all_at_once":
        base = W.copy()
        weights[k] = base + h
        plus = loss(weights, biases, x, y)
        weights[k] = base - h
        minus = loss(weights, biases, x, y)
        return np.full_like(W, (plus - minus) / (2 * h))
    for idx in np.ndindex(W.shape):
        old = W[idx]
        W[idx] = old + h
        plus = loss(weights, biases, x, y)
        W[idx] = old - h
        minus = loss(weights, biases, x, y)
        W[idx] = old
        centre = loss(weights, biases, x, y)
        grad[idx] = {
            "central": (plus - minus) / (2 * h),
            "forward": (plus - centre) / h,
            "backward": (centre - minus) / h,
            "no_two": (plus - minus) / h,
            "sign": (minus - plus) / (2 * h),
        }[scheme]
        if not restore:
            W[idx] = old - h
    return grad


def _backprop_dW(weights, biases, x, y, k):
    zs, acts = forward_pass(weights, biases, x)
    deltas = _deltas(weights, zs, (acts[-1] - y) * sigmoid_prime(zs[-1]))
    return np.outer(deltas[k], acts[k])


def _numgrad_inputs(rng):
    weights, biases = _network(rng, 1.5)
    # a large step: the central difference and a one-sided one differ by O(h), far above the tolerance
    return {
        "weights": weights,
        "biases": biases,
        "x": rng.uniform(-1.0, 1.0, 2),
        "y": rng.uniform(0.0, 1.0, 2),
        "k": int(rng.integers(0, 3)),
        "h": 0.05,
    }


def _numgrad_mistake(scheme="central", restore=True):
    return lambda weights, biases, x, y, k, h, loss=_loss: (
        _numgrad(weights, biases, x, y, k, h, scheme, restore, loss=loss),
    )


register(
    PartBank(
        "ps1.numerical_gradient",
        "numerical_gradient_W",
        lambda k, **_: (f"numerical ∂L/∂W^{k + 1}",),
        _numgrad_mistake(),
        "entry (i, j) should be (L(W^l_ij + h) − L(W^l_ij − h)) / 2h, with every other weight unchanged",
        (
            Mistake(
                "one_sided",
                "{name} is the one-sided difference (L(w + h) − L(w)) / h; the central difference "
                "(L(w + h) − L(w − h)) / 2h is accurate to O(h²) instead of O(h)",
                _numgrad_mistake("forward"),
            ),
            Mistake(
                "one_sided_backward",
                "{name} is the one-sided difference (L(w) − L(w − h)) / h; use the central "
                "difference (L(w + h) − L(w − h)) / 2h",
                _numgrad_mistake("backward"),
            ),
            Mistake(
                "no_two",
                "{name} is twice the central difference: divide L(w + h) − L(w − h) by 2h, the "
                "distance between the two points",
                _numgrad_mistake("no_two"),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: (L(w + h) − L(w − h)) / 2h, the plus side first",
                _numgrad_mistake("sign"),
            ),
            Mistake(
                "not_restored",
                "{name}: each entry was left at w − h after its difference, so later entries "
                "were measured on a changed network; restore W^l_ij = w before the next entry",
                _numgrad_mistake("central", restore=False),
            ),
            Mistake(
                "all_at_once",
                "{name} has one value everywhere: you moved every weight of W^l at once; perturb "
                "one entry W^l_ij at a time",
                _numgrad_mistake("all_at_once"),
            ),
            Mistake(
                "analytic",
                "{name} is the exact gradient δ^{l+1} (a^l)^T (backpropagation), not a central "
                "difference with step h: the check must not use the gradient it checks",
                lambda weights, biases, x, y, k, h, loss=None: (_backprop_dW(weights, biases, x, y, k),),
            ),
        ),
        _numgrad_inputs,
        terms=lambda weights, biases, x, y, k, h: _network_terms(weights, biases, x=x, y=y),
        shape_hint="the result has the shape of W^{k+1} = weights[k]",
        uses=("loss",),
    )
)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])


def _bank_forward(weights, biases, x):
    return forward_pass(weights, biases, x)


def _bank_output_delta(yhat, z_L, y):
    return (yhat - y) * sigmoid_prime(z_L)


def _bank_backward_deltas(weights, zs, delta_L):
    return _deltas(weights, zs, delta_L)


def _bank_gradients(deltas, activations):
    return [np.outer(d, a) for d, a in zip(deltas, activations[:-1])], [np.asarray(d, dtype=float) for d in deltas]


def _ps1_loss(weights, biases, x, y, forward=None, half=0.5):
    """L = ½ Σ (ŷ − y)² with ŷ from the (student's or the bank's) forward pass."""
    acts = (forward or _bank_forward)(weights, biases, x)[1]
    return (half * float(np.sum((np.asarray(acts[-1], dtype=float) - y) ** 2)),)


register(
    PartBank(
        "ps1.loss",
        "loss",
        ("L",),
        _ps1_loss,
        "L = ½ Σ_i (ŷ_i − y_i)² with ŷ = a^L, the last activation of forward()",
        (Mistake("no_half", "{name} is twice the lecture's L = ½ Σ (ŷ_i − y_i)²", partial(_ps1_loss, half=1.0)),),
        lambda rng: {k: v for k, v in _numgrad_inputs(rng).items() if k in ("weights", "biases", "x", "y")},
        uses=("forward",),
    )
)


def train_sgd(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    lr: float,
    epochs: int,
    sign: float = -1.0,
    batch: bool = False,
    update_biases: bool = True,
    record: str = "sum_after",
    forward: Callable = _bank_forward,
    output_delta: Callable = _bank_output_delta,
    backward_deltas: Callable = _bank_backward_deltas,
    gradients: Callable = _bank_gradients,
    loss: Callable = _loss,
) -> tuple:
    """SGD on the four XOR examples with the given (student's or bank's) functions, and its classic mistakes.

    Parameters
    ----------
    weights : sequence of array_like, shape (S_{l+1}, S_l) each
        The initial ``W^l`` (copied).
    biases : sequence of array_like, shape (S_{l+1},) each
        The initial ``b^l`` (copied).
    lr : float
        The learning rate.
    epochs : int
        Passes over the four examples.
    sign : float, default -1.0
        +1.0: the mistake of climbing the gradient.
    batch : bool, default False
        True: one update per epoch with the summed gradients (not the per-example SGD asked for).
    update_biases : bool, default True
        False: the mistake of never updating the biases (per-example mode only).
    record : {"sum_after", "sum_before", "mean_after"}, default "sum_after"
        Which loss is recorded per epoch: the sum over the examples after the epoch (right), before it,
        or the mean.
    forward, output_delta, backward_deltas, gradients, loss : callable
        The steps of one example, with the signatures of the problem set's functions.

    Returns
    -------
    tuple
        ``(W^1, W^2, W^3, b^1, b^2, b^3, losses)``, ``losses`` of shape (epochs,).
    """
    weights = [np.array(W, dtype=float) for W in weights]
    biases = [np.array(b, dtype=float) for b in biases]
    losses = []
    total_loss = lambda: sum(float(loss(weights, biases, x, y)) for x, y in zip(XOR_X, XOR_Y))  # noqa: E731
    for _ in range(epochs):
        before = total_loss() if record == "sum_before" else 0.0
        total = [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
        for x, y in zip(XOR_X, XOR_Y):
            zs, acts = forward(weights, biases, x)
            deltas = backward_deltas(weights, zs, output_delta(acts[-1], zs[-1], y))
            dWs, dbs = gradients(deltas, acts)
            for k in range(3):
                if batch:
                    total[0][k] += dWs[k]
                    total[1][k] += dbs[k]
                else:
                    weights[k] += sign * lr * np.asarray(dWs[k], dtype=float)
                    if update_biases:
                        biases[k] += sign * lr * np.asarray(dbs[k], dtype=float)
        if batch:
            for k in range(3):
                weights[k] += sign * lr * total[0][k]
                biases[k] += sign * lr * total[1][k]
        after = before if record == "sum_before" else total_loss()
        losses.append(after / 4 if record == "mean_after" else after)
    return tuple(weights) + tuple(biases) + (np.array(losses),)


def _train_inputs(rng):
    weights, biases = _network(rng, 1.0)
    return {"weights": weights, "biases": biases, "lr": 2.0, "epochs": 3}


def _train_names(**_):
    return tuple(f"trained W^{k + 1}" for k in range(3)) + tuple(f"trained b^{k + 1}" for k in range(3)) + ("losses",)


def _unpack_train(value, epochs, **_):
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise Unexpected("train_xor should return (weights, biases, losses).")
    weights, biases, losses = value
    out = seq_of("weights", 3, "W^1, W^2, W^3")(weights) + seq_of("biases", 3, "b^1, b^2, b^3")(biases)
    if not isinstance(losses, (list, tuple, np.ndarray)) or len(losses) != epochs:
        n = len(losses) if hasattr(losses, "__len__") else type(losses).__name__
        raise Unexpected(f"losses should hold one total loss per epoch ({epochs} for epochs={epochs}), got {n}.")
    return (*out, losses)


_unpack_train.pack = lambda values: (list(values[:3]), list(values[3:6]), values[6])


register(
    PartBank(
        "ps1.train_xor",
        "train_xor",
        _train_names,
        train_sgd,
        "after each example, W^l ← W^l − η δ^{l+1} (a^l)^T and b^l ← b^l − η δ^{l+1}, the four examples in order",
        (
            Mistake(
                "ascent",
                "{name}: you stepped *up* the gradient; SGD subtracts it, W^l ← W^l − η ∂L/∂W^l",
                partial(train_sgd, sign=1.0),
            ),
            Mistake(
                "batch",
                "{name} comes from one update per epoch with the summed gradient of the four examples "
                "(batch gradient descent); here each example updates the weights at once (SGD)",
                partial(train_sgd, batch=True),
            ),
            Mistake(
                "biases_frozen",
                "{name}: the biases never change; b^l ← b^l − η δ^{l+1} too",
                partial(train_sgd, update_biases=False),
            ),
            Mistake(
                "loss_before",
                "{name} holds each epoch's loss *before* its updates; record it after the epoch",
                partial(train_sgd, record="sum_before"),
            ),
            Mistake(
                "loss_mean",
                "{name} is the mean over the four examples; losses[e] is their sum Σ_n L(x_n, y_n)",
                partial(train_sgd, record="mean_after"),
            ),
        ),
        _train_inputs,
        terms=lambda weights, biases, lr, epochs: _network_terms(weights, biases),
        unpack=_unpack_train,
        uses=("forward", "output_delta", "backward_deltas", "gradients", "loss"),
    )
)
