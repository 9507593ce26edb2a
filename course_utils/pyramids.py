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

Speed: away from the borders, :func:`downsample` and :func:`upsample` hand
blocks of 8 output rows (then columns) to BLAS as one batched product of a
small banded matrix with strided views of the image (no copies); the rows and
columns next to the borders are computed apart with the reflect101 rule.
Colour channels are filtered one by one. A plain slice-by-slice version
(``_filter_image``, ``_upsample_slices``) and the explicit matrices of
:func:`downsample_matrix` / :func:`upsample_matrix` are kept as independent
references; the tests prove all of them agree with each other and with OpenCV.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_choice, check_positive_int, check_shape

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
# separable filtering with numpy slices (used by blur and at the borders)
# ---------------------------------------------------------------------------

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


def _upsample_slices(x: np.ndarray, shape) -> np.ndarray:
    """Up-sampling with numpy slices only (columns then rows): the reference for the fast path."""
    wide = np.empty((x.shape[0], shape[1]) + x.shape[2:], dtype=x.dtype)
    _upsample_axis0(_moved(x), _moved(wide), 1.0 / 8.0)
    out = np.empty((shape[0],) + wide.shape[1:], dtype=x.dtype)
    _upsample_axis0(wide, out, 1.0 / 8.0)
    return out


