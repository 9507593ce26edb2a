"""The bank of ps3: backpropagation in CNNs (lecture 33): cross-correlation form, Y = X ⋆ W."""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from ._core import Mistake, PartBank, register, tuple_of


def correlate_valid(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    """Valid cross-correlation ``out[i, j] = Σ_a Σ_b x[i + a, j + b] k[a, b]`` where k lies inside x.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The input.
    k : array_like, shape (KH, KW)
        The kernel, at most as large as ``x``.

    Returns
    -------
    ndarray, shape (H - KH + 1, W - KW + 1)
    """
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijab,ab->ij", windows, k)


def correlate_full(x: ArrayLike, k: ArrayLike) -> np.ndarray:
    """Full cross-correlation: ``x`` zero-padded by ``KH − 1`` rows and ``KW − 1`` columns on each side.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The input.
    k : array_like, shape (KH, KW)
        The kernel.

    Returns
    -------
    ndarray, shape (H + KH - 1, W + KW - 1)
    """
    kh, kw = np.shape(k)
    return correlate_valid(np.pad(np.asarray(x, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1))), k)


def flip180(w: ArrayLike) -> np.ndarray:
    """A 2-D filter rotated by 180°.

    Parameters
    ----------
    w : array_like, shape (KH, KW)
        The filter.

    Returns
    -------
    ndarray, shape (KH, KW)
        ``w[::-1, ::-1]``.
    """
    return np.asarray(w)[::-1, ::-1]


def _output_size(w_in, f, p, s, pad=2, plus=1, stride=True):
    span = w_in - f + pad * p
    if span < 0 or (stride and span % s):
        return np.nan  # the student's function should raise here: compared as "raised"
    return span // s + plus if stride else span + plus


def _sizes(cases, **options):
    return (np.array([_output_size(*case, **options) for case in cases], dtype=float),)


def _size_cases(rng):
    cases = []
    while len(cases) < 5:
        f, p, s = int(rng.integers(1, 6)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
        w_in = f - 2 * p + s * int(rng.integers(2, 9))  # tiles exactly
        if w_in > f:
            cases.append((w_in, f, p, s))
    return {"cases": cases}


register(
    PartBank(
        "ps3.conv_output_size",
        "conv_output_size",
        ("output sizes",),
        _sizes,
        "each size is (W1 − F + 2P)/S + 1 of its own (W1, F, P, S), a whole number when the window tiles",
        (
            Mistake(
                "p_not_doubled",
                "{name} follow (W1 − F + P)/S + 1: padding adds P columns on *each* side, hence 2P",
                lambda cases: _sizes(cases, pad=1),
            ),
            Mistake(
                "no_plus_one",
                "{name} follow (W1 − F + 2P)/S: the first window sits at position 0, so add 1",
                lambda cases: _sizes(cases, plus=0),
            ),
            Mistake(
                "no_stride",
                "{name} ignore the stride: (W1 − F + 2P)/S + 1, a window every S pixels",
                lambda cases: _sizes(cases, stride=False),
            ),
        ),
        _size_cases,
        terms=lambda cases: {},
        entry=lambda idx, cases: "conv_output_size({}, {}, p={}, s={})".format(*cases[idx[0]]),
        nan_means="raised a ValueError",
    )
)


def _correlate_inputs(rng):
    return {"x": rng.standard_normal((6, 7)), "k": rng.standard_normal((3, 2))}


register(
    PartBank(
        "ps3.correlate2d_valid",
        "correlate2d_valid",
        ("out",),
        lambda x, k: (correlate_valid(x, k),),
        "out[i, j] = Σ_a Σ_b x[i + a, j + b] k[a, b] depends on the window of x starting at (i, j)",
        (
            Mistake(
                "convolution",
                "{name} is the convolution: k was flipped by 180°; a cross-correlation uses "
                "k[a, b] with x[i + a, j + b] as it is",
                lambda x, k: (correlate_valid(x, flip180(k)),),
            ),
            Mistake(
                "full",
                "{name} is the *full* correlation (zero-padded); valid keeps only windows inside x, "
                "shape (H − KH + 1, W − KW + 1)",
                lambda x, k: (correlate_full(x, k),),
            ),
            Mistake(
                "transposed_kernel",
                "{name} used k transposed: k[a, b] meets x[i + a, j + b], row offset a, column offset b",
                lambda x, k: (correlate_valid(x, np.asarray(k).T),),
            ),
        ),
        _correlate_inputs,
        terms=lambda x, k: {"x": x, "k": k},
        shape_hint="a valid correlation of (H, W) with (KH, KW) has shape (H − KH + 1, W − KW + 1)",
    )
)


def _dw_inputs(rng):
    return {"x": rng.standard_normal((7, 6)), "dy": rng.standard_normal((5, 3))}


register(
    PartBank(
        "ps3.conv_dw",
        "conv_backward_dw",
        ("dW",),
        lambda x, dy, correlate2d_valid=correlate_valid: (correlate2d_valid(x, dy),),
        "dW[a, b] = Σ_i Σ_j dL/dY[i, j] X[i + a, j + b] depends on every dL/dY and the inputs each weight meets",
        (
            Mistake(
                "dy_flipped",
                "{name} correlates X with dL/dY flipped by 180° (a convolution); one weight W[a, b] "
                "meets X[i + a, j + b] at output (i, j): X ⋆ dL/dY, nothing flipped",
                lambda x, dy, correlate2d_valid=correlate_valid: (correlate2d_valid(x, flip180(dy)),),
            ),
            Mistake(
                "swapped",
                "{name} is X ⋆ dL/dY rotated by 180°: that is dL/dY correlated with X (operands "
                "swapped). The weight gradient slides dL/dY over X: dW = X ⋆ dL/dY",
                lambda x, dy, correlate2d_valid=correlate_valid: (flip180(correlate2d_valid(x, dy)),),
            ),
            Mistake(
                "transposed",
                "{name} is the transpose of X ⋆ dL/dY",
                lambda x, dy, correlate2d_valid=correlate_valid: (np.asarray(correlate2d_valid(x, dy)).T,),
            ),
        ),
        _dw_inputs,
        terms=lambda x, dy: {"X": x, "dL/dY": dy},
        shape_hint="dW has the filter's shape (H − OH + 1, W − OW + 1): the valid correlation of X with dL/dY",
        uses=("correlate2d_valid",),
    )
)


def _dx_inputs(rng):
    return {"dy": rng.standard_normal((4, 5)), "w": rng.standard_normal((3, 2))}


def _full_with(correlate):
    """The full correlation through a valid one: pad by KH − 1, KW − 1 on every side."""

    def full(dy, w):
        kh, kw = np.shape(w)
        return np.asarray(
            correlate(np.pad(np.asarray(dy, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1))), w), dtype=float
        )

    return full


