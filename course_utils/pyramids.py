"""Gaussian and Laplacian pyramids, pyramid blending, and the 1-D operators as matrices.

Lecture 6 of MIT 6.869 (Torralba), first half, in the slides' notation:

* ``G_i`` blurs with the binomial kernel ``[1 4 6 4 1] / 16`` and keeps every second row and
  column (:func:`downsample`): ``x_{i+1} = G_i x_i``;
* ``F_i`` inserts zeros between the pixels and blurs with the kernel times 4 (times 2 per
  axis) (:func:`upsample`);
* the Laplacian level is ``L_i = (I - F_i G_i) x_i`` and the image comes back exactly with
  ``x_i = L_i + F_i x_{i+1}`` (:func:`laplacian_pyramid`, :func:`reconstruct`);
* blending combines two Laplacian pyramids with the Gaussian pyramid of a mask,
  ``L(j) = G(j) LA(j) + (1 - G(j)) LB(j)`` (:func:`blend`).

Conventions:

* Images are (H, W) (grey) or (H, W, C) (colour); both spatial axes are filtered, channels are
  independent. float32 and float64 keep their precision; integers become float64.
* Borders reflect without repeating the edge pixel (OpenCV's ``BORDER_REFLECT_101``,
  ``... c b | a b c ... x y z | y x ...``; numpy's ``np.pad(mode="reflect")``). With this rule
  :func:`downsample` equals ``cv2.pyrDown`` and :func:`upsample` equals ``cv2.pyrUp``. At an odd
  target size the up-sampler blurs the whole zero-inserted signal of length ``2n`` and then
  crops it to ``2n - 1`` (OpenCV's rule).
* Sizes: :func:`downsample` maps H x W to ceil(H/2) x ceil(W/2), so a level of odd size
  ``2n - 1`` is up-sampled from ``n`` to ``2n`` and cropped; reconstruction is exact for any size
  because the Laplacian level and the reconstruction use the same ``upsample(next, shape)``.

The same operators as explicit matrices (:func:`blur_matrix`, :func:`downsample_matrix`,
:func:`upsample_matrix`, the slide's ``F3``) are an independent formulation for the tests. The
tuned versions (BLAS products strip by strip) are :mod:`course_utils.fast.pyramids`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    check_blend_inputs,
    check_choice,
    check_image,
    check_levels,
    check_positive_int,
    check_pyramid,
    check_upsample_shape,
)

__all__ = [
    "binomial_kernel",
    "blur",
    "downsample",
    "upsample",
    "max_levels",
    "gaussian_pyramid",
    "laplacian_pyramid",
    "reconstruct",
    "blend",
    "blend_pyramids",
    "reflect101",
    "blur_matrix",
    "downsample_matrix",
    "upsample_matrix",
]

_TAPS = (1.0, 4.0, 6.0, 4.0, 1.0)  # the binomial kernel before dividing by 16
BOUNDARIES = ("reflect101", "zero")


def binomial_kernel() -> np.ndarray:
    """The 5-tap binomial low-pass kernel ``[1, 4, 6, 4, 1] / 16``.

    Returns
    -------
    ndarray, shape (5,)
        float64; sums to 1.
    """
    return np.array(_TAPS) / 16.0


def max_levels(shape: tuple) -> int:
    """How many pyramid levels an image of ``shape`` supports.

    Each level halves the size, rounding up; the pyramid may go on until the shorter side is 1
    pixel. A 512x512 image supports 10 levels (512, 256, ..., 2, 1); the lecture's pyramid
    512 -> ... -> 8 uses 7.

    Parameters
    ----------
    shape : tuple
        (H, W) or (H, W, C).

    Returns
    -------
    int
    """
    side = int(min(shape[0], shape[1]))
    count = 1
    while side > 1:
        side = (side + 1) // 2
        count += 1
    return count


# ----------------------------------------------------------------------------- the operators


def blur(image: ArrayLike) -> np.ndarray:
    """Blur with the separable binomial kernel ``[1 4 6 4 1] / 16`` along columns and rows (reflect101).

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)

    Returns
    -------
    ndarray
        The same shape and float dtype.
    """
    x = check_image("image", image)
    h, w = x.shape[:2]
    padded = np.pad(x, [(2, 2), (2, 2)] + [(0, 0)] * (x.ndim - 2), mode="reflect")  # numpy's "reflect" is reflect101
    # taps as Python floats, so that float32 stays float32
    columns = sum(tap / 16 * padded[k : k + h] for k, tap in enumerate(_TAPS))  # down each column
    return sum(tap / 16 * columns[:, k : k + w] for k, tap in enumerate(_TAPS))  # along each row


def downsample(image: ArrayLike) -> np.ndarray:
    """The lecture's ``G_i``: blur, then keep every second row and column; ``x_{i+1} = G_i x_i``.

    Equals ``cv2.pyrDown``.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)

    Returns
    -------
    ndarray, shape (ceil(H/2), ceil(W/2)) or (ceil(H/2), ceil(W/2), C)
    """
    x = check_image("image", image)
    return np.ascontiguousarray(blur(x)[::2, ::2])


def upsample(image: ArrayLike, shape: tuple | None = None) -> np.ndarray:
    """The lecture's ``F_i``: insert zeros between the pixels, blur, times 4, crop to ``shape``.

    Equals ``cv2.pyrUp`` with ``dstsize=(W, H)``. Per axis, the zero-inserted signal blurred
    with ``[1 4 6 4 1] / 16`` and doubled gives even outputs ``(x[i-1] + 6 x[i] + x[i+1]) / 8``
    and odd outputs ``(x[i] + x[i+1]) / 2``: a constant image stays constant.

    Parameters
    ----------
    image : array_like, shape (h, w) or (h, w, C)
    shape : tuple, optional
        (H, W) with H in {2h - 1, 2h} and W in {2w - 1, 2w}; default (2h, 2w).

    Returns
    -------
    ndarray, shape (H, W) or (H, W, C)
    """
    x = check_image("image", image)
    height, width = check_upsample_shape(shape, x)
    h, w = x.shape[:2]
    zeros_inserted = np.zeros((2 * h, 2 * w) + x.shape[2:], dtype=x.dtype)
    zeros_inserted[::2, ::2] = x
    return 4 * blur(zeros_inserted)[:height, :width]  # blur the whole 2h x 2w signal, then crop (OpenCV's rule)


# ----------------------------------------------------------------------------- pyramids


def gaussian_pyramid(image: ArrayLike, levels: int) -> list[np.ndarray]:
    """``[x_1, x_2, ..., x_levels]`` with ``x_1 = image`` and ``x_{i+1} = G_i x_i`` (:func:`downsample`).

    A 512x512 image with ``levels=7`` gives 512, 256, ..., 8 as in the slides.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    levels : int
        From 1 to :func:`max_levels` of the image.

    Returns
    -------
    list of ndarray
        Level ``i`` (0-based) has shape (ceil(H / 2**i), ceil(W / 2**i)[, C]).
    """
    x = check_image("image", image)
    levels = check_levels(levels, x.shape, max_levels(x.shape))
    pyramid = [x]
    for _ in range(levels - 1):
        pyramid.append(downsample(pyramid[-1]))
    return pyramid


def laplacian_pyramid(image: ArrayLike, levels: int) -> list[np.ndarray]:
    """``[L_1, ..., L_{levels-1}, x_levels]``: band-pass levels ``L_i = x_i - F_i G_i x_i``, then the low-pass residual.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    levels : int
        From 1 to :func:`max_levels` of the image; ``levels=1`` returns ``[image]``.

    Returns
    -------
    list of ndarray
        Level ``i`` has the shape of Gaussian level ``i``.
    """
    gaussian = gaussian_pyramid(image, levels)
    # L_i = x_i - F_i G_i x_i, with G_i x_i = x_{i+1} already in the Gaussian pyramid
    laplacian = [x - upsample(x_next, x.shape[:2]) for x, x_next in zip(gaussian[:-1], gaussian[1:])]
    return laplacian + [gaussian[-1]]


def reconstruct(laplacian: list) -> np.ndarray:
    """Collapse a Laplacian pyramid from the low-pass residual up: ``x_i = L_i + F_i x_{i+1}``.

    Inverts :func:`laplacian_pyramid` exactly (to float rounding, about 1e-15 relative in float64).

    Parameters
    ----------
    laplacian : list of array_like
        Levels as :func:`laplacian_pyramid` returns them, each half the size of the one before.

    Returns
    -------
    ndarray
        The shape of ``laplacian[0]``.
    """
    levels = check_pyramid("laplacian", laplacian, finite=True)
    x = levels[-1]
    for band in reversed(levels[:-1]):
        x = band + upsample(x, band.shape[:2])  # x_i = L_i + F_i x_{i+1}
    return np.array(x)  # a fresh array, also for a one-level pyramid


def blend(image_a: ArrayLike, image_b: ArrayLike, mask: ArrayLike, levels: int) -> np.ndarray:
    """Multi-band blending (Burt and Adelson 1983): ``L(j) = G(j) LA(j) + (1 - G(j)) LB(j)``, then collapse.

    ``G(j)`` is the Gaussian pyramid of the mask, ``LA`` and ``LB`` the Laplacian pyramids of
    the images. ``levels=1`` is the hard (pixel-wise) blend.

    Parameters
    ----------
    image_a, image_b : array_like, shape (H, W) or (H, W, C)
        The same shape.
    mask : array_like, shape (H, W)
        Weights in [0, 1] (1 takes ``image_a``), broadcast over colour channels.
    levels : int

    Returns
    -------
    ndarray
        The shape of the images.
    """
    a, b, m = check_blend_inputs(image_a, image_b, mask)
    levels = check_levels(levels, a.shape, max_levels(a.shape))
    return blend_pyramids(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels), gaussian_pyramid(m, levels))


def blend_pyramids(laplacian_a: list, laplacian_b: list, mask_gaussian: list) -> np.ndarray:
    """The blending step on pyramids already built: ``G LA + (1 - G) LB`` level by level, then collapse.

    Parameters
    ----------
    laplacian_a, laplacian_b : list of ndarray
        Laplacian pyramids of the two images.
    mask_gaussian : list of ndarray
        Gaussian pyramid of the mask, (h, w) per level (or a single row (1, w), broadcast down).

    Returns
    -------
    ndarray
        The shape of ``laplacian_a[0]``.
    """
    combined = []
    for la, lb, g in zip(laplacian_a, laplacian_b, mask_gaussian):
        g = g[..., None] if la.ndim == 3 else g
        combined.append(g * la + (1 - g) * lb)
    return reconstruct(combined)


# ----------------------------------------------------------------------------- the operators as matrices


def _check_matrix_args(n, boundary: str, normalized) -> int:
    n = check_positive_int("n", n)
    check_choice("boundary", boundary, BOUNDARIES)
    if not isinstance(normalized, (bool, np.bool_)):
        raise TypeError(f"normalized: expected True or False, got {type(normalized).__name__} {normalized!r}")
    return n


def reflect101(index: int, n: int) -> int:
    """Fold ``index`` into ``0 .. n-1`` by reflecting at the edges without repeating them (``BORDER_REFLECT_101``).

    ``-1 -> 1``, ``-2 -> 2``, ``n -> n - 2``; for ``n = 1`` every index is 0.

    Parameters
    ----------
    index : int
    n : int
        Signal length (>= 1).

    Returns
    -------
    int
    """
    if n == 1:
        return 0
    while not 0 <= index < n:
        index = -index if index < 0 else 2 * (n - 1) - index
    return index


def blur_matrix(n: int, boundary: str = "reflect101", normalized: bool = True) -> np.ndarray:
    """The 1-D blur ``B`` as an ``(n, n)`` matrix: row ``i`` holds ``[1 4 6 4 1]`` centred on column ``i``.

    Parameters
    ----------
    n : int
        Signal length.
    boundary : {"reflect101", "zero"}
        ``"reflect101"``: taps falling outside fold back without repeating the edge (as
        :func:`blur`); ``"zero"``: they are dropped.
    normalized : bool, default True
        Divide by 16 (each reflect101 row sums to 1); ``False`` keeps the integer weights.

    Returns
    -------
    ndarray, shape (n, n)
    """
    n = _check_matrix_args(n, boundary, normalized)
    matrix = np.zeros((n, n))
    for i in range(n):
        for k, tap in enumerate(_TAPS):
            j = i + k - 2
            if boundary == "reflect101":
                matrix[i, reflect101(j, n)] += tap
            elif 0 <= j < n:
                matrix[i, j] += tap
    return matrix / 16.0 if normalized else matrix


def downsample_matrix(n: int, boundary: str = "reflect101", normalized: bool = True) -> np.ndarray:
    """The 1-D blur-and-downsample operator ``G``: every second row of :func:`blur_matrix`.

    For an image, ``downsample(x) == G_rows @ x @ G_cols.T``.

    Parameters
    ----------
    n : int
        Input length.
    boundary : {"reflect101", "zero"}
    normalized : bool, default True
        Divide by 16 (rows sum to 1); ``False`` keeps the integer weights.

    Returns
    -------
    ndarray, shape (ceil(n/2), n)
    """
    return blur_matrix(n, boundary, normalized)[::2]


def upsample_matrix(n: int, boundary: str = "reflect101", normalized: bool = True) -> np.ndarray:
    """The 1-D insert-zeros-then-blur operator ``F = 2 B Z`` as a ``(2n, n)`` matrix, ``y = F x``.

    ``Z`` is the ``(2n, n)`` zero-insertion matrix (``Z[2i, i] = 1``), so ``B Z`` keeps the even
    columns of the ``(2n, 2n)`` blur ``B``; the factor 2 per axis (8 instead of 16 when
    ``normalized``) keeps a constant constant, and in 2-D the two axes give the lecture's
    "times 4". ``upsample_matrix(4, boundary="zero", normalized=False)`` is the slide's ``F3``.
    For an odd target size ``2n - 1`` drop the last row.

    Parameters
    ----------
    n : int
        Input length.
    boundary : {"reflect101", "zero"}
    normalized : bool, default True

    Returns
    -------
    ndarray, shape (2n, n)
    """
    n = _check_matrix_args(n, boundary, normalized)
    zeros_inserted = np.zeros((2 * n, n))
    zeros_inserted[2 * np.arange(n), np.arange(n)] = 1.0
    return (2 if normalized else 1) * blur_matrix(2 * n, boundary, normalized) @ zeros_inserted
