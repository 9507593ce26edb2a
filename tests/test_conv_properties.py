"""Property tests (hypothesis): naive, vectorized and fast layers agree on random shapes, strides and paddings.

Shapes are kept tiny so that the naive loops stay fast; hypothesis explores the corners
(1-pixel outputs, kernels as large as the padded input, strides larger than the kernel).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import fast
from course_utils.conv import conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive
from course_utils.pooling import (
    avg_pool_backward,
    avg_pool_backward_naive,
    avg_pool_forward,
    avg_pool_forward_naive,
    max_pool_backward,
    max_pool_backward_naive,
    max_pool_forward,
    max_pool_forward_naive,
)


@st.composite
def conv_problems(draw):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    pad = draw(st.integers(0, 2))
    kh, kw = draw(st.integers(1, h + 2 * pad)), draw(st.integers(1, w + 2 * pad))
    stride = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    return (n, c, h, w, f, kh, kw, stride, pad, seed)


@settings(max_examples=40)
@given(conv_problems())
def test_conv_naive_vectorized_and_fast_agree_everywhere(problem):
    n, c, h, w, f, kh, kw, stride, pad, seed = problem
    rng = np.random.default_rng(seed)
    x, wt, b = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    out, cache = conv2d_forward(x, wt, b, stride, pad)
    out_n, cache_n = conv2d_forward_naive(x, wt, b, stride, pad)
    assert out.shape == (n, f, (h - kh + 2 * pad) // stride + 1, (w - kw + 2 * pad) // stride + 1)
    np.testing.assert_allclose(out, out_n, rtol=0, atol=1e-10)
    dout = rng.normal(size=out.shape)
    for vec, naive in zip(conv2d_backward(dout, cache), conv2d_backward_naive(dout, cache_n)):
        np.testing.assert_allclose(vec, naive, rtol=0, atol=1e-10)
    out_f, cache_f = fast.conv.conv2d_forward(x, wt, b, stride, pad)
    np.testing.assert_allclose(out_f, out, rtol=0, atol=1e-10)
    for tuned, vec in zip(fast.conv.conv2d_backward(dout, cache_f), conv2d_backward(dout, cache)):
        np.testing.assert_allclose(tuned, vec, rtol=0, atol=1e-10)


@st.composite
def pool_problems(draw):
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    size = draw(st.integers(1, min(h, w)))
    stride = draw(st.integers(1, 4))
    levels = draw(st.integers(2, 6))  # few distinct values: many ties
    seed = draw(st.integers(0, 2**31 - 1))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w, size, stride, levels, seed)


@settings(max_examples=60)
@given(pool_problems())
def test_pool_naive_vectorized_and_fast_agree_everywhere_ties_included(problem):
    n, c, h, w, size, stride, levels, seed = problem
    rng = np.random.default_rng(seed)
    x = rng.integers(0, levels, size=(n, c, h, w)).astype(float)
    for fwd, bwd, fwd_n, bwd_n, fwd_f, bwd_f in [
        (
            max_pool_forward,
            max_pool_backward,
            max_pool_forward_naive,
            max_pool_backward_naive,
            fast.pooling.max_pool_forward,
            fast.pooling.max_pool_backward,
        ),
        (
            avg_pool_forward,
            avg_pool_backward,
            avg_pool_forward_naive,
            avg_pool_backward_naive,
            fast.pooling.avg_pool_forward,
            fast.pooling.avg_pool_backward,
        ),
    ]:
        out, cache = fwd(x, size, stride)
        out_n, cache_n = fwd_n(x, size, stride)
        out_f, cache_f = fwd_f(x, size, stride)
        np.testing.assert_allclose(out, out_n, rtol=0, atol=1e-12)
        np.testing.assert_allclose(out_f, out, rtol=0, atol=1e-12)
        dout = rng.normal(size=out.shape)
        np.testing.assert_allclose(bwd(dout, cache), bwd_n(dout, cache_n), rtol=0, atol=1e-12)
        np.testing.assert_allclose(bwd_f(dout, cache_f), bwd(dout, cache), rtol=0, atol=1e-12)
