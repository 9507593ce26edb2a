"""Pyramids against OpenCV (pyrDown / pyrUp), explicit matrices and the lecture's F3.

Tests that take the fixture ``P`` run on both implementations: the readable
``course_utils.pyramids`` and the tuned ``course_utils.fast.pyramids``; the others
test the readable module (the matrices, the lecture's formulas).
"""

from __future__ import annotations

import re
import warnings

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import pyramids as P
from course_utils import pyramids as P_readable
from course_utils.fast import pyramids as fast

TOL = {np.float64: 1e-12, np.float32: 2e-6}
SIZES = [(1, 1), (1, 7), (2, 2), (3, 5), (4, 4), (5, 3), (6, 9), (7, 7), (8, 13), (16, 16), (31, 18), (64, 33)]


@pytest.fixture(scope="module", params=["readable", "fast"], name="P")
def _implementation(request):
    """The module under test; as a test's argument it shadows the module-level (readable) ``P``."""
    return {"readable": P_readable, "fast": fast}[request.param]


def _image(shape, dtype, channels=None, seed=0):
    rng = np.random.default_rng(seed)
    full = shape if channels is None else (*shape, channels)
    return rng.random(full).astype(dtype)


def _cv_gaussian(x, levels):
    pyr = [x]
    for _ in range(levels - 1):
        pyr.append(cv2.pyrDown(pyr[-1]))
    return pyr


def _cv_laplacian(x, levels):
    g = _cv_gaussian(x, levels)
    return [a - cv2.pyrUp(b, dstsize=(a.shape[1], a.shape[0])) for a, b in zip(g[:-1], g[1:])] + [g[-1]]


def _same(ours, ref, dtype):
    np.testing.assert_allclose(ours, np.asarray(ref).reshape(ours.shape), rtol=0, atol=TOL[dtype])


# --- the kernel ---------------------------------------------------------------


def test_binomial_kernel_is_the_lecture_kernel():
    np.testing.assert_array_equal(P.binomial_kernel() * 16, [1, 4, 6, 4, 1])
    assert P.binomial_kernel().sum() == 1.0


