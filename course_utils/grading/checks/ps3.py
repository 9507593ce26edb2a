"""ps3: backpropagation through convolution and pooling (cross-correlation form, as course_utils.conv).

References come from course_utils in the grader's process: ``correlate2d`` for the single-channel
parts, ``conv2d_forward``/``conv2d_backward`` for the layer, the pooling backward passes (first
maximum wins ties, as PyTorch).
"""
from __future__ import annotations

import numpy as np

from ...conv import conv2d_backward, conv2d_forward, correlate2d, flip180
from ...pooling import (avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_backward_all_maxima,
                        max_pool_forward)
from ..api import Part, StudentRaised, Verdict, compare


def check_output_size(student, variant):
    verdicts = []
    for w_in, f, p, s, want in ((227, 11, 0, 4, 55), (28, 5, 2, 1, 28), (9, 3, 1, 2, 5), (5, 5, 0, 1, 1)):
        got = student.call("conv_output_size", w_in, f, p, s)
        verdicts.append(compare(f"conv_output_size({w_in}, {f}, p={p}, s={s})", got, float(want),
                                mistakes=[("W2 = (W1 - F + 2P)/S + 1: the + 1 is missing", float(want - 1))]))
    for w_in, f, p, s in ((10, 3, 0, 2), (3, 5, 0, 1)):
        try:
            student.call("conv_output_size", w_in, f, p, s)
        except StudentRaised as exc:
            if exc.exc_type != "ValueError":
                verdicts.append(Verdict.failed(f"conv_output_size({w_in}, {f}, p={p}, s={s}) {exc.message}: "
                                               "expected a ValueError"))
            continue
        verdicts.append(Verdict.failed(f"conv_output_size({w_in}, {f}, p={p}, s={s}) accepts a filter that does "
                                       "not tile its input: raise a ValueError"))
    return Verdict.combine(*verdicts)


def check_correlate(student, variant):
    rng = variant.rng("correlate")
    x, k = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    want = correlate2d(x, k, "valid")
    return compare("correlate2d_valid", student.call("correlate2d_valid", x, k), want,
                   mistakes=[("a correlation does not flip the kernel: x[i + a, j + b] k[a, b]",
                              correlate2d(x, flip180(k), "valid"))])


def check_conv_dw(student, variant):
    rng = variant.rng("conv_dw")
    x, dy = rng.standard_normal((7, 6)), rng.standard_normal((5, 3))
    want = correlate2d(x, dy, "valid")
    return compare("dW", student.call("conv_backward_dw", x, dy), want,
                   mistakes=[("dL/dW is X correlated with dL/dY itself, not with dL/dY flipped",
                              correlate2d(x, flip180(dy), "valid"))])


def check_conv_dx(student, variant):
    rng = variant.rng("conv_dx")
    w, dy = rng.standard_normal((3, 2)), rng.standard_normal((4, 5))
    want = correlate2d(dy, flip180(w), "full")
    return compare("dX", student.call("conv_backward_dx", dy, w), want,
                   mistakes=[("dL/dX is the full correlation of dL/dY with flip180(W): the filter was not flipped",
                              correlate2d(dy, w, "full"))])


def check_conv_layer(student, variant):
    rng = variant.rng("conv_layer")
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    _, cache = conv2d_forward(x, w, np.zeros(3))
    dout = rng.standard_normal((2, 3, 3, 3))
    dx, dw, db = conv2d_backward(dout, cache)
    got = student.call("conv2d_backward_naive", dout, x, w)
    if not isinstance(got, (list, tuple)) or len(got) != 3:
        return Verdict.failed("conv2d_backward_naive should return (dx, dw, db)")
    return Verdict.combine(
        compare("dx", got[0], dx),
        compare("dw", got[1], dw),
        compare("db", got[2], db, mistakes=[("db[f] sums dout over n, i, j: do not divide by N", db / 2)]))


def check_max_pool(student, variant):
    rng = variant.rng("max_pool")
    verdicts = []
    for size, stride in ((2, 2), (3, 2)):
        x = rng.integers(0, 3, size=(1, 2, 7, 7)).astype(float)        # small integers: many ties
        out, cache = max_pool_forward(x, size=size, stride=stride)
        dout = rng.standard_normal(out.shape)
        want = max_pool_backward(dout, cache)
        verdicts.append(compare(f"dx (size={size}, stride={stride})",
                                student.call("max_pool_backward", dout, x, size=size, stride=stride), want,
                                mistakes=[("when several inputs tie for the maximum, only the first one (row-major "
                                           "order in the window) gets the gradient",
                                           max_pool_backward_all_maxima(dout, x, size=size, stride=stride))]))
    return Verdict.combine(*verdicts)


def check_avg_pool(student, variant):
    rng = variant.rng("avg_pool")
    H, size, stride = 7, 3, 2
    out, cache = avg_pool_forward(np.zeros((1, 1, H, H)), size=size, stride=stride)
    dout = rng.standard_normal(out.shape)
    want = avg_pool_backward(dout, cache)
    return compare("avg-pool dx", student.call("avg_pool_backward", dout, (1, 1, H, H), size=size, stride=stride),
                   want, mistakes=[("each input of a window gets dout / size^2 (the window has size x size "
                                    "inputs), not dout / size", want * size)])


PARTS = [
    Part("test_output_size", 1, check_output_size, ("conv_output_size",)),
    Part("test_correlate", 1, check_correlate, ("correlate2d_valid",)),
    Part("test_conv_dw", 2, check_conv_dw, ("conv_backward_dw",)),
    Part("test_conv_dx", 2, check_conv_dx, ("conv_backward_dx",)),
    Part("test_conv_layer", 2, check_conv_layer, ("conv2d_backward_naive",)),
    Part("test_max_pool", 2, check_max_pool, ("max_pool_backward",)),
    Part("test_avg_pool", 1, check_avg_pool, ("avg_pool_backward",)),
]
