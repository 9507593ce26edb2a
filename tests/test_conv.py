"""Convolution layer (readable versions): lecture example, naive vs vectorized, numerical gradients,
independent oracles, identities, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from course_utils.conv import (
    ConvCache,
    col2im,
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    conv_gradient_identities,
    conv_output_size,
    convolve2d,
    correlate2d,
    flip180,
    im2col,
    input_pixel_region,
    weight_footprint,
)
from course_utils.gradcheck import numerical_gradient, relative_error

# (N, C, H, W, F, KH, KW, stride, pad): square and non-square images and kernels, strides, paddings
CONFIGS = [
    (2, 3, 5, 5, 2, 3, 3, 1, 0),
    (2, 2, 6, 5, 3, 3, 2, 1, 1),
    (1, 3, 7, 8, 2, 3, 3, 2, 1),
    (2, 1, 9, 7, 2, 4, 3, 3, 2),
    (1, 2, 5, 6, 4, 1, 1, 2, 0),
    (3, 2, 4, 4, 2, 5, 5, 1, 2),  # kernel bigger than the unpadded input
    (1, 1, 6, 6, 1, 2, 2, 2, 0),  # stride = kernel: windows tile the input
]


def _random_problem(cfg, seed=0):
    n, c, h, w, f, kh, kw, stride, pad = cfg
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, h, w))
    wt = rng.normal(size=(f, c, kh, kw))
    b = rng.normal(size=f)
    oh, ow = (h - kh + 2 * pad) // stride + 1, (w - kw + 2 * pad) // stride + 1
    dout = rng.normal(size=(n, f, oh, ow))
    return x, wt, b, stride, pad, dout


def test_lecture_example_32x32x3_with_six_5x5x3_filters_gives_28x28x6():
    x = np.random.default_rng(1).normal(size=(1, 3, 32, 32))
    w = np.random.default_rng(2).normal(size=(6, 3, 5, 5))
    out, _ = conv2d_forward(x, w, np.zeros(6), stride=1, pad=0)
    assert out.shape == (1, 6, 28, 28)
    assert conv_output_size(32, 5, stride=1, pad=0) == 28
    # the lecture's formula (W1 - F + 2P)/S + 1 with other settings, worked by hand
    assert conv_output_size(32, 5, stride=1, pad=2) == 32
    assert conv_output_size(7, 3, stride=2, pad=0) == 3
    assert conv_output_size(8, 3, stride=2, pad=0) == 3  # floor((8 - 3)/2) + 1


def test_hand_computed_output():
    # 3x3 input, 2x2 kernel of ones except a 2: cross-correlation, worked by hand
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # 0 1 2 / 3 4 5 / 6 7 8
    w = np.array([[[[1.0, 0.0], [0.0, 2.0]]]])
    out, _ = conv2d_forward(x, w, np.array([0.5]))
    # out[i,j] = x[i,j] + 2 x[i+1,j+1] + 0.5
    np.testing.assert_allclose(out[0, 0], [[0 + 8 + 0.5, 1 + 10 + 0.5], [3 + 14 + 0.5, 4 + 16 + 0.5]])


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_naive_and_vectorized_agree(cfg):
    x, w, b, stride, pad, dout = _random_problem(cfg)
    out_vec, cache_vec = conv2d_forward(x, w, b, stride, pad)
    out_naive, cache_naive = conv2d_forward_naive(x, w, b, stride, pad)
    np.testing.assert_allclose(out_vec, out_naive, rtol=0, atol=1e-10)
    for vec, naive in zip(conv2d_backward(dout, cache_vec), conv2d_backward_naive(dout, cache_naive)):
        assert vec.shape == naive.shape
        np.testing.assert_allclose(vec, naive, rtol=0, atol=1e-10)


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_vectorized_gradients_match_numerical_gradients(cfg):
    x, w, b, stride, pad, dout = _random_problem(cfg, seed=3)
    _, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward(dout, cache)
    num_dx = numerical_gradient(lambda v: conv2d_forward(v, w, b, stride, pad)[0], x, dout=dout)
    num_dw = numerical_gradient(lambda v: conv2d_forward(x, v, b, stride, pad)[0], w, dout=dout)
    num_db = numerical_gradient(lambda v: conv2d_forward(x, w, v, stride, pad)[0], b, dout=dout)
    assert relative_error(dx, num_dx) < 1e-6
    assert relative_error(dw, num_dw) < 1e-6
    assert relative_error(db, num_db) < 1e-6


def test_naive_gradients_match_numerical_gradients():
    x, w, b, stride, pad, dout = _random_problem((1, 2, 5, 4, 2, 3, 2, 2, 1), seed=4)
    _, cache = conv2d_forward_naive(x, w, b, stride, pad)
    dx, dw, _ = conv2d_backward_naive(dout, cache)
    assert (
        relative_error(dx, numerical_gradient(lambda v: conv2d_forward_naive(v, w, b, stride, pad)[0], x, dout=dout))
        < 1e-6
    )
    assert (
        relative_error(dw, numerical_gradient(lambda v: conv2d_forward_naive(x, v, b, stride, pad)[0], w, dout=dout))
        < 1e-6
    )


def _explicit_matrices(x, w, stride, pad):
    """Oracle sharing no code with course_utils: the layer as explicit matrices.

    ``out.ravel() = A @ x.ravel() + bias`` and ``out.ravel() = B @ w.ravel() + bias``, built
    entry by entry from the definition (padding = entries that simply do not exist).
    """
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    A = np.zeros((n * f * oh * ow, x.size))
    B = np.zeros((n * f * oh * ow, w.size))
    for nn in range(n):
        for ff in range(f):
            for i in range(oh):
                for j in range(ow):
                    row = np.ravel_multi_index((nn, ff, i, j), (n, f, oh, ow))
                    for cc in range(c):
                        for a in range(kh):
                            for bb in range(kw):
                                r, s = i * stride + a - pad, j * stride + bb - pad
                                if 0 <= r < h and 0 <= s < wd:
                                    A[row, np.ravel_multi_index((nn, cc, r, s), x.shape)] += w[ff, cc, a, bb]
                                    B[row, np.ravel_multi_index((ff, cc, a, bb), w.shape)] += x[nn, cc, r, s]
    return A, B, (n, f, oh, ow)


@pytest.mark.parametrize("cfg", CONFIGS[:5], ids=[str(c) for c in CONFIGS[:5]])
def test_against_explicit_matrix_oracle(cfg):
    x, w, b, stride, pad, dout = _random_problem(cfg, seed=5)
    A, B, out_shape = _explicit_matrices(x, w, stride, pad)
    bias = np.broadcast_to(b[None, :, None, None], out_shape).ravel()
    out, cache = conv2d_forward(x, w, b, stride, pad)
    np.testing.assert_allclose(out.ravel(), A @ x.ravel() + bias, atol=1e-12)
    np.testing.assert_allclose(out.ravel(), B @ w.ravel() + bias, atol=1e-12)
    dx, dw, db = conv2d_backward(dout, cache)
    # backprop through a linear map is multiplication by its transpose
    np.testing.assert_allclose(dx.ravel(), A.T @ dout.ravel(), atol=1e-12)
    np.testing.assert_allclose(dw.ravel(), B.T @ dout.ravel(), atol=1e-12)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), atol=1e-12)


@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_forward_against_scipy(cfg):
    x, w, b, stride, pad, _ = _random_problem(cfg, seed=6)
    out, _ = conv2d_forward(x, w, b, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            full = sum(signal.correlate2d(xp[n, c], w[f, c], mode="valid") for c in range(x.shape[1]))
            np.testing.assert_allclose(out[n, f], full[::stride, ::stride] + b[f], atol=1e-12)


@pytest.mark.parametrize(
    "forward,backward",
    [(conv2d_forward, conv2d_backward), (conv2d_forward_naive, conv2d_backward_naive)],
    ids=["vectorized", "naive"],
)
def test_float32_input_keeps_float32_and_int_input_becomes_float64(forward, backward):
    x, w, b, stride, pad, dout = _random_problem(CONFIGS[1])
    out32, cache = forward(x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), stride, pad)
    assert out32.dtype == np.float32
    assert [g.dtype for g in backward(dout, cache)] == [np.float32] * 3  # a float64 dout follows the layer
    out_int, cache = forward(np.ones((1, 1, 3, 3), dtype=int), np.ones((1, 1, 2, 2), dtype=int), [0])
    assert out_int.dtype == np.float64 and np.all(out_int == 4)
    assert [g.dtype for g in backward(np.ones((1, 1, 2, 2), dtype=int), cache)] == [np.float64] * 3


# ----------------------------------------------------------------------------- single-channel identities


def test_correlate_and_convolve_match_scipy_in_both_modes():
    rng = np.random.default_rng(7)
    x, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    for mode in ("valid", "full"):
        np.testing.assert_allclose(correlate2d(x, k, mode), signal.correlate2d(x, k, mode=mode), atol=1e-12)
        np.testing.assert_allclose(convolve2d(x, k, mode), signal.convolve2d(x, k, mode=mode), atol=1e-12)
        # convolution = cross-correlation with the kernel rotated by 180 degrees
        np.testing.assert_allclose(convolve2d(x, k, mode), correlate2d(x, flip180(k), mode), atol=1e-12)


def test_lecture_convolution_definition_by_its_sum():
    # Y[i,j] = sum_a sum_b X[i-a, j-b] W[a,b], X = 0 outside: the "full" convolution, summed literally
    rng = np.random.default_rng(8)
    x, k = rng.normal(size=(4, 5)), rng.normal(size=(2, 3))
    y = np.zeros((4 + 2 - 1, 5 + 3 - 1))
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            for a in range(2):
                for b in range(3):
                    if 0 <= i - a < 4 and 0 <= j - b < 5:
                        y[i, j] += x[i - a, j - b] * k[a, b]
    np.testing.assert_allclose(convolve2d(x, k, "full"), y, atol=1e-12)


def test_gradient_identities_framework_convention():
    rng = np.random.default_rng(9)
    x, k = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    dy = rng.normal(size=(4, 6))
    ids = conv_gradient_identities(x, k, dy)
    num_dw = numerical_gradient(lambda v: correlate2d(x, v, "valid"), k.copy(), dout=dy)
    num_dx = numerical_gradient(lambda v: correlate2d(v, k, "valid"), x.copy(), dout=dy)
    assert relative_error(ids["framework_dW"], num_dw) < 1e-7
    assert relative_error(ids["framework_dX"], num_dx) < 1e-7
    assert relative_error(ids["framework_dX_as_correlation"], num_dx) < 1e-7
    # and they are what the layer's backward pass computes for N = C = F = 1
    _, cache = conv2d_forward(x[None, None], k[None, None], [0.0])
    dx, dw, _ = conv2d_backward(dy[None, None], cache)
    np.testing.assert_allclose(dx[0, 0], ids["framework_dX"], atol=1e-12)
    np.testing.assert_allclose(dw[0, 0], ids["framework_dW"], atol=1e-12)


def test_gradient_identities_lecture_convention():
    rng = np.random.default_rng(10)
    x, k = rng.normal(size=(5, 6)), rng.normal(size=(2, 3))
    dy = rng.normal(size=(4, 4))
    ids = conv_gradient_identities(x, k, dy)
    num_dw = numerical_gradient(lambda v: convolve2d(x, v, "valid"), k.copy(), dout=dy)
    num_dx = numerical_gradient(lambda v: convolve2d(v, k, "valid"), x.copy(), dout=dy)
    assert relative_error(ids["lecture_dX"], num_dx) < 1e-7  # dL/dX = dL/dY * flip180(W)
    assert relative_error(ids["lecture_dW"], num_dw) < 1e-7
    assert relative_error(ids["lecture_dW_as_flipped_correlation"], num_dw) < 1e-7
    # read literally with * as convolution, "X * dL/dY" is not the weight gradient
    assert relative_error(convolve2d(x, dy, "valid"), num_dw) > 1e-2


def test_region_p_and_weight_footprint_sum_to_the_gradients():
    x, w, b, stride, pad, dout = _random_problem((1, 1, 7, 6, 1, 3, 2, 2, 1), seed=11)
    _, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, _ = conv2d_backward(dout, cache)
    for ip, jp in [(0, 0), (3, 2), (6, 5), (4, 1)]:
        region = input_pixel_region(ip, jp, (7, 6), (3, 2), stride, pad)
        assert dx[0, 0, ip, jp] == pytest.approx(sum(dout[0, 0, i, j] * w[0, 0, a, bb] for i, j, a, bb in region))
    xp = np.pad(x[0, 0], pad)
    for a, bb in [(0, 0), (2, 1), (1, 0)]:
        foot = weight_footprint(a, bb, (7, 6), (3, 2), stride, pad)
        assert len(foot) == dout[0, 0].size  # a weight touches every output pixel
        assert dw[0, 0, a, bb] == pytest.approx(sum(dout[0, 0, i, j] * xp[r + pad, s + pad] for i, j, r, s in foot))


def test_region_p_lecture_shape_for_stride_1_no_padding():
    # an interior pixel touches a K1 x K2 block of outputs; a corner pixel only one output
    region = input_pixel_region(3, 3, (8, 8), (3, 3))
    assert {(i, j) for i, j, _, _ in region} == {(i, j) for i in range(1, 4) for j in range(1, 4)}
    assert len(input_pixel_region(0, 0, (8, 8), (3, 3))) == 1


# ----------------------------------------------------------------------------- bad input


def _ok():
    return np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)


def test_channel_mismatch_is_reported():
    x, _, b = _ok()
    with pytest.raises(ValueError, match=r"w: expected 3 input channels .* got w of shape \(4, 2, 3, 3\) with 2"):
        conv2d_forward(x, np.zeros((4, 2, 3, 3)), b)


def test_kernel_larger_than_padded_input_is_reported():
    with pytest.raises(ValueError, match=r"w: expected a kernel no larger than the padded input \(6, 6\).*got a 7x3"):
        conv2d_forward(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 7, 3)), [0.0], pad=1)
    with pytest.raises(ValueError, match="kernel: expected at most the padded input size"):
        conv_output_size(4, 7, pad=1)


@pytest.mark.parametrize("stride", [0, -1])
def test_non_positive_stride_is_reported(stride):
    x, w, b = _ok()
    with pytest.raises(ValueError, match=f"stride: expected an integer >= 1, got {stride}"):
        conv2d_forward(x, w, b, stride=stride)


def test_non_integer_stride_and_negative_pad_are_reported():
    x, w, b = _ok()
    with pytest.raises(TypeError, match="stride: expected an integer"):
        conv2d_forward(x, w, b, stride=1.5)
    with pytest.raises(ValueError, match="pad: expected an integer >= 0, got -1"):
        conv2d_forward(x, w, b, pad=-1)


def test_dout_shape_mismatch_is_reported():
    x, w, b = _ok()
    _, cache = conv2d_forward(x, w, b)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 4, 3, 3\) .* got \(2, 4, 3, 4\)"):
        conv2d_backward(np.zeros((2, 4, 3, 4)), cache)
    _, cache = conv2d_forward_naive(x, w, b)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 4, 3, 3\)"):
        conv2d_backward_naive(np.zeros((2, 4, 4, 3)), cache)
    with pytest.raises(ValueError, match=r"dout: expected a 4-D array, got 3-D with shape \(2, 4, 3\)"):
        conv2d_backward_naive(np.zeros((2, 4, 3)), cache)


def test_wrong_ranks_and_bias_are_reported():
    x, w, b = _ok()
    with pytest.raises(ValueError, match=r"x: expected a 4-D array, got 3-D with shape \(3, 5, 5\)"):
        conv2d_forward(x[0], w, b)
    with pytest.raises(ValueError, match=r"w: expected a 4-D array, got 3-D"):
        conv2d_forward(x, w[0], b)
    with pytest.raises(ValueError, match=r"b: expected shape \(4,\) \(one bias per filter"):
        conv2d_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="x: expected finite values"):
        conv2d_forward(np.full((1, 3, 5, 5), np.nan), w, b)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_upstream_gradient_is_reported(bad):
    x, w, b = _ok()
    for forward, backward in [(conv2d_forward, conv2d_backward), (conv2d_forward_naive, conv2d_backward_naive)]:
        out, cache = forward(x, w, b, 1, 1)
        dout = np.ones(out.shape)
        dout[0, 2, 1, 3] = bad
        with pytest.raises(
            ValueError, match=r"dout: expected finite values, got 1 non-finite \(first at index \(0, 2, 1, 3\)"
        ):
            backward(dout, cache)


def test_huge_but_finite_upstream_gradient_is_accepted():
    x, w, b = _ok()
    out, cache = conv2d_forward(x, w, b, 1, 1)
    with np.errstate(over="ignore"):  # the gradient itself overflows: that is the caller's business
        _, _, db = conv2d_backward(np.full(out.shape, 1e308), cache)
    assert np.isinf(db).all()


def test_single_channel_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="mode: expected one of 'valid', 'full', got 'same'"):
        correlate2d(np.zeros((4, 4)), np.zeros((2, 2)), "same")
    with pytest.raises(ValueError, match=r"k: expected a kernel no larger than x \(2, 2\)"):
        convolve2d(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x: expected a 2-D array"):
        correlate2d(np.zeros((1, 4, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"dy: expected shape \(4, 4\)"):
        conv_gradient_identities(np.zeros((5, 5)), np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"\(i_in, j_in\): expected a pixel inside"):
        input_pixel_region(5, 0, (5, 5), (3, 3))


# ----------------------------------------------------------------------------- optional cross-check


def test_matches_pytorch_when_installed():
    torch = pytest.importorskip("torch", reason="PyTorch is an optional benchmark baseline, not installed")
    x, w, b, stride, pad, dout = _random_problem((2, 3, 9, 8, 4, 3, 2, 2, 1), seed=12)
    xt, wt, bt = (torch.tensor(v, requires_grad=True) for v in (x, w, b))
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)
    yt.backward(torch.tensor(dout))
    out, cache = conv2d_forward(x, w, b, stride, pad)
    dx, dw, db = conv2d_backward(dout, cache)
    np.testing.assert_allclose(out, yt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dw, wt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(db, bt.grad.numpy(), atol=1e-12)


def test_both_versions_read_each_others_caches_and_reject_other_objects():
    x, w, b, stride, pad, dout = _random_problem(CONFIGS[2], seed=13)
    _, naive_cache = conv2d_forward_naive(x, w, b, stride, pad)
    _, cache = conv2d_forward(x, w, b, stride, pad)
    assert isinstance(cache, ConvCache) and isinstance(naive_cache, ConvCache)
    for got, want in zip(conv2d_backward(dout, naive_cache), conv2d_backward_naive(dout, cache)):
        np.testing.assert_allclose(got, want, atol=1e-10)
    with pytest.raises(TypeError, match="cache: expected the ConvCache returned by conv2d_forward, got tuple"):
        conv2d_backward(dout, ("conv2d_forward", x, w, stride, pad))
    with pytest.raises(TypeError, match=r"cache: expected the ConvCache returned by conv2d_forward_naive .*, got list"):
        conv2d_backward_naive(dout, [1, 2])
    with pytest.raises(Exception, match="cannot assign"):  # frozen: plain data between the passes
        cache.stride = 2


def test_im2col_and_col2im_are_adjoint():
    # <im2col(x), c> == <x, col2im(c)> for every x and c: col2im is the transpose of im2col
    rng = np.random.default_rng(17)
    x = rng.normal(size=(2, 3, 7, 6))
    cols = im2col(x, 3, 2, stride=2, pad=1)
    assert cols.shape == (3 * 3 * 2, 2 * conv_output_size(7, 3, 2, 1) * conv_output_size(6, 2, 2, 1))
    c = rng.normal(size=cols.shape)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * col2im(c, x.shape, 3, 2, stride=2, pad=1)))
