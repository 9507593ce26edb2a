"""Small synthetic image datasets, generated on the fly (no downloads).

:func:`bars_and_shapes` draws one shape per grayscale image, at a random place and
size, on a noisy background. Telling a horizontal bar from a vertical one needs
oriented edge detectors, which is exactly what a first convolution layer learns,
so a tiny CNN reaches high accuracy in a few seconds of training.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_positive_int, check_real

__all__ = ["BARS_AND_SHAPES_CLASSES", "bars_and_shapes"]

BARS_AND_SHAPES_CLASSES = ("horizontal bar", "vertical bar", "diagonal", "square")


def _draw(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    img = np.zeros((size, size))
    length = rng.integers(size // 2, size - 1)
    r0, c0 = rng.integers(0, size - length + 1, size=2)
    if kind == 0:  # horizontal bar, 1 or 2 pixels thick
        row = rng.integers(0, size - 1)
        img[row : row + rng.integers(1, 3), c0 : c0 + length] = 1.0
    elif kind == 1:  # vertical bar
        col = rng.integers(0, size - 1)
        img[r0 : r0 + length, col : col + rng.integers(1, 3)] = 1.0
    elif kind == 2:  # diagonal, either direction
        idx = np.arange(length)
        cols = c0 + (idx if rng.random() < 0.5 else length - 1 - idx)
        img[r0 + idx, cols] = 1.0
    else:  # hollow square
        side = max(3, length - 2)
        r0, c0 = rng.integers(0, size - side + 1, size=2)
        img[r0, c0 : c0 + side] = img[r0 + side - 1, c0 : c0 + side] = 1.0
        img[r0 : r0 + side, c0] = img[r0 : r0 + side, c0 + side - 1] = 1.0
    return img


def bars_and_shapes(n: int, size: int = 12, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grayscale images of one shape each, with balanced labels; the same ``seed`` gives the same data.

    Parameters
    ----------
    n : int
        Number of images.
    size : int, default 12
        Side of each image (>= 6).
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added.
    seed : int, default 0

    Returns
    -------
    x : ndarray of float64, shape (n, 1, size, size)
        Values about in [0, 1], plus the noise.
    y : ndarray of int64, shape (n,)
        Labels in ``range(len(BARS_AND_SHAPES_CLASSES))``: horizontal bar, vertical bar, diagonal, square.
    """
    n = check_positive_int("n", n)
    size = check_positive_int("size", size, minimum=6)
    noise = check_real("noise", noise, minimum=0.0)
    rng = np.random.default_rng(seed)
    k = len(BARS_AND_SHAPES_CLASSES)
    y = rng.permutation(np.arange(n) % k).astype(np.int64)
    x = np.stack([_draw(int(label), size, rng) for label in y])[:, None]
    x += noise * rng.normal(size=x.shape)
    return x, y
