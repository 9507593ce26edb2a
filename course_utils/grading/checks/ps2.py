"""ps2: the slides' 2-2-2 worked example on fresh weights, then softmax and softmax + cross-entropy.

References computed here with numpy: net_h = W1 x + b1, out_h = sigma(net_h), net_o = W2 out_h + b2,
out_o = sigma(net_o), E = 1/2 sum (target - out)^2, delta_o = (out_o - target) out_o (1 - out_o),
dE/dW2 = delta_o out_h^T, delta_h = (W2^T delta_o) out_h (1 - out_h), dE/dW1 = delta_h x^T.
"""
from __future__ import annotations

import numpy as np

from ..api import Part, StudentRaised, Verdict, compare


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _example(rng, with_target=False):
    W1, W2 = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 2))
    b1, b2, x = rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2), rng.uniform(-1, 1, 2)
    t = rng.uniform(0, 1, 2)
    return (W1, b1, W2, b2, x, t) if with_target else (W1, b1, W2, b2, x)


def _forward(W1, b1, W2, b2, x):
    net_h = W1 @ x + b1
    out_h = _sigmoid(net_h)
    net_o = W2 @ out_h + b2
    return net_h, out_h, net_o, _sigmoid(net_o)


def _tuple_of(name, got, n):
    if not isinstance(got, (list, tuple)) or len(got) != n:
        return Verdict.failed(f"{name} should return a tuple of {n} values")
    return None


def check_forward_example(student, variant):
    args = _example(variant.rng("forward_example"))
    got = student.call("forward_example", *args)
    bad = _tuple_of("forward_example", got, 4)
    if bad:
        return bad
    want = _forward(*args)
    W1, b1, W2, b2, x = args
    from_net = W2 @ want[0] + b2
    names = ("net_h", "out_h", "net_o", "out_o")
    return Verdict.combine(*[compare(names[k], got[k], want[k],
                                     mistakes=[("net_o is computed from the hidden outputs out_h = sigma(net_h), "
                                                "not from net_h", from_net)] if k == 2 else ())
                             for k in range(4)])


def check_total_error(student, variant):
    rng = variant.rng("total_error")
    o, t = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    want = 0.5 * float(np.sum((t - o) ** 2))
    return compare("total_error", student.call("total_error", o, t), want,
                   mistakes=[("E_total = 1/2 sum (target - out)^2: the 1/2 is missing", 2 * want)])


def check_backward_pieces(student, variant):
    rng = variant.rng("backward_pieces")
    o, t, g = rng.uniform(0.01, 0.99, 5), rng.uniform(0, 1, 5), rng.uniform(-1, 1, 5)
    return Verdict.combine(
        compare("mse_backward", student.call("mse_backward", o, t), o - t,
                mistakes=[("dE/dout = out - target: the sign is reversed", t - o)]),
        compare("sigmoid_backward", student.call("sigmoid_backward", g, o), g * o * (1 - o),
                mistakes=[("the sigmoid's local derivative is out (1 - out): a factor is missing", g * (1 - o)),
                          ("the sigmoid's local derivative is out (1 - out): a factor is missing", g * o)]))


def check_example_gradients(student, variant):
    W1, b1, W2, b2, x, t = _example(variant.rng("example_gradients"), with_target=True)
    got = student.call("example_gradients", W1, b1, W2, b2, x, t)
    bad = _tuple_of("example_gradients", got, 2)
    if bad:
        return bad
    net_h, out_h, net_o, out_o = _forward(W1, b1, W2, b2, x)
    d_o = (out_o - t) * out_o * (1 - out_o)
    d_h = (W2.T @ d_o) * out_h * (1 - out_h)
    dW2, dW1 = np.outer(d_o, out_h), np.outer(d_h, x)
    return Verdict.combine(
        compare("dW1", got[0], dW1, mistakes=[("dE/dW1 = delta_h x^T: np.outer(delta_h, x), not the transpose",
                                               dW1.T)]),
        compare("dW2", got[1], dW2, mistakes=[("dE/dW2 = delta_o out_h^T: np.outer(delta_o, out_h), not "
                                               "np.outer(out_h, delta_o)", dW2.T)]))


def check_sgd_update(student, variant):
    rng = variant.rng("sgd_update")
    W, dW = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    got, after = student.call_with_args("sgd_update", W, dW, 0.3)
    verdict = compare("sgd_update", got, W - 0.3 * dW,
                      mistakes=[("gradient descent steps against the gradient: W - lr dW, not W + lr dW",
                                 W + 0.3 * dW)])
    if verdict.score == 1.0 and not (isinstance(after[0], np.ndarray) and np.array_equal(after[0], W)):
        return Verdict.failed("sgd_update changed W in place: return W - lr * dW as a new array")
    return verdict


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check_softmax(student, variant):
    z = variant.rng("softmax").uniform(-3, 3, (2, 4)) + np.array([[700.0], [1400.0]])
    want = _softmax(z)
    got = student.call("softmax", z)
    e = np.exp(z - z.max())
    return compare("softmax(z) for logits near 700 and 1400", got, want, rtol=1e-6, atol=1e-12,
                   mistakes=[("normalise each row (axis=1, keepdims=True): this is normalised over the "
                              "wrong axis", e / e.sum(axis=0, keepdims=True))])


def check_softmax_cross_entropy(student, variant):
    rng = variant.rng("softmax_cross_entropy")
    z = rng.uniform(-2, 2, (4, 3))
    labels = rng.integers(0, 3, 4)
    got = student.call("softmax_cross_entropy", z, labels)
    bad = _tuple_of("softmax_cross_entropy", got, 2)
    if bad:
        return bad
    p = _softmax(z)
    loss = float(-np.mean(np.log(p[np.arange(4), labels])))
    dz = p.copy()
    dz[np.arange(4), labels] -= 1.0
    dz /= 4
    try:
        big = student.call("softmax_cross_entropy", z + 5000.0, labels)
    except StudentRaised as exc:
        return Verdict.failed(f"for logits near 5000 softmax_cross_entropy {exc.message}: use log-sum-exp")
    bad = _tuple_of("softmax_cross_entropy", big, 2)
    if bad:
        return bad
    return Verdict.combine(
        compare("loss", got[0], loss),
        compare("dz", got[1], dz, mistakes=[("dL/dz = (p - onehot(y)) / N: did you divide by N?", dz * 4)]),
        compare("loss for logits shifted by 5000 (log-sum-exp)", big[0], loss, rtol=1e-9, atol=1e-9))


PARTS = [
    Part("test_forward_example", 2, check_forward_example, ("forward_example",)),
    Part("test_total_error", 1, check_total_error, ("total_error",)),
    Part("test_backward_pieces", 2, check_backward_pieces, ("mse_backward", "sigmoid_backward")),
    Part("test_example_gradients", 2, check_example_gradients, ("example_gradients",)),
    Part("test_sgd_update", 1, check_sgd_update, ("sgd_update",)),
    Part("test_softmax", 1, check_softmax, ("softmax",)),
    Part("test_softmax_cross_entropy", 2, check_softmax_cross_entropy, ("softmax_cross_entropy",)),
]