def _filter_image(x: np.ndarray, step: int) -> np.ndarray:
    """Blur (``step=1``) or blur-and-keep-every-``step`` an (H, W[, C]) image with reflect101, rows then columns."""
    h, w = x.shape[:2]
    rows = np.empty(((h + step - 1) // step,) + x.shape[1:], dtype=x.dtype)
    _filter_axis0(x, step, rows, 1.0 / 16.0)
    out = np.empty((rows.shape[0], (w + step - 1) // step) + x.shape[2:], dtype=x.dtype)
    _filter_axis0(_moved(rows), step, _moved(out), 1.0 / 16.0)
    return out


# ---------------------------------------------------------------------------
# down- and up-sampling as small matrix products (the fast path)
#
# Away from the borders, ``b`` consecutive output rows of the down-sampler are
# one small banded matrix ``K`` (b x (2b+3)) times a window of 2b+3 input rows,
# and the windows of all blocks are views of the same array (strides, no
# copy). One batched ``K @ windows`` hands the whole interior to BLAS, which
# is several times faster than a chain of numpy additions. Columns use the
# same kernel on the right. The few rows and columns next to the borders
# (and the last incomplete block) are computed apart with the reflect101 rule.
# The up-sampler works the same way with a (2b) x (b+2) matrix.
# ---------------------------------------------------------------------------

_B = 8   # output rows (or input rows, when up-sampling) per block


def _kernels(dtype):
    key = np.dtype(dtype)
    cached = _KERNELS.get(key)
    if cached is None:
        down = np.zeros((_B, 2 * _B + 3))
        for i in range(_B):
            down[i, 2 * i:2 * i + 5] = _TAPS
        up = np.zeros((2 * _B, _B + 2))
        for j in range(_B):
            up[2 * j, j:j + 3] = (1.0, 6.0, 1.0)
            up[2 * j + 1, j + 1:j + 3] = (4.0, 4.0)
        cached = ((down / 16.0).astype(key), (up / 8.0).astype(key))
        _KERNELS[key] = cached
    return cached


_KERNELS: dict = {}


def _windows(x: np.ndarray, axis: int, count: int, length: int, step: int, start: int) -> np.ndarray:
    """``count`` windows of ``length`` rows (axis 0) or columns (axis 1) of 2-D ``x``, ``step`` apart, as a view.

    Axis 0: shape (count, length, W). Axis 1: shape (count, H, length).
    """
    s0, s1 = x.strides
    if axis == 0:
        return np.lib.stride_tricks.as_strided(x[start:], shape=(count, length, x.shape[1]),
                                               strides=(step * s0, s0, s1), writeable=False)
    return np.lib.stride_tricks.as_strided(x[:, start:], shape=(count, x.shape[0], length),
                                           strides=(step * s1, s0, s1), writeable=False)


def _column_blocks(out: np.ndarray, start: int, count: int, width: int) -> np.ndarray:
    """Writable view (count, H, width) of ``count`` consecutive column blocks of ``out`` from ``start``."""
    s0, s1 = out.strides
    return np.lib.stride_tricks.as_strided(out[:, start:], shape=(count, out.shape[0], width),
                                           strides=(width * s1, s0, s1))


def _down_edge_rows(x: np.ndarray, rows) -> np.ndarray:
    """Down-sampled rows ``rows`` of ``x`` along axis 0 (reflect101), computed directly: (len(rows), ...)."""
    n = x.shape[0]
    out = np.zeros((len(rows),) + x.shape[1:], dtype=x.dtype)
    for k, w in enumerate(_TAPS):
        out += (w / 16.0) * x[[_reflect101(2 * i + k - 2, n) for i in rows]]
    return out


def _up_edge_rows(x: np.ndarray, rows, size: int) -> np.ndarray:
    """Up-sampled rows ``rows`` (indices into the output of length ``size``) of ``x`` along axis 0."""
    n = x.shape[0]
    out = np.empty((len(rows),) + x.shape[1:], dtype=x.dtype)
    even = [r for r, row in enumerate(rows) if row % 2 == 0]
    odd = [r for r, row in enumerate(rows) if row % 2 == 1]
    if even:
        i = [rows[r] // 2 for r in even]
        out[even] = (x[[_fold_up(p - 1, n) for p in i]] + 6.0 * x[i] + x[[_fold_up(p + 1, n) for p in i]]) * 0.125
    if odd:
        i = [rows[r] // 2 for r in odd]
        out[odd] = (x[i] + x[[_fold_up(p + 1, n) for p in i]]) * 0.5
    return out


def _down_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """Blur-and-keep-every-second along ``axis`` (0 or 1) of a 2-D array."""
    n = x.shape[axis]
    m = (n + 1) // 2
    k_down = _kernels(x.dtype)[0]
    last = (n - 3) // 2                   # interior outputs 1 .. last need no border rule
    blocks = max(0, last) // _B
    # one more block, overlapping the previous one, ends exactly at `last`
    extra = last - _B + 1 if blocks and last % _B else None
    rest = [0] + list(range(max(last + 1, 1), m)) if blocks else list(range(m))
    if axis == 0:
        out = np.empty((m, x.shape[1]), dtype=x.dtype)
        if blocks:
            np.matmul(k_down, _windows(x, 0, blocks, 2 * _B + 3, 2 * _B, 0),
                      out=out[1:1 + blocks * _B].reshape(blocks, _B, x.shape[1]))
        if extra is not None:
            np.matmul(k_down, x[2 * extra - 2:2 * extra + 2 * _B + 1], out=out[extra:extra + _B])
        out[rest] = _down_edge_rows(x, rest)
        return out
    out = np.empty((x.shape[0], m), dtype=x.dtype)
    if blocks:
        np.matmul(_windows(x, 1, blocks, 2 * _B + 3, 2 * _B, 0), k_down.T,
                  out=_column_blocks(out, 1, blocks, _B))
    if extra is not None:
        out[:, extra:extra + _B] = x[:, 2 * extra - 2:2 * extra + 2 * _B + 1] @ k_down.T
    out[:, rest] = _down_edge_rows(x.T, rest).T
    return out


def _up_axis(x: np.ndarray, axis: int, size: int) -> np.ndarray:
    """Insert zeros and blur along ``axis`` of a 2-D array: ``n`` -> ``size`` (``2n - 1`` or ``2n``)."""
    n = x.shape[axis]
    k_up = _kernels(x.dtype)[1]
    blocks = max(0, n - 2) // _B          # interior inputs 1 .. n-2 give outputs 2 .. 2n-3
    # one more block, overlapping the previous one, ends exactly at input n-2
    extra = n - 1 - _B if blocks and (n - 2) % _B else None
    rest = [r for r in range(size) if r < 2 or r > 2 * n - 3] if blocks else list(range(size))
    if axis == 0:
        out = np.empty((size, x.shape[1]), dtype=x.dtype)
        if blocks:
            np.matmul(k_up, _windows(x, 0, blocks, _B + 2, _B, 0),
                      out=out[2:2 + 2 * blocks * _B].reshape(blocks, 2 * _B, x.shape[1]))
        if extra is not None:
            np.matmul(k_up, x[extra - 1:extra + _B + 1], out=out[2 * extra:2 * extra + 2 * _B])
        out[rest] = _up_edge_rows(x, rest, size)
        return out
    out = np.empty((x.shape[0], size), dtype=x.dtype)
    if blocks:
        np.matmul(_windows(x, 1, blocks, _B + 2, _B, 0), k_up.T,
                  out=_column_blocks(out, 2, blocks, 2 * _B))
    if extra is not None:
        out[:, 2 * extra:2 * extra + 2 * _B] = x[:, extra - 1:extra + _B + 1] @ k_up.T
    out[:, rest] = _up_edge_rows(x.T, rest, size).T
    return out


def _channels(x: np.ndarray) -> list[np.ndarray]:
    """The 2-D planes of an image: ``[x]`` for grey, contiguous copies of each channel for colour."""
    if x.ndim == 2:
        return [np.ascontiguousarray(x)]
    return [np.ascontiguousarray(x[..., c]) for c in range(x.shape[2])]


def _join(planes: list[np.ndarray], colour: bool) -> np.ndarray:
    return np.stack(planes, axis=-1) if colour else planes[0]


def _down2d(x: np.ndarray) -> np.ndarray:
    return _down_axis(_down_axis(x, 0), 1)        # rows first: the column pass has half the rows


def _up2d(x: np.ndarray, shape) -> np.ndarray:
    return _up_axis(_up_axis(x, 1, shape[1]), 0, shape[0])


def _upsample_image(x: np.ndarray, shape, combine=None, sign: float = 1.0) -> np.ndarray:
    """Up-sample (h, w[, C]) to ``shape`` = (H, W); if ``combine`` is given return ``combine + sign * up``."""
    up = _join([_up2d(p, shape) for p in _channels(x)], x.ndim == 3)
    if combine is None:
        return up
    if sign < 0:
        return np.subtract(combine, up, out=up)
    up += combine
    return up


# ---------------------------------------------------------------------------
# image operators
# ---------------------------------------------------------------------------

def blur(image) -> np.ndarray:
    """Blur with the separable binomial kernel ``[1 4 6 4 1]/16`` along rows and columns (reflect101).

    ``image`` (H, W) or (H, W, C) -> same shape.
    """
    return _filter_image(_as_image("image", image), 1)


def _downsample(x: np.ndarray) -> np.ndarray:
    return _join([_down2d(p) for p in _channels(x)], x.ndim == 3)


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
