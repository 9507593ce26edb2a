"""Gaussian and Laplacian pyramids, tuned: same results as :mod:`course_utils.pyramids`.

Read :mod:`course_utils.pyramids` for the mathematics (``G_i``, ``F_i``, ``L_i = (I - F_i G_i)
x_i``, ``x_i = L_i + F_i x_{i+1}``). Here :func:`downsample` and :func:`upsample` hand the work
to BLAS as a few matrix products with small kernel matrices on strided views of the image (no
copies), strip by strip so that intermediates stay in the CPU cache; the outputs next to the
borders come from the border rows of the operator matrices; a Laplacian level ``x - F G x`` and
a reconstruction step ``L + F x`` are formed strip by strip without writing the up-sampled
image to memory. Colour channels are filtered one by one. The demos use this module; the
tests (``tests/test_pyramids.py``) prove it equal to the readable one and to OpenCV, and the
measurements behind each choice are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike

from .._checks import (
    check_blend_inputs,
    check_finite_through,
    check_image,
    check_levels,
    check_pyramid,
    check_upsample_shape,
)
from ..pyramids import binomial_kernel, blur, downsample_matrix, max_levels, reflect101, upsample_matrix
from ._scratch import scratch as _scratch

__all__ = [
    "max_levels",
    "blur",
    "downsample",
    "upsample",
    "gaussian_pyramid",
    "laplacian_pyramid",
    "reconstruct",
    "blend",
    "blend_pyramids",
]


def _blur_rows(n: int, rows) -> np.ndarray:
    """Rows ``rows`` of the (n, n) integer reflect101 blur matrix (:func:`course_utils.pyramids.blur_matrix`)."""
    matrix = np.zeros((len(rows), n))
    for r, i in enumerate(rows):
        for k, tap in enumerate(binomial_kernel() * 16):
            matrix[r, reflect101(i + k - 2, n)] += tap
    return matrix


# ---------------------------------------------------------------------------
# down- and up-sampling as matrix products, strip by strip (the fast path)
#
# Each pass hands its interior to BLAS as a few matrix products with a small
# kernel matrix; the few outputs next to the borders are then computed with
# the border rows of the operator (reflect101, :func:`_border_rows`).
#
# * Along axis 0 (whole rows, long contiguous runs) a block of output rows (2
#   when down-sampling, 4 when up-sampling) is a small kernel matrix times a
#   window of input rows; the windows of all blocks are views of the same
#   array, so one batched ``matmul`` does all.
# * Along axis 1 a window of a few columns is short, and BLAS is slow on such
#   products (4x slower than what follows). Instead the rows are read as ONE flat
#   array of groups of consecutive pixels: row ``g`` of the product is group
#   ``g`` plus a few neighbours, a window read a group apart, so a single
#   product covers every row of the image. A group's window overlaps the
#   next group's, which BLAS does not allow in one matrix, so each group's
#   outputs are computed in two halves, each a non-overlapping window.
#   Groups at the end of an image row read into the next row: those outputs
#   are border outputs and are overwritten. This needs an even width (odd
#   widths get one zero column) and a C-contiguous plane.
# * The image is processed in strips of rows whose intermediate (after the
#   first pass) stays in the CPU cache, so the second pass reads it from
#   cache (2.5x faster on large images), and a
#   Laplacian level ``fine - up`` is formed strip by strip without writing
#   the up-sampled image to memory.
# * Intermediates live in scratch arrays reused between calls (:func:`_scratch`).
# * Planes smaller than 65 pixels on a side (after up-sampling, for the
#   up-sampler) use the dense 1-D operators, ``D_rows @ x @ D_cols.T``:
#   cheaper there than the pieces above.
# ---------------------------------------------------------------------------

_DENSE_BELOW = 65
_GROUP_DOWN = 32  # pixels per group in the column pass of the down-sampler
_GROUP_UP = 16  # pixels per group in the column pass of the up-sampler
_STRIP_BYTES = 1024 * 1024  # a strip's intermediate: about the L2 cache of one core


@functools.cache
def _dense(kind: str, n: int, size: int, dtype) -> np.ndarray:
    """The explicit 1-D operator for small ``n``: ``"down"`` or ``"up"``, (size, n), read-only."""
    matrix = downsample_matrix(n) if kind == "down" else upsample_matrix(n)[:size]
    matrix = matrix.astype(dtype)
    matrix.flags.writeable = False
    return matrix


@functools.cache
def _border_rows(kind: str, n: int, start: int, stop: int, dtype) -> tuple[np.ndarray, int]:
    """Rows ``start .. stop-1`` of the 1-D operator of length-``n`` input, restricted to the columns they use.

    Returns ``(matrix, first_column)``. ``"down"``: row ``i`` is ``[1 4 6 4 1]/16``
    centred on ``2i`` (reflect101); ``"up"``: row ``r`` is the zero-inserted
    signal (reflect101 at its length ``2n``) correlated with ``[1 4 6 4 1]/8``.
    """
    if kind == "down":
        rows = _blur_rows(n, range(2 * start, 2 * stop, 2)) / 16.0
    else:  # blur of the zero-inserted signal: taps that land on an inserted zero (odd columns) drop out
        rows = _blur_rows(2 * n, range(start, stop))[:, ::2] / 8.0
    used = np.flatnonzero(rows.any(axis=0))
    first, last = int(used[0]), int(used[-1]) + 1
    matrix = np.ascontiguousarray(rows[:, first:last], dtype=dtype)
    matrix.flags.writeable = False
    return matrix, first


@functools.cache
def _kernels(dtype) -> dict:
    """The small kernel matrices of the fast path, for ``dtype``, read-only.

    ``rows_down`` (2, 7): output rows ``2b+1, 2b+2`` from input rows ``4b .. 4b+6``.
    ``rows_up`` (4, 4): output rows ``4b+2 .. 4b+5`` from input rows ``2b .. 2b+3``.
    ``cols_down`` (G/2+3, G/4), on the right: outputs ``i .. i+G/4-1`` from pixels ``2i-2 .. 2i+G/2``.
    ``cols_up`` (G/2+2, G), on the right: outputs ``2i .. 2i+G-1`` from pixels ``i-1 .. i+G/2``.
    (``G`` is the group of the column pass, :func:`_column_pass`.)
    """
    taps = binomial_kernel()
    rows_down = np.zeros((2, 7))
    for i in range(2):
        rows_down[i, 2 * i : 2 * i + 5] = taps
    quarter = _GROUP_DOWN // 4
    cols_down = np.zeros((2 * quarter + 3, quarter))
    for i in range(quarter):
        cols_down[2 * i : 2 * i + 5, i] = taps
    half = _GROUP_UP // 2
    cols_up = np.zeros((half + 2, _GROUP_UP))
    for i in range(half):  # even output (x[i-1] + 6 x[i] + x[i+1]) / 8, odd (x[i] + x[i+1]) / 2
        cols_up[i : i + 3, 2 * i] = (1 / 8, 6 / 8, 1 / 8)
        cols_up[i + 1 : i + 3, 2 * i + 1] = (1 / 2, 1 / 2)
    kernels = {"rows_down": rows_down, "rows_up": cols_up[:4, :4].T, "cols_down": cols_down, "cols_up": cols_up}
    kernels = {name: np.ascontiguousarray(k, dtype=dtype) for name, k in kernels.items()}
    for k in kernels.values():
        k.flags.writeable = False
    return kernels


def _strided(x: np.ndarray, offset: int, shape, strides) -> np.ndarray:
    """View of the C-contiguous ``x``'s memory from flat element ``offset`` on, with ``shape`` and ``strides`` (bytes).

    (``np.ndarray`` on the buffer: 8x faster than ``as_strided``.)
    """
    return np.ndarray(shape, x.dtype, buffer=x, offset=offset * x.itemsize, strides=strides)


def _strip_rows(row_bytes: int, block: int) -> int:
    """Rows per strip: a multiple of ``block`` whose intermediate fits in ``_STRIP_BYTES``."""
    return max(block, _STRIP_BYTES // row_bytes // block * block)


def _strips(rows: int, first: int, step: int, blocks_end: int) -> list[tuple[int, int]]:
    """Output row ranges ``(start, stop)`` covering ``0 .. rows-1``.

    The inner bounds are ``first + k step`` below ``blocks_end``.
    """
    bounds = [0] + list(range(first + step, blocks_end, step)) + [rows]
    return list(zip(bounds[:-1], bounds[1:]))


# A pass is planned once per shape and dtype (cached): the products it runs,
# as tuples. Why: on small levels the arithmetic and look-ups around the
# products cost as much as the products, and a 512x512 pyramid is mostly
# small levels.
#
# A row product is ``(matrix, row, blocks, step, out_row)``: with ``blocks ==
# 0``, ``out[out_row:] = matrix @ x[row:]`` (as many rows as the matrix has);
# otherwise ``blocks`` windows of the input, ``step`` rows apart, each times
# the matrix (a block of interior rows). A column pass is ``(kernel, group,
# per_group, first, second, borders)``: the two flat products over groups of
# ``group`` pixels (windows from ``first`` and ``second``), then the border
# products ``out[:, o0:o1] = x[:, c0:c1] @ matrix``.


def _row_products(kind: str, n: int, start: int, stop: int, size: int, first_row: int, dtype) -> tuple:
    """The row products giving output rows ``start .. stop-1`` of ``G`` (``"down"``) or ``F`` (``"up"``).

    ``n`` input rows, ``size`` output rows; the strip's input begins at row ``first_row``.
    Interior blocks: down, outputs ``2b+1, 2b+2`` from rows ``4b .. 4b+6``;
    up, outputs ``4b+2 .. 4b+5`` from rows ``2b .. 2b+3`` (blocks of 2 rows measured faster than 4).
    """
    down = kind == "down"
    block_start, per_block, rows_per_step = (1, 2, 4) if down else (2, 4, 2)
    tail = block_start + (2 * ((size - 3) // 2) if down else 4 * ((n - 2) // 2))  # the row after the last block
    kernel = _kernels(dtype)["rows_down" if down else "rows_up"]
    products = []
    if start == 0:
        head, col = _border_rows(kind, n, 0, block_start, dtype)
        products.append((head, col - first_row, 0, 0, 0))
    first = max(start, block_start)
    blocks = (min(stop, tail) - first) // per_block
    if blocks > 0:
        row = 2 * first - 2 if down else (first - 2) // 2
        products.append((kernel, row - first_row, blocks, rows_per_step, first - start))
    if stop == size and tail < size:
        rows, col = _border_rows(kind, n, tail, size, dtype)
        products.append((rows, col - first_row, 0, 0, tail - start))
    return tuple(products)


def _column_pass(kind: str, width: int, size: int, dtype) -> tuple:
    """The column pass of ``G`` (``"down"``) or ``F`` (``"up"``) for planes ``width`` wide, ``size`` outputs.

    Down: groups of 32 pixels, 16 outputs ``16g + j`` from pixels ``32g - 2 ..
    32g + 32``, in halves of 8. Up: groups of 16 pixels, 32 outputs from
    pixels ``16g - 1 .. 16g + 16``, in halves of 16. The border products also
    cover the outputs the flat products skip (the first half-group, and the
    end of the last row, which includes the pixels left over after the last
    whole group).
    """
    if kind == "down":
        group, per_group, first, second = _GROUP_DOWN, _GROUP_DOWN // 2, _GROUP_DOWN - 2, _GROUP_DOWN // 2 - 2
        kernel = _kernels(dtype)["cols_down"]
        ranges = [(0, per_group // 2), (size - 3 * per_group // 2, size)]
    else:
        group, per_group, first, second = _GROUP_UP, 2 * _GROUP_UP, _GROUP_UP - 1, _GROUP_UP // 2 - 1
        kernel = _kernels(dtype)["cols_up"]
        ranges = [(0, group), (2 * width - 3 * group - 2, size)]
    borders = []
    for o0, o1 in ranges:
        matrix, col = _border_rows(kind, width, o0, o1, dtype)
        borders.append((np.ascontiguousarray(matrix.T), col, col + matrix.shape[1], o0, o1))
    return kernel, group, per_group, first, second, tuple(borders)


@functools.lru_cache(maxsize=128)
def _down_plan(h: int, w: int, dtype) -> tuple:
    """``(strips, columns, strip_rows)`` for down-sampling an (h, w) plane: rows first, strip by strip."""
    m = (h + 1) // 2
    strips = _strips(m, 1, _strip_rows(w * dtype.itemsize, 2), 1 + 2 * ((m - 3) // 2))
    plan = tuple((start, stop, _row_products("down", h, start, stop, m, 0, dtype)) for start, stop in strips)
    return plan, _column_pass("down", w, (w + 1) // 2, dtype), max(stop - start for start, stop in strips)


@functools.lru_cache(maxsize=128)
def _up_plan(h: int, w: int, size_h: int, size_w: int, dtype) -> tuple:
    """``(strips, columns, strip_rows)`` for up-sampling an (h, w) plane: columns first, strip by strip.

    Each strip is ``(start, stop, lo, hi, row_products)``: output rows
    ``start .. stop-1`` read input rows ``lo .. hi-1``.
    """
    strips = _strips(size_h, 2, _strip_rows(3 * w * dtype.itemsize, 4), 2 + 4 * ((h - 2) // 2))
    plan = []
    for start, stop in strips:
        lo, hi = max(0, start // 2 - 1), min(h, (stop - 1) // 2 + 2)
        plan.append((start, stop, lo, hi, _row_products("up", h, start, stop, size_h, lo, dtype)))
    return tuple(plan), _column_pass("up", w, size_w, dtype), max(stop - start for start, stop in strips)


def _apply_rows(x: np.ndarray, out: np.ndarray, products: tuple) -> None:
    """Run row products (see above) on the C-contiguous ``x`` into ``out`` (rows, W); ``x`` may be wider than W."""
    w = out.shape[1]
    s0, s1 = x.strides
    for matrix, row, blocks, step, out_row in products:
        k_out, k_in = matrix.shape
        if blocks:
            windows = _strided(x, row * x.shape[1], (blocks, k_in, w), (step * s0, s0, s1))
            np.matmul(matrix, windows, out=out[out_row : out_row + blocks * k_out].reshape(blocks, k_out, w))
        else:
            np.matmul(matrix, x[row : row + k_in, :w], out=out[out_row : out_row + k_out])


def _apply_columns(x: np.ndarray, out: np.ndarray, columns: tuple) -> None:
    """Run a column pass (see above): ``x`` (R, P) -> ``out`` (R, Q), both C-contiguous."""
    kernel, group, per_group, first, second, borders = columns
    item, half = x.itemsize, per_group // 2
    flat = x.reshape(-1)
    count = flat.size // group
    outs = out.reshape(-1)[: count * per_group].reshape(count, per_group)
    np.matmul(_strided(flat, first, (count - 1, kernel.shape[0]), (group * item, item)), kernel, out=outs[1:, :half])
    np.matmul(_strided(flat, second, (count - 1, kernel.shape[0]), (group * item, item)), kernel, out=outs[:-1, half:])
    for matrix, c0, c1, o0, o1 in borders:
        np.matmul(x[:, c0:c1], matrix, out=out[:, o0:o1])


def _down2d(x: np.ndarray) -> np.ndarray:
    """``G_rows x G_cols^T`` of a C-contiguous 2-D plane (h, w) -> (ceil(h/2), ceil(w/2)), a fresh array.

    Rows first, strip by strip: the column pass, the costlier one, then has
    half the rows, and it reads the strip from cache.
    """
    h, w = x.shape
    m, mw = (h + 1) // 2, (w + 1) // 2
    if min(h, w) < _DENSE_BELOW:
        return _dense("down", h, m, x.dtype) @ x @ _dense("down", w, mw, x.dtype).T
    strips, columns, most = _down_plan(h, w, x.dtype)
    out = np.empty((m, mw), dtype=x.dtype)
    rows = _scratch("down_rows", (most, 2 * mw), x.dtype)
    if w % 2:
        rows[:, w] = 0  # the column pass wants an even width
    for start, stop, products in strips:
        _apply_rows(x, rows[: stop - start, :w], products)
        _apply_columns(rows[: stop - start], out[start:stop], columns)
    return out


def _up2d(x: np.ndarray, shape, combine=None, sign: float = 1.0) -> np.ndarray:
    """``F_rows x F_cols^T`` of a C-contiguous 2-D plane (h, w) -> ``shape`` = (H, W), a fresh array.

    With ``combine`` (H, W): ``combine + sign * F_rows x F_cols^T`` instead,
    strip by strip. Columns first: the row pass then has half the rows.
    """
    h, w = x.shape
    size_h, size_w = shape
    if min(size_h, size_w) < _DENSE_BELOW:
        up = _dense("up", h, size_h, x.dtype) @ x @ _dense("up", w, size_w, x.dtype).T
        return up if combine is None else (np.add if sign > 0 else np.subtract)(combine, up, out=up)
    strips, columns, most = _up_plan(h, w, size_h, size_w, x.dtype)
    out = np.empty(shape, dtype=x.dtype)
    wide = _scratch("up_cols", (most // 2 + 4, 2 * w), x.dtype)
    up = out if combine is None else _scratch("up_rows", (most, size_w), x.dtype)
    for start, stop, lo, hi, products in strips:
        _apply_columns(x[lo:hi], wide[: hi - lo], columns)
        rows = up[start:stop] if combine is None else up[: stop - start]
        _apply_rows(wide[: hi - lo], rows, products)
        if combine is not None:
            (np.add if sign > 0 else np.subtract)(combine[start:stop], rows, out=out[start:stop])
    return out


def _channels(x: np.ndarray) -> list[np.ndarray]:
    """The 2-D planes of an image: ``[x]`` for grey, contiguous copies of each channel for colour."""
    if x.ndim == 2:
        return [np.ascontiguousarray(x)]
    return [np.ascontiguousarray(x[..., c]) for c in range(x.shape[2])]


def _join(planes: list[np.ndarray], colour: bool) -> np.ndarray:
    return np.stack(planes, axis=-1) if colour else planes[0]


def _upsample_image(x: np.ndarray, shape, combine=None, sign: float = 1.0) -> np.ndarray:
    """Up-sample (h, w[, C]) to ``shape`` = (H, W); if ``combine`` is given return ``combine + sign * up``."""
    if x.ndim == 2:
        return _up2d(np.ascontiguousarray(x), shape, combine, sign)
    planes = [_up2d(p, shape, None if combine is None else combine[..., c], sign) for c, p in enumerate(_channels(x))]
    return _join(planes, True)


def _downsample(x: np.ndarray) -> np.ndarray:
    if x.ndim == 2:
        return _down2d(np.ascontiguousarray(x))
    return _join([_down2d(p) for p in _channels(x)], True)


def downsample(image: ArrayLike) -> np.ndarray:
    """:func:`course_utils.pyramids.downsample`, tuned (same arguments, same result).

    Only the kept rows and columns are filtered.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)

    Returns
    -------
    ndarray, shape (ceil(H/2), ceil(W/2)) or (ceil(H/2), ceil(W/2), C)
    """
    return _downsample(check_image("image", image))


def upsample(image: ArrayLike, shape: tuple | None = None) -> np.ndarray:
    """:func:`course_utils.pyramids.upsample`, tuned (same arguments, same result).

    The inserted zeros are never multiplied.

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
    return _upsample_image(x, check_upsample_shape(shape, x))


