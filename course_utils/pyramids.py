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

Speed: :func:`downsample` and :func:`upsample` hand the work to BLAS as a
few matrix products with small kernel matrices on strided views of the image
(no copies), strip by strip so that intermediates stay in the CPU cache; the
outputs next to the borders come from the border rows of the operator
matrices. See the comment above ``_down2d`` for the layout tricks and the
measured gains; ``benchmarks/bench_pyramids.py`` compares with OpenCV.
Colour channels are filtered one by one. A plain slice-by-slice version
(``_filter_image``, ``_upsample_slices``) and the explicit matrices of
:func:`downsample_matrix` / :func:`upsample_matrix` are kept as independent
references; the tests prove all of them agree with each other and with OpenCV.
"""
from __future__ import annotations

import functools

import numpy as np

from ._checks import as_float_array, check_choice, check_finite_through, check_positive_int, check_shape
from .fast._scratch import scratch as _scratch

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

def _as_image(name: str, image, finite: bool = True) -> np.ndarray:
    """Return ``image`` as a float array of shape (H, W) or (H, W, C), H, W, C >= 1 (finite unless told)."""
    if type(image) is np.ndarray and image.dtype in _FLOATS and image.ndim in (2, 3) and not finite:
        arr = image      # what as_float_array returns for these, without its general checks (20 us cold)
    else:
        arr = as_float_array(name, image, ndim=(2, 3), finite=finite)
    if min(arr.shape) < 1:
        raise ValueError(f"{name}: expected an image of at least 1x1 pixels, got shape {arr.shape}")
    return arr


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


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
    with ``x[-1] = x[1]`` and ``x[n] = x[n-1]`` (reflect101 of the zero-inserted signal).
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
#   products (240 us for the column pass of a 512x512 float64 level, in
#   blocks of 8 columns; 55 us below). Instead the rows are read as ONE flat
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
#   cache (2048x2048 float64, 5-level Gaussian pyramid: 15 -> 6 ms), and a
#   Laplacian level ``fine - up`` is formed strip by strip without writing
#   the up-sampled image to memory.
# * Intermediates live in scratch arrays reused between calls (:func:`_scratch`).
# * Planes smaller than 65 pixels on a side (after up-sampling, for the
#   up-sampler) use the dense 1-D operators, ``D_rows @ x @ D_cols.T``:
#   cheaper there than the pieces above (64x64 -> 32x32: 10 us against 40 us).
# ---------------------------------------------------------------------------

_DENSE_BELOW = 65
_GROUP_DOWN = 32       # pixels per group in the column pass of the down-sampler
_GROUP_UP = 16         # pixels per group in the column pass of the up-sampler
_STRIP_BYTES = 1024 * 1024   # a strip's intermediate: about the L2 cache of one core


@functools.lru_cache(maxsize=None)
def _dense(kind: str, n: int, size: int, dtype) -> np.ndarray:
    """The explicit 1-D operator for small ``n``: ``"down"`` or ``"up"``, (size, n), read-only."""
    matrix = downsample_matrix(n) if kind == "down" else upsample_matrix(n)[:size]
    matrix = matrix.astype(dtype)
    matrix.flags.writeable = False
    return matrix


@functools.lru_cache(maxsize=None)
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


@functools.lru_cache(maxsize=None)
def _kernels(dtype) -> dict:
    """The small kernel matrices of the fast path, for ``dtype``, read-only.

    ``rows_down`` (2, 7): output rows ``2b+1, 2b+2`` from input rows ``4b .. 4b+6``.
    ``rows_up`` (4, 4): output rows ``4b+2 .. 4b+5`` from input rows ``2b .. 2b+3``.
    ``cols_down`` (G/2+3, G/4), on the right: outputs ``i .. i+G/4-1`` from pixels ``2i-2 .. 2i+G/2``.
    ``cols_up`` (G/2+2, G), on the right: outputs ``2i .. 2i+G-1`` from pixels ``i-1 .. i+G/2``.
    (``G`` is the group of the column pass, :func:`_column_pass`.)
    """
    taps = np.array(_TAPS) / 16.0
    rows_down = np.zeros((2, 7))
    for i in range(2):
        rows_down[i, 2 * i:2 * i + 5] = taps
    quarter = _GROUP_DOWN // 4
    cols_down = np.zeros((2 * quarter + 3, quarter))
    for i in range(quarter):
        cols_down[2 * i:2 * i + 5, i] = taps
    half = _GROUP_UP // 2
    cols_up = np.zeros((half + 2, _GROUP_UP))
    for i in range(half):     # even output (x[i-1] + 6 x[i] + x[i+1]) / 8, odd (x[i] + x[i+1]) / 2
        cols_up[i:i + 3, 2 * i] = (1 / 8, 6 / 8, 1 / 8)
        cols_up[i + 1:i + 3, 2 * i + 1] = (1 / 2, 1 / 2)
    kernels = {"rows_down": rows_down, "rows_up": cols_up[:4, :4].T, "cols_down": cols_down, "cols_up": cols_up}
    kernels = {name: np.ascontiguousarray(k, dtype=dtype) for name, k in kernels.items()}
    for k in kernels.values():
        k.flags.writeable = False
    return kernels


def _strided(x: np.ndarray, offset: int, shape, strides) -> np.ndarray:
    """View of the C-contiguous ``x``'s memory from flat element ``offset`` on, with ``shape`` and ``strides`` (bytes).

    (``np.ndarray`` on the buffer: 0.6 us, where ``as_strided`` takes 5 us.)
    """
    return np.ndarray(shape, x.dtype, buffer=x, offset=offset * x.itemsize, strides=strides)


def _strip_rows(row_bytes: int, block: int) -> int:
    """Rows per strip: a multiple of ``block`` whose intermediate fits in ``_STRIP_BYTES``."""
    return max(block, _STRIP_BYTES // row_bytes // block * block)


def _strips(rows: int, first: int, step: int, blocks_end: int) -> list[tuple[int, int]]:
    """Output row ranges ``(start, stop)`` covering ``0 .. rows-1``; inner bounds are ``first + k step`` below ``blocks_end``."""
    bounds = [0] + list(range(first + step, blocks_end, step)) + [rows]
    return list(zip(bounds[:-1], bounds[1:]))


# A pass is planned once per shape and dtype (cached): the products it runs,
# as tuples. Why: on small levels the arithmetic and look-ups around the
# products cost as much as the products (a 66x66 plane: 24 -> 18 us per
# down-sampling), and a 512x512 pyramid is mostly small levels.
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
    up, outputs ``4b+2 .. 4b+5`` from rows ``2b .. 2b+3``. (Blocks of 2 rows
    for the down-sampler: 81 us for a 512x512 float64 pass, 98 us with 4.)
    """
    down = kind == "down"
    block_start, per_block, rows_per_step = (1, 2, 4) if down else (2, 4, 2)
    tail = block_start + (2 * ((size - 3) // 2) if down else 4 * ((n - 2) // 2))   # the row after the last block
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
            np.matmul(matrix, windows, out=out[out_row:out_row + blocks * k_out].reshape(blocks, k_out, w))
        else:
            np.matmul(matrix, x[row:row + k_in, :w], out=out[out_row:out_row + k_out])


def _apply_columns(x: np.ndarray, out: np.ndarray, columns: tuple) -> None:
    """Run a column pass (see above): ``x`` (R, P) -> ``out`` (R, Q), both C-contiguous."""
    kernel, group, per_group, first, second, borders = columns
    item, half = x.itemsize, per_group // 2
    flat = x.reshape(-1)
    count = flat.size // group
    outs = out.reshape(-1)[:count * per_group].reshape(count, per_group)
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
        rows[:, w] = 0                      # the column pass wants an even width
    for start, stop, products in strips:
        _apply_rows(x, rows[:stop - start, :w], products)
        _apply_columns(rows[:stop - start], out[start:stop], columns)
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
        _apply_columns(x[lo:hi], wide[:hi - lo], columns)
        rows = up[start:stop] if combine is None else up[:stop - start]
        _apply_rows(wide[:hi - lo], rows, products)
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
    planes = [_up2d(p, shape, None if combine is None else combine[..., c], sign)
              for c, p in enumerate(_channels(x))]
    return _join(planes, True)


# ---------------------------------------------------------------------------
# image operators
# ---------------------------------------------------------------------------

def blur(image) -> np.ndarray:
    """Blur with the separable binomial kernel ``[1 4 6 4 1]/16`` along rows and columns (reflect101).

    ``image`` (H, W) or (H, W, C) -> same shape.
    """
    return _filter_image(_as_image("image", image), 1)


def _downsample(x: np.ndarray) -> np.ndarray:
    if x.ndim == 2:
        return _down2d(np.ascontiguousarray(x))
    return _join([_down2d(p) for p in _channels(x)], True)


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
    x = _as_image("image", image, finite=False)
    levels = _check_levels(levels, x.shape)
    pyramid = [x]
    with np.errstate(invalid="ignore"):      # a NaN or infinity in the image is reported just below
        for _ in range(levels - 1):
            pyramid.append(_downsample(pyramid[-1]))
    # every pixel reaches the coarsest level with a positive weight, so a NaN or an infinity shows
    # there; checked first because a scan of a 2048x2048 float64 image takes 1.6 ms, a third of its
    # 5-level pyramid (4.9 ms), and the coarsest level microseconds
    check_finite_through(pyramid[-1], [("image", x)])
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
    """The levels as float arrays of matching shapes (finiteness: the caller, ``check_finite_through``)."""
    if isinstance(pyramid, np.ndarray) or not hasattr(pyramid, "__len__") or len(pyramid) == 0:
        raise TypeError(f"{name}: expected a non-empty list of arrays (a pyramid), got {type(pyramid).__name__}")
    levels = [_as_image(f"{name}[{i}]", level, finite=False) for i, level in enumerate(pyramid)]
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
    with np.errstate(invalid="ignore"):      # a NaN or infinity in a level is reported just below
        image = levels[0].copy() if len(levels) == 1 else _collapse(levels)
    check_finite_through(image, [(f"laplacian[{i}]", level) for i, level in enumerate(levels)])
    return image


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

def _blur_rows(n: int, rows, boundary: str = "reflect101") -> np.ndarray:
    """Rows ``rows`` of the ``(n, n)`` blur matrix: integer weights ``[1 4 6 4 1]`` around each diagonal entry."""
    matrix = np.zeros((len(rows), n))
    for r, i in enumerate(rows):
        for k, w in enumerate(_TAPS):
            j = i + k - 2
            if boundary == "zero":
                if 0 <= j < n:
                    matrix[r, j] += w
            else:
                matrix[r, _reflect101(j, n)] += w
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
    matrix = _blur_rows(n, range(0, n, 2), boundary)
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
    matrix = _blur_rows(2 * n, range(2 * n), boundary) @ zeros_inserted
    return matrix / 8.0 if normalized else matrix
