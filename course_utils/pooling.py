"""Pooling layers: forward and backward passes (lecture 004, end of "Backpropagation in CNNs").

A pooling layer has no weights, so backpropagation only needs ``dL/dX``:

* **max pooling** remembers, for every window, the position of its winner (the
  *switch*); the backward pass routes each upstream gradient ``dL/dY[i, j]`` to that
  one input pixel and gives the others 0;
* **average pooling** shares ``dL/dY[i, j]`` equally: each of the ``size*size`` pixels
  of the window gets ``dL/dY[i, j] / size**2`` (divided by 4 for 2x2, by 9 for 3x3).

Shapes: ``x`` (N, C, H, W) -> ``out`` (N, C, OH, OW) with
``OH = (H - size) // stride + 1`` (no padding; rows/columns that no window reaches
get zero gradient). Any window size and stride, overlapping windows included
(e.g. 3x3 with stride 2): where windows overlap, a pixel collects the gradients of
every window it belongs to.

**Ties.** When several entries of a window share the maximum, the gradient goes to
the **first** of them in row-major window order (left to right, then top to
bottom), exactly as PyTorch does. A max is not differentiable at a tie; any one
winner is a valid subgradient, but routing ``dL/dY`` to *every* tied entry (the
"mask of all maxima" rule of several well-known course codes, kept here as
:func:`max_pool_backward_all_maxima` to show what goes wrong) multiplies the
gradient: after a ReLU about 6% of 2x2 windows are all zeros, and such a window
would pass 4x the gradient back.

Naive loop versions sit beside the fast ones; tests prove they agree.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_positive_int, check_shape

__all__ = [
    "pool_output_size",
    "max_pool_forward", "max_pool_backward",
    "max_pool_forward_naive", "max_pool_backward_naive",
    "avg_pool_forward", "avg_pool_backward",
    "avg_pool_forward_naive", "avg_pool_backward_naive",
    "max_pool_switches", "max_pool_backward_all_maxima",
]


def pool_output_size(size_in: int, size: int, stride: int) -> int:
    """``(size_in - size) // stride + 1``: the lecture's ``(W1 - F)/S + 1`` with no padding."""
    return (size_in - size) // stride + 1


def _check_pool_inputs(x, size, stride):
    x = as_float_array("x", x, ndim=4)
    size = check_positive_int("size", size)
    stride = check_positive_int("stride", stride)
    h, w = x.shape[2:]
    if size > h or size > w:
        raise ValueError(f"size: expected a window no larger than the input's {h}x{w} (x of shape "
                         f"{x.shape}), got {size}x{size}")
    if 0 in x.shape:
        raise ValueError(f"x: expected a non-empty array, got shape {x.shape}")
    return x, size, stride


def _check_dout(dout, x_shape, size, stride):
    n, c, h, w = x_shape
    expected = (n, c, pool_output_size(h, size, stride), pool_output_size(w, size, stride))
    dout = as_float_array("dout", dout, ndim=4)
    check_shape("dout", dout, expected, why="the shape of this pooling layer's output (N, C, OH, OW)")
    return dout


def _window(x_or_dx, a, b, size, stride, oh, ow):
    """The strided view of every window's entry ``(a, b)``: shape (N, C, OH, OW)."""
    return x_or_dx[:, :, a:a + stride * oh:stride, b:b + stride * ow:stride]


# ----------------------------------------------------------------------------- max pooling, fast

