"""Convolution layer: forward and backward passes (lecture 004, "Backpropagation in CNNs").

Conventions
-----------
* Shapes: ``x`` (N, C, H, W), ``w`` (F, C, KH, KW), ``b`` (F,), output ``out``
  (N, F, OH, OW) with ``OH = floor((H - KH + 2P) / S) + 1`` (the lecture's
  ``W2 = (W1 - F + 2P)/S + 1``; 32x32x3 with six 5x5x3 filters -> 28x28x6).
* **Cross-correlation, as every framework computes it**::

      out[n, f, i, j] = b[f] + sum_c sum_a sum_b  xp[n, c, i*S + a, j*S + b] * w[f, c, a, b]

  where ``xp`` is ``x`` with ``P`` rows/columns of zeros on every side. The
  lecture writes true convolution ``Y[i,j] = sum_a sum_b X[i-a, j-b] W[a,b]``;
  the two differ only by a 180-degree flip of the kernel
  (``convolve2d(x, k) == correlate2d(x, flip180(k))``), and a learned kernel
  does not care which convention trained it.

Two implementations sit side by side and are tested to agree to 1e-10:

* :func:`conv2d_forward_naive` / :func:`conv2d_backward_naive`: plain loops
  that read like the lecture's sums, ``dL/dW[a',b'] = sum_ij dL/dY[i,j] X[..]``
  and ``dL/dX[i',j'] = sum_{p in P} dL/dY[p] W[..]`` over the region ``P`` of
  outputs that the input pixel touches.
* :func:`conv2d_forward` / :func:`conv2d_backward`: vectorized numpy
  (im2col + one matrix product per chunk of images, the bias riding along as a row of ones;
  col2im as ``KH*KW`` strided adds); a large enough batch is split between two threads
  (numpy and BLAS release the GIL).

Single-channel helpers :func:`correlate2d`, :func:`convolve2d` and
:func:`flip180` state the lecture's identities (see :func:`conv_gradient_identities`).
"""
from __future__ import annotations

import numpy as np

from . import _parallel
from ._checks import as_float_array, check_choice, check_finite_through, check_positive_int, check_shape
from ._parallel import map_in_threads
from ._scratch import scratch as _scratch

__all__ = [
    "conv_output_size",
    "conv2d_forward", "conv2d_backward",
    "conv2d_forward_naive", "conv2d_backward_naive",
    "correlate2d", "convolve2d", "flip180",
    "conv_gradient_identities",
    "input_pixel_region", "weight_footprint",
]


# ----------------------------------------------------------------------------- checks

def conv_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    """``floor((size - kernel + 2 pad) / stride) + 1``: the lecture's ``(W1 - F + 2P)/S + 1``."""
    size = check_positive_int("size", size)
    kernel = check_positive_int("kernel", kernel)
    stride = check_positive_int("stride", stride)
    pad = check_positive_int("pad", pad, minimum=0)
    if kernel > size + 2 * pad:
        raise ValueError(f"kernel: expected at most the padded input size {size} + 2*{pad} = "
                         f"{size + 2 * pad}, got {kernel}")
    return (size - kernel + 2 * pad) // stride + 1


def _check_conv_inputs(x, w, b, stride, pad):
    x = as_float_array("x", x, ndim=4)
    w = as_float_array("w", w, ndim=4)
    n, c, h, wd = x.shape
    f, cw, kh, kw = w.shape
    if cw != c:
        raise ValueError(f"w: expected {c} input channels (w.shape[1]) to match x of shape {x.shape} "
                         f"(N, C, H, W), got w of shape {w.shape} with {cw}")
    b = as_float_array("b", b, ndim=1)
    check_shape("b", b, (f,), why=f"one bias per filter of w {w.shape}")
    stride = check_positive_int("stride", stride)
    pad = check_positive_int("pad", pad, minimum=0)
    if kh > h + 2 * pad or kw > wd + 2 * pad:
        raise ValueError(f"w: expected a kernel no larger than the padded input "
                         f"({h + 2 * pad}, {wd + 2 * pad}) (x {h}x{wd} with pad={pad}), "
                         f"got a {kh}x{kw} kernel")
    if 0 in x.shape or f == 0:
        raise ValueError(f"x, w: expected non-empty arrays, got x {x.shape} and w {w.shape}")
    dtype = np.result_type(x, w, b)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), stride, pad


