"""Convolution layer: forward and backward passes (lecture 004, "Backpropagation in CNNs").

Shapes: ``x`` (N, C, H, W), ``w`` (F, C, KH, KW), ``b`` (F,), output (N, F, OH, OW) with
``OH = (H - KH + 2P) // S + 1`` (the lecture's ``(W1 - F + 2P)/S + 1``; 32x32x3 with six
5x5x3 filters gives 28x28x6).

**Cross-correlation, as every framework computes it**::

    Y[n, f, i, j] = b[f] + sum_c sum_a sum_b  Xp[n, c, iS + a, jS + b] W[f, c, a, b]

where ``Xp`` is ``X`` with ``P`` rows and columns of zeros on every side. The lecture writes
true convolution, ``Y[i,j] = sum_a sum_b X[i-a, j-b] W[a,b]``; the two differ by a 180-degree
flip of the kernel (``convolve2d(x, k) == correlate2d(x, flip180(k))``), and a learned kernel
does not care which convention trained it.

Two versions, tested to agree:

* :func:`conv2d_forward_naive` / :func:`conv2d_backward_naive`: loops that are the lecture's sums,
  ``dL/dW = X ⋆ dL/dY`` (one weight touches every output) and ``dL/dX = dL/dY ⋆ flip180(W)``
  summed over the region ``P`` of outputs an input pixel touches;
* :func:`conv2d_forward` / :func:`conv2d_backward`: the same sums vectorized with im2col, one
  matrix product forward and two backward (as CS231n's ``conv_backward_im2col``).

The tuned version (chunks that stay in the CPU cache, two threads, scratch buffers, the bias
row) is :mod:`course_utils.fast.conv`, tested equal to this one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from ._checks import (
    as_float_array,
    check_cache,
    check_choice,
    check_conv_inputs,
    check_dout,
    check_positive_int,
    check_shape,
)

__all__ = [
    "ConvCache",
    "conv_output_size",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_forward_naive",
    "conv2d_backward_naive",
    "im2col",
    "col2im",
    "correlate2d",
    "convolve2d",
    "flip180",
    "conv_gradient_identities",
    "input_pixel_region",
    "weight_footprint",
]


@dataclass(frozen=True, eq=False)
class ConvCache:
    """What a convolution layer's backward pass needs from its forward pass.

    The cache keeps references to ``x`` and ``w`` (it does not copy them): do not change them
    in place between the forward and the backward pass.
    """

    x: np.ndarray  #: the layer's input (N, C, H, W)
    w: np.ndarray  #: the filters (F, C, KH, KW)
    stride: int
    pad: int


def conv_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    """Output size of a convolution or pooling window along one axis: the lecture's ``(W1 - F + 2P)/S + 1``.

    Parameters
    ----------
    size : int
        Input size ``W1`` (>= 1).
    kernel : int
        Kernel (or window) size ``F``, at most ``size + 2 * pad``.
    stride : int, default 1
        Step ``S`` between windows (>= 1).
    pad : int, default 0
        Zeros ``P`` added on each side (>= 0).

    Returns
    -------
    int
        ``floor((size - kernel + 2 pad) / stride) + 1``.
    """
    size = check_positive_int("size", size)
    kernel = check_positive_int("kernel", kernel)
    stride = check_positive_int("stride", stride)
    pad = check_positive_int("pad", pad, minimum=0)
    if kernel > size + 2 * pad:
        raise ValueError(
            f"kernel: expected at most the padded input size {size} + 2*{pad} = {size + 2 * pad}, got {kernel}"
        )
    return (size - kernel + 2 * pad) // stride + 1


def _output_shape(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[int, int, int, int]:
    """(N, F, OH, OW) of the layer's output."""
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    return n, f, conv_output_size(h, kh, stride, pad), conv_output_size(wd, kw, stride, pad)


def _zero_pad(x: np.ndarray, pad: int) -> np.ndarray:
    """``Xp``: ``x`` (N, C, H, W) with ``pad`` rows and columns of zeros on every side."""
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


# ----------------------------------------------------------------------------- naive loops


def conv2d_forward_naive(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, ConvCache]:
    """Convolution layer forward pass, one output pixel at a time (the lecture's sum).

    ``Y[n,f,i,j] = b[f] + sum_{c,a,b} Xp[n,c,iS+a,jS+b] W[f,c,a,b]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input images.
    w : array_like, shape (F, C, KH, KW)
        Filters.
    b : array_like, shape (F,)
        One bias per filter.
    stride : int, default 1
    pad : int, default 0

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        In the common float dtype of the inputs (float32 stays float32; integers become float64).
    cache : ConvCache
        For :func:`conv2d_backward_naive` (or :func:`conv2d_backward`).
    """
    x, w, b, stride, pad = check_conv_inputs(x, w, b, stride, pad)
    n_img, n_filt, oh, ow = _output_shape(x, w, stride, pad)
    _, n_chan, kh, kw = w.shape
    xp = _zero_pad(x, pad)
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
    return out, ConvCache(x, w, stride, pad)


