"""Pooling layers (readable versions): the lecture's examples, ties, naive vs vectorized, numerical gradients,
oracles, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from course_utils.gradcheck import numerical_gradient, relative_error
from course_utils.pooling import (
    avg_pool_backward,
    avg_pool_backward_naive,
    avg_pool_forward,
    avg_pool_forward_naive,
    max_pool_backward,
    max_pool_backward_all_maxima,
    max_pool_backward_naive,
    max_pool_forward,
    max_pool_forward_naive,
    max_pool_switches,
    pool_output_size,
)

LECTURE_X = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)[None, None]

# (shape, size, stride): tiling, overlapping (3x3 stride 2), gaps (stride > size), leftovers, non-square
CONFIGS = [
    ((2, 3, 4, 4), 2, 2),
    ((2, 2, 7, 7), 3, 2),
    ((1, 2, 7, 9), 3, 2),
    ((2, 1, 5, 6), 2, 1),
    ((1, 2, 7, 8), 2, 3),
    ((1, 1, 5, 5), 2, 2),
    ((2, 2, 6, 6), 3, 3),
]
IDS = [f"{s}-k{k}-s{st}" for s, k, st in CONFIGS]


def _tie_free(shape, seed):
    """Distinct values (a random permutation), so no window has a tie."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape).astype(float) / 7.0 - 3.0