def max_pool_forward(x, size=2, stride=2):
    """Max pooling over ``size x size`` windows moved by ``stride`` (vectorized).

    ``x`` (N, C, H, W) -> ``out`` (N, C, OH, OW), ``OH = (H - size) // stride + 1``.
    Returns ``(out, cache)``; the cache holds the switches: for each window, the
    row-major index ``a * size + b`` of its first maximum.

    Method: one pass over the ``size**2`` window offsets; each step compares a strided
    view of ``x`` with the running maximum. A strict ``>`` keeps the earlier entry on a
    tie, which is what makes the winner the first maximum in row-major order.
    """
    x, size, stride = _check_pool_inputs(x, size, stride)
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = _window(x, 0, 0, size, stride, oh, ow).copy()
    switch = np.zeros((n, c, oh, ow), dtype=np.int16 if size * size > 127 else np.int8)
    better = np.empty((n, c, oh, ow), dtype=bool)
    for k in range(1, size * size):
        view = _window(x, k // size, k % size, size, stride, oh, ow)
        np.greater(view, out, out=better)
        np.maximum(out, view, out=out)
        np.putmask(switch, better, k)
    return out, (x.shape, switch, size, stride)


def max_pool_backward(dout, cache):
    """Backward pass of :func:`max_pool_forward`: ``dL/dY[i, j]`` goes to its window's switch.

    ``dout`` (N, C, OH, OW) -> ``dx`` (N, C, H, W). Overlapping windows add up where they share
    a winner.
    """
    x_shape, switch, size, stride = cache
    dout = _check_dout(dout, x_shape, size, stride)
    oh, ow = switch.shape[2:]
    n, c, h, w = x_shape
    tiles_exactly = stride == size and h == oh * size and w == ow * size
    # when the windows tile the input exactly, every pixel is written once below
    dx = np.empty(x_shape, dtype=dout.dtype) if tiles_exactly else np.zeros(x_shape, dtype=dout.dtype)
    for k in range(size * size):
        target = _window(dx, k // size, k % size, size, stride, oh, ow)
        if stride >= size:  # disjoint windows: write dout where this offset won, 0 elsewhere
            np.multiply(dout, switch == k, out=target)
        else:  # overlapping windows: a pixel collects from every window it won
            target += dout * (switch == k)
    return dx


def max_pool_switches(cache):
    """Input coordinates of every window's winner: integer array (N, C, OH, OW, 2) of (row, col).

    Works with the cache of :func:`max_pool_forward` or :func:`max_pool_forward_naive`.
    """
    x_shape, switch, size, stride = _switches_from_cache(cache)
    oh, ow = switch.shape[2:]
    rows = np.arange(oh)[:, None] * stride + switch // size
    cols = np.arange(ow)[None, :] * stride + switch % size
    return np.stack([rows, cols], axis=-1).astype(np.int64)


def _switches_from_cache(cache):
    if len(cache) == 4:
        return cache
    x, size, stride = cache  # naive cache: recompute the switches with the naive rule
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    switch = np.zeros((n, c, oh, ow), dtype=np.int64)
    for idx in np.ndindex(n, c, oh, ow):
        i, j = idx[2:]
        switch[idx] = np.argmax(x[idx[0], idx[1], i * stride:i * stride + size, j * stride:j * stride + size])
    return x.shape, switch, size, stride


def max_pool_backward_all_maxima(dout, x, size=2, stride=2):
    """The **wrong** tie rule, for teaching: every entry equal to its window's max gets ``dL/dY``.

    Agrees with :func:`max_pool_backward` on tie-free inputs. On a tied window it hands the
    gradient to each tied entry, so the total gradient leaving the window is multiplied by
    the number of ties (4x for an all-zero 2x2 window after a ReLU). Do not train with it.
    """
    x, size, stride = _check_pool_inputs(x, size, stride)
    out, _ = max_pool_forward(x, size, stride)
    dout = _check_dout(dout, x.shape, size, stride)
    oh, ow = out.shape[2:]
    dx = np.zeros(x.shape)
    for k in range(size * size):
        view = _window(x, k // size, k % size, size, stride, oh, ow)
        _window(dx, k // size, k % size, size, stride, oh, ow)[...] += np.where(view == out, dout, 0.0)
    return dx


# ----------------------------------------------------------------------------- max pooling, naive

def max_pool_forward_naive(x, size=2, stride=2):
    """Loop version of :func:`max_pool_forward`: one window at a time, ``out = window.max()``."""
    x, size, stride = _check_pool_inputs(x, size, stride)
    n_img, n_chan, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n_img, n_chan, oh, ow), dtype=x.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    out[n, c, i, j] = window.max()
    return out, (x, size, stride)


def max_pool_backward_naive(dout, cache):
    """Loop version of :func:`max_pool_backward`.

    For each window: find the switch ``(a, b)`` with ``np.argmax`` (which returns the first
    maximum in row-major order) and add ``dL/dY[i, j]`` to ``dx`` at that input pixel.
    """
    x, size, stride = cache
    dout = _check_dout(dout, x.shape, size, stride)
    n_img, n_chan, oh, ow = dout.shape
    dx = np.zeros(x.shape)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx


# ----------------------------------------------------------------------------- average pooling

def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: ``out[n,c,i,j] = (1/size**2) sum_{a,b} x[n, c, iS + a, jS + b]``.

    ``x`` (N, C, H, W) -> ``out`` (N, C, OH, OW). Returns ``(out, cache)``.
    """
    x, size, stride = _check_pool_inputs(x, size, stride)
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for a in range(size):
        for b in range(size):
            out += _window(x, a, b, size, stride, oh, ow)
    out /= size * size
    return out, (x.shape, size, stride)


def avg_pool_backward(dout, cache):
    """Backward pass of :func:`avg_pool_forward`: each window pixel gets ``dL/dY[i, j] / size**2``."""
    x_shape, size, stride = cache
    dout = _check_dout(dout, x_shape, size, stride)
    oh, ow = dout.shape[2:]
    share = dout / (size * size)
    dx = np.zeros(x_shape, dtype=dout.dtype)
    for a in range(size):
        for b in range(size):
            _window(dx, a, b, size, stride, oh, ow)[...] += share
    return dx


def avg_pool_forward_naive(x, size=2, stride=2):
    """Loop version of :func:`avg_pool_forward`: ``out = window.sum() / size**2``."""
    x, size, stride = _check_pool_inputs(x, size, stride)
    n_img, n_chan, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n_img, n_chan, oh, ow), dtype=x.dtype)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    out[n, c, i, j] = window.sum() / (size * size)
    return out, (x.shape, size, stride)


def avg_pool_backward_naive(dout, cache):
    """Loop version of :func:`avg_pool_backward`: share each ``dL/dY[i, j]`` over its window."""
    x_shape, size, stride = cache
    dout = _check_dout(dout, x_shape, size, stride)
    n_img, n_chan, oh, ow = dout.shape
    dx = np.zeros(x_shape)
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    for a in range(size):
                        for b in range(size):
                            dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j] / (size * size)
    return dx
