"""The live demos work without a kernel: set a control's value, check the figure's artists."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import images, steerable
from course_utils.demos.pyramids import BlendDemo, PyramidLevelDemo
from course_utils.demos.steerable import SteeringDemo
from course_utils.fast import pyramids  # what the demos use


def _png(data: bytes) -> bool:
    """The view holds an encoded picture (JPEG by default, PNG if asked)."""
    return data[:2] == b"\xff\xd8" or data[:8] == b"\x89PNG\r\n\x1a\n"


def test_level_slider_shows_each_gaussian_and_laplacian_level():
    image = images.load_image("camera")
    demo = PyramidLevelDemo(image, levels=7)
    assert _png(demo.image.value)
    gauss, lap = pyramids.gaussian_pyramid(image, 7), pyramids.laplacian_pyramid(image, 7)
    assert demo.level.min == 1 and demo.level.max == 7  # counted from 1, as the titles
    for level in (3, 6, 0):
        before = demo.renders
        demo.level.value = level + 1
        assert demo.renders == before + 1, "the callback must re-render the view"
        np.testing.assert_array_equal(demo.im_g.get_array(), gauss[level])
        np.testing.assert_array_equal(demo.im_l.get_array(), lap[level])
        side = 512 >> level
        assert f"level {level + 1}: {side}x{side}" in demo.ax_g.get_title()
    demo.level.value = 7
    assert "residual" in demo.ax_l.get_title()
    np.testing.assert_array_equal(demo.im_l.get_array(), gauss[6])


def test_level_demo_without_blur_shows_plain_subsampling():
    image = images.load_image("brick")
    demo = PyramidLevelDemo(image, levels=4)
    demo.level.value = 3
    demo.blur.value = False
    np.testing.assert_array_equal(demo.im_g.get_array(), image[::4, ::4])
    assert "no blur" in demo.ax_g.get_title()


def test_blend_demo_equals_pyramids_blend_for_each_setting():
    a, b = images.apple_and_orange(128)
    demo = BlendDemo(a, b, levels=4)
    for position, softness, levels in [(0.5, 0.0, 4), (0.3, 0.2, 2), (0.7, 0.05, 6), (0.5, 0.0, 1)]:
        demo.position.value = position
        demo.softness.value = softness
        demo.levels.value = levels
        mask = images.vertical_seam_mask(a.shape, position, softness)
        expected = pyramids.blend(a, b, mask, levels)
        np.testing.assert_allclose(demo.blended, expected, atol=1e-12)
        shown = np.asarray(demo.im_blend.get_array())
        # shown as 8-bit colour: within one grey level of the float result (rounding)
        assert np.abs(shown[..., :3].astype(int) - np.clip(expected, 0, 1) * 255).max() <= 0.5 + 1e-6
        hard = mask[..., None] * a + (1 - mask[..., None]) * b
        np.testing.assert_allclose(demo.hard, hard, atol=1e-12)
        assert np.abs(np.asarray(demo.im_hard.get_array())[..., :3].astype(int) - hard * 255).max() <= 0.5 + 1e-6
        assert f"{levels} pyramid level" in demo.ax_blend.get_title()
        assert demo.seam_lines[0].get_xdata()[0] == pytest.approx(position * 128 - 0.5)


def test_blend_demo_levels_are_capped_by_the_image():
    a = np.zeros((16, 16))
    demo = BlendDemo(a, a, levels=9, max_levels=9)
    assert demo.levels.max == pyramids.max_levels(a.shape) == 5
    with pytest.raises(ValueError, match=r"image_b: expected the shape of image_a"):
        BlendDemo(a, np.zeros((16, 8)))


class _HalvingSteering(SteeringDemo):
    SHOWN_SIDE = 40  # a 96x96 image is then shown at 48x48, as the 512x512 one at 256x256


@pytest.mark.parametrize("cls, shown_side", [(SteeringDemo, 96), (_HalvingSteering, 48)])
def test_steering_demo_kernel_and_response_update_together(cls, shown_side):
    image = images.disk_edges(96)
    demo = cls(image, sigma=2.0)
    gx, gy = steerable.gaussian_derivative_kernels(2.0)
    for degrees in (0, 60, 135, 322):
        demo.angle.value = degrees
        alpha = np.deg2rad(degrees)
        kernel = np.cos(alpha) * gx + np.sin(alpha) * gy
        np.testing.assert_allclose(demo.im_kernel.get_array(), kernel, atol=1e-15)
        # the steered basis responses equal filtering with the steered kernel directly
        np.testing.assert_allclose(demo.response, steerable.convolve(image, kernel), atol=1e-12)
        # the picture may show it halved (blur, every second pixel): steering commutes with that
        shown = steerable.convolve(image, kernel)
        while shown.shape[0] > shown_side:
            shown = pyramids.downsample(shown)
        assert demo.im_response.get_array().shape == (shown_side, shown_side)
        np.testing.assert_allclose(demo.im_response.get_array(), shown, atol=1e-12)
        assert f"{degrees}°" in demo.ax_k.get_title() and demo.angle_label.value == f"{degrees}°"
    assert _png(demo.image.value)


def test_png_output_can_be_chosen():
    class PngSteering(SteeringDemo):
        image_format = "png"

    demo = PngSteering(images.disk_edges(32), sigma=1.0)
    assert demo.image.format == "png" and demo.image.value[:8] == b"\x89PNG\r\n\x1a\n"


def test_blend_demo_on_grey_images():
    a, b = np.zeros((64, 64)), np.ones((64, 64))
    demo = BlendDemo(a, b, levels=3)
    demo.position.value = 0.25
    np.testing.assert_allclose(
        demo.im_blend.get_array(),
        np.clip(pyramids.blend(a, b, images.vertical_seam_mask(a.shape, 0.25), 3), 0, 1),
        atol=1e-12,
    )


def test_show_does_not_raise_without_a_front_end():
    demo = SteeringDemo(images.disk_edges(32), sigma=1.0)
    demo.show()