def _check_dout(dout, expected_shape, name="dout", finite=True):
    dout = as_float_array(name, dout, ndim=4, finite=finite)
    check_shape(name, dout, expected_shape, why="the shape of this layer's output (N, F, OH, OW)")
    return dout


def _open_cache(cache, *accepted):
    """Check that ``cache`` came from one of the ``accepted`` forward functions; return its contents."""
    if not (isinstance(cache, tuple) and cache and isinstance(cache[0], str) and cache[0] in accepted):
        got = cache[0] if isinstance(cache, tuple) and cache and isinstance(cache[0], str) else type(cache).__name__
        raise TypeError(f"cache: expected the cache returned by {' or '.join(accepted)}, got {got}")
    return cache[1:]


def _pad(x, pad):  # used by the naive loops
    """Zero-pad the two spatial axes of a (N, C, H, W) array (a fresh array; ``x`` itself if pad == 0)."""
    if pad == 0:
        return x
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    xp[:, :, pad:pad + h, pad:pad + w] = x
    return xp


# ----------------------------------------------------------------------------- naive loops

def conv2d_forward_naive(x, w, b, stride=1, pad=0):
    """Readable loop version of :func:`conv2d_forward` (same arguments, same result).

    One output pixel at a time: ``out[n,f,i,j] = b[f] + sum_{c,a,b} xp[n,c,iS+a,jS+b] w[f,c,a,b]``.
    """
    x, w, b, stride, pad = _check_conv_inputs(x, w, b, stride, pad)
    n_img, _, h, wd = x.shape
    n_filt, n_chan, kh, kw = w.shape
    oh, ow = (h - kh + 2 * pad) // stride + 1, (wd - kw + 2 * pad) // stride + 1
    xp = _pad(x, pad)
    out = np.zeros((n_img, n_filt, oh, ow), dtype=x.dtype)
    for n in range(n_img):
        for f in range(n_filt):
            for i in range(oh):
                for j in range(ow):
                    total = b[f]
                    for c in range(n_chan):
                        for a in range(kh):
                            for bb in range(kw):
                                total += xp[n, c, i * stride + a, j * stride + bb] * w[f, c, a, bb]
                    out[n, f, i, j] = total
    return out, ("conv2d_forward_naive", x, w, b, stride, pad)


def conv2d_backward_naive(dout, cache):
    """Readable loop version of :func:`conv2d_backward`, written as the lecture's two sums.

    * ``dL/dW[f,c,a',b'] = sum_n sum_i sum_j dL/dY[n,f,i,j] * xp[n,c,iS+a',jS+b']``: one
      weight touches **every** output pixel.
    * ``dL/dX[n,c,i',j'] = sum_{(f,i,j,a,b) in P} dL/dY[n,f,i,j] * w[f,c,a,b]``: one input
      pixel touches only the region ``P`` of outputs whose window covers it, i.e. the
      ``(i, j, a, b)`` with ``iS + a = i' + P`` and ``jS + b = j' + P``.
    """
    x, w, b, stride, pad = _open_cache(cache, "conv2d_forward_naive")
    n_img, n_chan, h, wd = x.shape
    n_filt, _, kh, kw = w.shape
    oh, ow = (h - kh + 2 * pad) // stride + 1, (wd - kw + 2 * pad) // stride + 1
    dout = _check_dout(dout, (n_img, n_filt, oh, ow))
    xp = _pad(x, pad)

    db = np.zeros(n_filt)
    for f in range(n_filt):
        for n in range(n_img):
            for i in range(oh):
                for j in range(ow):
                    db[f] += dout[n, f, i, j]

    dw = np.zeros(w.shape)
    for f in range(n_filt):
        for c in range(n_chan):
            for a in range(kh):
                for bb in range(kw):
                    for n in range(n_img):
                        for i in range(oh):
                            for j in range(ow):
                                dw[f, c, a, bb] += dout[n, f, i, j] * xp[n, c, i * stride + a, j * stride + bb]

    dx = np.zeros(x.shape)
    for n in range(n_img):
        for c in range(n_chan):
            for ip in range(h):
                for jp in range(wd):
                    # the region P: every (a, b) whose output (i, j) exists and lands on (ip, jp)
                    for a in range(kh):
                        i, rem_i = divmod(ip + pad - a, stride)
                        if rem_i or not 0 <= i < oh:
                            continue
                        for bb in range(kw):
                            j, rem_j = divmod(jp + pad - bb, stride)
                            if rem_j or not 0 <= j < ow:
                                continue
                            for f in range(n_filt):
                                dx[n, c, ip, jp] += dout[n, f, i, j] * w[f, c, a, bb]
    return dx, dw, db


