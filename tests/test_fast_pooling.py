"""The tuned max pool (course_utils.fast.pooling) equals the readable one, on every path it can take."""

from __future__ import annotations

import numpy as np
import pytest

import course_utils.fast._parallel as _parallel
import course_utils.fast.pooling as fast_pooling
from course_utils import pooling
from course_utils.gradcheck import numerical_gradient, relative_error

# (shape, size, stride): tiling, overlapping (3x3 stride 2), gaps (stride > size), leftovers, non-square
CONFIGS = [
    ((2, 3, 4, 4), 2, 2),
    ((2, 2, 7, 7), 3, 2),
    ((1, 2, 7, 9), 3, 2),
    ((2, 1, 5, 6), 2, 1),
    ((1, 2, 7, 8), 2, 3),
    ((2, 2, 6, 6), 3, 3),
    ((2, 2, 25, 26), 12, 5),  # windows of more than 127 entries: a wider switch index
]
IDS = [f"{s}-k{k}-s{st}" for s, k, st in CONFIGS]
PAIRS = {
    "max": (
        fast_pooling.max_pool_forward,
        fast_pooling.max_pool_backward,
        pooling.max_pool_forward,
        pooling.max_pool_backward,
    ),
    "avg": (
        fast_pooling.avg_pool_forward,
        fast_pooling.avg_pool_backward,
        pooling.avg_pool_forward,
        pooling.avg_pool_backward,
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64], ids=["float64", "float32", "int"])
@pytest.mark.parametrize("kind", PAIRS)
@pytest.mark.parametrize("shape,size,stride", CONFIGS, ids=IDS)
def test_fast_equals_readable_values_and_gradients_ties_included(shape, size, stride, kind, dtype):
    fwd, bwd, fwd_r, bwd_r = PAIRS[kind]
    x = np.random.default_rng(0).integers(0, 3, size=shape).astype(dtype)  # few values: many ties
    out, cache = fwd(x, size, stride)
    out_r, cache_r = fwd_r(x, size, stride)
    assert out.dtype == out_r.dtype
    np.testing.assert_allclose(out, out_r, rtol=0, atol=1e-6)
    dout = np.random.default_rng(1).normal(size=out.shape)
    for got, want in [(bwd(dout, cache), bwd_r(dout, cache_r)), (bwd(dout, cache_r), bwd_r(dout, cache))]:
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 if dtype == np.float32 else 1e-12)
    if kind == "max":
        np.testing.assert_array_equal(pooling.max_pool_switches(cache), pooling.max_pool_switches(cache_r))


def test_fast_max_pool_gradient_matches_numerical_gradient_on_tie_free_input():
    x = np.random.default_rng(2).permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) / 7.0
    out, cache = fast_pooling.max_pool_forward(x, 3, 2)
    dout = np.random.default_rng(3).normal(size=out.shape)
    num = numerical_gradient(lambda v: fast_pooling.max_pool_forward(v, 3, 2)[0], x, dout=dout)
    assert relative_error(fast_pooling.max_pool_backward(dout, cache), num) < 1e-7


@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), (2, 3)])
def test_chunked_and_threaded_paths_equal_the_readable_version(monkeypatch, size, stride):
    # tiny chunks force many chunks, split between the two threads of the chunk pool
    monkeypatch.setattr(fast_pooling, "_CHUNK_BYTES", 7 * 7 * 8 * 2)  # 2 of the 12 images per chunk
    monkeypatch.setattr(_parallel, "THREADS", 2)
    assert len(fast_pooling._chunks(12, 7 * 7 * 8)) == 6  # enough chunks to be shared between threads
    x = np.random.default_rng(15).integers(0, 3, size=(3, 4, 7, 7)).astype(float)
    out, cache = fast_pooling.max_pool_forward(x, size, stride)
    out_r, cache_r = pooling.max_pool_forward(x, size, stride)
    dout = np.random.default_rng(16).normal(size=out.shape)
    np.testing.assert_array_equal(out, out_r)
    np.testing.assert_array_equal(pooling.max_pool_switches(cache), pooling.max_pool_switches(cache_r))
    np.testing.assert_allclose(
        fast_pooling.max_pool_backward(dout, cache), pooling.max_pool_backward(dout, cache_r), rtol=0, atol=1e-12
    )


def test_bad_input_gets_the_readable_versions_errors():
    x = np.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError, match="size: expected a window no larger than the input's 4x4"):
        fast_pooling.max_pool_forward(x, size=5, stride=1)
    _, cache = fast_pooling.max_pool_forward(x)
    with pytest.raises(ValueError, match=r"dout: expected shape \(1, 2, 2, 2\) .* got \(1, 2, 3, 2\)"):
        fast_pooling.max_pool_backward(np.zeros((1, 2, 3, 2)), cache)
    with pytest.raises(TypeError, match="cache: expected the MaxPoolCache returned by max_pool_forward"):
        fast_pooling.max_pool_backward(np.zeros((1, 2, 2, 2)), fast_pooling.avg_pool_forward(x)[1])