def gaussian_pyramid(image: ArrayLike, levels: int) -> list[np.ndarray]:
    """:func:`course_utils.pyramids.gaussian_pyramid`, tuned (same arguments, same result).

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    levels : int

    Returns
    -------
    list of ndarray
    """
    x = check_image("image", image, finite=False)
    levels = check_levels(levels, x.shape, max_levels(x.shape))
    pyramid = [x]
    with np.errstate(invalid="ignore"):  # a NaN or infinity in the image is reported just below
        for _ in range(levels - 1):
            pyramid.append(_downsample(pyramid[-1]))
    # every pixel reaches the coarsest level with a positive weight, so a NaN or an infinity shows
    # there; checked first because scanning a large image costs a third of its pyramid
    check_finite_through(pyramid[-1], [("image", x)])
    return pyramid


def laplacian_pyramid(image: ArrayLike, levels: int) -> list[np.ndarray]:
    """:func:`course_utils.pyramids.laplacian_pyramid`, tuned: ``x - F G x`` formed strip by strip.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    levels : int

    Returns
    -------
    list of ndarray
    """
    gaussian = gaussian_pyramid(image, levels)
    laplacian = [
        _upsample_image(x_next, x.shape[:2], combine=x, sign=-1.0) for x, x_next in zip(gaussian, gaussian[1:])
    ]
    return laplacian + [gaussian[-1]]


