"""course_utils.steerable: Gaussian-derivative steering identities and the steerable pyramid."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from course_utils import steerable as S


def _gx_formula(x, y, sigma):
    """The slide's g_x, written out again (shares no code with the module)."""
    return -x / (2 * np.pi * sigma**4) * np.exp(-(x * x + y * y) / (2 * sigma**2))


def test_kernels_follow_the_slide_formulas():
    sigma, radius = 1.5, 5
    gx, gy = S.gaussian_derivative_kernels(sigma, radius)
    assert gx.shape == gy.shape == (11, 11)
    for row in range(11):
        for col in range(11):
            x, y = col - radius, row - radius
            assert gx[row, col] == pytest.approx(_gx_formula(x, y, sigma), abs=1e-15)
            assert gy[row, col] == pytest.approx(_gx_formula(y, x, sigma), abs=1e-15)
    assert S.gaussian_derivative_kernels(2.0)[0].shape == (13, 13)  # radius ceil(3 sigma)


def test_slide_example_60_degrees():
    gx, gy = S.gaussian_derivative_kernels(2.0)
    np.testing.assert_allclose(S.steer(gx, gy, np.pi / 3), 0.5 * gx + np.sqrt(3) / 2 * gy, atol=1e-16)


@given(angle=st.floats(-2 * np.pi, 2 * np.pi), sigma=st.floats(0.7, 3.0))
def test_steered_kernel_is_the_rotated_derivative_computed_directly(angle, sigma):
    radius = int(np.ceil(3 * sigma))
    steered = S.steer(*S.gaussian_derivative_kernels(sigma, radius), angle)
    y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1].astype(float)
    # g_x in coordinates rotated by `angle`: the derivative along (cos a, sin a)
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    np.testing.assert_allclose(steered, _gx_formula(u, v, sigma), atol=1e-14)


@given(angle=st.floats(0, 2 * np.pi))
def test_filtering_with_the_steered_kernel_equals_steering_the_responses(angle):
    rng = np.random.default_rng(1)
    image = rng.random((40, 37))
    gx, gy = S.gaussian_derivative_kernels(1.5)
    direct = ndimage.correlate(image, S.steer(gx, gy, angle), mode="mirror")
    rx = ndimage.correlate(image, gx, mode="mirror")
    ry = ndimage.correlate(image, gy, mode="mirror")
    np.testing.assert_allclose(direct, np.cos(angle) * rx + np.sin(angle) * ry, atol=1e-13)
    # and with the module's own filter, steering the two responses
    np.testing.assert_allclose(S.steer(S.correlate(image, gx), S.correlate(image, gy), angle), direct, atol=1e-12)


@pytest.mark.parametrize("shape,kshape", [((30, 41), (7, 7)), ((16, 16), (3, 9)), ((9, 20), (17, 5))])
def test_correlate_matches_scipy_mirror(shape, kshape):
    rng = np.random.default_rng(2)
    image, kernel = rng.random(shape), rng.standard_normal(kshape)
    np.testing.assert_allclose(S.correlate(image, kernel), ndimage.correlate(image, kernel, mode="mirror"), atol=1e-12)
    np.testing.assert_allclose(S.convolve(image, kernel), ndimage.convolve(image, kernel, mode="mirror"), atol=1e-12)


@pytest.mark.parametrize("slope_angle", [0.0, 0.4, np.pi / 2, 2.5])
def test_convolving_a_ramp_gives_the_directional_derivative(slope_angle):
    # the ramp cos(a) x + sin(a) y has derivative cos(beta - a) along beta (derived by hand)
    y, x = np.mgrid[0:60, 0:60].astype(float)
    ramp = np.cos(slope_angle) * x + np.sin(slope_angle) * y
    gx, gy = S.gaussian_derivative_kernels(2.0, radius=10)
    for beta in np.linspace(0, 2 * np.pi, 7):
        response = S.convolve(ramp, S.steer(gx, gy, beta))[20:40, 20:40]
        np.testing.assert_allclose(response, np.cos(beta - slope_angle), atol=1e-4)


