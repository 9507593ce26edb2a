"""Self-check questions for every lecture notebook, and the one ``check_answer`` that asks them.

Each notebook ends with a few questions. The student writes an answer in the cell
tagged ``selfcheck-answers`` (they ship as ``answer_1 = ...``) and runs the cell
tagged ``selfcheck``, which calls :func:`check_answer` once per question::

    from course_utils.selfcheck import check_answer
    check_answer("02.W2_shape", answer_1)

The expected value is computed by ``course_utils`` when the question is checked
(never typed in). A wrong answer gets a hint aimed at the mistake it matches
(``(4, 3)`` for the shape of ``W^2`` is told that ``W^l_ij`` takes unit ``j`` of
layer ``l`` to unit ``i`` of layer ``l+1``), or the question's general hint; a
hint never states the answer. An answer left as ``...`` is "not answered yet",
so a notebook runs top to bottom (and in CI) before anyone has answered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["Question", "QUESTIONS", "check_answer", "questions_for"]


@dataclass(frozen=True)
class Question:
    """One self-check question.

    ``kind`` says what an answer looks like: ``"number"``, ``"shape"`` (a tuple of
    ints), ``"vector"`` (a list of numbers), ``"choice"`` (one of ``choices``).
    ``traps`` maps likely wrong answers to a hint aimed at that mistake: each is
    ``(wrong, hint)`` with ``wrong`` a value or a function of the expected value.
    """

    text: str
    kind: str
    expected: Callable[[], Any]
    hint: str
    traps: tuple = ()
    tol: float = 1e-6
    choices: tuple = ()
    rtol: float = 0.0  # relative tolerance (measured quantities)

    def trap_values(self, expected: Any) -> list[tuple[Any, str]]:
        """The likely wrong answers for a given expected value.

        Parameters
        ----------
        expected : object
            The right answer (``self.expected()``).

        Returns
        -------
        list of (wrong, hint)
            Each trap's wrong value (computed from ``expected`` when it is a function) and its hint.
        """
        return [((wrong(expected) if callable(wrong) else wrong), hint) for wrong, hint in self.traps]


def _cached(fn):
    return lru_cache(maxsize=None)(fn)


# --------------------------------------------------------------------------------------------
# expected values, each computed by course_utils (cached: some train or build pyramids)
# --------------------------------------------------------------------------------------------
@_cached
def _gradcheck_calls():
    from .gradcheck import numerical_gradient

    calls = []
    numerical_gradient(lambda v: calls.append(1) or float(np.sum(v**2)), np.zeros((2, 3)))
    return len(calls)


@_cached
def _truncation_growth():
    """Measured growth of a central difference's error when h grows from 1e-3 to 1e-2 (notebook 00's f)."""
    from .gradcheck import numerical_gradient, relative_error

    x = np.random.default_rng(0).normal(size=(2, 3))
    f = lambda v: np.sum(np.sin(v) * v**2)  # noqa: E731 (notebook 00's function)
    exact = np.cos(x) * x**2 + 2 * x * np.sin(x)
    small = relative_error(numerical_gradient(f, x, h=1e-3), exact)
    large = relative_error(numerical_gradient(f, x, h=1e-2), exact)
    return float(large / small)


def _jacobian_shape():
    from .demos.chain_rule import jacobian  # notebook 01's inspectable Jacobian
    from .graph import Value

    x = [Value(v) for v in (1.0, 2.0, 3.0)]
    return jacobian([x[0] * x[1], x[1] + x[2]], x).shape


def _chain_dzdx():
    from .graph import Value

    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    z = (x * y + 1) ** 2
    z.backward()
    return x.grad


def _mlp_2432():
    from .mlp import MLP

    return MLP([2, 4, 3, 2])


@_cached
def _worked():
    from .worked_example import worked_example

    return worked_example()


def _w5_before():
    from .worked_example import EXAMPLE

    return EXAMPLE["weights"]["w5"]


def _softmax_delta():
    from .losses import softmax_cross_entropy

    yhat = np.array([[0.7, 0.2, 0.1]])
    _, dz = softmax_cross_entropy(np.log(yhat), np.array([0]))
    return dz[0]  # N = 1: the output delta yhat - y


def _sigmoid_prime(z):
    from .activations import get_activation

    return float(get_activation("sigmoid").derivative(np.array(float(z))))


@_cached
def _noisier():
    from .demos.xor import compare_batch_sizes, xor_clusters

    runs = compare_batch_sizes(*xor_clusters(), epochs=10, lr=0.5)
    return "a" if runs[1].fraction_uphill > runs[None].fraction_uphill else "b"


def _linear_xor():
    from .demos.xor import best_linear_accuracy, xor_data

    return best_linear_accuracy(*xor_data())


def _conv_dw00(flipped=False):
    from .conv import conv2d_backward, conv2d_forward

    x = np.arange(25.0).reshape(1, 1, 5, 5)
    y, cache = conv2d_forward(x, np.ones((1, 1, 3, 3)), [0.0])
    _, dw, _ = conv2d_backward(np.ones_like(y), cache)
    return float(dw[0, 0, -1, -1] if flipped else dw[0, 0, 0, 0])


# The lecture's max-pooling example (notebook 07, section 1).
POOLING_EXAMPLE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)


def _winner(window_row, window_col):
    from .pooling import max_pool_forward, max_pool_switches

    _, cache = max_pool_forward(POOLING_EXAMPLE[None, None], size=2, stride=2)
    return tuple(int(v) for v in max_pool_switches(cache)[0, 0, window_row, window_col])


def _all_maxima_total():
    from .pooling import max_pool_backward_all_maxima

    return float(max_pool_backward_all_maxima(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2))).sum())


def _avg_divisor(size):
    from .pooling import avg_pool_backward, avg_pool_forward

    _, cache = avg_pool_forward(np.zeros((1, 1, size, size)), size=size, stride=size)
    return 1.0 / float(avg_pool_backward(np.ones((1, 1, 1, 1)), cache)[0, 0, 0, 0])


def _weight_footprint():
    from .conv import weight_footprint

    return len(weight_footprint(2, 2, (32, 32), (5, 5), stride=1, pad=0))


def _corner_region():
    from .conv import input_pixel_region

    return len(input_pixel_region(0, 0, (8, 8), (3, 3), stride=1, pad=1))


def _downsample_shape(shape):
    from .pyramids import downsample

    return downsample(np.zeros(shape)).shape


def _max_levels(shape):
    from .pyramids import max_levels

    return max_levels(shape)


def _tiny_cnn_params(biases=True):
    from .cnn import TinyCNN

    return sum(v.size for k, v in TinyCNN().params.items() if biases or not k.startswith("b"))


def _tiny_cnn_pooled_shape(batch):
    from .cnn import TinyCNN

    return (batch, *TinyCNN().pooled_shape)


def _gaussian_levels_512_to_8():
    from .pyramids import gaussian_pyramid, max_levels

    sizes = [g.shape[0] for g in gaussian_pyramid(np.zeros((512, 512)), max_levels((512, 512)))]
    return sizes.index(8) + 1


def _f3_row(r):
    from .pyramids import upsample_matrix

    return upsample_matrix(4, boundary="zero", normalized=False)[r].astype(int).tolist()


def _steer_weights(angle):
    from .steerable import steer

    return (float(steer(np.ones(1), np.zeros(1), angle)[0]), float(steer(np.zeros(1), np.ones(1), angle)[0]))


def _steerable_count(scales, orientations):
    from .steerable import steerable_pyramid

    p = steerable_pyramid(np.zeros((64, 64)), scales, orientations)
    return 2 + sum(len(level) for level in p.bands)


@_cached
def _edge_band():
    from .steerable import steerable_pyramid

    edge = np.zeros((64, 64))
    edge[:, 32:] = 1.0
    return int(np.argmax([np.sum(b**2) for b in steerable_pyramid(edge, 2, 4).bands[0]]))


@_cached
def _band_energy_ratio():
    from .images import grating
    from .steerable import steerable_pyramid

    bands = steerable_pyramid(grating(128, angle=0.0, period=4.0), 2, 4).bands[0]
    return float(np.sum(bands[1] ** 2) / np.sum(bands[0] ** 2))


def _q(text, kind, expected, hint, *traps, **kw):
    return Question(text, kind, expected, hint, tuple(traps), **kw)


QUESTIONS: dict[str, Question] = {
    # 00 start here: numerical gradients
    "00.evaluations": _q(
        "How many evaluations of f does numerical_gradient need for an x of shape (2, 3)?",
        "number",
        _gradcheck_calls,
        "Count the evaluations of f for one entry of x, then multiply by the number of entries.",
        (
            lambda e: e // 2,
            "that is one evaluation per entry: a central difference evaluates f on both "
            "sides of each entry, at x + h and at x - h.",
        ),
        (
            lambda e: e // 2 + 1,
            "that is a one-sided difference (f(x) once, then f(x + h) per entry); "
            "numerical_gradient uses central differences.",
        ),
        tol=0.0,
    ),
    "00.truncation_growth": _q(
        "If h is multiplied by 10 (in the truncation-dominated range), by what factor does the error of a "
        "central difference grow?",
        "number",
        _truncation_growth,
        "Expand f(x + h) and f(x - h) in Taylor series: which power of h survives in their difference / 2h?",
        (
            10,
            "a factor 10 is an error of order h: that is the one-sided difference. In the central difference "
            "the h^2 f''(x)/2 terms cancel; which term is the first to survive?",
        ),
        (
            1000,
            "one power of h too many: the h^3 terms of f(x + h) and f(x - h) survive the difference, "
            "but you divide by 2h.",
        ),
        (0.1, "in the truncation range the error grows when h grows; round-off is what shrinks with larger h."),
        (0.01, "in the truncation range the error grows when h grows; round-off is what shrinks with larger h."),
        tol=0.0,
        rtol=0.5,
    ),
    # 01 chain rule and computational graphs
    "01.jacobian_shape": _q(
        "x has 3 entries and y = g(x) has 2. What is the shape (rows, columns) of the Jacobian dy/dx?",
        "shape",
        _jacobian_shape,
        "One row per output y_j, one column per input x_i.",
        (
            lambda e: e[::-1],
            "that is the transpose: the Jacobian dy/dx has one row per output y_j "
            "(its gradient is a row) and one column per input x_i.",
        ),
    ),
    "01.chain_rule": _q(
        "For z = (x y + 1)^2 at x = 1, y = 2, what is dz/dx?",
        "number",
        _chain_dzdx,
        "Chain rule: dz/dx = dz/du * du/dx with u = x y + 1.",
        (
            lambda e: e / 2,
            "one factor of the chain is missing: dz/dx = dz/du * du/dx with u = x y + 1. "
            "Check both factors, and that du/dx is taken with respect to x (not y).",
        ),
        (9.0, "that is z itself; the question asks for its derivative dz/dx."),
        (3.0, "that is u = x y + 1; z = u^2 needs dz/du = 2u and then du/dx."),
    ),
    "01.grad_table_order": _q(
        "In the backward algorithm, grad_table[u_j] can be computed once which nodes are done? "
        "(a) all its parents  (b) all its consumers (the nodes that use u_j)  (c) all the inputs",
        "choice",
        lambda: "b",
        "grad_table[u_j] is a sum over the nodes i that have j in Pa(u_i).",
        (
            "a",
            "parents must be done before a node in the *forward* pass. In the backward pass, "
            "grad_table[u_j] sums grad_table[u_i] du_i/du_j over the nodes u_i that use u_j.",
        ),
        ("c", "the inputs are the last nodes the backward pass reaches: it starts at the output."),
        choices=("a", "b", "c"),
    ),
    # 02 the delta rule
    "02.W2_shape": _q(
        "In the 2-4-3-2 network, what is the shape of W^2 in the code's convention?",
        "shape",
        lambda: _mlp_2432().weights[1].shape,
        "W^l has shape (S_{l+1}, S_l).",
        (
            lambda e: e[::-1],
            "that is (S_l, S_{l+1}), the transpose: W^l_ij takes unit j of layer l to unit i "
            "of layer l+1, so the row index i runs over layer l+1.",
        ),
        (lambda e: _mlp_2432().weights[0].shape, "that is W^1 (layer 1 to layer 2); W^2 starts at layer 2."),
        (
            lambda e: _mlp_2432().weights[0].shape[::-1],
            "that is W^1 transposed; W^2 starts at layer 2, and its rows are the units of layer 3.",
        ),
    ),
    "02.num_params": _q(
        "How many parameters (weights and biases) does the 2-4-3-2 network have?",
        "number",
        lambda: sum(W.size for W in _mlp_2432().weights) + sum(b.size for b in _mlp_2432().biases),
        "Each layer has S_{l+1} * S_l weights and S_{l+1} biases.",
        (
            lambda e: sum(W.size for W in _mlp_2432().weights),
            "those are the weights only: every unit of layers 2..L also has a bias b_i^l.",
        ),
        (lambda e: e + 2, "the input layer has no bias: only units that compute a z have one."),
        tol=0.0,
    ),
    "02.bias_gradient": _q(
        "dL/db_i^l equals: (a) delta_i^l  (b) delta_i^{l+1}  (c) delta_i^{l+1} a_i^l",
        "choice",
        lambda: "b",
        "z_i^{l+1} = sum_j w_ij^l a_j^l + b_i^l, and dz_i^{l+1}/db_i^l = 1.",
        ("a", "delta_i^l = dL/dz_i^l. Which z does b_i^l enter? Write out z^{l+1} = W^l a^l + b^l."),
        (
            "c",
            "dz_i^{l+1}/db_i^l = 1: no activation multiplies the bias (the factor a_j^l belongs to the weight w_ij^l).",
        ),
        choices=("a", "b", "c"),
    ),
    # 03 the worked example
    "03.out_o1": _q(
        "In the worked example, what is out_o1 (4 decimals are enough)?",
        "number",
        lambda: _worked().out["out_o1"],
        "out_o1 = sigmoid(net_o1).",
        (lambda e: _worked().net["net_o1"], "that is net_o1, before the activation: out = sigmoid(net)."),
        (lambda e: _worked().out["out_h1"], "that is the hidden unit h1's output; go on to the output layer."),
        (lambda e: _worked().out["out_o2"], "that is the other output unit, o2."),
        tol=5e-5,
    ),
    "03.new_w5": _q(
        "What is w5 after one update with learning rate 0.5 (4 decimals)?",
        "number",
        lambda: _worked().updated["w5"],
        "w5 - 0.5 * dE/dw5.",
        (lambda e: 2 * _w5_before() - e, "you went up the gradient: w <- w - eta dE/dw."),
        (lambda e: _w5_before(), "that is w5 before the update."),
        (
            lambda e: _w5_before() - _worked().gradients["dE/dw5"],
            "the learning rate eta = 0.5 multiplies the gradient.",
        ),
        tol=5e-5,
    ),
    "03.bigger_gradient": _q(
        "Which weight has the larger |dE/dw| in the first step: 'w1' or 'w5'?",
        "choice",
        lambda: max(("w1", "w5"), key=lambda w: abs(_worked().gradients[f"dE/d{w}"])),
        "Each layer you go down multiplies by another sigmoid' <= 1/4 and by weights < 1.",
        (
            "w1",
            "w1 sits one layer further from the error than the output weights: its delta went through "
            "another sigmoid' <= 1/4 and weights < 1.",
        ),
        choices=("w1", "w5"),
    ),
    # 04 outputs, losses, activations
    "04.ce_delta": _q(
        "Softmax output yhat = [0.7, 0.2, 0.1], true class 0 (first). What is the output delta dL/dz (a list of 3)?",
        "vector",
        _softmax_delta,
        "For softmax + cross-entropy the output delta is yhat - y (y one-hot).",
        (lambda e: -e, "every sign is flipped: the delta is dL/dz, and L goes down when z of the true class goes up."),
        (lambda e: e + np.array([1.0, 0.0, 0.0]), "that is yhat itself: subtract the one-hot target y."),
        (
            lambda e: e * (e + np.array([1.0, 0, 0])) * (1 - e - np.array([1.0, 0, 0])),
            "there is no f'(z) factor here: with softmax and cross-entropy it cancels, which is why they are "
            "used together.",
        ),
        (lambda e: e * np.array([1.0, 0.0, 0.0]), "every class k gets yhat_k - y_k, not only the true one."),
        tol=1e-6,
    ),
    "04.sigmoid_max_slope": _q(
        "What is the largest value sigma'(z) takes?",
        "number",
        lambda: _sigmoid_prime(0.0),
        "sigma'(z) = sigma(z)(1 - sigma(z)) is largest where sigma(z) = 1/2.",
        (1.0, "that is the largest slope of tanh (or of ReLU); the sigmoid is flatter."),
        (0.5, "that is sigma(0), the value; the slope is sigma(z)(1 - sigma(z))."),
    ),
    "04.relu_dead_gradient": _q(
        "A ReLU unit has z = -3 on every example. What is the gradient reaching its incoming weights?",
        "number",
        lambda: 0.0 * _sigmoid_prime(0.0),
        "delta = (...) * f'(z): what is the slope of ReLU for negative z?",
        (-3.0, "that is z; the gradient carries f'(z), the slope of ReLU at z = -3."),
        (1.0, "a slope of 1 is ReLU's for positive z; this unit's z is negative."),
        tol=0.0,
    ),
    # 05 training: SGD and XOR
    "05.linear_xor": _q(
        "What is the best accuracy a single threshold unit (one line) can reach on the 4 XOR points?",
        "number",
        _linear_xor,
        "Try to separate (0,1),(1,0) from (0,0),(1,1) with one line: how many can you get right?",
        (0.5, "a line can do better than chance: try one that cuts off a single corner."),
        (1.0, "that is what the proof rules out: no line separates XOR's two classes."),
        tol=1e-9,
    ),
    "05.updates_per_epoch": _q(
        "With N = 40 examples and batch size 8, how many weight updates happen in one epoch?",
        "number",
        lambda: math.ceil(40 / 8),
        "One update per batch.",
        (40, "that is one update per example (batch size 1); here each update uses a batch."),
        (8, "that is the batch size; count the batches in one pass over the data."),
        (320, "that multiplies N by the batch size; an epoch is one pass over the N examples."),
        tol=0.0,
    ),
    "05.noisier": _q(
        "Which run has more updates that make the loss on the whole training set go up: "
        "(a) batch size 1 or (b) the full batch?",
        "choice",
        _noisier,
        "Each SGD step follows one example's gradient, not the average.",
        (
            "b",
            "the full batch follows the gradient of the whole training loss (small steps go down). "
            "Which run follows one example's gradient per step?",
        ),
        choices=("a", "b"),
    ),
    # 06 backprop through a convolution
    "06.weight_footprint": _q(
        "32x32x3 input, six 5x5x3 filters, stride 1, no padding: how many output pixels (per image and filter) "
        "does the weight W[0, 0, 2, 2] touch?",
        "number",
        _weight_footprint,
        "A weight is used at every position of the filter: how big is the output?",
        (25, "that is the size of the filter; a weight is used once at every output position."),
        (1024, "that is the input size; without padding the output is smaller than the input."),
        (lambda e: 6 * e, "W[0, 0, 2, 2] belongs to one filter, so count the outputs of one filter only."),
        tol=0.0,
    ),
    "06.corner_region": _q(
        "A 3x3 filter, stride 1, padding 1 on an 8x8 input: how many outputs are in the region P of the corner "
        "pixel (0, 0)?",
        "number",
        _corner_region,
        "List the outputs whose 3x3 window (on the padded input) covers (0, 0).",
        (
            9,
            "that is the region P of a pixel in the middle; at the corner some of those windows would be "
            "centred outside the image.",
        ),
        (1, "with padding 1, more than one window covers the corner pixel."),
        tol=0.0,
    ),
    "06.dW00": _q(
        "X = np.arange(25.0).reshape(5, 5), a 3x3 filter, stride 1, no padding, L = sum Y[i, j] (every dL/dY = 1). "
        "What is dL/dW[0, 0]?",
        "number",
        _conv_dw00,
        "dL/dW[0, 0] = sum over the outputs (i, j) of dL/dY[i, j] X[i, j] (the input each output meets "
        "through W[0, 0]).",
        (300.0, "that sums all of X: W[0, 0] meets only one input per output, 9 inputs in all."),
        (
            lambda e: _conv_dw00(flipped=True),
            "that is the lecture's convolution convention, where W is flipped "
            "(W[0, 0] meets X[i + 2, j + 2]); the notebook's layer "
            "cross-correlates.",
        ),
        (9.0, "that counts the outputs W[0, 0] touches; each contributes the input it meets, not 1."),
        tol=1e-9,
    ),
    # 07 backprop through pooling
    "07.avg_divisor": _q(
        "Average pooling with 3x3 windows and stride 3: by what number is each dL/dY divided on its way back?",
        "number",
        lambda: _avg_divisor(3),
        "Count the pixels that share one output's gradient.",
        (3, "that is the side of the window; the gradient is shared by every pixel of the window."),
        (1, "average pooling shares the gradient among the pixels of the window."),
        tol=1e-9,
    ),
    "07.top_right_winner": _q(
        "In the slide's example (notebook 07, section 1), which input position (row, col) receives the gradient "
        "of the top-right window?",
        "shape",
        lambda: _winner(0, 1),
        "The top-right window covers rows 0-1 and columns 2-3; the gradient goes to its maximum.",
        (lambda e: _winner(0, 0), "that is the winner of the top-left window; the top-right one covers columns 2-3."),
        ((0, 3), "position (0, 3) is in the right window, but it is not that window's maximum."),
    ),
    "07.all_maxima_total": _q(
        "A 2x2 window holds [[0, 0], [0, 0]] (after a ReLU) and dL/dY = 1. How much gradient in total does the "
        "mask-of-every-maximum rule pass back?",
        "number",
        _all_maxima_total,
        "Every entry equal to the maximum receives the whole dL/dY.",
        (1.0, "that is the first-maximum rule (PyTorch's); the mask of every maximum gives each tied entry all of it."),
        (0.25, "that is average pooling's share; max pooling does not divide."),
        tol=1e-9,
    ),
    # 08 a tiny CNN
    "08.n_params": _q(
        "How many parameters does TinyCNN() have (6 filters of 3x3 on 1 channel, their biases, and a dense layer "
        "from the pooled 6x6x6 maps to 4 classes)?",
        "number",
        _tiny_cnn_params,
        "Add up the sizes of w1 (F, C, K, K), b1 (F,), W2 (classes, F*6*6) and b2 (classes,).",
        (lambda e: _tiny_cnn_params(biases=False), "those are the weights only; add the biases b1 and b2."),
        (lambda e: e - 4 * 6 * 6 * 6 + 4 * 6 * 6, "the dense layer sees all 6 pooled maps, not one."),
        tol=0.0,
    ),
    "08.pool_grad_shape": _q(
        "What is the shape of dL/dp1, the gradient arriving at the pooling layer's output, for a batch of 32?",
        "shape",
        lambda: _tiny_cnn_pooled_shape(32),
        "The gradient of an array has the array's shape.",
        (
            lambda e: (e[0], int(np.prod(e[1:]))),
            "that is the flattened h the dense layer sees; un-flattening "
            "gives the gradient the pooling output's shape.",
        ),
        (
            lambda e: (e[0], e[1], 2 * e[2], 2 * e[3]),
            "that is the convolution's output, before pooling halves each side.",
        ),
    ),
    # 09 Gaussian and Laplacian pyramids
    "09.levels_512_to_8": _q(
        "How many levels does the lecture's Gaussian pyramid 512 -> 256 -> ... -> 8 have?",
        "number",
        _gaussian_levels_512_to_8,
        "Write the sizes down and count them, both ends included.",
        (lambda e: e - 1, "count both ends: the 512 image is level 1 and the 8x8 image is a level too."),
        (lambda e: e + 1, "the pyramid stops at 8x8; count only the sizes from 512 down to 8."),
        tol=0.0,
    ),
    "09.downsample_shape": _q(
        "What shape does downsample give for a 37 x 50 image?",
        "shape",
        lambda: _downsample_shape((37, 50)),
        "Keeping rows 0, 2, 4, ... of H rows keeps ceil(H/2) of them.",
        (
            lambda e: (e[0] - 1, e[1]),
            "with an odd number of rows, keeping rows 0, 2, 4, ... keeps the last row too (ceil, not floor).",
        ),
        (lambda e: e[::-1], "that is (width, height): numpy shapes are (rows, columns)."),
    ),
    "09.F3_third_row": _q(
        "Write the third row of the slide's matrix F3 (a list of 4 integers).",
        "vector",
        lambda: _f3_row(2),
        "Column j holds 1 4 6 4 1 centred on row 2j (rows and columns from 0).",
        (lambda e: _f3_row(1), "that is the second row; the third is row index 2."),
        (lambda e: _f3_row(3), "that is the fourth row; the third is row index 2."),
        (lambda e: [v / 8 for v in _f3_row(2)], "the slide's F3 has integer weights (no normalisation)."),
        (lambda e: [v / 16 for v in _f3_row(2)], "the slide's F3 has integer weights (no normalisation)."),
        tol=1e-9,
    ),
    "09.max_levels_100x300": _q(
        "Largest number of levels a 100 x 300 image supports (shorter side down to 1 pixel)?",
        "number",
        lambda: _max_levels((100, 300)),
        "Halve the shorter side, rounding up, until it is 1, and count the sizes (both ends).",
        (
            lambda e: _max_levels((300, 300)),
            "that follows the longer side; the pyramid stops when the shorter side reaches 1 pixel.",
        ),
        (lambda e: e - 1, "count both ends: the full image is level 1 and the 1-pixel-thin image is a level."),
        tol=0.0,
    ),
    # 10 steerable filters and pyramids
    "10.steer_60": _q(
        "Weights (on g_x, g_y) of the derivative filter at 60 degrees (a pair of numbers)?",
        "vector",
        lambda: _steer_weights(np.pi / 3),
        "g^alpha = cos(alpha) g_x + sin(alpha) g_y.",
        (lambda e: list(e)[::-1], "swapped: the weight on g_x is cos(alpha), on g_y sin(alpha)."),
        (lambda e: _steer_weights(60.0), "those are cos and sin of 60 *radians*; convert 60 degrees first."),
        tol=1e-6,
    ),
    "10.steerable_count": _q(
        "How many arrays does a steerable pyramid with 3 scales and 4 orientations hold (bands and both residuals)?",
        "number",
        lambda: _steerable_count(3, 4),
        "Count scales x orientations bands, then the residuals.",
        (lambda e: e - 2, "those are the bands only; add the high-pass and the low-pass residuals."),
        (lambda e: e - 1, "there are two residuals, a high-pass and a low-pass one."),
        tol=0.0,
    ),
    "10.edge_band": _q(
        "With K = 4, which band (k = 0..3) responds most to a vertical edge (intensity changing along x)?",
        "number",
        _edge_band,
        "Band k is tuned to the direction pi k / K; along which direction does this edge's intensity change?",
        (lambda e: (e + 2) % 4, "that band is tuned to changes along y (horizontal edges); this edge changes along x."),
        tol=0.0,
    ),
    "10.band_energy_ratio": _q(
        "Energy ratio of band 1 (45 degrees) to band 0 (0 degrees) for a grating at phi = 0, K = 4?",
        "number",
        _band_energy_ratio,
        "Each band is tuned as cos^(2(K-1))(phi - pi k / K) in energy.",
        (lambda e: math.cos(math.pi / 4) ** 3, "cos^(K-1) is the amplitude tuning; energy is its square."),
        (lambda e: math.cos(math.pi / 4) ** 2, "that is the tuning of a first derivative (K = 2); here K = 4."),
        (
            lambda e: math.cos(math.pi / 4),
            "that is the first derivative's amplitude; the band's energy goes as cos^(2(K-1)).",
        ),
        tol=2e-3,
    ),
}


def questions_for(notebook: str) -> list[str]:
    """The self-check questions of one notebook.

    Parameters
    ----------
    notebook : str
        The notebook's two-digit number, e.g. ``"02"``.

    Returns
    -------
    list of str
        Its question ids (``"02.1"``, ...), in order.
    """
    return [qid for qid in QUESTIONS if qid.startswith(f"{notebook}.")]


# --------------------------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------------------------
def _as_value(q: Question, answer):
    """The answer in the question's form, or ``(None, reason)`` if it is malformed."""
    if q.kind == "choice":
        given = str(answer).strip().strip("()'\"").lower() if isinstance(answer, str) else None
        if given not in [c.lower() for c in q.choices]:
            return None, f"answer with one of {', '.join(repr(c) for c in q.choices)} (got {answer!r})."
        return given, ""
    if q.kind == "shape":
        try:
            return tuple(int(v) for v in answer), ""
        except (TypeError, ValueError):
            return None, f"answer with a tuple like (rows, columns) (got {answer!r})."
    if q.kind == "vector":
        try:
            given = np.asarray(answer, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return None, f"answer with a list of numbers (got {answer!r})."
        return given, ""
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return None, f"answer with a number (got {answer!r})."
    if not math.isfinite(float(answer)):
        return None, f"answer with a finite number (got {answer!r})."
    return float(answer), ""


def _same(q: Question, given, value) -> bool:
    if q.kind == "choice":
        return given == str(value).lower()
    if q.kind == "shape":
        return given == tuple(int(v) for v in value)
    value = np.asarray(value, dtype=float).reshape(-1)
    given = np.asarray(given, dtype=float).reshape(-1)
    if given.shape != value.shape:
        return False
    return bool(np.all(np.abs(given - value) <= q.tol + q.rtol * np.abs(value) + 1e-12))


def diagnose(question_id: str, answer) -> tuple[bool | None, str]:
    """``(ok, feedback)`` for one answer: ``ok`` is None when the answer is missing or malformed."""
    if question_id not in QUESTIONS:
        raise KeyError(f"question_id: expected one of {', '.join(sorted(QUESTIONS))}, got {question_id!r}")
    q = QUESTIONS[question_id]
    if answer is ... or answer is None:
        return None, "not answered yet: replace the ... with your answer."
    given, problem = _as_value(q, answer)
    if problem:
        return None, f"not checked: {problem}"
    expected = q.expected()
    if q.kind == "vector" and np.asarray(given).size != np.asarray(expected).size:
        return None, f"not checked: answer with {np.asarray(expected).size} numbers (got {np.asarray(given).size})."
    if _same(q, given, expected):
        return True, "correct."
    for wrong, hint in q.trap_values(expected):
        if not _same(q, wrong, expected) and _same(q, given, wrong):
            return False, f"not quite: {hint}"
    return False, f"not quite. Hint: {q.hint}"


def check_answer(question_id: str, answer: Any, quiet: bool = False) -> bool:
    """Check one self-check answer against the value ``course_utils`` computes, and print feedback.

    A missing (``...``), malformed or wrong answer prints what to do or a hint (never the answer);
    it never raises, so a notebook runs top to bottom before it is answered.

    Parameters
    ----------
    question_id : str
        E.g. ``"06.2"`` (see :func:`questions_for`).
    answer : object
        The student's answer: a number, a shape tuple, a list of numbers or a choice, as the
        question asks; ``...`` when not answered yet.
    quiet : bool, default False
        Do not print the feedback.

    Returns
    -------
    bool
        True for a right answer, False otherwise.
    """
    ok, feedback = diagnose(question_id, answer)
    if not quiet:
        print(f"[{question_id}] {feedback[0].upper()}{feedback[1:]}")
    return bool(ok)
