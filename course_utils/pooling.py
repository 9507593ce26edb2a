"""Pooling layers: forward and backward passes (lecture 004, end of "Backpropagation in CNNs").

A pooling layer has no weights, so backpropagation only needs ``dL/dX``:

* **max pooling** remembers, for every window, the position of its winner (the *switch*); the
  backward pass routes each upstream gradient ``dL/dY[i, j]`` to that one input pixel and gives
  the others 0;
* **average pooling** shares ``dL/dY[i, j]`` equally: each of the ``size*size`` pixels of the
  window gets ``dL/dY[i, j] / size**2`` (divided by 4 for 2x2, by 9 for 3x3).

Shapes: ``x`` (N, C, H, W) -> ``out`` (N, C, OH, OW) with ``OH = (H - size) // stride + 1`` (no
padding; rows and columns that no window reaches get zero gradient). Any window size and stride,
overlapping windows included (3x3 with stride 2): where windows overlap, a pixel collects the
gradients of every window it belongs to.

**Ties.** When several entries of a window share the maximum, the gradient goes to the **first**
of them in row-major window order (left to right, then top to bottom), as PyTorch does. A max is
not differentiable at a tie; any one winner is a valid subgradient, but routing ``dL/dY`` to
*every* tied entry (the "mask of all maxima" rule of several well-known course codes, kept here
as :func:`max_pool_backward_all_maxima` to show what goes wrong) multiplies the gradient: after a
ReLU about 6% of 2x2 windows are all zeros, and such a window would pass 4x the gradient back.
(In conv -> ReLU -> pool the ReLU's zero derivative then kills that gradient, which hides the bug
in the most common architecture; with no such gate, e.g. integer activations, the weights'
gradients are wrong.)

Loop versions (``*_naive``) sit beside vectorized ones built on window views; the tuned max pool
is :mod:`course_utils.fast.pooling`. Tests prove all of them agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike

from ._checks import check_cache, check_dout, check_pool_inputs
from .conv import conv_output_size

__all__ = [
    "MaxPoolCache",
    "AvgPoolCache",
    "pool_output_size",
    "max_pool_forward",
    "max_pool_backward",
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "avg_pool_forward",
    "avg_pool_backward",
    "avg_pool_forward_naive",
    "avg_pool_backward_naive",
    "max_pool_switches",
    "max_pool_backward_all_maxima",
]


@dataclass(frozen=True, eq=False)
class MaxPoolCache:
    """What max pooling's backward pass needs: the input's shape and every window's switch."""

    x: np.ndarray  #: the layer's input (N, C, H, W)
    switches: np.ndarray  #: (N, C, OH, OW) integers: the winner's position ``q = a*size + b`` in its window
    size: int
    stride: int


@dataclass(frozen=True, eq=False)
class AvgPoolCache:
    """What average pooling's backward pass needs: the input, the window size and the stride."""

    x: np.ndarray  #: the layer's input (N, C, H, W)
    size: int
    stride: int


def pool_output_size(size_in: int, size: int, stride: int) -> int:
    """Pooling output size along one axis, ``(size_in - size) // stride + 1``.

    The lecture's ``(W1 - F)/S + 1``: :func:`~course_utils.conv.conv_output_size` with no padding.

    Parameters
    ----------
    size_in : int
        Input size (>= ``size``).
    size : int
        Window size.
    stride : int
        Step between windows.

    Returns
    -------
    int
    """
    return conv_output_size(size_in, size, stride, pad=0)


