"""Max pooling, tuned: same results as :func:`course_utils.pooling.max_pool_forward` / ``max_pool_backward``.

Read :mod:`course_utils.pooling` for the mathematics. Here the entry ``q = a*size + b`` of every
window is laid out as a contiguous plane, and one vectorized pass per entry keeps the running
maximum and, where the entry is **strictly** greater, ``q`` as the winner: a tie keeps the earlier
entry, the first maximum in row-major window order (PyTorch's rule, as the readable version).
The images are processed in chunks of about 2 MB that stay in the CPU cache, shared between two
threads. Average pooling's forward pass is ``size**2`` strided sums; its backward pass is the
readable one (already as fast).
The tests (``tests/test_fast_pooling.py``) prove it equal to the readable version.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._checks import check_cache, check_dout, check_pool_inputs
from ..pooling import AvgPoolCache, MaxPoolCache, avg_pool_backward, pool_output_size
from ._parallel import map_in_threads
from ._scratch import scratch as _scratch

__all__ = ["max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward"]


def _window(x_or_dx, a, b, size, stride, oh, ow):
    """The strided view of every window's entry ``(a, b)``: shape (N, C, OH, OW)."""
    return x_or_dx[:, :, a : a + stride * oh : stride, b : b + stride * ow : stride]


# ----------------------------------------------------------------------------- max pooling, fast

_CHUNK_BYTES = 2 * 2**20  # images per chunk: about this much input (see _chunks)


def _chunks(n_images, image_bytes):
    """Slices of about ``_CHUNK_BYTES`` of input each.

    Why 2 MB: each chunk's planes then stay in the L2/L3 cache between the passes, and the
    numpy calls are long enough that two threads rarely wait for each other's GIL hand-over.
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
        tiles = images[:, : oh * size, : ow * size].reshape(m, oh, size, ow, size)
        np.copyto(out.reshape(size, size, m, oh, ow), tiles.transpose(2, 4, 0, 1, 3))
    else:
        for a in range(size):
            for b in range(size):
                out[a * size + b] = _window(images[:, None], a, b, size, stride, oh, ow)[:, 0]
    return out


def max_pool_forward(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, MaxPoolCache]:
    """:func:`course_utils.pooling.max_pool_forward`, tuned (same arguments, same result).

    The window entries ``q = 0, 1, ...`` (row-major order) are laid out as contiguous planes,
    then one pass per entry keeps the running maximum and, where an entry is **strictly**
    greater, its position: a tie keeps the first maximum in row-major window order.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int, default 2
    stride : int, default 2

    Returns
    -------
    out : ndarray, shape (N, C, OH, OW)
    cache : MaxPoolCache
        Its switches are the smallest integer type that holds ``size*size - 1``.
    """
    x, size, stride = check_pool_inputs(x, size, stride)
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    images = x.reshape(n * c, h, w)
    out = np.empty((n * c, oh, ow), dtype=x.dtype)
    switch = np.empty((n * c, oh, ow), dtype=_index_type(size))

    def work(chunk):
        m = chunk.stop - chunk.start
        planes = _window_entries(
            images[chunk], size, stride, oh, ow, _scratch("pool_planes", (size * size, m, oh, ow), x.dtype)
        )
        best, won = out[chunk], switch[chunk]
        won.fill(0)
        np.copyto(best, planes[0])
        greater = _scratch("pool_greater", (m, oh, ow), bool)
        position = _scratch("pool_position", (m, oh, ow), won.dtype)
        for q in range(1, size * size):
            np.greater(planes[q], best, out=greater)
            np.maximum(best, planes[q], out=best)
            # where greater, the winner becomes q; q exceeds every earlier position, so a
            # maximum writes it (10x faster than np.copyto(won, q, where=greater));
            # q as the index type keeps the product in that type (a Python int would make it int64)
            np.multiply(greater, won.dtype.type(q), out=position)
            np.maximum(won, position, out=won)

    map_in_threads(work, _chunks(n * c, h * w * x.itemsize))
    return out.reshape(n, c, oh, ow), MaxPoolCache(x, switch.reshape(n, c, oh, ow), size, stride)


def max_pool_backward(dout: ArrayLike, cache: MaxPoolCache) -> np.ndarray:
    """:func:`course_utils.pooling.max_pool_backward`, tuned (same arguments, same result).

    For every window position ``q = (a, b)``, the input pixels ``x[iS + a, jS + b]`` receive
    ``dL/dY[i, j]`` where ``q`` won and 0 elsewhere. Where windows overlap (``stride < size``),
    a pixel adds up the gradients of every window it won; where windows tile the image, each
    pixel is written exactly once.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
    cache : MaxPoolCache
        From any max pooling forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    cache = check_cache(cache, MaxPoolCache, "max_pool_forward")
    switch, size, stride = cache.switches, cache.size, cache.stride
    x_shape = cache.x.shape
    n, c, h, w = x_shape
    oh, ow = switch.shape[2:]
    dout = check_dout(dout, (n, c, oh, ow), "this pooling layer's output (N, C, OH, OW)", dtype=cache.x.dtype)
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


# ----------------------------------------------------------------------------- average pooling


def avg_pool_forward(x: ArrayLike, size: int = 2, stride: int = 2) -> tuple[np.ndarray, AvgPoolCache]:
    """:func:`course_utils.pooling.avg_pool_forward` as ``size**2`` strided sums (same arguments, same result).

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
    n, c, h, w = x.shape
    oh, ow = pool_output_size(h, size, stride), pool_output_size(w, size, stride)
    out = np.zeros((n, c, oh, ow), dtype=x.dtype)
    for a in range(size):
        for b in range(size):
            out += _window(x, a, b, size, stride, oh, ow)
    out /= size * size
    return out, AvgPoolCache(x, size, stride)
