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
would pass 4x the gradient back. (In conv -> ReLU -> pool the ReLU's zero derivative
then kills that gradient, which hides the bug in the most common architecture; with
no such gate, e.g. quantized integer activations, the weights' gradients are wrong.)

Naive loop versions sit beside the fast ones; tests prove they agree.
"""
from __future__ import annotations

import numpy as np

from ._checks import as_float_array, check_positive_int, check_shape
from ._parallel import map_in_threads
from ._scratch import scratch as _scratch
from .conv import _open_cache

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

_CHUNK_BYTES = 2 * 2**20  # images per chunk: about this much input (see _chunks)


def _chunks(n_images, image_bytes):
    """Slices of about ``_CHUNK_BYTES`` of input each.

    Why 2 MB: each chunk's planes then stay in the L2/L3 cache between the passes, and the
    numpy calls are long enough that two threads rarely wait for each other's GIL hand-over.
    Measured on (64, 64, 32, 32) 2x2 pooling, forward + backward, two threads: 256 kB chunks
    44 ms wall (55 ms CPU: the threads mostly queued for the GIL), 2 MB chunks 18 ms (29 ms CPU).
    """
    step = max(1, _CHUNK_BYTES // max(1, image_bytes))
    return [slice(s, min(s + step, n_images)) for s in range(0, n_images, step)]


def _index_type(size):
    """The smallest integer type that holds a window position ``q = a*size + b``."""
    return np.int8 if size * size <= 127 else np.int32


def _window_entries(images, size, stride, oh, ow, out):
    """Entry ``q = a*size + b`` of every window, as a contiguous plane: ``out[q] = x[:, iS+a, jS+b]``.

    ``images`` (m, H, W) -> ``out`` (size*size, m, OH, OW). When the windows tile the image
    (``stride == size``) this is one transposing copy; otherwise one strided copy per ``(a, b)``.
    Why the copy: numpy's loops over a strided (m, OH, OW) view run about 3x slower than over
    a contiguous plane (short inner loops, no SIMD), and every later pass reads the planes.
    """
    m = images.shape[0]
    if stride == size:
        tiles = images[:, :oh * size, :ow * size].reshape(m, oh, size, ow, size)
        np.copyto(out.reshape(size, size, m, oh, ow), tiles.transpose(2, 4, 0, 1, 3))
    else:
        for a in range(size):
            for b in range(size):
                out[a * size + b] = _window(images[:, None], a, b, size, stride, oh, ow)[:, 0]
    return out


def max_pool_forward(x, size=2, stride=2):
    """Max pooling over ``size x size`` windows moved by ``stride`` (vectorized).

    ``x`` (N, C, H, W) -> ``out`` (N, C, OH, OW), ``OH = (H - size) // stride + 1``.
    Returns ``(out, cache)``; the cache holds the switches: for every window the position
    ``q = a*size + b`` of its winner inside the window.

    Method: the window entries ``q = 0, 1, ...`` (row-major order) are laid out as contiguous
    planes, then one pass per entry keeps the running maximum and, where an entry is
    **strictly** greater, its position. A tie therefore keeps the earlier entry: the winner
    is the **first maximum in row-major window order** (PyTorch's rule). The images are
    processed in chunks of about 2 MB so that the planes stay in the CPU cache, and the
    chunks are shared between two threads (numpy releases the GIL inside its loops).
    """
    x, size, stride = _check_pool_inputs(x, size, stride)
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    images = x.reshape(n * c, h, w)
    out = np.empty((n * c, oh, ow), dtype=x.dtype)
    switch = np.empty((n * c, oh, ow), dtype=_index_type(size))

    def work(chunk):
        m = chunk.stop - chunk.start
        planes = _window_entries(images[chunk], size, stride, oh, ow,
                                 _scratch("pool_planes", (size * size, m, oh, ow), x.dtype))
        best, won = out[chunk], switch[chunk]
        won.fill(0)
        np.copyto(best, planes[0])
        greater = _scratch("pool_greater", (m, oh, ow), bool)
        position = _scratch("pool_position", (m, oh, ow), won.dtype)
        for q in range(1, size * size):
            np.greater(planes[q], best, out=greater)
            np.maximum(best, planes[q], out=best)
            # where greater, the winner becomes q; q exceeds every earlier position, so a
            # maximum writes it (for (64, 64, 32, 32) 2x2: 0.7 ms for all the passes, where
            # np.copyto(won, q, where=greater) took 7.8 ms for two of the three);
            # q as the index type keeps the product in that type (a Python int would make it int64)
            np.multiply(greater, won.dtype.type(q), out=position)
            np.maximum(won, position, out=won)

    map_in_threads(work, _chunks(n * c, h * w * x.itemsize))
    cache = ("max_pool_forward", x.shape, switch.reshape(n, c, oh, ow), size, stride)
    return out.reshape(n, c, oh, ow), cache


def max_pool_backward(dout, cache):
    """Backward pass of :func:`max_pool_forward`: ``dL/dY[i, j]`` goes to its window's winner.

    ``dout`` (N, C, OH, OW) -> ``dx`` (N, C, H, W): for every window position ``q = (a, b)``,
    the input pixels ``x[iS + a, jS + b]`` receive ``dL/dY[i, j]`` where ``q`` won and 0
    elsewhere. Where windows overlap (``stride < size``), a pixel adds up the gradients of
    every window it won; where windows tile the image, each pixel is written exactly once.
    """
    x_shape, switch, size, stride = _open_cache(cache, "max_pool_forward")
    dout = _check_dout(dout, x_shape, size, stride)
    n, c, h, w = x_shape
    oh, ow = switch.shape[2:]
    overlapping = stride < size
    exact = stride == size and h == oh * size and w == ow * size  # every pixel in one window
    d_images, won_of = dout.reshape(n * c, oh, ow), switch.reshape(n * c, oh, ow)
    dx = (np.empty if exact else np.zeros)((n * c, h, w), dtype=dout.dtype)

    def work(chunk):
        g, won, dxs = d_images[chunk], won_of[chunk], dx[chunk][:, None]
        is_q = _scratch("pool_is_q", g.shape, bool)
        routed = _scratch("pool_routed", g.shape, g.dtype) if overlapping else None
        for q in range(size * size):
            np.equal(won, q, out=is_q)
            target = _window(dxs, q // size, q % size, size, stride, oh, ow)[:, 0]
            if overlapping:
                target += np.multiply(g, is_q, out=routed)
            else:
                np.multiply(g, is_q, out=target)

    map_in_threads(work, _chunks(n * c, h * w * dout.itemsize))
    return dx.reshape(x_shape)


def max_pool_switches(cache):
    """Input coordinates of every window's winner: integer array (N, C, OH, OW, 2) of (row, col).

    Works with the cache of :func:`max_pool_forward` or :func:`max_pool_forward_naive`.
    """
    if isinstance(cache, tuple) and cache and cache[0] == "max_pool_forward_naive":
        x, size, stride = cache[1:]  # the naive rule: np.argmax over each window
        n, c, h, w = x.shape
        oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
        out = np.zeros((n, c, oh, ow, 2), dtype=np.int64)
        for idx in np.ndindex(n, c, oh, ow):
            i, j = idx[2:]
            window = x[idx[0], idx[1], i * stride:i * stride + size, j * stride:j * stride + size]
            a, b = np.unravel_index(np.argmax(window), window.shape)
            out[idx] = (i * stride + a, j * stride + b)
        return out
    _, switch, size, stride = _open_cache(cache, "max_pool_forward", "max_pool_forward_naive")
    oh, ow = switch.shape[2:]
    a, b = np.divmod(switch.astype(np.int64), size)
    rows = np.arange(oh)[:, None] * stride + a
    cols = np.arange(ow)[None, :] * stride + b
    return np.stack([rows, cols], axis=-1)


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
    return out, ("max_pool_forward_naive", x, size, stride)


def max_pool_backward_naive(dout, cache):
    """Loop version of :func:`max_pool_backward`.

    For each window: find the switch ``(a, b)`` with ``np.argmax`` (which returns the first
    maximum in row-major order) and add ``dL/dY[i, j]`` to ``dx`` at that input pixel.
    """
    x, size, stride = _open_cache(cache, "max_pool_forward_naive")
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
    return out, ("avg_pool_forward", x.shape, size, stride)


def avg_pool_backward(dout, cache):
    """Backward pass of :func:`avg_pool_forward`: each window pixel gets ``dL/dY[i, j] / size**2``."""
    x_shape, size, stride = _open_cache(cache, "avg_pool_forward", "avg_pool_forward_naive")
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
    return out, ("avg_pool_forward_naive", x.shape, size, stride)


def avg_pool_backward_naive(dout, cache):
    """Loop version of :func:`avg_pool_backward`: share each ``dL/dY[i, j]`` over its window."""
    x_shape, size, stride = _open_cache(cache, "avg_pool_forward", "avg_pool_forward_naive")
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