def test_lecture_max_pool_example():
    out, cache = max_pool_forward(LECTURE_X)
    np.testing.assert_array_equal(out[0, 0], [[6, 8], [3, 4]])
    # the switches are the winners' positions: 6 at (1,1), 8 at (1,3), 3 at (2,0), 4 at (3,3)
    np.testing.assert_array_equal(max_pool_switches(cache)[0, 0].reshape(4, 2), [[1, 1], [1, 3], [2, 0], [3, 3]])
    dout = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])
    dx = max_pool_backward(dout, cache)
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[2, 0], expected[3, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_average_pooling_divides_by_4_and_by_9():
    dx = avg_pool_backward(np.ones((1, 1, 2, 2)), avg_pool_forward(LECTURE_X)[1])
    np.testing.assert_allclose(dx, np.full((1, 1, 4, 4), 1 / 4))
    out, _ = avg_pool_forward(LECTURE_X)
    np.testing.assert_allclose(
        out[0, 0], [[(1 + 1 + 5 + 6) / 4, (2 + 4 + 7 + 8) / 4], [(3 + 2 + 1 + 2) / 4, (1 + 0 + 3 + 4) / 4]]
    )
    x9 = np.arange(9.0).reshape(1, 1, 3, 3)
    out9, cache9 = avg_pool_forward(x9, size=3, stride=3)
    assert out9[0, 0, 0, 0] == pytest.approx(36 / 9)
    np.testing.assert_allclose(avg_pool_backward(np.full((1, 1, 1, 1), 9.0), cache9), np.ones((1, 1, 3, 3)))


@pytest.mark.parametrize("shape,size,stride", CONFIGS, ids=IDS)
def test_naive_and_vectorized_agree(shape, size, stride):
    x = np.maximum(np.random.default_rng(0).normal(size=shape), 0)  # after a ReLU: many ties
    dout = np.random.default_rng(1).normal(
        size=(*shape[:2], pool_output_size(shape[2], size, stride), pool_output_size(shape[3], size, stride))
    )
    for fwd, bwd, fwd_n, bwd_n in [
        (max_pool_forward, max_pool_backward, max_pool_forward_naive, max_pool_backward_naive),
        (avg_pool_forward, avg_pool_backward, avg_pool_forward_naive, avg_pool_backward_naive),
    ]:
        out, cache = fwd(x, size, stride)
        out_n, cache_n = fwd_n(x, size, stride)
        np.testing.assert_allclose(out, out_n, rtol=0, atol=1e-10)
        np.testing.assert_allclose(bwd(dout, cache), bwd_n(dout, cache_n), rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape,size,stride", CONFIGS, ids=IDS)
def test_gradients_match_numerical_gradients_on_tie_free_inputs(shape, size, stride):
    x = _tie_free(shape, seed=2)
    out, cache = max_pool_forward(x, size, stride)
    dout = np.random.default_rng(3).normal(size=out.shape)
    num = numerical_gradient(lambda v: max_pool_forward(v, size, stride)[0], x, dout=dout)
    assert relative_error(max_pool_backward(dout, cache), num) < 1e-7
    _, cache = avg_pool_forward(x, size, stride)
    num = numerical_gradient(lambda v: avg_pool_forward(v, size, stride)[0], x, dout=dout)
    assert relative_error(avg_pool_backward(dout, cache), num) < 1e-7


@pytest.mark.parametrize("shape,size,stride", CONFIGS, ids=IDS)
def test_forward_against_scipy_ndimage(shape, size, stride):
    # oracle sharing no code: running max / mean filters, sampled at the window corners
    x = np.random.default_rng(4).normal(size=shape)
    oh, ow = pool_output_size(shape[2], size, stride), pool_output_size(shape[3], size, stride)
    origin = -(size // 2)  # put the filter's window at [i, i + size) instead of centred
    mx = ndimage.maximum_filter(
        x, size=(1, 1, size, size), origin=(0, 0, origin, origin), mode="constant", cval=-np.inf
    )
    mean = ndimage.uniform_filter(x, size=(1, 1, size, size), origin=(0, 0, origin, origin), mode="constant")
    sample = (slice(None), slice(None), slice(0, stride * oh, stride), slice(0, stride * ow, stride))
    np.testing.assert_allclose(max_pool_forward(x, size, stride)[0], mx[sample], atol=1e-12)
    np.testing.assert_allclose(avg_pool_forward(x, size, stride)[0], mean[sample], atol=1e-12)


def test_max_gradient_is_conserved_and_routed_to_window_members():
    # each window passes on exactly its dout, to a pixel inside the window (tiling windows)
    x = np.maximum(np.random.default_rng(5).normal(size=(2, 3, 6, 6)), 0)
    out, cache = max_pool_forward(x)
    dout = np.random.default_rng(6).normal(size=out.shape)
    dx = max_pool_backward(dout, cache)
    np.testing.assert_allclose(dx.reshape(2, 3, 3, 2, 3, 2).sum(axis=(3, 5)), dout, atol=1e-12)
    assert (
        np.count_nonzero(dx.reshape(2, 3, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 3, 3, 3, 4), axis=-1).max()
        <= 1
    )


# ----------------------------------------------------------------------------- ties


def test_ties_go_to_the_first_maximum_in_row_major_order():
    x = np.array([[0, 0, 0, 5], [0, 0, 5, 1], [2, 7, 3, 3], [7, 1, 3, 3]], dtype=float)[None, None]
    _, cache = max_pool_forward(x)
    dx = max_pool_backward(np.ones((1, 1, 2, 2)), cache)
    expected = np.zeros((4, 4))
    expected[0, 0] = 1  # all-zero window: top-left
    expected[0, 3] = 1  # 5 at (0,3) comes before 5 at (1,2) in row-major order
    expected[2, 1] = 1  # 7 at (2,1) before 7 at (3,0)
    expected[2, 2] = 1  # all 3s: top-left
    np.testing.assert_array_equal(dx[0, 0], expected)
    _, cache_n = max_pool_forward_naive(x)
    np.testing.assert_array_equal(max_pool_backward_naive(np.ones((1, 1, 2, 2)), cache_n)[0, 0], expected)


def test_mask_of_all_maxima_inflates_the_gradient_on_ties():
    x = np.maximum(np.random.default_rng(7).normal(size=(4, 8, 16, 16)), 0)
    out, cache = max_pool_forward(x)
    dout = np.ones_like(out)
    right = max_pool_backward(dout, cache)
    wrong = max_pool_backward_all_maxima(dout, x)
    tied = (x.reshape(4, 8, 8, 2, 8, 2) == out[:, :, :, None, :, None]).sum(axis=(3, 5))
    assert right.sum() == pytest.approx(out.size)  # one unit of gradient per window
    assert wrong.sum() == pytest.approx(tied.sum())  # one unit per tied maximum
    assert wrong.sum() > right.sum()
    # on tie-free inputs the two rules agree
    xf = _tie_free((1, 2, 6, 6), seed=8)
    outf, cachef = max_pool_forward(xf)
    np.testing.assert_array_equal(
        max_pool_backward(np.ones_like(outf), cachef), max_pool_backward_all_maxima(np.ones_like(outf), xf)
    )


def test_about_6_percent_of_2x2_windows_are_all_zero_after_a_relu():
    # P(four independent symmetric pre-activations are all <= 0) = 1/16 = 6.25%
    z = np.random.default_rng(9).normal(size=(16, 16, 32, 32))
    a = np.maximum(z, 0)
    out, _ = max_pool_forward(a)
    fraction = np.mean(out == 0)
    assert 0.055 < fraction < 0.07


def test_ties_match_pytorch_when_installed():
    torch = pytest.importorskip("torch", reason="PyTorch is an optional benchmark baseline, not installed")
    x = np.maximum(np.random.default_rng(10).normal(size=(2, 3, 9, 9)), 0)
    x[0, 0, :4, :4] = 1.0  # a block of equal non-zero values too
    for size, stride in [(2, 2), (3, 2), (2, 1)]:
        out, cache = max_pool_forward(x, size, stride)
        dout = np.random.default_rng(11).normal(size=out.shape)
        xt = torch.tensor(x, requires_grad=True)
        torch.nn.functional.max_pool2d(xt, size, stride).backward(torch.tensor(dout))
        np.testing.assert_allclose(max_pool_backward(dout, cache), xt.grad.numpy(), atol=1e-12)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_reported():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError, match=r"x: expected a 4-D array, got 2-D with shape \(4, 4\)"):
        max_pool_forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="size: expected a window no larger than the input's 4x4"):
        max_pool_forward(x, size=5, stride=1)
    with pytest.raises(ValueError, match="stride: expected an integer >= 1, got 0"):
        avg_pool_forward(x, size=2, stride=0)
    with pytest.raises(ValueError, match="size: expected an integer >= 1, got -2"):
        max_pool_forward_naive(x, size=-2)
    _, cache = max_pool_forward(x)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 2, 2, 2\) .* got \(1, 2, 3, 2\)"):
        max_pool_backward(np.zeros((1, 2, 3, 2)), cache)
    _, cache = avg_pool_forward(x, 3, 1)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 2, 2, 2\)"):
        avg_pool_backward(np.zeros((1, 2, 1, 1)), cache)
    with pytest.raises(ValueError, match="x: expected finite values"):
        max_pool_forward(np.full((1, 1, 2, 2), np.inf))