# ----------------------------------------------------------------------------- fast version

def _pad_channel_major(x, pad):
    """``x`` (n, C, H, W) -> zero-padded, channel-major ``xp`` (C, n, H + 2P, W + 2P) (a scratch array).

    Putting the channel axis first costs nothing extra (padding copies the input anyway) and
    lets the columns below be one 2-D matrix whose rows are the ``(c, a, b)`` triples and
    whose columns are all ``n*OH*OW`` output positions.
    """
    n, c, h, w = x.shape
    xp = _scratch("xp", (c, n, h + 2 * pad, w + 2 * pad), x.dtype)
    if pad:
        xp[:, :, :pad] = xp[:, :, -pad:] = 0
        xp[:, :, :, :pad] = xp[:, :, :, -pad:] = 0
    xp[:, :, pad:pad + h, pad:pad + w] = x.transpose(1, 0, 2, 3)
    return xp


def _im2col(xp, kh, kw, stride, oh, ow, fresh=False):
    """Columns ``cols[(c, a, b), (n, i, j)] = xp[c, n, iS + a, jS + b]`` and a last row of ones.

    Shape (C*KH*KW + 1, n*OH*OW). The row of ones is the *bias trick*: with ``w_aug = [w_rows | b]``
    (F, C*KH*KW + 1), ``w_aug @ cols = w_rows @ cols[:-1] + b``, and in the backward pass the
    same product that gives ``dL/dW`` gives ``dL/db = G @ 1`` as its last row, so neither
    needs a pass of its own over ``out`` or ``dout``. (Measured, forward + backward of the
    smallest benchmark layer, one thread, CPU time, four pairs of alternating processes:
    0.96-1.13 ms against 1.05-1.41 ms with the two passes, lower in every pair.)

    ``xp`` is channel-major (C, n, Hp, Wp). A strided view of ``xp`` indexed ``[c, a, b, n, i, j]``
    (read-only, no copy: stepping ``i`` moves ``S`` rows, stepping ``a`` moves one row) holds
    every column entry in place, and one copy lays it out. (Measured against ``KH*KW`` strided
    slice copies: 64 against 74 us for (8, 3, 32, 32) with 3x3 kernels, 0.35 against 0.47 ms for
    (16, 3, 64, 64) with 5x5 stride 2; and it is a single long call, which matters when two
    threads share the GIL. ``sliding_window_view`` builds the same view with 30 us more Python.)
    ``fresh=True`` returns a new array (to keep in a cache) instead of the reused scratch array.
    """
    c, n = xp.shape[:2]
    rows, shape, width = c * kh * kw, (c, kh, kw, n, oh, ow), n * oh * ow
    cols = np.empty((rows + 1, width), xp.dtype) if fresh else _scratch("cols", (rows + 1, width), xp.dtype)
    cols[rows] = 1  # the bias trick
    s_c, s_n, s_h, s_w = xp.strides
    windows = np.lib.stride_tricks.as_strided(
        xp, shape=shape, strides=(s_c, s_h, s_w, s_n, stride * s_h, stride * s_w), writeable=False)
    np.copyto(cols[:rows].reshape(shape), windows)
    return cols


