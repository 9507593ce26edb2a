"""The convolution layer, tuned: same results as :func:`course_utils.conv.conv2d_forward` / ``conv2d_backward``.

Read :mod:`course_utils.conv` for the mathematics; this module only makes the same im2col
products faster on a CPU (measurements: ``benchmarks/README.md``):

* the padded input is laid out channel-major, so the columns are one strided view and one copy;
* the bias rides along as a row of ones under the columns (``[w_rows | b] @ [cols; 1]``), so
  ``+ b`` and ``dL/db`` cost no pass of their own;
* small layers keep their columns for the backward pass (:class:`FastConvCache`); large ones
  work on chunks of images that stay in the CPU cache, in scratch arrays reused between calls;
* layers with few rows of columns do one product per image, in the layout of ``out``;
* a large batch is split between two threads, each with a one-thread BLAS.

The tests (``tests/test_fast_conv.py``) prove it equal to the readable version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_cache, check_conv_inputs, check_dout, check_finite_through
from ..conv import ConvCache, conv_output_size
from . import _parallel
from ._parallel import map_in_threads
from ._scratch import scratch as _scratch

__all__ = ["FastConvCache", "conv2d_forward", "conv2d_backward"]


@dataclass(frozen=True, eq=False)
class FastConvCache(ConvCache):
    """A :class:`~course_utils.conv.ConvCache` plus the columns the forward pass kept (small layers).

    ``columns`` holds ``(images, cols)`` pairs: the im2col columns (with the bias row) of the
    images ``x[images]``, or is empty when the backward pass rebuilds them.
    """

    columns: tuple = ()


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
    xp[:, :, pad : pad + h, pad : pad + w] = x.transpose(1, 0, 2, 3)
    return xp


def _im2col(xp, kh, kw, stride, oh, ow, fresh=False):
    """Columns ``cols[(c, a, b), (n, i, j)] = xp[c, n, iS + a, jS + b]`` and a last row of ones.

    Shape (C*KH*KW + 1, n*OH*OW). The row of ones is the *bias trick*: with ``w_aug = [w_rows | b]``
    (F, C*KH*KW + 1), ``w_aug @ cols = w_rows @ cols[:-1] + b``, and in the backward pass the
    same product that gives ``dL/dW`` gives ``dL/db = G @ 1`` as its last row, so neither
    needs a pass of its own over ``out`` or ``dout``.

    ``xp`` is channel-major (C, n, Hp, Wp). A strided view of ``xp`` indexed ``[c, a, b, n, i, j]``
    (read-only, no copy: stepping ``i`` moves ``S`` rows, stepping ``a`` moves one row) holds
    every column entry in place, and one copy lays it out (one long call: it matters when two
    threads share the GIL).
    ``fresh=True`` returns a new array (to keep in a cache) instead of the reused scratch array.
    """
    c, n = xp.shape[:2]
    rows, shape, width = c * kh * kw, (c, kh, kw, n, oh, ow), n * oh * ow
    cols = np.empty((rows + 1, width), xp.dtype) if fresh else _scratch("cols", (rows + 1, width), xp.dtype)
    cols[rows] = 1  # the bias trick
    s_c, s_n, s_h, s_w = xp.strides
    windows = np.lib.stride_tricks.as_strided(
        xp, shape=shape, strides=(s_c, s_h, s_w, s_n, stride * s_h, stride * s_w), writeable=False
    )
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
            dxp[:, :, a : a + stride * oh : stride, b : b + stride * ow : stride] += dcols[:, a, b]
    return dxp


_CHUNK_BYTES = 8 * 2**20  # im2col columns built per chunk of images: about this many bytes
_KEEP_COLS_BYTES = 16 * 2**20  # up to this size, the forward pass keeps the columns for the backward
# Below this many rows of cols (C*KH*KW), one product per image beats one product per chunk: it
# reads and writes dout and out in their own (n, F, OH*OW) layout, and the two transposing copies
# it saves cost more than a short product.
_PER_IMAGE_PRODUCTS_BELOW = 128


def _image_chunks(images, cols_bytes_per_image):
    """Slices of ``images`` (a slice of the batch) whose columns take about ``_CHUNK_BYTES`` each."""
    step = max(1, _CHUNK_BYTES // max(1, cols_bytes_per_image))
    return [slice(s, min(s + step, images.stop)) for s in range(images.start, images.stop, step)]


_THREAD_MIN_BYTES = 4 * 2**20  # layers with less im2col data than this stay in one thread


def _batch_parts(n, cols_bytes_per_image):
    """The batch split into one contiguous slice of images per worker thread.

    Each worker then runs the whole layer on its images, with a one-thread BLAS (see
    :func:`course_utils.fast._parallel.one_blas_thread`), as PyTorch splits a batch between its
    threads. A layer whose columns take less than ``_THREAD_MIN_BYTES`` runs in the calling
    thread, where only BLAS uses threads: its many short numpy calls would spend more time
    waiting for each other's GIL hand-overs than they save.
    """
    threads = min(_parallel.THREADS, n)
    if threads < 2 or n * cols_bytes_per_image < _THREAD_MIN_BYTES or _parallel.blas_controller() is None:
        return [slice(0, n)]
    size = -(-n // threads)
    return [slice(s, min(s + size, n)) for s in range(0, n, size)]


def conv2d_forward(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, FastConvCache]:
    """:func:`course_utils.conv.conv2d_forward`, tuned (same arguments, same result).

    ``[w_rows | b] @ [cols; 1]`` chunk by chunk of images. When the columns of the whole batch
    take at most 16 MB they are built once and the cache keeps them for the backward pass (as
    CS231n's ``conv_forward_im2col`` does); larger layers work in chunks of about 8 MB that stay
    in the CPU cache, and the backward pass rebuilds them. A layer with at least 4 MB of columns
    splits the batch between two threads (:func:`_batch_parts`); one with few rows of columns
    (``C*KH*KW < 128``) does one product per image, written straight into ``out[n]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, C, KH, KW)
    b : array_like, shape (F,)
    stride : int, default 1
    pad : int, default 0

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
    cache : FastConvCache
        For :func:`conv2d_backward` (or the readable one, which ignores the kept columns).
    """
    x, w, b, stride, pad = check_conv_inputs(x, w, b, stride, pad)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(wd, kw, stride, pad)
    w_aug = np.concatenate([w.reshape(f, c * kh * kw), b[:, None]], axis=1)  # [w_rows | b] (F, C*KH*KW + 1)
    out = np.empty((n, f, oh, ow), dtype=x.dtype)
    cols_bytes_per_image = c * kh * kw * oh * ow * x.itemsize
    keep = n * cols_bytes_per_image <= _KEEP_COLS_BYTES  # columns kept for the backward pass
    per_image = c * kh * kw < _PER_IMAGE_PRODUCTS_BELOW
    parts = _batch_parts(n, cols_bytes_per_image)

    def forward_part(part):
        """Forward pass of the images ``part``; returns the columns kept (or None)."""
        for chunk in [part] if keep else _image_chunks(part, cols_bytes_per_image):
            xp = _pad_channel_major(x[chunk], pad)  # (C, n, Hp, Wp)
            cols = _im2col(xp, kh, kw, stride, oh, ow, fresh=keep)  # (C*KH*KW + 1, n*OH*OW)
            m = chunk.stop - chunk.start
            if per_image:  # one product per image, written straight into out[n] (F, OH*OW)
                np.matmul(w_aug, cols.reshape(-1, m, oh * ow).transpose(1, 0, 2), out=out[chunk].reshape(m, f, oh * ow))
            else:  # one product for the chunk, then transposed into out
                y = np.matmul(w_aug, cols, out=_scratch("y", (f, cols.shape[1]), x.dtype))
                out[chunk] = y.reshape(f, m, oh, ow).transpose(1, 0, 2, 3)
        return cols if keep else None

    kept = map_in_threads(forward_part, parts, one_blas_thread_each=True)
    return out, FastConvCache(x, w, stride, pad, tuple(zip(parts, kept)) if keep else ())


def conv2d_backward(dout: ArrayLike, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`course_utils.conv.conv2d_backward`, tuned (same arguments, same result).

    ``[dw_rows | db] += G @ [cols; 1]^T`` over the chunks (the row of ones gives ``db``), and
    ``dcols = w_rows^T G`` added back onto the input by col2im, chunk by chunk; the columns come
    from the cache when the forward pass kept them.

    Parameters
    ----------
    dout : array_like, shape (N, F, OH, OW)
        Upstream gradient ``dL/dY``.
    cache : ConvCache
        From :func:`conv2d_forward` (a :class:`FastConvCache`) or the readable forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
    """
    cache = check_cache(cache, ConvCache, "conv2d_forward")
    x, w, stride, pad = cache.x, cache.w, cache.stride, cache.pad
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(wd, kw, stride, pad)
    dout = check_dout(dout, (n, f, oh, ow), "this layer's output (N, F, OH, OW)", dtype=x.dtype, finite=False)
    w_rows = w.reshape(f, c * kh * kw)
    cols_bytes_per_image = c * kh * kw * oh * ow * x.itemsize
    columns = cache.columns if isinstance(cache, FastConvCache) else ()
    parts = [images for images, _ in columns] or _batch_parts(n, cols_bytes_per_image)
    kept = [cols for _, cols in columns] or None
    dx = np.empty(x.shape, dtype=x.dtype)
    per_image = c * kh * kw < _PER_IMAGE_PRODUCTS_BELOW

    def backward_part(k: ArrayLike):
        """dx for the images ``parts[k]``; returns their share of [dL/dW | dL/db] (transposed)."""
        # A NaN or inf in dout is reported below, through db, with the entries it is at; it is not
        # also warned about on its way through the products ("invalid value", e.g. inf - inf).
        # (np.errstate holds for the thread that sets it: here, the worker.)
        with np.errstate(invalid="ignore"):
            dw_cols = np.zeros((c * kh * kw + 1, f), dtype=x.dtype)
            for chunk in [parts[k]] if kept is not None else _image_chunks(parts[k], cols_bytes_per_image):
                m = chunk.stop - chunk.start
                if kept is not None:
                    cols = kept[k]  # kept by the forward pass
                else:
                    cols = _im2col(_pad_channel_major(x[chunk], pad), kh, kw, stride, oh, ow)  # rebuilt
                dcols = _scratch("dcols", (c * kh * kw, cols.shape[1]), x.dtype)
                if per_image:  # dout[n] (F, OH*OW) used as it is, one product per image
                    g3 = dout[chunk].reshape(m, f, oh * ow)
                    cols3 = cols.reshape(-1, m, oh * ow).transpose(1, 0, 2)  # (n, C*KH*KW + 1, OH*OW)
                    dw_cols += np.matmul(cols3, g3.transpose(0, 2, 1)).sum(axis=0)
                    np.matmul(w_rows.T, g3, out=dcols.reshape(-1, m, oh * ow).transpose(1, 0, 2))
                else:
                    g = _scratch("g", (f, m, oh, ow), x.dtype)
                    g[...] = dout[chunk].transpose(1, 0, 2, 3)
                    g = g.reshape(f, -1)  # (F, n*OH*OW)
                    # cols @ g.T rather than g @ cols.T: the same product, and measurably faster with
                    # OpenBLAS when the long n*OH*OW axis is the inner dimension in this orientation
                    dw_cols += cols @ g.T
                    np.matmul(w_rows.T, g, out=dcols)
                dxp = _col2im(dcols, (c, m, h + 2 * pad, wd + 2 * pad), kh, kw, stride, oh, ow)  # (C, n, Hp, Wp)
                dx[chunk] = dxp[:, :, pad : pad + h, pad : pad + wd].transpose(1, 0, 2, 3)
            return dw_cols

    dw_cols = sum(map_in_threads(backward_part, list(range(len(parts))), one_blas_thread_each=True))
    db = dw_cols[-1].copy()
    check_finite_through(db, [("dout", dout)])  # every entry of dout is summed into db
    return dx, np.ascontiguousarray(dw_cols[:-1].T).reshape(w.shape), db