@pytest.mark.parametrize("shape,size,stride", CONFIGS, ids=IDS)
def test_vectorized_and_naive_switches_agree_on_tie_heavy_inputs(shape, size, stride):
    x = np.random.default_rng(12).integers(0, 3, size=shape).astype(float)  # many ties
    fast = max_pool_switches(max_pool_forward(x, size, stride)[1])
    naive = max_pool_switches(max_pool_forward_naive(x, size, stride)[1])
    np.testing.assert_array_equal(fast, naive)
    # every switch points at a maximum of its window
    out, _ = max_pool_forward(x, size, stride)
    n, c = np.indices(out.shape[:2])[..., None, None]
    np.testing.assert_array_equal(x[n, c, fast[..., 0], fast[..., 1]], out)


def _weight_gradient(x, w, rule, relu):
    from course_utils.conv import conv2d_backward, conv2d_forward

    z, conv_cache = conv2d_forward(x, w, np.zeros(len(w)), stride=1, pad=1)
    a = np.maximum(z, 0) if relu else z
    p, pool_cache = max_pool_forward(a)
    da = (
        max_pool_backward(np.ones_like(p), pool_cache)
        if rule == "first"
        else max_pool_backward_all_maxima(np.ones_like(p), a)
    )
    dz = da * (z > 0) if relu else da
    return conv2d_backward(dz, conv_cache)[1]