def _col2im(dcols, xp_shape, kh, kw, stride, oh, ow):
    """Adjoint of :func:`_im2col`: add every column entry back onto the pixel it was read from.

    Loops over the ``KH*KW`` kernel offsets; each step adds one (C, n, OH, OW) block onto a
    strided slice of the padded gradient, so the work is vectorized and no index arrays are built.
    """
    c, n = xp_shape[:2]
    dcols = dcols.reshape(c, kh, kw, n, oh, ow)
    dxp = _scratch("dxp", xp_shape, dcols.dtype)
    dxp.fill(0)
    for a in range(kh):
        for b in range(kw):
            dxp[:, :, a:a + stride * oh:stride, b:b + stride * ow:stride] += dcols[:, a, b]
    return dxp


_CHUNK_BYTES = 8 * 2**20  # im2col columns built per chunk of images: about this many bytes
_KEEP_COLS_BYTES = 16 * 2**20  # up to this size, the forward pass keeps the columns for the backward
# Below this many rows of cols (C*KH*KW), one product per image beats one product per chunk: it
# reads and writes dout and out in their own (n, F, OH*OW) layout, and the two transposing copies
# it saves cost more than a short product. Measured, the three products with their copies, one
# thread: (8, 3, 32, 32) with 16 3x3 filters 0.84 -> 0.59 ms, (16, 3, 64, 64) with 8 5x5 filters,
# stride 2, 3.9 -> 2.5 ms; with 144 or 576 rows per-image products were 5-7% slower.
_PER_IMAGE_PRODUCTS_BELOW = 128


def _image_chunks(images, cols_bytes_per_image):
    """Slices of ``images`` (a slice of the batch) whose columns take about ``_CHUNK_BYTES`` each."""
    step = max(1, _CHUNK_BYTES // max(1, cols_bytes_per_image))
    return [slice(s, min(s + step, images.stop)) for s in range(images.start, images.stop, step)]


_THREAD_MIN_BYTES = 4 * 2**20  # layers with less im2col data than this stay in one thread


def _batch_parts(n, cols_bytes_per_image):
    """The batch split into one contiguous slice of images per worker thread.

    Each worker then runs the whole layer on its images, with a one-thread BLAS (see
    :func:`course_utils._parallel.one_blas_thread`), as PyTorch splits a batch between its
    threads. A layer whose columns take less than ``_THREAD_MIN_BYTES`` runs in the calling
    thread, where only BLAS uses threads: its many short numpy calls would spend more time
    waiting for each other's GIL hand-overs than they save (measured (8, 3, 32, 32) with 16
    3x3 filters, two threads: 2.5 ms against 1.2 ms in one).
    """
    threads = min(_parallel.THREADS, n)
    if threads < 2 or n * cols_bytes_per_image < _THREAD_MIN_BYTES or _parallel.blas_controller() is None:
        return [slice(0, n)]
    size = -(-n // threads)
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]


def conv2d_forward(x, w, b, stride=1, pad=0):
    """Convolution layer forward pass (cross-correlation, zero padding), vectorized.

    Shapes: ``x`` (N, C, H, W), ``w`` (F, C, KH, KW), ``b`` (F,) -> ``out`` (N, F, OH, OW)
    with ``OH = (H - KH + 2 pad) // stride + 1``. Returns ``(out, cache)``; the cache keeps
    references to ``x`` and ``w`` (as every layer of this package does: do not change them in
    place before the backward pass).

    Method: im2col gathers every receptive field into a column, so the layer is a matrix
    product ``[w_rows | b] @ cols`` with ``w_rows = w.reshape(F, C*KH*KW)`` and ``cols`` of
    shape (C*KH*KW + 1, n*OH*OW) for a chunk of ``n`` images, whose last row of ones adds the
    bias (the bias trick, see :func:`_im2col`). When the columns of the whole batch take at
    most 16 MB they are built once, as one chunk, and the cache keeps them for the backward
    pass (as CS231n's ``conv_forward_im2col`` does; measured 10-15% off forward + backward
    for the two smallest benchmark layers). Larger layers are processed in chunks of about
    8 MB that stay in the CPU cache while the product reads them, in scratch arrays reused
    between calls; the backward pass rebuilds those columns, which costs less than keeping
    tens of MB.
    A layer with at least 4 MB of columns splits the batch between two threads, each with a
    one-thread BLAS (see :func:`_batch_parts`); smaller layers leave the threads to BLAS. A
    layer with few rows of columns (``C*KH*KW < 128``) does the same product image by image,
    ``out[n] = [w_rows | b] @ cols[:, n]``, which writes ``out`` in place instead of transposing it.

    Raises ``ValueError`` for wrong ranks, a channel mismatch, a kernel larger than the
    padded input, a non-positive stride or a negative pad.
    """
    x, w, b, stride, pad = _check_conv_inputs(x, w, b, stride, pad)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh + 2 * pad) // stride + 1, (wd - kw + 2 * pad) // stride + 1
    w_aug = np.concatenate([w.reshape(f, c * kh * kw), b[:, None]], axis=1)  # [w_rows | b] (F, C*KH*KW + 1)
    out = np.empty((n, f, oh, ow), dtype=x.dtype)
    cols_bytes_per_image = c * kh * kw * oh * ow * x.itemsize
    keep = n * cols_bytes_per_image <= _KEEP_COLS_BYTES       # columns kept for the backward pass
    per_image = c * kh * kw < _PER_IMAGE_PRODUCTS_BELOW
    parts = _batch_parts(n, cols_bytes_per_image)

    def forward_part(part):
        """Forward pass of the images ``part``; returns the columns kept (or None)."""
        for chunk in [part] if keep else _image_chunks(part, cols_bytes_per_image):
            xp = _pad_channel_major(x[chunk], pad)                 # (C, n, Hp, Wp)
            cols = _im2col(xp, kh, kw, stride, oh, ow, fresh=keep) # (C*KH*KW + 1, n*OH*OW)
            m = chunk.stop - chunk.start
            if per_image:   # one product per image, written straight into out[n] (F, OH*OW)
                np.matmul(w_aug, cols.reshape(-1, m, oh * ow).transpose(1, 0, 2),
                          out=out[chunk].reshape(m, f, oh * ow))
            else:           # one product for the chunk, then transposed into out
                y = np.matmul(w_aug, cols, out=_scratch("y", (f, cols.shape[1]), x.dtype))
                out[chunk] = y.reshape(f, m, oh, ow).transpose(1, 0, 2, 3)
        return cols if keep else None

    kept = map_in_threads(forward_part, parts, one_blas_thread_each=True)
    return out, ("conv2d_forward", x, w, stride, pad, parts, kept if keep else None)


