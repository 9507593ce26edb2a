"""Gaussian and Laplacian pyramids, pyramid blending, and the 1-D operators as matrices.

Lecture 6 of MIT 6.869 (Torralba), first half. Notation of the slides:

* ``G_i`` blurs with the binomial kernel ``[1 4 6 4 1] / 16`` and keeps every
  second row and column (:func:`downsample`), ``x_{i+1} = G_i x_i``;
* ``F_i`` inserts zeros between pixels and blurs with the kernel times 4
  (times 2 per axis) (:func:`upsample`);
* the Laplacian level is ``L_i = (I - F_i G_i) x_i`` and the image comes back
  exactly with ``x_i = L_i + F_i x_{i+1}`` (:func:`laplacian_pyramid`,
  :func:`reconstruct`);
* blending combines two Laplacian pyramids with the Gaussian pyramid of a mask,
  ``L(j) = G(j) LA(j) + (1 - G(j)) LB(j)`` (:func:`blend`).

Conventions
-----------
* Images are ``(H, W)`` (grey) or ``(H, W, C)`` (colour, e.g. ``C = 3``); both
  spatial axes are filtered, channels are independent.
* float32 and float64 input keep their precision; integer and boolean input is
  converted to float64 (so a uint8 image in 0..255 stays in 0..255, as floats).
* Borders reflect without repeating the edge pixel (OpenCV's
  ``BORDER_REFLECT_101``: ``... c b | a b c ... | ... x y z | y x ...``).
  With this rule :func:`downsample` equals ``cv2.pyrDown`` and :func:`upsample`
  equals ``cv2.pyrUp`` to float rounding, for every size. At odd sizes the
  reflection of the up-sampler happens at the edge of the *zero-inserted* signal
  of length ``2n`` before cropping to ``2n - 1`` (OpenCV's rule), not at the
  edge of the cropped one.
* Sizes: ``downsample`` maps ``H x W`` to ``ceil(H/2) x ceil(W/2)``, so a level
  of odd size ``2n - 1`` is up-sampled from ``n`` to ``2n`` and cropped. This is
  why reconstruction is exact for any size: the Laplacian level and the
  reconstruction use the same ``upsample(next, shape=this level's shape)``.

The fast functions filter along one axis at a time with strided slices (no
padded copies; the border rows are computed apart) and, when down-sampling,
compute only the rows and columns they keep. :func:`downsample_matrix` and
:func:`upsample_matrix` build the same operators as explicit matrices with
plain loops; the tests prove both agree with each other and with OpenCV.
"""
from __future__ import annotations

import os

import numpy as np

from ._checks import as_float_array, check_choice, check_positive_int, check_shape, check_finite

__all__ = [
    "binomial_kernel", "blur", "downsample", "upsample", "max_levels",
    "gaussian_pyramid", "laplacian_pyramid", "reconstruct", "blend",
    "downsample_matrix", "upsample_matrix",
]

_TAPS = (1.0, 4.0, 6.0, 4.0, 1.0)  # the binomial kernel before dividing by 16
BOUNDARIES = ("reflect101", "zero")


def binomial_kernel() -> np.ndarray:
    """The 5-tap binomial low-pass kernel ``[1, 4, 6, 4, 1] / 16`` (sums to 1), float64, shape ``(5,)``."""
    return np.array(_TAPS) / 16.0


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------

def _as_image(name: str, image) -> np.ndarray:
    """Return ``image`` as a float array of shape (H, W) or (H, W, C), H, W, C >= 1."""
    arr = as_float_array(name, image, ndim=(2, 3))
    if min(arr.shape) < 1:
        raise ValueError(f"{name}: expected an image of at least 1x1 pixels, got shape {arr.shape}")
    return arr


def max_levels(shape) -> int:
    """How many pyramid levels an image of ``shape`` (``(H, W)`` or ``(H, W, C)``) supports.

    Each level halves the size, rounding up (``ceil(H/2) x ceil(W/2)``); the
    pyramid may go on until the shorter side is 1 pixel, and no further (more
    levels would only repeat that 1-pixel-thin image). A 512x512 image supports
    10 levels (512, 256, ..., 2, 1); the lecture's pyramid 512 -> ... -> 8 uses 7.
    """
    side = int(min(shape[0], shape[1]))
    count = 1
    while side > 1:
        side = (side + 1) // 2
        count += 1
    return count


def _check_levels(levels, shape) -> int:
    levels = check_positive_int("levels", levels)
    most = max_levels(shape)
    if levels > most:
        raise ValueError(
            f"levels: a {shape[0]}x{shape[1]} image supports at most {most} levels "
            f"(each level halves the size, rounding up, until the shorter side is 1 pixel), got {levels}")
    return levels