def _ps3_dx(dy, w, correlate2d_valid=correlate_valid, kernel=flip180, full=True, rotate_result=False):
    out = (_full_with(correlate2d_valid) if full else correlate2d_valid)(dy, kernel(np.asarray(w)))
    return (flip180(out) if rotate_result else np.asarray(out, dtype=float),)


register(
    PartBank(
        "ps3.conv_dx",
        "conv_backward_dx",
        ("dX",),
        _ps3_dx,
        "dX[p, q] = Σ_{a,b} dL/dY[p − a, q − b] W[a, b] depends on the outputs in the region P of (p, q) and on W",
        (
            Mistake(
                "not_flipped",
                "{name} is the full correlation of dL/dY with W *unflipped*; the region P sees the "
                "filter rotated by 180°: correlate with flip180(W)",
                partial(_ps3_dx, kernel=lambda w: w),
            ),
            Mistake(
                "flipped_rows_only",
                "{name} flips W upside down only; flip180 reverses both axes, W[::-1, ::-1]",
                partial(_ps3_dx, kernel=lambda w: w[::-1, :]),
            ),
            Mistake(
                "flipped_columns_only",
                "{name} flips W left-right only; flip180 reverses both axes, W[::-1, ::-1]",
                partial(_ps3_dx, kernel=lambda w: w[:, ::-1]),
            ),
            Mistake(
                "swapped",
                "{name} is the right dX rotated by 180°: flip180(W) correlated with dL/dY (operands "
                "swapped); slide the flipped filter over the padded dL/dY",
                partial(_ps3_dx, rotate_result=True),
            ),
            Mistake(
                "valid",
                "{name} is a *valid* correlation: pad dL/dY with KH − 1 rows and KW − 1 columns of zeros "
                "on each side first (a border pixel has a small region P)",
                partial(_ps3_dx, full=False),
            ),
            Mistake(
                "transposed_filter",
                "{name} uses W transposed; rotating by 180° is W[::-1, ::-1], not W.T",
                partial(_ps3_dx, kernel=lambda w: w.T),
            ),
        ),
        _dx_inputs,
        terms=lambda dy, w: {"dL/dY": dy, "W": w},
        shape_hint="dX has the input's shape (OH + KH − 1, OW + KW − 1): pad dL/dY by KH − 1 and KW − 1 on every side",
        uses=("correlate2d_valid",),
    )
)


