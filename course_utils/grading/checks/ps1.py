"""ps1 (the delta rule): checks of the 2-4-3-2 sigmoid network, one example at a time.

References are computed here with numpy in the lecture's notation: z^{l+1} = W^l a^l + b^l,
a = sigma(z), delta^L = (yhat - y) sigma'(z^L), delta^l = (W^l)^T delta^{l+1} * sigma'(z^l),
dL/dW^l = delta^{l+1} (a^l)^T.
"""
from __future__ import annotations

import numpy as np

from ..api import Part, Verdict, as_array, compare

SIZES = (2, 4, 3, 2)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _network(rng, scale=2.0):
    Ws = [rng.uniform(-scale, scale, (SIZES[k + 1], SIZES[k])) for k in range(3)]
    bs = [rng.uniform(-1.0, 1.0, SIZES[k + 1]) for k in range(3)]
    return Ws, bs


def _forward(Ws, bs, x):
    zs, acts = [], [x]
    for W, b in zip(Ws, bs):
        zs.append(W @ acts[-1] + b)
        acts.append(_sigmoid(zs[-1]))
    return zs, acts


def _deltas(Ws, zs, delta_L):
    deltas = [delta_L]
    for k in range(len(Ws) - 1, 0, -1):
        s = _sigmoid(zs[k - 1])
        deltas.insert(0, (Ws[k].T @ deltas[0]) * s * (1 - s))
    return deltas


def _items(name, got, n):
    """``got`` as a list of ``n`` entries, or a failing Verdict."""
    if not isinstance(got, (list, tuple)):
        return None, Verdict.failed(f"{name} should be a list of {n} arrays, not a {type(got).__name__}")
    if len(got) != n:
        return None, Verdict.failed(f"{name} should hold {n} arrays, it holds {len(got)}")
    return list(got), None


def check_sigmoid(student, variant):
    z = variant.rng("sigmoid").uniform(-4.0, 4.0, 7)
    s = _sigmoid(z)
    return Verdict.combine(
        compare("sigmoid(z)", student.call("sigmoid", z), s,
                mistakes=[("you computed 1 / (1 + exp(+z)): the exponent is -z", _sigmoid(-z))]),
        compare("sigmoid_prime(z)", student.call("sigmoid_prime", z), s * (1 - s),
                mistakes=[("sigma'(z) = sigma(z) (1 - sigma(z)), not sigma(z) itself", s)]))


def check_forward(student, variant):
    rng = variant.rng("forward")
    Ws, bs = _network(rng)
    x = rng.uniform(-2.0, 2.0, 2)
    got = student.call("forward", Ws, bs, x)
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return Verdict.failed("forward should return (zs, activations)")
    zs, bad = _items("zs", got[0], 3)
    if bad:
        return bad
    acts, bad = _items("activations", got[1], 4)
    if bad:
        return bad
    want_z, want_a = _forward(Ws, bs, x)
    no_bias = [W @ a for W, a in zip(Ws, _forward(Ws, [0 * b for b in bs], x)[1])]
    return Verdict.combine(*[compare(f"zs[{k}] (z^{k + 2})", zs[k], want_z[k],
                                     mistakes=[("z^{l+1} = W^l a^l + b^l: the bias b^l is missing", no_bias[k])])
                             for k in range(3)],
                           *[compare(f"activations[{k}] (a^{k + 1})", acts[k], want_a[k]) for k in range(1, 4)])


def check_output_delta(student, variant):
    rng = variant.rng("output_delta")
    yhat, zL, y = rng.uniform(0.05, 0.95, 2), rng.uniform(-3.0, 3.0, 2), rng.uniform(0.0, 1.0, 2)
    s = _sigmoid(zL)
    want = (yhat - y) * s * (1 - s)
    return compare("output_delta", student.call("output_delta", yhat, zL, y), want,
                   mistakes=[("delta^L = (yhat - y) f'(z^L): the sign is reversed (y - yhat)", -want),
                             ("the factor f'(z^L) = sigma'(z^L) is missing", yhat - y)])


def check_backward_deltas(student, variant):
    rng = variant.rng("backward_deltas")
    Ws, _ = _network(rng)
    zs = [rng.uniform(-2.0, 2.0, SIZES[k + 1]) for k in range(3)]
    dL = rng.uniform(-1.0, 1.0, 2)
    got, bad = _items("deltas", student.call("backward_deltas", Ws, zs, dL), 3)
    if bad:
        return bad
    want = _deltas(Ws, zs, dL)
    # the classic slip: the recursion without f'(z^l)
    plain = [dL]
    for k in range(2, 0, -1):
        plain.insert(0, Ws[k].T @ plain[0])
    return Verdict.combine(*[compare(f"deltas[{k}] (delta^{k + 2})", got[k], want[k],
                                     mistakes=[("delta^l = ((W^l)^T delta^{l+1}) * f'(z^l): the factor f'(z^l) "
                                                "is missing", plain[k])]) for k in range(3)])


