"""course_utils.images: shipped images with a stated licence, and the images drawn by code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from course_utils import images

DATA = Path(images.__file__).resolve().parent / "data" / "images"


def test_every_shipped_image_has_its_licence_stated_beside_it():
    readme = (DATA / "README.md").read_text()
    shipped = sorted(p.name for p in DATA.glob("*.png"))
    assert shipped == sorted(f"{n}.png" for n in images.IMAGE_NAMES)
    for name in shipped:
        line = next((l for l in readme.splitlines() if f"`{name}`" in l), "")
        assert "CC0" in line, f"{name}: no licence stated in data/images/README.md"
    assert "CC0" in (DATA / "LICENSE.md").read_text()
    assert sum(p.stat().st_size for p in DATA.glob("*.png")) < 400_000, "shipped images must stay small"


@pytest.mark.parametrize("name", images.IMAGE_NAMES)
def test_load_image_gives_a_fresh_grey_float_image(name):
    image = images.load_image(name)
    assert image.shape == (512, 512) and image.dtype == np.float64
    assert 0 <= image.min() < image.max() <= 1
    assert image.std() > 0.05, "a real photograph, not a flat image"
    image[:] = 0
    assert images.load_image(name).max() > 0, "callers must get a copy"


def test_load_image_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"name: expected one of 'camera', 'brick', got 'lena'"):
        images.load_image("lena")


def test_zone_plate_frequency_grows_to_nyquist_at_the_edge():
    n = 256
    plate = images.zone_plate(n)
    assert plate.shape == (n, n) and 0 <= plate.min() and plate.max() <= 1
    # along the middle row the phase is pi x^2 / n, so the local frequency is 2 pi x / n:
    # near the edge (x = n/2) neighbouring pixels alternate (frequency pi), near the centre they agree
    row = plate[n // 2] - 0.5
    centre, edge = row[n // 2 - 3 : n // 2 + 3], row[-16:]
    assert np.all(np.abs(np.diff(centre)) < 0.05)
    clear = (np.abs(edge[:-1]) > 0.05) & (np.abs(edge[1:]) > 0.05)
    assert clear.sum() >= 8 and np.all(np.sign(edge[:-1])[clear] != np.sign(edge[1:])[clear])
    # sub-sampling without a blur folds these frequencies back to low ones (aliasing):
    # neighbours in the sub-sampled edge region have the same sign again
    aliased = row[::2][-8:]
    assert np.mean(np.sign(aliased[:-1]) == np.sign(aliased[1:])) > 0.8


def test_apple_and_orange_share_an_outline_and_are_deterministic():
    apple, orange = images.apple_and_orange(128)
    assert apple.shape == orange.shape == (128, 128, 3)
    assert 0 <= apple.min() and apple.max() <= 1 and 0 <= orange.min() and orange.max() <= 1
    np.testing.assert_array_equal(apple, images.apple_and_orange(128)[0])
    centre = (slice(50, 80), slice(50, 80))
    assert apple[centre][..., 0].mean() > 2 * apple[centre][..., 1].mean(), "the apple is red"
    assert orange[centre][..., 1].mean() > 1.5 * orange[centre][..., 2].mean(), "the orange is orange"
    # the corners are background in both: the fruit has the same place and size
    assert np.abs(apple[:4, :4].mean() - orange[:4, :4].mean()) < 0.1


def test_vertical_seam_mask():
    hard = images.vertical_seam_mask((3, 10), position=0.5)
    np.testing.assert_array_equal(hard[0], [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    soft = images.vertical_seam_mask((3, 10), position=0.5, softness=0.4)
    assert np.all(np.diff(soft[1]) <= 0) and soft[1, 0] == 1 and soft[1, -1] == 0
    assert 0 < soft[1, 4] < 1
    with pytest.raises(ValueError, match=r"softness: expected a number >= 0\.0, got -0\.1"):
        images.vertical_seam_mask((3, 10), softness=-0.1)


def test_grating_varies_along_its_angle():
    g = images.grating(64, angle=0.0, period=8.0)
    np.testing.assert_allclose(g, g[:1].repeat(64, axis=0))  # constant down the columns
    np.testing.assert_allclose(g[0, :9], 0.5 + 0.5 * np.cos(2 * np.pi * np.arange(9) / 8))
    v = images.grating(64, angle=np.pi / 2, period=8.0)
    np.testing.assert_allclose(v, g.T, atol=1e-12)