def conv2d_backward(dout, cache):
    """Backward pass of :func:`conv2d_forward`.

    ``dout`` (N, F, OH, OW) is ``dL/dY``. Returns ``(dx, dw, db)`` with the shapes of
    ``x``, ``w``, ``b``. With ``G = dout`` laid out as (F, n*OH*OW) for a chunk of images:

    * ``[dw_rows | db] += G @ cols.T`` over the chunks: each weight collects ``dL/dY * X`` from
      **every** output pixel (the lecture's ``dL/dW = X * dL/dY``, here the cross-correlation
      ``X ⋆ dL/dY``), and the row of ones in ``cols`` makes the last column
      ``db[f] = sum_{n,i,j} dout[n,f,i,j]``;
    * ``dcols = w_rows.T @ G``, then col2im adds each entry back onto the input pixel it
      was read from: for one pixel this sums ``dL/dY[p] W[a,b]`` over the region ``P``
      (the lecture's ``dL/dX = dL/dY * flip180(W)``).
    """
    x, w, stride, pad, parts, kept = _open_cache(cache, "conv2d_forward")
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = (h - kh + 2 * pad) // stride + 1, (wd - kw + 2 * pad) // stride + 1
    dout = _check_dout(dout, (n, f, oh, ow), finite=False).astype(x.dtype, copy=False)
    w_rows = w.reshape(f, c * kh * kw)
    cols_bytes_per_image = c * kh * kw * oh * ow * x.itemsize
    dx = np.empty(x.shape, dtype=x.dtype)
    per_image = c * kh * kw < _PER_IMAGE_PRODUCTS_BELOW

    def backward_part(k):
        """dx for the images ``parts[k]``; returns their share of [dL/dW | dL/db] (transposed)."""
        # A NaN or inf in dout is reported below, through db, with the entries it is at; it is not
        # also warned about on its way through the products ("invalid value", e.g. inf - inf).
        # (np.errstate holds for the thread that sets it: here, the worker.)
        with np.errstate(invalid="ignore"):
            dw_cols = np.zeros((c * kh * kw + 1, f), dtype=x.dtype)
            for chunk in [parts[k]] if kept is not None else _image_chunks(parts[k], cols_bytes_per_image):
                m = chunk.stop - chunk.start
                if kept is not None:
                    cols = kept[k]                                   # kept by the forward pass
                else:
                    cols = _im2col(_pad_channel_major(x[chunk], pad), kh, kw, stride, oh, ow)  # rebuilt
                dcols = _scratch("dcols", (c * kh * kw, cols.shape[1]), x.dtype)
                if per_image:   # dout[n] (F, OH*OW) used as it is, one product per image
                    g3 = dout[chunk].reshape(m, f, oh * ow)
                    cols3 = cols.reshape(-1, m, oh * ow).transpose(1, 0, 2)      # (n, C*KH*KW + 1, OH*OW)
                    dw_cols += np.matmul(cols3, g3.transpose(0, 2, 1)).sum(axis=0)
                    np.matmul(w_rows.T, g3, out=dcols.reshape(-1, m, oh * ow).transpose(1, 0, 2))
                else:
                    g = _scratch("g", (f, m, oh, ow), x.dtype)
                    g[...] = dout[chunk].transpose(1, 0, 2, 3)
                    g = g.reshape(f, -1)                             # (F, n*OH*OW)
                    # cols @ g.T rather than g @ cols.T: the same product, and measurably faster with
                    # OpenBLAS when the long n*OH*OW axis is the inner dimension in this orientation
                    dw_cols += cols @ g.T
                    np.matmul(w_rows.T, g, out=dcols)
                dxp = _col2im(dcols, (c, m, h + 2 * pad, wd + 2 * pad), kh, kw, stride, oh, ow)  # (C, n, Hp, Wp)
                dx[chunk] = dxp[:, :, pad:pad + h, pad:pad + wd].transpose(1, 0, 2, 3)
            return dw_cols

    dw_cols = sum(map_in_threads(backward_part, list(range(len(parts))), one_blas_thread_each=True))
    db = dw_cols[-1].copy()
    check_finite_through(db, [("dout", dout)])  # every entry of dout is summed into db
    return dx, np.ascontiguousarray(dw_cols[:-1].T).reshape(w.shape), db