def check_gradients(student, variant):
    rng = variant.rng("gradients")
    ds = [rng.uniform(-1.0, 1.0, SIZES[k + 1]) for k in range(3)]
    acts = [rng.uniform(0.0, 1.0, SIZES[k]) for k in range(4)]
    got = student.call("gradients", ds, acts)
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return Verdict.failed("gradients should return (dWs, dbs)")
    dWs, bad = _items("dWs", got[0], 3)
    if bad:
        return bad
    dbs, bad = _items("dbs", got[1], 3)
    if bad:
        return bad
    return Verdict.combine(
        *[compare(f"dWs[{k}] (dL/dW^{k + 1})", dWs[k], np.outer(ds[k], acts[k]),
                  mistakes=[("dL/dW^l_ij = delta^{l+1}_i a^l_j: np.outer(delta, a), not np.outer(a, delta)",
                             np.outer(acts[k], ds[k]))]) for k in range(3)],
        *[compare(f"dbs[{k}] (dL/db^{k + 1})", dbs[k], ds[k]) for k in range(3)])


def check_numerical_gradient(student, variant):
    rng = variant.rng("numerical_gradient")
    Ws, bs = _network(rng, 1.5)
    x, y = rng.uniform(-1.0, 1.0, 2), rng.uniform(0.0, 1.0, 2)
    got, after = student.call_with_args("numerical_gradient_W", Ws, bs, x, y, 0)
    zs, acts = _forward(Ws, bs, x)
    sL = _sigmoid(zs[-1])
    deltas = _deltas(Ws, zs, (acts[-1] - y) * sL * (1 - sL))
    want = np.outer(deltas[0], x)
    verdict = compare("numerical_gradient_W(k=0)", got, want, rtol=1e-5, atol=1e-9,
                      mistakes=[("a central difference divides by 2h, not h", 2 * want)])
    if verdict.score == 1.0:
        moved = [k for k in range(3) if not (isinstance(after[0], list) and len(after[0]) == 3
                                            and isinstance(after[0][k], np.ndarray)
                                            and np.array_equal(after[0][k], Ws[k]))]
        if moved:
            return Verdict.failed(f"weights[{moved[0]}] was changed: restore each entry after perturbing it")
    return verdict


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])   # one-hot of x1 XOR x2


def _train(Ws, bs, lr=2.0, epochs=1500):
    """The prescribed algorithm: SGD one example at a time, in order; the total loss after each epoch."""
    Ws, bs = [W.copy() for W in Ws], [b.copy() for b in bs]
    losses = []
    for _ in range(epochs):
        for x, y in zip(XOR_X, XOR_Y):
            zs, acts = _forward(Ws, bs, x)
            s = _sigmoid(zs[-1])
            deltas = _deltas(Ws, zs, (acts[-1] - y) * s * (1 - s))
            for k in range(3):
                Ws[k] -= lr * np.outer(deltas[k], acts[k])
                bs[k] -= lr * deltas[k]
        losses.append(sum(0.5 * float(np.sum((_forward(Ws, bs, x)[1][-1] - y) ** 2)) for x, y in zip(XOR_X, XOR_Y)))
    return Ws, bs, losses


def check_train_xor(student, variant):
    rng = variant.rng("train_xor")
    Ws = [rng.uniform(-1.0, 1.0, (SIZES[k + 1], SIZES[k])) for k in range(3)]
    bs = [rng.uniform(-0.1, 0.1, SIZES[k + 1]) for k in range(3)]
    got = student.call("train_xor", Ws, bs, 2.0, 300)
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        return Verdict.failed("train_xor should return (weights, biases, losses)")
    W, bad = _items("the trained weights", got[0], 3)
    if bad:
        return bad
    b, bad = _items("the trained biases", got[1], 3)
    if bad:
        return bad
    want_W, want_b, want_losses = _train(Ws, bs, 2.0, 300)
    # the same initial weights, examples in the same order, the same learning rate: SGD is deterministic
    return Verdict.combine(*[compare(f"trained weights[{k}] (W^{k + 1})", W[k], want_W[k], rtol=1e-5, atol=1e-8)
                             for k in range(3)],
                           *[compare(f"trained biases[{k}] (b^{k + 1})", b[k], want_b[k], rtol=1e-5, atol=1e-8)
                             for k in range(3)],
                           compare("losses (one total loss per epoch)", got[2], want_losses, rtol=1e-5, atol=1e-8))


PARTS = [
    Part("test_sigmoid", 1, check_sigmoid, ("sigmoid", "sigmoid_prime")),
    Part("test_forward", 2, check_forward, ("forward",)),
    Part("test_output_delta", 1, check_output_delta, ("output_delta",)),
    Part("test_backward_deltas", 2, check_backward_deltas, ("backward_deltas",)),
    Part("test_gradients", 2, check_gradients, ("gradients",)),
    Part("test_numerical_gradient", 2, check_numerical_gradient, ("numerical_gradient_W", "loss")),
    Part("test_train_xor", 2, check_train_xor, ("train_xor",)),
]