def test_kernel_errors():
    with pytest.raises(ValueError, match=r"sigma: expected a number > 0, got 0\.0"):
        S.gaussian_derivative_kernels(0.0)
    with pytest.raises(ValueError, match=r"g_y: expected the shape of g_x, \(5, 5\), got \(3, 3\)"):
        S.steer(np.zeros((5, 5)), np.zeros((3, 3)), 0.3)
    with pytest.raises(ValueError, match="kernel: expected odd height and width"):
        S.correlate(np.zeros((8, 8)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"image: expected a 2-D array, got 3-D"):
        S.correlate(np.zeros((8, 8, 3)), np.zeros((3, 3)))


# --- the steerable pyramid ---------------------------------------------------------------


@pytest.mark.parametrize("orientations", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("shape,scales", [((64, 64), 3), ((32, 96), 2), ((128, 48), 4)])
def test_steerable_pyramid_reconstructs_exactly(shape, scales, orientations):
    rng = np.random.default_rng(3)
    image = rng.random(shape)
    pyr = S.steerable_pyramid(image, scales, orientations)
    assert pyr.highpass.shape == shape
    assert [[b.shape for b in level] for level in pyr.bands] == [
        [(shape[0] >> s, shape[1] >> s)] * orientations for s in range(scales)
    ]
    assert pyr.lowpass.shape == (shape[0] >> scales, shape[1] >> scales)
    # bands are kept real; if they had lost an imaginary part, this would fail
    assert np.abs(S.reconstruct_steerable(pyr) - image).max() < 1e-10


def test_filters_form_a_tight_frame():
    r = S.steerable_frequency_responses((64, 80), 3, 4)
    total = r["highpass"] ** 2 + r["lowpass"] ** 2 + sum(b**2 for level in r["bands"] for b in level)
    np.testing.assert_allclose(total, 1.0, atol=1e-12)


@pytest.mark.parametrize("orientations", [2, 4, 5])
@pytest.mark.parametrize("u,v", [(24, 0), (17, 17), (0, 24), (22, 9), (-9, 22)])
def test_band_energy_follows_cos_power_orientation_tuning(orientations, u, v):
    # a grating of frequency (u, v) cycles per image in the passband of scale 0:
    # band k gets energy proportional to cos^(2(K-1))(phi - pi k / K) (derived from the angular mask)
    n = 128
    y, x = np.mgrid[0:n, 0:n]
    grating = np.cos(2 * np.pi * (u * x + v * y) / n)
    pyr = S.steerable_pyramid(grating, 2, orientations)
    energy = np.array([np.sum(b**2) for b in pyr.bands[0]])
    phi = np.arctan2(v, u)
    expected = np.cos(phi - np.pi * np.arange(orientations) / orientations) ** (2 * (orientations - 1))
    np.testing.assert_allclose(energy / energy.sum(), expected / expected.sum(), atol=1e-9)


def test_two_orientation_pyramid_band_is_a_derivative():
    # with K = 2 the angular masks are cos(theta) and sin(theta): first derivatives along x and y;
    # a vertical edge (intensity changes along x) excites band 0, not band 1
    image = np.zeros((64, 64))
    image[:, 32:] = 1.0
    pyr = S.steerable_pyramid(image, 2, 2)
    e0, e1 = (np.sum(b**2) for b in pyr.bands[0])
    assert e1 < 1e-20 * e0 + 1e-24 and e0 > 0


def test_float32_in_float32_out():
    image = np.random.default_rng(4).random((32, 32)).astype(np.float32)
    pyr = S.steerable_pyramid(image, 2, 4)
    assert pyr.highpass.dtype == pyr.lowpass.dtype == pyr.bands[1][3].dtype == np.float32
    assert S.reconstruct_steerable(pyr).dtype == np.float32


def test_pyramid_errors_say_what_the_image_supports():
    with pytest.raises(ValueError, match=r"scales: a 48x64 image supports at most 4 scales .* got 5"):
        S.steerable_pyramid(np.zeros((48, 64)), 5)
    with pytest.raises(ValueError, match=r"scales: a 30x64 image supports at most 1 scales"):
        S.steerable_pyramid(np.zeros((30, 64)), 2)
    with pytest.raises(ValueError, match="image: expected a 2-D array, got 3-D"):
        S.steerable_pyramid(np.zeros((32, 32, 3)), 2)
    with pytest.raises(TypeError, match="pyramid: expected a SteerablePyramid"):
        S.reconstruct_steerable([np.zeros((4, 4))])


@pytest.mark.parametrize("orientations", [1, 2, 4, 6])
def test_steerable_pyramid_matches_pyrtools_frequency_pyramid(orientations):
    # independent oracle: pyrtools' SteerablePyramidFreq (Simoncelli's design). pyrtools does not rescale
    # the cropped spectrum, so its scale-s bands are 4^s times ours; its raised cosine comes from a
    # look-up table, hence the 1e-4 tolerance. pyrtools is in the `test` extra: required, never skipped.
    import pyrtools as pt

    image = np.random.default_rng(5).random((64, 96))
    theirs = pt.pyramids.SteerablePyramidFreq(image, height=3, order=orientations - 1).pyr_coeffs
    ours = S.steerable_pyramid(image, 3, orientations)
    np.testing.assert_allclose(ours.highpass, theirs["residual_highpass"], atol=1e-4)
    for s in range(3):
        for k in range(orientations):
            np.testing.assert_allclose(4**s * ours.bands[s][k], theirs[(s, k)], atol=1e-4 * 4**s)
    np.testing.assert_allclose(4**3 * ours.lowpass, theirs["residual_lowpass"], atol=1e-3)
