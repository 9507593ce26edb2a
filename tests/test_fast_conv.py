"""The tuned convolution layer (course_utils.fast.conv) equals the readable one, on every path it can take."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import course_utils.fast._parallel as _parallel
import course_utils.fast.conv as fast_conv
from course_utils import conv
from course_utils.gradcheck import numerical_gradient, relative_error

# (N, C, H, W, F, KH, KW, stride, pad): the shape classes of tests/test_conv.py
CONFIGS = [
    (2, 3, 5, 5, 2, 3, 3, 1, 0),
    (2, 2, 6, 5, 3, 3, 2, 1, 1),
    (1, 3, 7, 8, 2, 3, 3, 2, 1),
    (2, 1, 9, 7, 2, 4, 3, 3, 2),
    (1, 2, 5, 6, 4, 1, 1, 2, 0),
    (3, 2, 4, 4, 2, 5, 5, 1, 2),  # kernel bigger than the unpadded input
    (1, 1, 6, 6, 1, 2, 2, 2, 0),  # stride = kernel: windows tile the input
]
# float64, float32 (tolerance of its rounding) and integers (converted to float64)
DTYPES = {"float64": (np.float64, 1e-10), "float32": (np.float32, 2e-4), "int": (np.int64, 1e-9)}


def _problem(cfg, dtype=np.float64, seed=0):
    n, c, h, w, f, kh, kw, stride, pad = cfg
    rng = np.random.default_rng(seed)
    scale = 3 if np.issubdtype(dtype, np.integer) else 1
    x = (scale * rng.normal(size=(n, c, h, w))).astype(dtype)
    wt = (scale * rng.normal(size=(f, c, kh, kw))).astype(dtype)
    b = (scale * rng.normal(size=f)).astype(dtype)
    oh, ow = conv.conv_output_size(h, kh, stride, pad), conv.conv_output_size(w, kw, stride, pad)
    dout = rng.normal(size=(n, f, oh, ow)).astype(np.float64 if np.issubdtype(dtype, np.integer) else dtype)
    return x, wt, b, stride, pad, dout


def _assert_same(fast, readable, atol):
    """Values, shapes and dtypes of the fast results equal the readable ones."""
    for got, want in zip(fast, readable):
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=atol * max(1.0, np.abs(want).max()))


@pytest.fixture(params=["per-image products", "per-chunk products"])
def product_layout(request, monkeypatch):
    """Run a test with each of the fast layer's two ways of doing its matrix products."""
    if request.param == "per-chunk products":
        monkeypatch.setattr(fast_conv, "_PER_IMAGE_PRODUCTS_BELOW", 0)
    return request.param