def _windows(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Every window of ``x`` (N, C, H, W), a view (N, C, OH, OW, size, size): ``[n,c,i,j,a,b] = x[n,c,iS+a,jS+b]``."""
    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]


def _dout(dout, cache: MaxPoolCache | AvgPoolCache) -> np.ndarray:
    n, c, h, w = cache.x.shape
    expected = (n, c, pool_output_size(h, cache.size, cache.stride), pool_output_size(w, cache.size, cache.stride))
    return check_dout(dout, expected, "this pooling layer's output (N, C, OH, OW)", dtype=cache.x.dtype)


# ----------------------------------------------------------------------------- max pooling


def max_pool_forward(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, MaxPoolCache]:
    """Max pooling, vectorized: ``Y[i, j] = max over the window R_ij of X``, and the window's switch.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int, default 2
        Window size (``size x size``), at most the image's height and width.
    stride : int, default 2
        Step between windows (``stride < size``: overlapping windows).

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
        ``OH = (H - size) // stride + 1``.
    cache : MaxPoolCache
        Holds the switches: for every window the position ``q = a*size + b`` of its winner,
        the first maximum in row-major window order.
    """
    x, size, stride = check_pool_inputs(x, size, stride)
    windows = _windows(x, size, stride)  # (N, C, OH, OW, size, size)
    out = windows.max(axis=(4, 5))
    switches = windows.reshape(*out.shape, size * size).argmax(axis=4)  # argmax: the first maximum
    return out, MaxPoolCache(x, switches, size, stride)


def _switch_rows_cols(cache: MaxPoolCache) -> tuple[np.ndarray, np.ndarray]:
    """Input row and column of every window's winner, each (N, C, OH, OW)."""
    oh, ow = cache.switches.shape[2:]
    a, b = np.divmod(cache.switches.astype(np.int64), cache.size)  # the winner inside its window
    rows = np.arange(oh)[:, None] * cache.stride + a
    cols = np.arange(ow)[None, :] * cache.stride + b
    return rows, cols


def max_pool_backward(dout: ArrayLike, cache: MaxPoolCache) -> np.ndarray:
    """Backward pass of max pooling: ``dL/dY[i, j]`` goes to its window's winner, 0 elsewhere.

    ``dL/dX[r, c] = sum over the windows (i, j) whose switch is (r, c) of dL/dY[i, j]`` (a sum
    because overlapping windows can share a winner).

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
        Upstream gradient ``dL/dY``.
    cache : MaxPoolCache
        From :func:`max_pool_forward` (or its naive or fast version).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        In the dtype of the layer's input.
    """
    cache = check_cache(cache, MaxPoolCache, "max_pool_forward")
    dout = _dout(dout, cache)
    n, c = dout.shape[:2]
    rows, cols = _switch_rows_cols(cache)
    images, channels = np.indices((n, c))[:, :, :, None, None]
    dx = np.zeros(cache.x.shape, dtype=dout.dtype)
    np.add.at(dx, (images, channels, rows, cols), dout)  # dL/dX[switch(i, j)] += dL/dY[i, j]
    return dx


def max_pool_switches(cache: MaxPoolCache) -> np.ndarray:
    """Input coordinates of every window's winner.

    Parameters
    ----------
    cache : MaxPoolCache
        From any max pooling forward pass.

    Returns
    -------
    ndarray of int64, shape (N, C, OH, OW, 2)
        ``(row, col)`` of each window's switch in the input.
    """
    cache = check_cache(cache, MaxPoolCache, "max_pool_forward")
    return np.stack(_switch_rows_cols(cache), axis=-1)


def max_pool_backward_all_maxima(dout: ArrayLike, x: ArrayLike, size: int = 2, stride: int = 2) -> np.ndarray:
    """The **wrong** tie rule, for teaching: every entry equal to its window's max gets ``dL/dY``.

    Agrees with :func:`max_pool_backward` on tie-free inputs. On a tied window it hands the
    gradient to each tied entry, so the total gradient leaving the window is multiplied by the
    number of ties (4x for an all-zero 2x2 window after a ReLU). Do not train with it.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
    x : array_like, shape (N, C, H, W)
        The pooling layer's input.
    size, stride : int

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    out, cache = max_pool_forward(x, size, stride)
    dout = _dout(dout, cache)
    x, (oh, ow) = cache.x, out.shape[2:]
    dx = np.zeros(x.shape, dtype=x.dtype)
    for a in range(size):
        for b in range(size):
            entry = (slice(None), slice(None), slice(a, a + stride * oh, stride), slice(b, b + stride * ow, stride))
            dx[entry] += np.where(x[entry] == out, dout, 0.0)
    return dx


def max_pool_forward_naive(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, MaxPoolCache]:
    """Max pooling, one window at a time: ``out = window.max()``, switch ``= np.argmax(window)``.

    Parameters and returns as :func:`max_pool_forward`.
    """
    x, size, stride = check_pool_inputs(x, size, stride)
    n_img, n_chan, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n_img, n_chan, oh, ow), dtype=x.dtype)
    switches = np.zeros((n_img, n_chan, oh, ow), dtype=np.int64)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    out[n, c, i, j] = window.max()
                    switches[n, c, i, j] = np.argmax(window)  # the first maximum in row-major order
    return out, MaxPoolCache(x, switches, size, stride)


def max_pool_backward_naive(dout: ArrayLike, cache: MaxPoolCache) -> np.ndarray:
    """Backward pass of max pooling, one window at a time: add ``dL/dY[i, j]`` to ``dx`` at the switch.

    Parameters and returns as :func:`max_pool_backward`.
    """
    cache = check_cache(cache, MaxPoolCache, "max_pool_forward_naive")
    dout = _dout(dout, cache)
    size, stride = cache.size, cache.stride
    n_img, n_chan, oh, ow = dout.shape
    dx = np.zeros(cache.x.shape, dtype=dout.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    a, b = divmod(int(cache.switches[n, c, i, j]), size)
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx


# ----------------------------------------------------------------------------- average pooling


def avg_pool_forward(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, AvgPoolCache]:
    """Average pooling, vectorized: ``Y[n,c,i,j] = (1/size**2) sum_{a,b} X[n, c, iS + a, jS + b]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int, default 2
    stride : int, default 2

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
    cache : AvgPoolCache
    """
    x, size, stride = check_pool_inputs(x, size, stride)
    out = _windows(x, size, stride).sum(axis=(4, 5)) / (size * size)
    return out, AvgPoolCache(x, size, stride)


def avg_pool_backward(dout: ArrayLike, cache: AvgPoolCache) -> np.ndarray:
    """Backward pass of average pooling: each pixel of window ``(i, j)`` gets ``dL/dY[i, j] / size**2``.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
    cache : AvgPoolCache
        From :func:`avg_pool_forward` (or its naive or fast version).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    cache = check_cache(cache, AvgPoolCache, "avg_pool_forward")
    dout = _dout(dout, cache)
    size, stride = cache.size, cache.stride
    oh, ow = dout.shape[2:]
    share = dout / (size * size)
    dx = np.zeros(cache.x.shape, dtype=dout.dtype)
    for a in range(size):
        for b in range(size):  # entry (a, b) of every window at once
            dx[:, :, a : a + stride * oh : stride, b : b + stride * ow : stride] += share
    return dx


def avg_pool_forward_naive(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, AvgPoolCache]:
    """Average pooling, one window at a time: ``out = window.sum() / size**2``.

    Parameters and returns as :func:`avg_pool_forward`.
    """
    x, size, stride = check_pool_inputs(x, size, stride)
    n_img, n_chan, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n_img, n_chan, oh, ow), dtype=x.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride : i * stride + size, j * stride : j * stride + size]
                    out[n, c, i, j] = window.sum() / (size * size)
    return out, AvgPoolCache(x, size, stride)


def avg_pool_backward_naive(dout: ArrayLike, cache: AvgPoolCache) -> np.ndarray:
    """Backward pass of average pooling, one window at a time: share each ``dL/dY[i, j]`` over its window.

    Parameters and returns as :func:`avg_pool_backward`.
    """
    cache = check_cache(cache, AvgPoolCache, "avg_pool_forward_naive")
    dout = _dout(dout, cache)
    size, stride = cache.size, cache.stride
    n_img, n_chan, oh, ow = dout.shape
    dx = np.zeros(cache.x.shape, dtype=dout.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    for a in range(size):
                        for b in range(size):
                            dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j] / (size * size)
    return dx