def conv2d_backward_naive(dout: ArrayLike, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convolution layer backward pass, written as the lecture's sums.

    * ``dL/dW[f,c,a',b'] = sum_n sum_i sum_j dL/dY[n,f,i,j] Xp[n,c,iS+a',jS+b']``: one weight
      touches **every** output pixel.
    * ``dL/dX[n,c,i',j'] = sum_{(i,j,a,b) in P} sum_f dL/dY[n,f,i,j] W[f,c,a,b]``: one input pixel
      touches only the region ``P`` of outputs whose window covers it, the ``(i, j, a, b)`` with
      ``iS + a = i' + P`` and ``jS + b = j' + P``.
    * ``dL/db[f] = sum_n sum_i sum_j dL/dY[n,f,i,j]``.

    Parameters
    ----------
    dout : array_like, shape (N, F, OH, OW)
        Upstream gradient ``dL/dY``.
    cache : ConvCache
        From :func:`conv2d_forward_naive` or :func:`conv2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
        All in the dtype of the layer's input.
    """
    cache = check_cache(cache, ConvCache, "conv2d_forward_naive or conv2d_forward")
    x, w, stride, pad = cache.x, cache.w, cache.stride, cache.pad
    n_img, n_chan, h, wd = x.shape
    n_filt, _, kh, kw = w.shape
    out_shape = _output_shape(x, w, stride, pad)
    oh, ow = out_shape[2:]
    dout = check_dout(dout, out_shape, "this layer's output (N, F, OH, OW)", dtype=x.dtype)
    xp = _zero_pad(x, pad)

    db = np.zeros(n_filt, dtype=x.dtype)
    for f in range(n_filt):
        for n in range(n_img):
            for i in range(oh):
                for j in range(ow):
                    db[f] += dout[n, f, i, j]

    dw = np.zeros(w.shape, dtype=x.dtype)
    for f in range(n_filt):
        for c in range(n_chan):
            for a in range(kh):
                for bb in range(kw):
                    for n in range(n_img):
                        for i in range(oh):
                            for j in range(ow):
                                dw[f, c, a, bb] += dout[n, f, i, j] * xp[n, c, i * stride + a, j * stride + bb]

    dx = np.zeros(x.shape, dtype=x.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for ip in range(h):
                for jp in range(wd):
                    # the region P: every (a, b) whose output (i, j) exists and reads (ip, jp)
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


# ----------------------------------------------------------------------------- vectorized (im2col)


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """Every receptive field of ``x`` as one column: ``cols[(c, a, b), (n, i, j)] = Xp[n, c, iS+a, jS+b]``.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kh, kw : int
        Kernel height and width.
    stride, pad : int

    Returns
    -------
    cols : ndarray, shape (C*KH*KW, N*OH*OW)
        Rows ordered like ``w.reshape(F, -1)``'s columns, columns like ``(n, i, j)``.
    """
    c = x.shape[1]
    windows = sliding_window_view(_zero_pad(x, pad), (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    # windows[n, c, i, j, a, b] = Xp[n, c, iS + a, jS + b]
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, -1)


def col2im(dcols: np.ndarray, x_shape: tuple, kh: int, kw: int, stride: int = 1, pad: int = 0) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column entry back onto the pixel it was read from.

    For one pixel this sums over the region ``P`` of outputs whose window covers it.

    Parameters
    ----------
    dcols : ndarray, shape (C*KH*KW, N*OH*OW)
    x_shape : tuple
        (N, C, H, W) of the layer's input.
    kh, kw, stride, pad : int
        As given to :func:`im2col`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    dcols = dcols.reshape(c, kh, kw, n, oh, ow)
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dcols.dtype)
    for a in range(kh):
        for b in range(kw):  # kernel offset (a, b) read Xp[:, :, iS + a, jS + b] for every (i, j)
            dxp[:, :, a : a + stride * oh : stride, b : b + stride * ow : stride] += dcols[:, a, b].transpose(
                1, 0, 2, 3
            )
    return dxp[:, :, pad : pad + h, pad : pad + w]


def conv2d_forward(
    x: ArrayLike, w: ArrayLike, b: ArrayLike, stride: int = 1, pad: int = 0
) -> tuple[np.ndarray, ConvCache]:
    """Convolution layer forward pass (cross-correlation, zero padding), vectorized with im2col.

    ``Y = W_rows @ cols + b``: with every receptive field in a column of ``cols``
    (:func:`im2col`), each output pixel is one row of ``W_rows = w.reshape(F, C*KH*KW)`` times
    one column.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input images.
    w : array_like, shape (F, C, KH, KW)
        Filters.
    b : array_like, shape (F,)
        One bias per filter.
    stride : int, default 1
    pad : int, default 0

    Returns
    -------
    out : ndarray, shape (N, F, OH, OW)
        ``OH = (H - KH + 2 pad) // stride + 1``; in the common float dtype of the inputs.
    cache : ConvCache
        For :func:`conv2d_backward`.

    Raises
    ------
    ValueError
        Wrong ranks, a channel mismatch, a kernel larger than the padded input, a
        non-positive stride, a negative pad, non-finite values.
    """
    x, w, b, stride, pad = check_conv_inputs(x, w, b, stride, pad)
    n, f, oh, ow = _output_shape(x, w, stride, pad)
    cols = im2col(x, w.shape[2], w.shape[3], stride, pad)  # (C*KH*KW, N*OH*OW)
    y = w.reshape(f, -1) @ cols + b[:, None]  # Y = W_rows cols + b, (F, N*OH*OW)
    out = y.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)
    return np.ascontiguousarray(out), ConvCache(x, w, stride, pad)


def conv2d_backward(dout: ArrayLike, cache: ConvCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convolution layer backward pass, vectorized: im2col and three products.

    With ``G = dL/dY`` laid out as (F, N*OH*OW), like the forward product's output:

    * ``dL/db = G 1``: each bias collects every output of its filter;
    * ``dL/dW_rows = G cols^T``: the lecture's ``dL/dW = X ⋆ dL/dY``, one weight touching every output;
    * ``dL/dcols = W_rows^T G``, and :func:`col2im` adds each entry back onto the pixel it was
      read from: the sum over the region ``P``, the lecture's ``dL/dX = dL/dY ⋆ flip180(W)``.

    Parameters
    ----------
    dout : array_like, shape (N, F, OH, OW)
        Upstream gradient ``dL/dY``.
    cache : ConvCache
        From :func:`conv2d_forward` (or :func:`conv2d_forward_naive`).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
        All in the dtype of the layer's input.
    """
    cache = check_cache(cache, ConvCache, "conv2d_forward")
    x, w, stride, pad = cache.x, cache.w, cache.stride, cache.pad
    f, _, kh, kw = w.shape
    dout = check_dout(dout, _output_shape(x, w, stride, pad), "this layer's output (N, F, OH, OW)", dtype=x.dtype)
    g = dout.transpose(1, 0, 2, 3).reshape(f, -1)  # G = dL/dY, (F, N*OH*OW)
    cols = im2col(x, kh, kw, stride, pad)  # (C*KH*KW, N*OH*OW)
    db = g.sum(axis=1)  # dL/db = G 1
    dw = (g @ cols.T).reshape(w.shape)  # dL/dW = X ⋆ dL/dY
    dcols = w.reshape(f, -1).T @ g
    dx = col2im(dcols, x.shape, kh, kw, stride, pad)  # the sum over the region P: dL/dX = dL/dY ⋆ flip180(W)
    return dx, dw, db


# ----------------------------------------------------------------------------- single channel


def flip180(k: ArrayLike) -> np.ndarray:
    """Rotate a 2-D kernel by 180 degrees: ``flip180(k)[a, b] = k[KH-1-a, KW-1-b]``.

    Parameters
    ----------
    k : array_like, shape (KH, KW)

    Returns
    -------
    ndarray, shape (KH, KW)
        A new array.
    """
    k = as_float_array("k", k, ndim=2)
    return k[::-1, ::-1].copy()


def _check_2d_pair(x, k, mode: str) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array("x", x, ndim=2)
    k = as_float_array("k", k, ndim=2)
    check_choice("mode", mode, ("valid", "full"))
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(f"k: expected a kernel no larger than x {x.shape} for mode='valid', got {k.shape}")
    if 0 in x.shape or 0 in k.shape:
        raise ValueError(f"x, k: expected non-empty arrays, got {x.shape} and {k.shape}")
    return x, k


def correlate2d(x: ArrayLike, k: ArrayLike, mode: str = "valid") -> np.ndarray:
    """Single-channel cross-correlation ``out[i, j] = sum_a sum_b x[i + a, j + b] k[a, b]``.

    This is what :func:`conv2d_forward` computes for ``N = C = F = 1`` (``"full"`` is ``pad = K - 1``).

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    mode : {"valid", "full"}
        ``"valid"``: only positions where ``k`` lies inside ``x``; ``"full"``: every overlap
        (``x`` padded with ``KH - 1`` / ``KW - 1`` zeros on each side first).

    Returns
    -------
    ndarray
        Shape (H - KH + 1, W - KW + 1) for ``"valid"``, (H + KH - 1, W + KW - 1) for ``"full"``.
    """
    x, k = _check_2d_pair(x, k, mode)
    kh, kw = k.shape
    if mode == "full":
        x = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    windows = sliding_window_view(x, (kh, kw))  # (OH, OW, KH, KW)
    return np.einsum("ijab,ab->ij", windows, k)


def convolve2d(x: ArrayLike, k: ArrayLike, mode: str = "valid") -> np.ndarray:
    """Single-channel true convolution, the lecture's ``Y[i,j] = sum_a sum_b X[i-a, j-b] W[a,b]``.

    Equal to ``correlate2d(x, flip180(k), mode)``, with the result and index range of
    ``scipy.signal.convolve2d(x, k, mode)``.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    mode : {"valid", "full"}

    Returns
    -------
    ndarray
        Shape as for :func:`correlate2d`.
    """
    x, k = _check_2d_pair(x, k, mode)
    return correlate2d(x, k[::-1, ::-1], mode)


def conv_gradient_identities(x: ArrayLike, k: ArrayLike, dy: ArrayLike) -> dict[str, np.ndarray]:
    """Both conventions' gradient identities for one channel and one filter.

    For a loss ``L`` with upstream gradient ``dy = dL/dY`` (shape of the valid output):

    Framework convention, ``Y = correlate2d(X, W, "valid")`` (what :func:`conv2d_forward` does):
        ``dL/dW = correlate2d(X, dL/dY, "valid")`` and
        ``dL/dX = convolve2d(dL/dY, W, "full") = correlate2d(dL/dY, flip180(W), "full")``.

    Lecture convention, ``Y = convolve2d(X, W, "valid")`` (``Y[i,j] = sum X[i-a,j-b] W[a,b]``):
        ``dL/dX = convolve2d(dL/dY, flip180(W), "full")`` (the slide's ``dL/dY * flip180(W)``) and
        ``dL/dW = convolve2d(flip180(X), dL/dY, "valid") = flip180(correlate2d(X, dL/dY, "valid"))``.

    Read every ``*`` on the slide as cross-correlation and both slide formulas are exact for
    the framework convention.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    dy : array_like, shape (H - KH + 1, W - KW + 1)

    Returns
    -------
    dict of str to ndarray
        The right-hand sides, keyed ``framework_dW``, ``framework_dX``,
        ``framework_dX_as_correlation``, ``lecture_dX``, ``lecture_dW``,
        ``lecture_dW_as_flipped_correlation``.
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


# ----------------------------------------------------------------------------- regions (for teaching and demos)


def input_pixel_region(
    i_in: int, j_in: int, in_shape: tuple, kernel_shape: tuple, stride: int = 1, pad: int = 0
) -> list[tuple[int, int, int, int]]:
    """The region ``P`` of input pixel ``(i_in, j_in)``: the outputs that read it, and through which weight.

    ``dL/dX[i_in, j_in] = sum over this list of dL/dY[i, j] W[a, b]``.

    Parameters
    ----------
    i_in, j_in : int
        The pixel, in the unpadded input.
    in_shape : tuple
        (H, W) of the input.
    kernel_shape : tuple
        (KH, KW).
    stride, pad : int

    Returns
    -------
    list of (i, j, a, b)
        Every output ``(i, j)`` and weight ``(a, b)`` with ``iS + a = i_in + P`` and
        ``jS + b = j_in + P``, row-major in ``(i, j)``.
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


def weight_footprint(
    a: int, b: int, in_shape: tuple, kernel_shape: tuple, stride: int = 1, pad: int = 0
) -> list[tuple[int, int, int, int]]:
    """Every output of weight ``W[a, b]`` and the input pixel it multiplies there: a weight touches all outputs.

    ``dL/dW[a, b] = sum over this list of dL/dY[i, j] X[i_in, j_in]`` (padding terms are 0).

    Parameters
    ----------
    a, b : int
        The weight's position in the kernel.
    in_shape : tuple
        (H, W) of the input.
    kernel_shape : tuple
        (KH, KW).
    stride, pad : int

    Returns
    -------
    list of (i, j, i_in, j_in)
        One entry per output pixel; ``(i_in, j_in)`` in the unpadded input's coordinates
        (outside it the value read is a zero of the padding).
    """
    h, w = in_shape
    kh, kw = kernel_shape
    if not (0 <= a < kh and 0 <= b < kw):
        raise ValueError(f"(a, b): expected a weight inside the kernel {kernel_shape}, got {(a, b)}")
    oh, ow = conv_output_size(h, kh, stride, pad), conv_output_size(w, kw, stride, pad)
    return [(i, j, i * stride + a - pad, j * stride + b - pad) for i in range(oh) for j in range(ow)]