# --- against OpenCV -------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("shape", SIZES)
def test_downsample_matches_cv2_pyrDown(P, shape, channels, dtype):
    x = _image(shape, dtype, channels)
    ours = P.downsample(x)
    assert ours.shape[:2] == (-(-shape[0] // 2), -(-shape[1] // 2))
    assert ours.dtype == dtype
    _same(ours, cv2.pyrDown(x), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("shape", SIZES)
def test_upsample_matches_cv2_pyrUp_for_even_and_odd_targets(P, shape, channels, dtype):
    x = _image(shape, dtype, channels, seed=1)
    h, w = shape
    for target in [(2 * h, 2 * w), (2 * h - 1, 2 * w - 1), (2 * h - 1, 2 * w), (2 * h, 2 * w - 1)]:
        if min(target) < 1:
            continue
        ours = P.upsample(x, target)
        assert ours.shape[:2] == target and ours.dtype == dtype
        _same(ours, cv2.pyrUp(x, dstsize=(target[1], target[0])), dtype)
    _same(P.upsample(x), cv2.pyrUp(x), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(7, 7), (40, 33), (300, 257)])
def test_blur_matches_cv2_separable_filter_with_reflect101(shape, dtype):
    x = _image(shape, dtype, 3)
    k = P.binomial_kernel()
    ref = cv2.sepFilter2D(x, -1, k, k, borderType=cv2.BORDER_REFLECT_101)
    _same(P.blur(x), ref, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("shape", [(64, 64), (67, 45), (100, 129), (600, 513)])
def test_gaussian_and_laplacian_levels_match_cv2(P, shape, channels, dtype):
    x = _image(shape, dtype, channels, seed=2)
    levels = 5
    for ours, ref in zip(P.gaussian_pyramid(x, levels), _cv_gaussian(x, levels), strict=True):
        assert ours.dtype == dtype
        _same(ours, ref, dtype)
    for ours, ref in zip(P.laplacian_pyramid(x, levels), _cv_laplacian(x, levels), strict=True):
        assert ours.dtype == dtype
        _same(ours, ref, dtype)


def test_large_image_uses_many_matrix_blocks_and_still_matches_cv2():
    # 1101 x 1100: many blocks of the batched matrix product, borders and an incomplete last block
    x = _image((1101, 1100), np.float64, seed=3)
    _same(fast.downsample(x), cv2.pyrDown(x), np.float64)
    y = fast.downsample(x)
    _same(fast.upsample(y, x.shape), cv2.pyrUp(y, dstsize=(1100, 1101)), np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=30)  # every size is also compared with OpenCV on both implementations below
@given(h=st.integers(1, 160), w=st.integers(1, 160), odd_h=st.booleans(), odd_w=st.booleans())
def test_fast_path_equals_the_readable_version(dtype, h, w, odd_h, odd_w):
    # the batched-matrix-product path and the readable blur-and-keep / insert-zeros-and-blur share no filtering code
    x = _image((h, w), dtype, seed=h * 61 + w)
    np.testing.assert_allclose(fast.downsample(x), P_readable.downsample(x), rtol=0, atol=TOL[dtype])
    shape = (2 * h - (odd_h and h > 1), 2 * w - (odd_w and w > 1))
    np.testing.assert_allclose(fast.upsample(x, shape), P_readable.upsample(x, shape), rtol=0, atol=TOL[dtype])


# shapes from 65 pixels up take the matrix-product path (below: the dense operators); they cover odd
# widths, widths that are no multiple of the column groups (pixels left over after the last group),
# several strips (2048 rows) and strips in the up-sampler
FAST_SHAPES = [(65, 65), (66, 67), (130, 97), (97, 130), (257, 131), (70, 300), (2048, 70), (1030, 66)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", FAST_SHAPES)
def test_matrix_product_path_matches_cv2_for_awkward_shapes(shape, dtype):
    x = _image(shape, dtype, seed=sum(shape))
    _same(fast.downsample(x), cv2.pyrDown(x), dtype)
    for target in [(2 * shape[0], 2 * shape[1]), (2 * shape[0] - 1, 2 * shape[1] - 1)]:
        _same(fast.upsample(x, target), cv2.pyrUp(x, dstsize=(target[1], target[0])), dtype)
    for ours, ref in zip(fast.laplacian_pyramid(x, 3), _cv_laplacian(x, 3), strict=True):
        _same(ours, ref, dtype)
    np.testing.assert_allclose(fast.reconstruct(fast.laplacian_pyramid(x, 3)), x, rtol=0, atol=10 * TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_non_contiguous_inputs_give_the_same_results(P, dtype):
    base = _image((300, 260), dtype, seed=7)
    for x in [base.T, base[::2, ::2], base[10:250, 20:200]]:
        assert not x.flags.c_contiguous
        _same(P.downsample(x), cv2.pyrDown(np.ascontiguousarray(x)), dtype)
        _same(P.upsample(x), cv2.pyrUp(np.ascontiguousarray(x)), dtype)
        lap = P.laplacian_pyramid(x, 3)
        np.testing.assert_allclose(
            P.reconstruct([np.asfortranarray(level) for level in lap]), x, rtol=0, atol=10 * TOL[dtype]
        )


def test_returned_arrays_are_fresh_not_reused_scratch(P):
    # intermediates live in scratch arrays reused between calls; results must not
    a, b = _image((200, 130), np.float64, seed=1), _image((200, 130), np.float64, seed=2)
    results = [P.downsample(a), P.upsample(a), P.gaussian_pyramid(a, 3), P.laplacian_pyramid(a, 3)]
    snapshot = [np.copy(r) if isinstance(r, np.ndarray) else [np.copy(level) for level in r] for r in results]
    (
        P.downsample(b),
        P.upsample(b),
        P.gaussian_pyramid(b, 3),
        P.laplacian_pyramid(b, 3),
        P.reconstruct(P.laplacian_pyramid(b, 3)),
    )
    for result, before in zip(results, snapshot):
        for level, level_before in zip(
            result if isinstance(result, list) else [result], before if isinstance(before, list) else [before]
        ):
            np.testing.assert_array_equal(level, level_before)
            assert level.flags.c_contiguous and level.flags.owndata


def test_lecture_pyramid_512_to_8_has_seven_levels(P):
    pyr = P.gaussian_pyramid(np.zeros((512, 512)), 7)
    assert [p.shape for p in pyr] == [(s, s) for s in (512, 256, 128, 64, 32, 16, 8)]


# --- exact reconstruction --------------------------------------------------------


@given(h=st.integers(1, 70), w=st.integers(1, 70), channels=st.sampled_from([None, 1, 3]), data=st.data())
def test_reconstruction_is_exact_for_any_size(P, h, w, channels, data):
    x = _image((h, w), np.float64, channels, seed=h * 100 + w)
    levels = data.draw(st.integers(1, P.max_levels(x.shape)))
    lap = P.laplacian_pyramid(x, levels)
    assert len(lap) == levels
    assert [l.shape for l in lap] == [g.shape for g in P.gaussian_pyramid(x, levels)]
    np.testing.assert_allclose(P.reconstruct(lap), x, rtol=0, atol=1e-12)


def test_reconstruction_float32_stays_float32_and_is_close(P):
    x = _image((257, 130), np.float32, 3)
    out = P.reconstruct(P.laplacian_pyramid(x, 6))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, x, rtol=0, atol=1e-5)


def test_laplacian_levels_are_the_lecture_formula_with_explicit_matrices():
    # L_i = (I - F_i G_i) x_i on a 2-D image: F_i and G_i act on rows and columns
    x = _image((11, 6), np.float64, seed=4)
    lap = P.laplacian_pyramid(x, 3)
    xi = x
    for i in range(2):
        h, w = xi.shape
        Gh, Gw = P.downsample_matrix(h), P.downsample_matrix(w)
        Fh = P.upsample_matrix((h + 1) // 2)[:h]
        Fw = P.upsample_matrix((w + 1) // 2)[:w]
        nxt = Gh @ xi @ Gw.T
        np.testing.assert_allclose(lap[i], xi - Fh @ nxt @ Fw.T, atol=1e-13)
        xi = nxt
    np.testing.assert_allclose(lap[2], xi, atol=1e-13)


def test_integer_input_becomes_float64(P):
    x = (np.arange(64).reshape(8, 8) * 3).astype(np.uint8)
    out = P.downsample(x)
    assert out.dtype == np.float64
    _same(out, cv2.pyrDown(x.astype(np.float64)), np.float64)


# --- blending --------------------------------------------------------------------


@pytest.mark.parametrize("channels", [None, 3])
def test_blend_with_all_ones_or_all_zeros_mask_returns_an_input(P, channels):
    a = _image((45, 64), np.float64, channels, seed=5)
    b = _image((45, 64), np.float64, channels, seed=6)
    np.testing.assert_allclose(P.blend(a, b, np.ones((45, 64)), 5), a, atol=1e-12)
    np.testing.assert_allclose(P.blend(a, b, np.zeros((45, 64)), 5), b, atol=1e-12)


def test_blend_with_one_level_is_the_hard_seam_and_more_levels_smooth_it(P):
    a, b = np.zeros((64, 64)), np.ones((64, 64))
    mask = np.zeros((64, 64))
    mask[:, :32] = 1.0
    hard = P.blend(a, b, mask, 1)
    np.testing.assert_array_equal(hard, mask * a + (1 - mask) * b)
    soft = P.blend(a, b, mask, 5)
    row = soft[32]
    assert np.all(np.diff(row) >= -1e-12), "blending 0 into 1 should give a monotone ramp"
    assert 0 < row[31] < 1 and 0 < row[28] < 1, "the transition must be spread over several pixels"


def test_blend_equals_the_lecture_formula_level_by_level(P):
    rng = np.random.default_rng(7)
    a, b, m = rng.random((33, 40)), rng.random((33, 40)), rng.random((33, 40))
    la, lb, gm = P.laplacian_pyramid(a, 4), P.laplacian_pyramid(b, 4), P.gaussian_pyramid(m, 4)
    combined = [g * x + (1 - g) * y for g, x, y in zip(gm, la, lb)]
    np.testing.assert_allclose(P.blend(a, b, m, 4), P.reconstruct(combined), atol=1e-12)


def test_blend_float32_keeps_float32(P):
    a = _image((32, 32), np.float32, 3)
    out = P.blend(a, a[::-1].copy(), np.full((32, 32), 0.5, np.float32), 3)
    assert out.dtype == np.float32


# --- the 1-D operators as matrices ----------------------------------------------------


def test_F3_is_the_slide_matrix():
    F3 = np.array(
        [
            [6, 1, 0, 0],
            [4, 4, 0, 0],
            [1, 6, 1, 0],
            [0, 4, 4, 0],
            [0, 1, 6, 1],
            [0, 0, 4, 4],
            [0, 0, 1, 6],
            [0, 0, 0, 4],
        ],
        dtype=float,
    )
    np.testing.assert_array_equal(P.upsample_matrix(4, boundary="zero", normalized=False), F3)


def test_normalized_matrices_are_the_integer_ones_scaled():
    for n in (1, 2, 5, 8):
        for boundary in P.BOUNDARIES:
            np.testing.assert_array_equal(
                P.upsample_matrix(n, boundary) * 8, P.upsample_matrix(n, boundary, normalized=False)
            )
            np.testing.assert_array_equal(
                P.downsample_matrix(n, boundary) * 16, P.downsample_matrix(n, boundary, normalized=False)
            )


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10])
def test_reflect101_matrices_preserve_constants(n):
    G, F = P.downsample_matrix(n), P.upsample_matrix(n)
    assert G.shape == ((n + 1) // 2, n) and F.shape == (2 * n, n)
    np.testing.assert_allclose(G @ np.ones(n), 1.0)
    np.testing.assert_allclose(F @ np.ones(n), 1.0)


@pytest.mark.parametrize("shape", [(1, 1), (5, 8), (9, 4), (16, 11)])
def test_applying_the_matrices_equals_the_image_functions(shape):
    x = _image(shape, np.float64, seed=8)
    h, w = shape
    Gh, Gw = P.downsample_matrix(h), P.downsample_matrix(w)
    np.testing.assert_allclose(P.downsample(x), Gh @ x @ Gw.T, atol=1e-14)
    Fh, Fw = P.upsample_matrix(h), P.upsample_matrix(w)
    np.testing.assert_allclose(P.upsample(x), Fh @ x @ Fw.T, atol=1e-14)
    np.testing.assert_allclose(P.upsample(x, (2 * h - 1, 2 * w - 1)), Fh[:-1] @ x @ Fw[:-1].T, atol=1e-14)
    # the 1-D matrices also apply channel-wise to colour images
    xc = _image(shape, np.float64, 3, seed=9)
    np.testing.assert_allclose(P.downsample(xc), np.einsum("ij,jkc,lk->ilc", Gh, xc, Gw), atol=1e-14)


def test_zero_boundary_differs_from_reflect101_only_near_the_edges():
    F_zero, F_ref = P.upsample_matrix(8, "zero"), P.upsample_matrix(8)
    np.testing.assert_array_equal(F_zero[2:-2], F_ref[2:-2])
    assert not np.array_equal(F_zero[:2], F_ref[:2])


# --- errors ------------------------------------------------------------------------------


def test_too_many_levels_says_how_many_the_image_supports(P):
    assert P.max_levels((512, 512)) == 10
    assert P.max_levels((5, 100)) == 4  # 5 -> 3 -> 2 -> 1
    with pytest.raises(ValueError, match=r"levels: a 5x100 image supports at most 4 levels.*got 5"):
        P.gaussian_pyramid(np.zeros((5, 100)), 5)
    with pytest.raises(ValueError, match="supports at most 10 levels"):
        P.laplacian_pyramid(np.zeros((512, 512, 3)), 11)
    with pytest.raises(ValueError, match="levels: expected an integer >= 1, got 0"):
        P.gaussian_pyramid(np.zeros((8, 8)), 0)


def test_wrong_rank_is_rejected_naming_the_argument(P):
    with pytest.raises(ValueError, match=r"image: expected a 2 or 3-D array, got 1-D"):
        P.downsample(np.zeros(8))
    with pytest.raises(ValueError, match=r"image: expected a 2 or 3-D array, got 4-D"):
        P.laplacian_pyramid(np.zeros((2, 8, 8, 3)), 2)
    with pytest.raises(ValueError, match=r"image: expected an image of at least 1x1 pixels"):
        P.blur(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="image: expected finite values"):
        P.downsample(np.full((4, 4), np.nan))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("shape", [(7, 9), (130, 100), (100, 130, 3)])
def test_non_finite_pixels_anywhere_are_reported_by_every_pyramid_function(P, shape, bad):
    # finiteness is checked on the coarsest level / the reconstruction first: every pixel must still be caught,
    # with the usual message naming the argument and the first bad index, and without numpy warnings
    rng = np.random.default_rng(1)
    for index in [(0, 0), (shape[0] - 1, shape[1] - 1), (shape[0] // 2, 1)]:
        x = rng.random(shape)
        first = index + ((0,) if len(shape) == 3 else ())
        x[first] = bad
        message = re.escape(f"image: expected finite values, got 1 non-finite (first at index {first}")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=message):
                P.gaussian_pyramid(x, 3)
            with pytest.raises(ValueError, match=message):
                P.laplacian_pyramid(x, 4)
            lap = P.laplacian_pyramid(rng.random(shape), 3)
            lap[1][(index[0] // 2, index[1] // 2)] = bad
            with pytest.raises(ValueError, match=r"laplacian\[1\]: expected finite values, got \d+ non-finite"):
                P.reconstruct(lap)


def test_huge_finite_values_are_accepted(P):
    x = np.full((40, 40), 1e308)
    assert np.isfinite(P.gaussian_pyramid(x, 3)[-1]).all()
    assert np.isfinite(P.reconstruct(P.laplacian_pyramid(x, 3))).all()


def test_blend_mask_errors(P):
    a = np.zeros((16, 16, 3))
    with pytest.raises(
        ValueError, match=r"mask: expected shape \(16, 16\) \(the height and width of the images\), got \(16, 15\)"
    ):
        P.blend(a, a, np.zeros((16, 15)), 3)
    with pytest.raises(ValueError, match=r"mask: expected weights in \[0, 1\], got values in \[0, 2\]"):
        P.blend(a, a, np.full((16, 16), 2.0) * np.eye(16), 3)
    with pytest.raises(ValueError, match=r"image_b: expected shape \(16, 16, 3\)"):
        P.blend(a, np.zeros((16, 16)), np.zeros((16, 16)), 3)


def test_upsample_shape_and_pyramid_errors(P):
    with pytest.raises(
        ValueError, match=r"shape: up-sampling a 4x5 image gives \(7 or 8\) x \(9 or 10\) pixels, got \(9, 10\)"
    ):
        P.upsample(np.zeros((4, 5)), (9, 10))
    with pytest.raises(ValueError, match=r"laplacian\[1\]: expected shape \(4, 4\)"):
        P.reconstruct([np.zeros((8, 8)), np.zeros((3, 3))])
    with pytest.raises(TypeError, match="laplacian: expected a non-empty list"):
        P.reconstruct(np.zeros((8, 8)))


def test_matrix_argument_errors():
    with pytest.raises(ValueError, match=r"boundary: expected one of 'reflect101', 'zero', got 'wrap'"):
        P.upsample_matrix(4, boundary="wrap")
    with pytest.raises(ValueError, match="n: expected an integer >= 1, got 0"):
        P.downsample_matrix(0)
    with pytest.raises(TypeError, match="normalized: expected True or False"):
        P.upsample_matrix(4, normalized="yes")


@given(
    h=st.integers(1, 90),
    w=st.integers(1, 90),
    channels=st.sampled_from([None, 3]),
    dtype=st.sampled_from([np.float64, np.float32]),
    odd_h=st.booleans(),
    odd_w=st.booleans(),
)
def test_any_size_matches_cv2(P, h, w, channels, dtype, odd_h, odd_w):
    x = _image((h, w), dtype, channels, seed=h * 97 + w)
    _same(P.downsample(x), cv2.pyrDown(x), dtype)
    target = (2 * h - (odd_h and h > 1), 2 * w - (odd_w and w > 1))
    _same(P.upsample(x, target), cv2.pyrUp(x, dstsize=(target[1], target[0])), dtype)


def test_upsample_accepts_a_shape_with_the_channel_count(P):
    x = _image((5, 6), np.float64, 3)
    np.testing.assert_array_equal(P.upsample(x, (9, 12, 3)), P.upsample(x, (9, 12)))
    with pytest.raises(TypeError, match="shape: expected a pair"):
        P.upsample(x, 9)


def test_blur_keeps_constants_and_integer_input_becomes_float64(P):
    x = np.full((7, 9), 5, dtype=np.int32)
    out = P.blur(x)
    assert out.dtype == np.float64 and out.shape == (7, 9)
    np.testing.assert_array_equal(out, 5.0)