# ---------------------------------------------------------------------------
# the fast separable filters
#
# The image is processed in blocks of output rows (small enough to stay in the
# CPU cache), two blocks at a time on two threads (numpy releases the GIL in
# its arithmetic). In each block the vertical pass combines whole rows taken
# with strided slices (a copy is made only for the few border rows, which are
# gathered with the reflect101 rule); the horizontal pass then runs on the
# block with strided column slices. Weights are the integers [1 4 6 4 1] and
# the result is scaled once at the end, as OpenCV does.
# ---------------------------------------------------------------------------

_BLOCK_BYTES = 1 << 18     # about 256 KiB of intermediate per block
_MIN_PARALLEL = 1 << 17    # images with fewer elements run on one thread
_POOL = None


def _pool():
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor
        _POOL = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1))
    return _POOL


def _run_blocks(task, n_rows: int, row_bytes: int, even: bool = False) -> None:
    """Call ``task(r0, r1)`` over blocks covering ``range(n_rows)``, on two threads for large images."""
    rows = max(2, _BLOCK_BYTES // max(row_bytes, 1))
    if even:
        rows += rows % 2
    blocks = [(r, min(r + rows, n_rows)) for r in range(0, n_rows, rows)]
    if len(blocks) < 2 or n_rows * row_bytes < _MIN_PARALLEL * 8 or _pool()._max_workers < 2:
        for r0, r1 in blocks:
            task(r0, r1)
    else:
        for _ in _pool().map(lambda b: task(*b), blocks):
            pass


def _reflect101(p: int, n: int) -> int:
    """Index ``p`` folded into ``0..n-1`` by reflection without repeating the edge (OpenCV's borderInterpolate)."""
    if n == 1:
        return 0
    while p < 0 or p >= n:
        p = -p if p < 0 else 2 * (n - 1) - p
    return p


def _fold_up(p: int, n: int) -> int:
    """The up-sampler's border rule in the coarse image: ``x[-1] = x[1]``, ``x[n] = x[n-1]``.

    (Reflect101 on the zero-inserted signal of length ``2n``.)
    """
    if p < 0:
        return min(-p, n - 1)
    return min(p, n - 1)


def _rows(x: np.ndarray, start: int, stop: int, fold) -> np.ndarray:
    """Rows ``start .. stop-1`` of ``x``: a view when inside, else gathered with ``fold``."""
    n = x.shape[0]
    if start >= 0 and stop <= n:
        return x[start:stop]
    return x[[fold(p, n) for p in range(start, stop)]]


def _filter_axis0(x: np.ndarray, step: int, out: np.ndarray, scale: float) -> None:
    """``out[i] = scale * sum_k [1 4 6 4 1]_k x[step*i + k - 2]`` (reflect101), for ``i < len(out)``."""
    n, m = x.shape[0], out.shape[0]
    s = step
    # interior rows i: the centre c = s*i has c - 2 >= 0 and c + 2 <= n - 1
    lo = min(-(-2 // s), m)
    hi = min(max(lo, (n - 3) // s + 1), m) if n >= 3 else lo
    if hi > lo:
        inner = out[lo:hi]
        np.add(x[s * lo - 2:s * (hi - 1) - 1:s], x[s * lo + 2:s * (hi - 1) + 3:s], out=inner)
        tmp = np.add(x[s * lo - 1:s * (hi - 1):s], x[s * lo + 1:s * (hi - 1) + 2:s])
        tmp *= 4.0
        inner += tmp
        np.multiply(x[s * lo:s * (hi - 1) + 1:s], 6.0, out=tmp)
        inner += tmp
        inner *= scale
    for i in list(range(0, lo)) + list(range(hi, m)):
        c = s * i
        row = np.zeros(x.shape[1:], dtype=x.dtype)
        for k, w in enumerate(_TAPS):
            row += w * x[_reflect101(c + k - 2, n)]
        out[i] = row * scale


def _upsample_axis0(x: np.ndarray, out: np.ndarray, scale: float) -> None:
    """Insert zeros along axis 0 (``n`` -> ``2n``), correlate with ``[1 4 6 4 1]``, times ``scale``, into ``out``.

    ``len(out)`` is ``2n`` or ``2n - 1``. Even rows ``2i`` get
    ``x[i-1] + 6 x[i] + x[i+1]``, odd rows ``2i+1`` get ``4 x[i] + 4 x[i+1]``,
    with ``x[-1] = x[1]`` and ``x[n] = x[n-1]`` (:func:`_fold_up`).
    """
    n, size = x.shape[0], out.shape[0]
    n_odd = size - n
    even, odd = out[0::2], out[1::2]
    if n >= 3:
        e = even[1:n - 1]
        np.add(x[0:n - 2], x[2:n], out=e)
        tmp = np.multiply(x[1:n - 1], 6.0)
        e += tmp
        e *= scale
    if n == 1:
        even[0] = x[0] * (8.0 * scale)
    else:
        even[0] = (x[1] * 2.0 + x[0] * 6.0) * scale
        even[n - 1] = (x[n - 2] + x[n - 1] * 7.0) * scale
    inner = min(n_odd, n - 1)
    if inner > 0:
        np.add(x[0:inner], x[1:inner + 1], out=odd[:inner])
        odd[:inner] *= 4.0 * scale
    if n_odd == n:
        odd[n - 1] = x[n - 1] * (8.0 * scale)


def _moved(a: np.ndarray) -> np.ndarray:
    return np.moveaxis(a, 1, 0)


def _filter_image(x: np.ndarray, step: int) -> np.ndarray:
    """Blur (``step=1``) or blur-and-downsample (``step=2``) an (H, W[, C]) image with reflect101."""
    h, w = x.shape[:2]
    mh, mw = (h + step - 1) // step, (w + step - 1) // step
    out = np.empty((mh, mw) + x.shape[2:], dtype=x.dtype)
    row_bytes = x[0].nbytes

    def task(i0: int, i1: int) -> None:
        k = i1 - i0
        g = _rows(x, step * i0 - 2, step * (i1 - 1) + 3, _reflect101)   # rows for centres step*i
        v = np.add(g[0:step * k:step], g[4:step * (k - 1) + 5:step])
        tmp = np.add(g[1:step * (k - 1) + 2:step], g[3:step * (k - 1) + 4:step])
        tmp *= 4.0
        v += tmp
        np.multiply(g[2:step * (k - 1) + 3:step], 6.0, out=tmp)
        v += tmp
        _filter_axis0(_moved(v), step, _moved(out[i0:i1]), 1.0 / 256.0)

    _run_blocks(task, mh, row_bytes)
    return out


def _upsample_image(x: np.ndarray, shape, combine=None, sign: float = 1.0) -> np.ndarray:
    """Up-sample (h, w[, C]) to ``shape`` = (H, W); if ``combine`` is given return ``combine + sign * up``."""
    h, w = x.shape[:2]
    H, W = shape
    out = np.empty((H, W) + x.shape[2:], dtype=x.dtype)
    row_bytes = out[0].nbytes

    def task(r0: int, r1: int) -> None:   # r0 even
        i0, i1 = r0 // 2, (r1 + 1) // 2
        v = np.empty((r1 - r0, w) + x.shape[2:], dtype=x.dtype)
        g = _rows(x, i0 - 1, i1 + 1, _fold_up)          # g[j] = x[i0 - 1 + j]
        k_even, k_odd = i1 - i0, (r1 - r0) - (i1 - i0)
        even, odd = v[0::2], v[1::2]
        np.add(g[0:k_even], g[2:k_even + 2], out=even)
        tmp = np.multiply(g[1:k_even + 1], 6.0)
        even += tmp
        np.add(g[1:k_odd + 1], g[2:k_odd + 2], out=odd)
        odd *= 4.0
        block = out[r0:r1]
        _upsample_axis0(_moved(v), _moved(block), 1.0 / 64.0)
        if combine is not None:
            if sign < 0:
                np.subtract(combine[r0:r1], block, out=block)
            else:
                block += combine[r0:r1]

    _run_blocks(task, H, row_bytes, even=True)
    return out


# ---------------------------------------------------------------------------
# image operators
# ---------------------------------------------------------------------------

def blur(image) -> np.ndarray:
    """Blur with the separable binomial kernel ``[1 4 6 4 1]/16`` along rows and columns (reflect101).

    ``image`` (H, W) or (H, W, C) -> same shape.
    """
    return _filter_image(_as_image("image", image), 1)


def _downsample(x: np.ndarray) -> np.ndarray:
    return _filter_image(x, 2)


def downsample(image) -> np.ndarray:
    """Blur, then keep every second row and column: the operator ``G_i`` of the lecture, ``x_{i+1} = G_i x_i``.

    ``image`` (H, W) or (H, W, C) -> (ceil(H/2), ceil(W/2)[, C]). Equals
    ``cv2.pyrDown``. Only the kept rows and columns are filtered.
    """
    return _downsample(_as_image("image", image))


def _upsample(x: np.ndarray, shape) -> np.ndarray:
    return _upsample_image(x, shape)


def _check_up_shape(shape, x: np.ndarray) -> tuple:
    h, w = x.shape[:2]
    if shape is None:
        return (2 * h, 2 * w)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape: expected a pair (height, width), got {shape!r}") from None
    if len(shape) == x.ndim and x.ndim == 3:
        shape = shape[:2] if shape[2] == x.shape[2] else shape
    if len(shape) != 2 or shape[0] not in (2 * h - 1, 2 * h) or shape[1] not in (2 * w - 1, 2 * w):
        raise ValueError(
            f"shape: up-sampling a {h}x{w} image gives ({2 * h - 1} or {2 * h}) x ({2 * w - 1} or {2 * w}) "
            f"pixels, got {shape}")
    return shape


def upsample(image, shape=None) -> np.ndarray:
    """Insert zeros between pixels, blur with the kernel times 4, crop to ``shape``: the operator ``F_i``.

    ``image`` (h, w[, C]); ``shape`` = (H, W) with H in {2h-1, 2h} and W in
    {2w-1, 2w} (default ``(2h, 2w)``) -> (H, W[, C]). Equals ``cv2.pyrUp`` with
    ``dstsize=(W, H)``. Per axis: even outputs ``(x[i-1] + 6 x[i] + x[i+1]) / 8``,
    odd outputs ``(x[i] + x[i+1]) / 2`` (the zero-inserted signal correlated
    with ``[1 4 6 4 1] / 8``).
    """
    x = _as_image("image", image)
    return _upsample(x, _check_up_shape(shape, x))


def gaussian_pyramid(image, levels: int) -> list[np.ndarray]:
    """``[x_1, x_2, ..., x_levels]`` with ``x_1 = image`` and ``x_{i+1} = G_i x_i`` (:func:`downsample`).

    A 512x512 image with ``levels=7`` gives 512, 256, ..., 8 as in the slides.
    ``levels`` may be at most :func:`max_levels` of the image.
    """
    x = _as_image("image", image)
    levels = _check_levels(levels, x.shape)
    pyramid = [x]
    for _ in range(levels - 1):
        pyramid.append(_downsample(pyramid[-1]))
    return pyramid


def _laplacian_from_gaussian(gaussian: list[np.ndarray]) -> list[np.ndarray]:
    laplacian = []
    for fine, coarse in zip(gaussian[:-1], gaussian[1:]):
        # L_i = x_i - F_i G_i x_i
        laplacian.append(_upsample_image(coarse, fine.shape[:2], combine=fine, sign=-1.0))
    laplacian.append(gaussian[-1])
    return laplacian


def laplacian_pyramid(image, levels: int) -> list[np.ndarray]:
    """``[L_1, ..., L_{levels-1}, x_levels]``: band-pass levels ``L_i = (I - F_i G_i) x_i``, then the low-pass residual.

    Level ``i`` has the shape of Gaussian level ``i``; ``levels=1`` returns ``[image]``.
    """
    return _laplacian_from_gaussian(gaussian_pyramid(image, levels))


def _check_pyramid(name: str, pyramid) -> list[np.ndarray]:
    if isinstance(pyramid, np.ndarray) or not hasattr(pyramid, "__len__") or len(pyramid) == 0:
        raise TypeError(f"{name}: expected a non-empty list of arrays (a pyramid), got {type(pyramid).__name__}")
    levels = [_as_image(f"{name}[{i}]", level) for i, level in enumerate(pyramid)]
    for i in range(len(levels) - 1):
        want = tuple((s + 1) // 2 for s in levels[i].shape[:2]) + levels[i].shape[2:]
        check_shape(f"{name}[{i + 1}]", levels[i + 1], want,
                    why=f"half of level {i}, {levels[i].shape}, rounded up")
    return levels


def _collapse(levels: list[np.ndarray]) -> np.ndarray:
    x = levels[-1]
    for band in reversed(levels[:-1]):
        x = _upsample_image(x, band.shape[:2], combine=band)   # x_i = L_i + F_i x_{i+1}
    return x


def reconstruct(laplacian) -> np.ndarray:
    """Collapse a Laplacian pyramid: ``x_i = L_i + F_i x_{i+1}`` from the low-pass residual up.

    Inverts :func:`laplacian_pyramid` exactly (to float rounding, ~1e-15
    relative in float64), for any image size.
    """
    levels = _check_pyramid("laplacian", laplacian)
    if len(levels) == 1:
        return levels[0].copy()
    return _collapse(levels)


def blend(image_a, image_b, mask, levels: int) -> np.ndarray:
    """Multi-band blending (Burt and Adelson 1983): ``L(j) = G(j) LA(j) + (1 - G(j)) LB(j)``, then collapse.

    ``image_a``, ``image_b``: same shape (H, W) or (H, W, C); ``mask``: (H, W)
    weights in [0, 1] (1 takes ``image_a``), broadcast over colour channels.
    ``G(j)`` is the Gaussian pyramid of the mask, ``LA``/``LB`` the Laplacian
    pyramids of the images. ``levels=1`` is the hard (pixel-wise) blend.
    """
    a = _as_image("image_a", image_a)
    b = _as_image("image_b", image_b)
    check_shape("image_b", b, a.shape, why="the shape of image_a")
    m = as_float_array("mask", mask, ndim=2)
    check_shape("mask", m, a.shape[:2], why="the height and width of the images")
    if m.min() < 0 or m.max() > 1:
        raise ValueError(f"mask: expected weights in [0, 1], got values in [{m.min():g}, {m.max():g}]")
    dtype = np.result_type(a.dtype, b.dtype)
    a, b, m = a.astype(dtype, copy=False), b.astype(dtype, copy=False), m.astype(dtype, copy=False)
    levels = _check_levels(levels, a.shape)
    return blend_pyramids(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels),
                          gaussian_pyramid(m, levels))


def blend_pyramids(laplacian_a: list, laplacian_b: list, mask_gaussian: list) -> np.ndarray:
    """The blending step on pyramids built once (used by the live demo): combine level by level, collapse."""
    combined = []
    # a mask level may also be a single row (1, w) broadcast down the columns
    for la, lb, g in zip(laplacian_a, laplacian_b, mask_gaussian):
        if la.ndim == 3:
            g = g[..., None]
        level = la - lb
        level *= g
        level += lb                            # G LA + (1 - G) LB
        combined.append(level)
    return _collapse(combined)


# ---------------------------------------------------------------------------
# the 1-D operators as matrices (plain loops: an independent formulation)
# ---------------------------------------------------------------------------

def _blur_matrix(n: int, boundary: str) -> np.ndarray:
    """``(n, n)`` matrix with integer weights ``[1 4 6 4 1]`` around each diagonal entry."""
    matrix = np.zeros((n, n))
    for i in range(n):
        for k, w in enumerate(_TAPS):
            j = i + k - 2
            if boundary == "zero":
                if 0 <= j < n:
                    matrix[i, j] += w
            else:
                matrix[i, _reflect101(j, n)] += w
    return matrix


def _check_matrix_args(n, boundary, normalized):
    n = check_positive_int("n", n)
    check_choice("boundary", boundary, BOUNDARIES)
    if not isinstance(normalized, (bool, np.bool_)):
        raise TypeError(f"normalized: expected True or False, got {type(normalized).__name__} {normalized!r}")
    return n


def downsample_matrix(n: int, boundary: str = "reflect101", normalized: bool = True) -> np.ndarray:
    """The 1-D blur-and-downsample operator ``G`` as a ``(ceil(n/2), n)`` matrix.

    Row ``i`` holds ``[1 4 6 4 1]`` centred on column ``2i``; with
    ``normalized=True`` divided by 16 (each row sums to 1), with ``False`` the
    integer weights. ``boundary``: ``"reflect101"`` (as :func:`downsample`) or
    ``"zero"`` (weights falling outside are dropped). For an image,
    ``downsample(x) == G_rows @ x @ G_cols.T``.
    """
    n = _check_matrix_args(n, boundary, normalized)
    matrix = _blur_matrix(n, boundary)[::2]
    return matrix / 16.0 if normalized else matrix


def upsample_matrix(n: int, boundary: str = "reflect101", normalized: bool = True) -> np.ndarray:
    """The 1-D insert-zeros-then-blur operator ``F`` as a ``(2n, n)`` matrix, ``y = F x``.

    ``F = B Z`` with ``Z`` the ``(2n, n)`` zero-insertion matrix and ``B`` the
    ``(2n, 2n)`` ``[1 4 6 4 1]`` blur. Integer weights with ``normalized=False``;
    divided by 8 with ``True`` (the kernel times 2 per axis, so a constant stays
    constant; in 2-D the two axes give the "times 4" of the lecture).
    ``upsample_matrix(4, boundary="zero", normalized=False)`` is the slide's
    ``F3``. For an odd target size ``2n - 1`` drop the last row.
    """
    n = _check_matrix_args(n, boundary, normalized)
    zeros_inserted = np.zeros((2 * n, n))
    for i in range(n):
        zeros_inserted[2 * i, i] = 1.0
    matrix = _blur_matrix(2 * n, boundary) @ zeros_inserted
    return matrix / 8.0 if normalized else matrix