# ----------------------------------------------------------------------------- single channel

def flip180(k):
    """Rotate a 2-D kernel by 180 degrees: ``flip180(k)[a, b] = k[KH-1-a, KW-1-b]``."""
    k = as_float_array("k", k, ndim=2)
    return k[::-1, ::-1].copy()


def _check_2d_pair(x, k, mode):
    x = as_float_array("x", x, ndim=2)
    k = as_float_array("k", k, ndim=2)
    check_choice("mode", mode, ("valid", "full"))
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(f"k: expected a kernel no larger than x {x.shape} for mode='valid', got {k.shape}")
    if 0 in x.shape or 0 in k.shape:
        raise ValueError(f"x, k: expected non-empty arrays, got {x.shape} and {k.shape}")
    return x, k


def correlate2d(x, k, mode="valid"):
    """Single-channel cross-correlation ``out[i, j] = sum_a sum_b x[i + a, j + b] k[a, b]``.

    ``mode="valid"``: only positions where ``k`` lies inside ``x``, shape
    ``(H - KH + 1, W - KW + 1)``. ``mode="full"``: every overlap, i.e. ``x`` padded with
    ``KH - 1``/``KW - 1`` zeros on each side first, shape ``(H + KH - 1, W + KW - 1)``.
    This is what :func:`conv2d_forward` computes for ``N = C = F = 1`` (``full`` = ``pad = K - 1``).
    """
    x, k = _check_2d_pair(x, k, mode)
    kh, kw = k.shape
    if mode == "full":
        x = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw))  # (OH, OW, KH, KW)
    return np.einsum("ijab,ab->ij", windows, k)


def convolve2d(x, k, mode="valid"):
    """Single-channel true convolution, the lecture's ``Y[i,j] = sum_a sum_b X[i-a, j-b] W[a,b]``.

    Equal to ``correlate2d(x, flip180(k), mode)``; the same result and index range as
    ``scipy.signal.convolve2d(x, k, mode)``.
    """
    x, k = _check_2d_pair(x, k, mode)
    return correlate2d(x, k[::-1, ::-1], mode)