@pytest.mark.parametrize("dtype", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("cfg", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_fast_equals_readable_values_and_gradients(cfg, dtype, product_layout):
    kind, atol = DTYPES[dtype]
    x, w, b, stride, pad, dout = _problem(cfg, kind)
    out, cache = fast_conv.conv2d_forward(x, w, b, stride, pad)
    out_r, cache_r = conv.conv2d_forward(x, w, b, stride, pad)
    _assert_same([out], [out_r], atol)
    _assert_same(fast_conv.conv2d_backward(dout, cache), conv.conv2d_backward(dout, cache_r), atol)
    # each backward pass reads the other's cache
    _assert_same(fast_conv.conv2d_backward(dout, cache_r), conv.conv2d_backward(dout, cache), atol)


def test_fast_gradients_match_numerical_gradients():
    x, w, b, stride, pad, dout = _problem((2, 2, 6, 5, 3, 3, 2, 2, 1), seed=3)
    _, cache = fast_conv.conv2d_forward(x, w, b, stride, pad)
    args = [x, w, b]
    for k, grad in enumerate(fast_conv.conv2d_backward(dout, cache)):

        def f(v, k=k):
            return fast_conv.conv2d_forward(*args[:k], v, *args[k + 1 :], stride, pad)[0]

        assert relative_error(grad, numerical_gradient(f, args[k], dout=dout)) < 1e-6


@pytest.mark.parametrize("chunk_bytes", [1, 3000])
def test_chunked_batches_give_the_same_result(monkeypatch, chunk_bytes, product_layout):
    # large layers work on chunks of images and rebuild their columns in the backward pass;
    # force that path on a small layer, with one image (or a few) per chunk
    x, w, b, stride, pad, dout = _problem((5, 2, 6, 5, 3, 3, 2, 2, 1), seed=14)
    monkeypatch.setattr(fast_conv, "_CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(fast_conv, "_KEEP_COLS_BYTES", 0)
    assert len(fast_conv._image_chunks(slice(0, 5), 3 * 3 * 2 * 3 * 3 * 8)) > 1
    out, cache = fast_conv.conv2d_forward(x, w, b, stride, pad)
    assert cache.columns == ()  # no columns kept: the backward pass rebuilds them chunk by chunk
    out_r, cache_r = conv.conv2d_forward(x, w, b, stride, pad)
    _assert_same([out], [out_r], 1e-10)
    _assert_same(fast_conv.conv2d_backward(dout, cache), conv.conv2d_backward(dout, cache_r), 1e-10)


def test_small_layers_keep_their_columns_for_the_backward_pass():
    x, w, b, stride, pad, dout = _problem((3, 2, 7, 6, 4, 3, 2, 1, 1), seed=15)
    out, cache = fast_conv.conv2d_forward(x, w, b, stride, pad)
    assert isinstance(cache, conv.ConvCache)
    cols = np.concatenate([c for _, c in cache.columns], axis=1)  # one block of columns per worker's images
    assert cols.shape == (2 * 3 * 2 + 1, 3 * out.shape[2] * out.shape[3])  # C*KH*KW rows + the bias row
    np.testing.assert_array_equal(cols[-1], 1.0)  # the bias trick: [w_rows | b] @ [cols; 1]
    np.testing.assert_array_equal(cols[:-1], conv.im2col(x, 3, 2, stride, pad))
    _, cache_r = conv.conv2d_forward(x, w, b, stride, pad)
    _assert_same(fast_conv.conv2d_backward(dout, cache), conv.conv2d_backward(dout, cache_r), 1e-10)


@pytest.mark.parametrize("keep_bytes", [0, 2**40])
def test_batches_split_between_two_threads_give_the_same_result(monkeypatch, keep_bytes, product_layout):
    monkeypatch.setattr(_parallel, "THREADS", 2)
    monkeypatch.setattr(fast_conv, "_THREAD_MIN_BYTES", 0)
    monkeypatch.setattr(fast_conv, "_KEEP_COLS_BYTES", keep_bytes)
    monkeypatch.setattr(fast_conv, "_CHUNK_BYTES", 2000)  # several chunks per thread when not kept
    x, w, b, stride, pad, dout = _problem((7, 2, 6, 5, 3, 3, 2, 1, 1), seed=16)
    if _parallel.blas_controller() is not None:
        assert len(fast_conv._batch_parts(7, 3 * 3 * 2 * 6 * 5 * 8)) == 2  # two parts of the batch
    out, cache = fast_conv.conv2d_forward(x, w, b, stride, pad)
    if keep_bytes:
        assert len(cache.columns) == len(fast_conv._batch_parts(7, 1))
    out_r, cache_r = conv.conv2d_forward(x, w, b, stride, pad)
    _assert_same([out], [out_r], 1e-10)
    _assert_same(fast_conv.conv2d_backward(dout, cache), conv.conv2d_backward(dout, cache_r), 1e-10)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, "inf-inf"])
def test_non_finite_upstream_gradient_is_reported_wherever_it_is(bad, threads, monkeypatch):
    monkeypatch.setattr(_parallel, "THREADS", threads)
    monkeypatch.setattr(fast_conv, "_THREAD_MIN_BYTES", 0)  # with 2 threads: split even this batch
    x, w, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    out, cache = fast_conv.conv2d_forward(x, w, b, 1, 1)
    for index in [(0, 0, 0, 0), tuple(s - 1 for s in out.shape), (0, 2, 1, 3)]:
        dout = np.ones(out.shape)
        if bad == "inf-inf":  # two infinities that a sum would turn into NaN, not a finite number
            dout[index], dout[0, 1, 0, 0] = np.inf, -np.inf
        else:
            dout[index] = bad
        # the error, and no RuntimeWarning from the products on the way to it (in any thread)
        with warnings.catch_warnings(), pytest.raises(ValueError, match="dout: expected finite values"):
            warnings.simplefilter("error")
            fast_conv.conv2d_backward(dout, cache)


def test_bad_input_gets_the_readable_versions_errors():
    x, w, b = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(4)
    with pytest.raises(ValueError, match=r"w: expected 3 input channels"):
        fast_conv.conv2d_forward(x, np.zeros((4, 2, 3, 3)), b)
    _, cache = fast_conv.conv2d_forward(x, w, b)
    with pytest.raises(ValueError, match=r"dout: expected shape \(2, 4, 3, 3\) .* got \(2, 4, 3, 4\)"):
        fast_conv.conv2d_backward(np.zeros((2, 4, 3, 4)), cache)
    with pytest.raises(TypeError, match="cache: expected the ConvCache returned by conv2d_forward, got dict"):
        fast_conv.conv2d_backward(np.zeros((2, 4, 3, 3)), {})


def test_two_layers_interleaved_like_a_network_and_threads_share_nothing():
    # the fast layer reuses scratch arrays between calls: a network runs forward 1, forward 2,
    # backward 2, backward 1, and threads run at the same time; none of it may mix results
    x1, w1, b1, s1, p1, _ = _problem((2, 3, 9, 8, 4, 3, 3, 1, 1), seed=20)
    rng = np.random.default_rng(21)
    w2, b2 = rng.normal(size=(2, 4, 2, 2)), rng.normal(size=2)

    def network(layer, seed):
        forward, backward = layer
        y1, c1 = forward((1.0 + seed) * x1, w1, b1, s1, p1)
        y2, c2 = forward(y1, w2, b2, 2, 0)
        dy1, dw2, _ = backward(np.ones_like(y2), c2)
        dx1, dw1, _ = backward(dy1, c1)
        return dx1, dw1, dw2

    fast = (fast_conv.conv2d_forward, fast_conv.conv2d_backward)
    readable = (conv.conv2d_forward, conv.conv2d_backward)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda s: network(fast, s % 3), range(12)))
    for seed, got in enumerate(results):
        _assert_same(got, network(readable, seed % 3), 1e-9)
