"""The course's images: two small photographs shipped in the package, the rest drawn by code.

Shipped (CC0, see ``course_utils/data/images/README.md``):

* ``load_image("camera")`` - the 512x512 "camera man", the natural image of the
  Gaussian pyramid 512 -> 256 -> ... -> 8;
* ``load_image("brick")`` - a 512x512 brick wall, fine texture that aliases
  when it is down-sampled without blurring.

Drawn by code (deterministic, no files, nothing downloaded):

* :func:`apple_and_orange` - the pair of the classic blending demo (Burt and
  Adelson's "orapple"), with the same fruit outline so that a vertical seam
  through the middle joins them;
* :func:`zone_plate` - ``cos(pi r^2 / n)``, whose local frequency grows
  linearly to the Nyquist limit at the edge: the textbook aliasing test;
* :func:`grating`, :func:`disk_edges` - inputs for the orientation demos.

All images are float64 in [0, 1]: grey ``(H, W)``, colour ``(H, W, 3)``.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from ._checks import check_choice, check_positive_int, check_real

__all__ = ["IMAGE_NAMES", "load_image", "zone_plate", "apple_and_orange", "vertical_seam_mask", "grating", "disk_edges"]

_DATA = Path(__file__).resolve().parent / "data" / "images"
IMAGE_NAMES = ("camera", "brick")


@cache
def _read(name: str) -> np.ndarray:
    import matplotlib.image as mpimg  # PNG reading through matplotlib (Pillow comes with it)

    pixels = np.asarray(mpimg.imread(_DATA / f"{name}.png"), dtype=np.float64)
    pixels.setflags(write=False)
    return pixels


def load_image(name: str) -> np.ndarray:
    """A shipped grey image (CC0), a fresh copy.

    Parameters
    ----------
    name : {"camera", "brick"}

    Returns
    -------
    ndarray of float64, shape (512, 512)
        Values in [0, 1].
    """
    check_choice("name", name, IMAGE_NAMES)
    return _read(name).copy()


def zone_plate(size: int = 512) -> np.ndarray:
    """``(1 + cos(pi r^2 / size)) / 2`` on a ``size x size`` grid, ``r`` measured from the centre.

    The local frequency is ``2 pi r / size`` radians per pixel: 0 at the centre,
    the Nyquist limit ``pi`` at the middle of each edge (beyond it, in the
    corners, the pattern is already aliased). Any down-sampling without a
    low-pass filter makes false rings appear.

    Parameters
    ----------
    size : int, default 512

    Returns
    -------
    ndarray of float64, shape (size, size)
        Values in [0, 1].
    """
    size = check_positive_int("size", size, minimum=2)
    c = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size] - c
    return 0.5 + 0.5 * np.cos(np.pi * (x * x + y * y) / size)


def grating(size: int = 128, angle: float = 0.0, period: float = 8.0) -> np.ndarray:
    """A sinusoid ``(1 + cos(2 pi (x cos a + y sin a) / period)) / 2``: intensity varies along ``angle``.

    Parameters
    ----------
    size : int, default 128
    angle : float, default 0.0
        In radians.
    period : float, default 8.0
        In pixels (>= 2).

    Returns
    -------
    ndarray of float64, shape (size, size)
    """
    size = check_positive_int("size", size, minimum=2)
    angle = check_real("angle", angle)
    period = check_real("period", period, minimum=2.0)
    y, x = np.mgrid[0:size, 0:size].astype(float)
    return 0.5 + 0.5 * np.cos(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period)


def disk_edges(size: int = 256) -> np.ndarray:
    """A bright disk and a square on a dark ground: edges at every orientation, for steering demos.

    Parameters
    ----------
    size : int, default 256

    Returns
    -------
    ndarray of float64, shape (size, size)
    """
    size = check_positive_int("size", size, minimum=16)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.full((size, size), 0.15)
    image[(x - 0.38) ** 2 + (y - 0.45) ** 2 < 0.22**2] = 0.85
    square = (np.abs(x - 0.75) < 0.12) & (np.abs(y - 0.72) < 0.12)
    image[square] = 0.55
    return image


def _smooth_noise(rng, size: int, cells: int) -> np.ndarray:
    """Noise with features about ``size / cells`` pixels wide, in about [-1, 1] (bilinear interpolation)."""
    coarse = rng.standard_normal((cells + 1, cells + 1))
    t = np.linspace(0, cells, size)
    i = np.minimum(t.astype(int), cells - 1)
    f = t - i
    rows = coarse[i] * (1 - f)[:, None] + coarse[i + 1] * f[:, None]
    return rows[:, i] * (1 - f) + rows[:, i + 1] * f


def _shaded_fruit(size: int, base, texture: np.ndarray, background) -> np.ndarray:
    """A lit sphere of colour ``base`` (modulated by ``texture``) in front of ``background``."""
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    dx, dy = (x - 0.5) / 0.36, (y - 0.53) / 0.36
    r2 = dx * dx + dy * dy
    inside = r2 < 1.0
    nz = np.sqrt(np.clip(1.0 - r2, 0.0, 1.0))
    light = np.array([-0.45, -0.55, 0.70])
    light /= np.linalg.norm(light)
    diffuse = np.clip(dx * light[0] + dy * light[1] + nz * light[2], 0.0, 1.0)
    reflect_z = 2 * nz * (dx * light[0] + dy * light[1] + nz * light[2]) - light[2]
    specular = np.clip(reflect_z, 0.0, 1.0) ** 40
    colour = np.asarray(base)[None, None, :] * texture[..., None]
    fruit = colour * (0.22 + 0.78 * diffuse[..., None]) + 0.55 * specular[..., None]
    ground = np.asarray(background)[None, None, :] * (0.85 + 0.15 * (1 - y))[..., None]
    # soft edge (one pixel of anti-aliasing) so the outline itself does not alias
    alpha = np.clip((1.0 - np.sqrt(r2)) * size * 0.36, 0.0, 1.0)[..., None]
    return (
        np.clip(alpha * fruit + (1 - alpha) * ground, 0.0, 1.0) * inside[..., None] + (1 - inside[..., None]) * ground
    )


@lru_cache(maxsize=4)
def _fruit_pair(size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(6869)
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    dx = (x - 0.5) / 0.36
    # apple: red with yellow vertical streaks that follow the curvature
    streak_phase = 40 * np.arcsin(np.clip(dx, -1, 1)) + 3 * _smooth_noise(rng, size, 6)
    streaks = np.clip(0.5 + 0.5 * np.sin(streak_phase), 0, 1) ** 3
    apple_tex = 0.85 + 0.15 * _smooth_noise(rng, size, 10)
    apple = _shaded_fruit(size, (0.78, 0.07, 0.08), apple_tex, (0.80, 0.83, 0.88))
    yellow = _shaded_fruit(size, (0.95, 0.72, 0.20), apple_tex, (0.80, 0.83, 0.88))
    w = 0.45 * streaks[..., None]
    apple = (1 - w) * apple + w * yellow
    # orange: orange with a fine dimpled peel
    dimples = _smooth_noise(rng, size, size // 6)
    orange_tex = 0.9 + 0.1 * dimples
    orange = _shaded_fruit(size, (1.0, 0.52, 0.04), orange_tex, (0.86, 0.84, 0.78))
    # stem on the apple, a leaf on the orange
    stem = (np.abs(x - 0.46 - 0.15 * (0.17 - y)) < 0.012) & (y > 0.09) & (y < 0.2)
    apple[stem] = (0.35, 0.22, 0.10)
    leaf = ((x - 0.56) / 0.07) ** 2 + ((y - 0.15) / 0.03) ** 2 < 1
    orange[leaf] = (0.20, 0.50, 0.15)
    apple.setflags(write=False)
    orange.setflags(write=False)
    return apple, orange


def apple_and_orange(size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The blending pair: an apple and an orange of the same outline, each ``(size, size, 3)`` in [0, 1].

    Drawn by code (shaded spheres with a streaked skin and a dimpled peel,
    fixed seed). Join them with ``vertical_seam_mask`` and :func:`course_utils.pyramids.blend`.

    Parameters
    ----------
    size : int, default 512

    Returns
    -------
    apple, orange : ndarray of float64, shape (size, size, 3)
    """
    size = check_positive_int("size", size, minimum=32)
    apple, orange = _fruit_pair(size)
    return apple.copy(), orange.copy()


def vertical_seam_mask(shape: tuple, position: float = 0.5, softness: float = 0.0) -> np.ndarray:
    """A mask that is 1 left of column ``position * W`` and 0 right of it, with an optional linear ramp.

    Parameters
    ----------
    shape : tuple
        (H, W) (further entries are ignored).
    position : float, default 0.5
        The seam, as a fraction of the width.
    softness : float, default 0.0
        Width of the ramp, as a fraction of the width.

    Returns
    -------
    ndarray of float64, shape (H, W)
    """
    h = check_positive_int("shape[0]", int(shape[0]))
    w = check_positive_int("shape[1]", int(shape[1]))
    position = check_real("position", position)
    softness = check_real("softness", softness, minimum=0.0)
    x = (np.arange(w) + 0.5) / w
    if softness == 0:
        row = (x < position).astype(float)
    else:
        row = np.clip((position - x) / softness + 0.5, 0.0, 1.0)
    return np.broadcast_to(row, (h, w)).copy()