def _layer(
    dout,
    x,
    w,
    dw_sum=True,
    dx_sum=True,
    db="sum",
    dx_flip=True,
    dw_flip=False,
    conv_backward_dw=None,
    conv_backward_dx=None,
):
    n_img, n_chan = x.shape[:2]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    one_dw = (
        conv_backward_dw
        if conv_backward_dw and not dw_flip
        else (lambda xx, dy: correlate_valid(xx, flip180(dy) if dw_flip else dy))
    )
    one_dx = (
        conv_backward_dx
        if conv_backward_dx and dx_flip
        else (lambda dy, ww: correlate_full(dy, flip180(ww) if dx_flip else ww))
    )
    for n in range(n_img):
        for f in range(w.shape[0]):
            for c in range(n_chan):
                part_w = np.asarray(one_dw(x[n, c], dout[n, f]), dtype=float)
                part_x = np.asarray(one_dx(dout[n, f], w[f, c]), dtype=float)
                dw[f, c] = dw[f, c] + part_w if dw_sum else part_w
                dx[n, c] = dx[n, c] + part_x if dx_sum else part_x
    dbs = {
        "sum": dout.sum(axis=(0, 2, 3)),
        "mean": dout.mean(axis=(0, 2, 3)),
        "per_image": dout.sum(axis=(2, 3)),
        "first_image": dout[0].sum(axis=(1, 2)),
    }
    return dx, dw, dbs[db]


def _layer_inputs(rng):
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    return {"dout": rng.standard_normal((2, 3, 3, 3)), "x": x, "w": w}


register(
    PartBank(
        "ps3.conv_layer",
        "conv2d_backward_naive",
        ("dx", "dw", "db"),
        _layer,
        "dw[f, c] = Σ_n x[n, c] ⋆ dout[n, f], dx[n, c] = Σ_f dout[n, f] ⋆_full flip180(w[f, c]), "
        "db[f] = Σ_{n,i,j} dout[n, f, i, j]",
        (
            Mistake(
                "dw_not_summed",
                "{name} keeps only the last image's contribution: dw[f, c] sums over every image n (use +=)",
                partial(_layer, dw_sum=False),
            ),
            Mistake(
                "dx_not_summed",
                "{name} keeps only the last filter's contribution: an input pixel feeds every "
                "filter f, so dx[n, c] sums over f (use +=)",
                partial(_layer, dx_sum=False),
            ),
            Mistake(
                "db_mean",
                "{name} is a mean; the bias is added to every output, so db[f] is the *sum* of dout[n, f] over n, i, j",
                partial(_layer, db="mean"),
            ),
            Mistake(
                "db_per_image",
                "{name} keeps one row per image: db[f] also sums over the images n",
                partial(_layer, db="per_image"),
            ),
            Mistake(
                "db_first_image",
                "{name} sums only the first image: db[f] sums over every image n",
                partial(_layer, db="first_image"),
            ),
            Mistake(
                "dx_not_flipped",
                "{name} correlates dout with w *unflipped*; the region P sees the filter rotated by 180°",
                partial(_layer, dx_flip=False),
            ),
            Mistake(
                "dw_flipped",
                "{name} correlates x with dout flipped by 180°; dw = x ⋆ dout, nothing flipped",
                partial(_layer, dw_flip=True),
            ),
        ),
        _layer_inputs,
        terms=lambda dout, x, w: {"dout": dout, "x": x, "w": w},
        unpack=tuple_of("conv2d_backward_naive", ("dx", "dw", "db")),
        shape_hint="dx has the shape of x (N, C, H, W), dw of w (F, C, KH, KW), db (F,)",
        uses=("conv_backward_dw", "conv_backward_dx"),
    )
)


def _window_argmax(window, rule):
    flat = window.reshape(-1)
    best = flat.max()
    hits = np.flatnonzero(flat == best)
    return {"first": hits[:1], "last": hits[-1:], "all": hits}[rule]