def conv_gradient_identities(x, k, dy):
    """Both conventions' gradient identities for one channel and one filter, as a dict.

    For a loss ``L`` with upstream gradient ``dy = dL/dY`` (shape of the valid output):

    Framework convention, ``Y = correlate2d(X, W, "valid")`` (what :func:`conv2d_forward` does):
        ``dL/dW = correlate2d(X, dL/dY, "valid")`` and
        ``dL/dX = convolve2d(dL/dY, W, "full") = correlate2d(dL/dY, flip180(W), "full")``.

    Lecture convention, ``Y = convolve2d(X, W, "valid")`` (``Y[i,j] = sum X[i-a,j-b] W[a,b]``):
        ``dL/dX = convolve2d(dL/dY, flip180(W), "full")`` (the slide's ``dL/dY * flip180(W)``) and
        ``dL/dW = convolve2d(flip180(X), dL/dY, "valid") = flip180(correlate2d(X, dL/dY, "valid"))``.

    Read every ``*`` on the slide as cross-correlation and both slide formulas are exact for
    the framework convention. Returns the right-hand sides, keyed by name; the tests
    compare each with the gradient of :func:`conv2d_forward` / a numerical gradient.
    """
    x = as_float_array("x", x, ndim=2)
    k = as_float_array("k", k, ndim=2)
    dy = as_float_array("dy", dy, ndim=2)
    expected = (x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1)
    check_shape("dy", dy, expected, why="the valid output of x and k")
    return {
        "framework_dW": correlate2d(x, dy, "valid"),
        "framework_dX": convolve2d(dy, k, "full"),
        "framework_dX_as_correlation": correlate2d(dy, flip180(k), "full"),
        "lecture_dX": convolve2d(dy, flip180(k), "full"),
        "lecture_dW": convolve2d(flip180(x), dy, "valid"),
        "lecture_dW_as_flipped_correlation": flip180(correlate2d(x, dy, "valid")),
    }


# ----------------------------------------------------------------------------- regions (for teaching/demos)

def input_pixel_region(i_in, j_in, in_shape, kernel_shape, stride=1, pad=0):
    """The region ``P``: every ``(i, j, a, b)`` such that output ``(i, j)`` reads input pixel
    ``(i_in, j_in)`` through kernel weight ``(a, b)``, i.e. ``iS + a = i_in + P`` and
    ``jS + b = j_in + P``. Returns a list of tuples (row-major in ``(i, j)``).

    ``dL/dX[i_in, j_in] = sum over this list of dL/dY[i, j] * W[a, b]``.
    """
    h, w = in_shape
    kh, kw = kernel_shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    if not (0 <= i_in < h and 0 <= j_in < w):
        raise ValueError(f"(i_in, j_in): expected a pixel inside the input {in_shape}, got {(i_in, j_in)}")
    region = []
    for i in range(oh):
        a = i_in + pad - i * stride
        if not 0 <= a < kh:
            continue
        for j in range(ow):
            bb = j_in + pad - j * stride
            if 0 <= bb < kw:
                region.append((i, j, a, bb))
    return region


def weight_footprint(a, b, in_shape, kernel_shape, stride=1, pad=0):
    """Every ``(i, j, i_in, j_in)`` such that weight ``W[a, b]`` multiplies padded-input pixel
    ``(i_in, j_in)`` (coordinates in the *unpadded* input; outside it the value is a zero of
    the padding) to make output ``(i, j)``. One entry per output pixel: a weight touches all of them.

    ``dL/dW[a, b] = sum over this list of dL/dY[i, j] * X[i_in, j_in]`` (padding terms are 0).
    """
    h, w = in_shape
    kh, kw = kernel_shape
    if not (0 <= a < kh and 0 <= b < kw):
        raise ValueError(f"(a, b): expected a weight inside the kernel {kernel_shape}, got {(a, b)}")
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    return [(i, j, i * stride + a - pad, j * stride + b - pad) for i in range(oh) for j in range(ow)]