def test_mask_rule_is_hidden_by_a_relu_but_corrupts_weight_gradients_without_one():
    rng = np.random.default_rng(13)
    x, w = rng.normal(size=(4, 1, 8, 8)), rng.normal(size=(3, 1, 3, 3))
    np.testing.assert_array_equal(_weight_gradient(x, w, "first", True), _weight_gradient(x, w, "mask", True))
    xi = rng.integers(0, 3, size=(4, 1, 8, 8)).astype(float)
    wi = rng.integers(-1, 2, size=(3, 1, 3, 3)).astype(float)
    assert np.abs(_weight_gradient(xi, wi, "first", False) - _weight_gradient(xi, wi, "mask", False)).max() > 1


def test_a_cache_from_another_layer_is_reported():
    x = np.zeros((1, 1, 4, 4))
    out, avg_cache = avg_pool_forward(x)
    with pytest.raises(
        TypeError, match="cache: expected the MaxPoolCache returned by max_pool_forward, got AvgPoolCache"
    ):
        max_pool_backward(np.zeros_like(out), avg_cache)
    _, naive_cache = max_pool_forward_naive(x)
    with pytest.raises(TypeError, match="expected the AvgPoolCache returned by avg_pool_forward, got MaxPoolCache"):
        avg_pool_backward(np.zeros_like(out), naive_cache)
    # the caches of the naive and vectorized versions are interchangeable
    _, naive_avg = avg_pool_forward_naive(x)
    np.testing.assert_array_equal(
        avg_pool_backward(np.ones_like(out), naive_avg), avg_pool_backward_naive(np.ones_like(out), avg_cache)
    )
    np.testing.assert_array_equal(
        max_pool_backward(np.ones_like(out), naive_cache),
        max_pool_backward_naive(np.ones_like(out), max_pool_forward(x)[1]),
    )


@pytest.mark.parametrize(
    "forward,backward",
    [
        (max_pool_forward, max_pool_backward),
        (max_pool_forward_naive, max_pool_backward_naive),
        (avg_pool_forward, avg_pool_backward),
        (avg_pool_forward_naive, avg_pool_backward_naive),
    ],
    ids=["max", "max naive", "avg", "avg naive"],
)
def test_float32_stays_float32_and_integers_become_float64(forward, backward):
    x = np.random.default_rng(17).normal(size=(1, 2, 5, 5))
    out, cache = forward(x.astype(np.float32), 2, 2)
    assert out.dtype == np.float32 and backward(np.ones(out.shape), cache).dtype == np.float32
    out, cache = forward(np.arange(50).reshape(1, 2, 5, 5), 2, 2)
    assert out.dtype == np.float64 and backward(np.ones(out.shape, dtype=int), cache).dtype == np.float64


def test_windows_wider_than_127_keep_their_switches():
    x = np.zeros((1, 1, 130, 130))
    x[0, 0, 129, 128] = 5.0
    x[0, 0, 129, 129] = 5.0  # a tie: the first (column 128) wins
    out, cache = max_pool_forward(x, size=130, stride=1)
    assert out[0, 0, 0, 0] == 5.0
    assert max_pool_switches(cache)[0, 0, 0, 0].tolist() == [129, 128]
    dx = max_pool_backward(np.ones((1, 1, 1, 1)), cache)
    assert dx[0, 0, 129, 128] == 1.0 and dx.sum() == 1.0