def _max_pool_b(dout, x, size, stride, rule="first", accumulate=True, origin=True):
    x = np.asarray(x, dtype=float)
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        r0, c0 = (i * stride, j * stride) if origin else (i, j)
        window = x[n, c, r0 : r0 + size, c0 : c0 + size]
        for flat in _window_argmax(window, rule):
            a, b = divmod(int(flat), window.shape[1])
            if accumulate:
                dx[n, c, r0 + a, c0 + b] += dout[n, c, i, j]
            else:
                dx[n, c, r0 + a, c0 + b] = dout[n, c, i, j]
    return (dx,)


def _avg_pool_b(dout, x_shape, size, stride, divisor=None, accumulate=True):
    dx = np.zeros(tuple(x_shape))
    share = dout / (size**2 if divisor is None else divisor)
    for i, j in np.ndindex(*dout.shape[2:]):
        region = dx[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
        if accumulate:
            region += share[:, :, i : i + 1, j : j + 1]
        else:
            region[...] = share[:, :, i : i + 1, j : j + 1]
    return (dx,)


def _pool_inputs(rng, size, stride, ties):
    h = 7
    oh = (h - size) // stride + 1
    x = rng.integers(0, 3, (1, 2, h, h)).astype(float) if ties else rng.standard_normal((1, 2, h, h))
    return {"dout": rng.standard_normal((1, 2, oh, oh)), "x": x, "size": size, "stride": stride}


register(
    PartBank(
        "ps3.max_pool",
        "max_pool_backward",
        ("dx",),
        _max_pool_b,
        "dx gets each dout[n, c, i, j] at the first maximum (row-major) of window (i, j), and 0 elsewhere; "
        "overlapping windows add",
        (
            Mistake(
                "all_maxima",
                "{name} routes the gradient to *every* maximum of a tied window; only the first one "
                "(row-major, as PyTorch) gets it, or the gradient is counted several times",
                lambda **kw: _max_pool_b(**kw, rule="all"),
            ),
            Mistake(
                "last_maximum",
                "{name} routes a tie to the *last* maximum; the first one in row-major order "
                "wins (np.argmax returns it)",
                lambda **kw: _max_pool_b(**kw, rule="last"),
            ),
            Mistake(
                "overwritten",
                "{name}: where windows overlap (stride < size), a later window overwrote an "
                "earlier one's gradient; contributions add up (+=)",
                lambda **kw: _max_pool_b(**kw, accumulate=False),
            ),
            Mistake(
                "no_stride",
                "{name}: window (i, j) starts at (i, j); with stride S it starts at (i·S, j·S)",
                lambda **kw: _max_pool_b(**kw, origin=False),
            ),
            Mistake(
                "average",
                "{name} is average pooling's gradient (dout / size² to every pixel); max pooling "
                "routes all of dout to the winner",
                lambda dout, x, size, stride: _avg_pool_b(dout, x.shape, size, stride),
            ),
        ),
        lambda rng: _pool_inputs(rng, 3, 2, ties=True),
        terms=lambda dout, x, size, stride: {"dout": dout, "x": x},
        shape_hint="dx has the shape of x (N, C, H, W)",
    )
)

register(
    PartBank(
        "ps3.avg_pool",
        "avg_pool_backward",
        ("dx",),
        _avg_pool_b,
        "dx[n, c, p, q] = Σ over the windows that contain (p, q) of dout / size²",
        (
            Mistake(
                "not_divided",
                "{name} passes dout back undivided: each of the size² pixels of a window gets "
                "dout / size² (the lecture: ÷4 for 2×2, ÷9 for 3×3)",
                lambda **kw: _avg_pool_b(**kw, divisor=1),
            ),
            Mistake(
                "divided_by_size",
                "{name} divides by size, not size²: a size×size window has size² pixels",
                lambda **kw: _avg_pool_b(**kw, divisor=kw["size"]),
            ),
            Mistake(
                "overwritten",
                "{name}: where windows overlap (stride < size), a later window overwrote an "
                "earlier one's share; contributions add up (+=)",
                lambda **kw: _avg_pool_b(**kw, accumulate=False),
            ),
        ),
        lambda rng: (lambda d: {"dout": d["dout"], "x_shape": d["x"].shape, "size": d["size"], "stride": d["stride"]})(
            _pool_inputs(rng, 3, 2, ties=False)
        ),
        terms=lambda dout, x_shape, size, stride: {"dout": dout},
        shape_hint="dx has the shape x_shape",
    )
)