def _collapse(levels: list[np.ndarray]) -> np.ndarray:
    x = levels[-1]
    for band in reversed(levels[:-1]):
        x = _upsample_image(x, band.shape[:2], combine=band)  # x_i = L_i + F_i x_{i+1}
    return x


def reconstruct(laplacian: list) -> np.ndarray:
    """:func:`course_utils.pyramids.reconstruct`, tuned: ``L + F x`` formed strip by strip.

    Parameters
    ----------
    laplacian : list of array_like

    Returns
    -------
    ndarray
        The shape of ``laplacian[0]``.
    """
    levels = check_pyramid("laplacian", laplacian, finite=False)
    with np.errstate(invalid="ignore"):  # a NaN or infinity in a level is reported just below
        image = levels[0].copy() if len(levels) == 1 else _collapse(levels)
    check_finite_through(image, [(f"laplacian[{i}]", level) for i, level in enumerate(levels)])
    return image


def blend(image_a: ArrayLike, image_b: ArrayLike, mask: ArrayLike, levels: int) -> np.ndarray:
    """:func:`course_utils.pyramids.blend`, tuned (same arguments, same result).

    Parameters
    ----------
    image_a, image_b : array_like, shape (H, W) or (H, W, C)
    mask : array_like, shape (H, W)
    levels : int

    Returns
    -------
    ndarray
    """
    a, b, m = check_blend_inputs(image_a, image_b, mask)
    levels = check_levels(levels, a.shape, max_levels(a.shape))
    return blend_pyramids(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels), gaussian_pyramid(m, levels))


def blend_pyramids(laplacian_a: list, laplacian_b: list, mask_gaussian: list) -> np.ndarray:
    """:func:`course_utils.pyramids.blend_pyramids`, tuned (used by the live demo).

    Parameters
    ----------
    laplacian_a, laplacian_b : list of ndarray
    mask_gaussian : list of ndarray

    Returns
    -------
    ndarray
    """
    combined = []
    for la, lb, g in zip(laplacian_a, laplacian_b, mask_gaussian):
        g = g[..., None] if la.ndim == 3 else g
        level = la - lb  # G LA + (1 - G) LB, in place
        level *= g
        level += lb
        combined.append(level)
    return _collapse(combined)
