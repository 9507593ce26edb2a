"""Input checks shared by every public function.

Each check raises ``TypeError`` (wrong kind of object) or ``ValueError`` (wrong
shape, rank or value) with a message that names the argument, what was
expected and what was given, e.g.::

    ValueError: W: expected shape (3, 4) (a layer of size 4 -> 3), got (3, 5)
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np


def as_float_array(
    name: str, value, ndim: int | Sequence[int] | None = None, finite: bool = True, dtype=None
) -> np.ndarray:
    """Return ``value`` as a floating-point ndarray, checking its rank and finiteness.

    Integer and boolean arrays are converted to float64; float32/float64 keep
    their precision unless ``dtype`` is given.
    """
    if type(value) is np.ndarray and value.dtype in _FLOATS and dtype is None:
        arr = value  # the common case, without the conversions below (20 us for a cold call)
    else:
        arr = _convert(name, value, dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name}: expected a {want}-D array, got {arr.ndim}-D with shape {arr.shape}")
    if finite:
        check_finite(name, arr)
    return arr


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _convert(name: str, value, dtype) -> np.ndarray:
    """``value`` as an ndarray of ``dtype``, or of a float type (integers and booleans become float64)."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name}: expected an array of numbers, got {type(value).__name__} ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name}: expected real numbers, got complex dtype {arr.dtype}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif not np.issubdtype(arr.dtype, np.floating) or arr.dtype == np.float16:
        arr = arr.astype(np.float64)
    return arr


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity, saying how many and where the first is."""
    if not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: expected finite values, got {int(bad.sum())} non-finite (first at index {first}: {arr[first]})"
        )


def check_finite_through(result: np.ndarray, inputs) -> None:
    """The finiteness check of ``inputs`` (pairs ``(name, array)``), done on ``result`` first.

    For a ``result`` that every input entry reaches with a non-zero weight (a sum over all of
    them, the coarsest level of a pyramid, a reconstruction), a NaN or an infinity anywhere in
    the inputs makes ``result`` non-finite. So the cheap check of ``result`` comes first, and
    only if it fails are the inputs scanned, to raise :func:`check_finite`'s error naming the
    first bad entry. (Finite inputs whose result overflows pass: that is the caller's business.)
    """
    if not np.isfinite(result).all():
        for name, arr in inputs:
            check_finite(name, arr)


def check_shape(name: str, arr: np.ndarray, expected: tuple, why: str = "") -> None:
    """Raise ``ValueError`` unless ``arr.shape == expected`` (``None`` in ``expected`` matches any size)."""
    ok = arr.ndim == len(expected) and all(e is None or e == s for e, s in zip(expected, arr.shape))
    if not ok:
        shown = tuple("N" if e is None else e for e in expected)
        shown_str = "(" + ", ".join(str(s) for s in shown) + ("," if len(shown) == 1 else "") + ")"
        extra = f" ({why})" if why else ""
        raise ValueError(f"{name}: expected shape {shown_str}{extra}, got {arr.shape}")


def check_positive_int(name: str, value, minimum: int = 1) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def check_real(name: str, value, minimum: float | None = None) -> float:
    """Return ``value`` as a finite float, optionally >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}: expected a number >= {minimum}, got {value}")
    return value


def check_batch(x, n_inputs: int) -> np.ndarray:
    """A batch of examples as rows: ``x`` of shape (N, n_inputs), finite."""
    x = as_float_array("x", x, ndim=(1, 2))
    if x.ndim == 1:
        raise ValueError(
            f"x: expected a batch of shape (N, {n_inputs}) (rows are examples), "
            f"got a 1-D array of shape {x.shape}; use x[None, :] for one example"
        )
    check_shape("x", x, (None, n_inputs), why=f"N examples of {n_inputs} inputs")
    return x


def check_labels(labels, num_classes: int) -> np.ndarray:
    """Integer class labels of shape (N,), each in ``0 .. num_classes - 1``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected a 1-D array of integers, got dtype {labels.dtype} shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"labels: expected integers in [0, {num_classes - 1}], got values from {labels.min()} to {labels.max()}"
        )
    return labels


def check_targets(y, n: int, n_outputs: int, labels: bool = False) -> np.ndarray:
    """The targets of a batch of ``n`` examples as rows (n, n_outputs).

    With ``labels=True``, ``y`` may also be ``n`` integer class labels; they are returned as
    one-hot rows.
    """
    y_arr = np.asarray(y)
    if labels and y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer):
        if y_arr.shape[0] != n:
            raise ValueError(f"y: expected {n} integer labels (one per row of x), got {y_arr.shape[0]}")
        return np.eye(n_outputs)[check_labels(y_arr, n_outputs)]
    y_arr = as_float_array("y", y_arr, ndim=2)
    also = f" or {n} integer labels" if labels else ""
    check_shape("y", y_arr, (n, n_outputs), why=f"one target row of {n_outputs} values per example{also}")
    return y_arr


def check_dout(dout, expected_shape: tuple, why: str, dtype=None, finite: bool = True) -> np.ndarray:
    """The upstream gradient ``dout = dL/dY`` of a backward pass, checked against the forward output's shape.

    ``why`` says what the shape is, e.g. ``"this layer's output (N, F, OH, OW)"``; ``dtype``
    converts ``dout`` to the layer's dtype; ``finite=False`` leaves the finiteness check to the caller.
    """
    dout = as_float_array("dout", dout, ndim=len(expected_shape), finite=finite, dtype=dtype)
    check_shape("dout", dout, expected_shape, why=f"the shape of {why}")
    return dout


def check_cache(cache, kind: type, made_by: str):
    """Raise ``TypeError`` unless ``cache`` is a ``kind`` (the cache that ``made_by`` returns)."""
    if not isinstance(cache, kind):
        raise TypeError(f"cache: expected the {kind.__name__} returned by {made_by}, got {type(cache).__name__}")
    return cache


def check_conv_inputs(x, w, b, stride, pad) -> tuple:
    """Check a convolution layer's inputs; return ``(x, w, b, stride, pad)`` in one float dtype.

    ``x`` (N, C, H, W), ``w`` (F, C, KH, KW), ``b`` (F,), ``stride >= 1``, ``pad >= 0``, and
    the kernel no larger than the padded input.
    """
    x = as_float_array("x", x, ndim=4)
    w = as_float_array("w", w, ndim=4)
    _, c, h, wd = x.shape
    f, cw, kh, kw = w.shape
    if cw != c:
        raise ValueError(
            f"w: expected {c} input channels (w.shape[1]) to match x of shape {x.shape} "
            f"(N, C, H, W), got w of shape {w.shape} with {cw}"
        )
    b = as_float_array("b", b, ndim=1)
    check_shape("b", b, (f,), why=f"one bias per filter of w {w.shape}")
    stride = check_positive_int("stride", stride)
    pad = check_positive_int("pad", pad, minimum=0)
    if kh > h + 2 * pad or kw > wd + 2 * pad:
        raise ValueError(
            f"w: expected a kernel no larger than the padded input "
            f"({h + 2 * pad}, {wd + 2 * pad}) (x {h}x{wd} with pad={pad}), "
            f"got a {kh}x{kw} kernel"
        )
    if 0 in x.shape or f == 0:
        raise ValueError(f"x, w: expected non-empty arrays, got x {x.shape} and w {w.shape}")
    dtype = np.result_type(x, w, b)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), b.astype(dtype, copy=False), stride, pad


def check_pool_inputs(x, size, stride) -> tuple:
    """Check a pooling layer's inputs: ``x`` (N, C, H, W), a window ``size`` no larger than the image,
    ``stride >= 1``."""
    x = as_float_array("x", x, ndim=4)
    size = check_positive_int("size", size)
    stride = check_positive_int("stride", stride)
    h, w = x.shape[2:]
    if size > h or size > w:
        raise ValueError(
            f"size: expected a window no larger than the input's {h}x{w} (x of shape {x.shape}), got {size}x{size}"
        )
    if 0 in x.shape:
        raise ValueError(f"x: expected a non-empty array, got shape {x.shape}")
    return x, size, stride


def check_image(name: str, image, finite: bool = True) -> np.ndarray:
    """``image`` as a float array of shape (H, W) or (H, W, C) with H, W, C >= 1 (finite unless told)."""
    arr = as_float_array(name, image, ndim=(2, 3), finite=finite)
    if min(arr.shape) < 1:
        raise ValueError(f"{name}: expected an image of at least 1x1 pixels, got shape {arr.shape}")
    return arr


def check_levels(levels, shape: tuple, most: int) -> int:
    """A pyramid's number of levels: an integer from 1 to ``most`` (what an image of ``shape`` supports)."""
    levels = check_positive_int("levels", levels)
    if levels > most:
        raise ValueError(
            f"levels: a {shape[0]}x{shape[1]} image supports at most {most} levels "
            f"(each level halves the size, rounding up, until the shorter side is 1 pixel), got {levels}"
        )
    return levels


def check_upsample_shape(shape, image: np.ndarray) -> tuple[int, int]:
    """The (H, W) an (h, w[, C]) ``image`` is up-sampled to: H in {2h-1, 2h}, W in {2w-1, 2w}; default (2h, 2w)."""
    h, w = image.shape[:2]
    if shape is None:
        return (2 * h, 2 * w)
    try:
        shape = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape: expected a pair (height, width), got {shape!r}") from None
    if len(shape) == image.ndim == 3 and shape[2] == image.shape[2]:
        shape = shape[:2]  # (H, W, C) with the image's channel count
    if len(shape) != 2 or shape[0] not in (2 * h - 1, 2 * h) or shape[1] not in (2 * w - 1, 2 * w):
        raise ValueError(
            f"shape: up-sampling a {h}x{w} image gives ({2 * h - 1} or {2 * h}) x ({2 * w - 1} or {2 * w}) "
            f"pixels, got {shape}"
        )
    return shape


def check_pyramid(name: str, pyramid, finite: bool = True) -> list[np.ndarray]:
    """A pyramid's levels as float images, each half the size of the one before, rounded up.

    ``finite=False`` leaves finiteness to the caller (see :func:`check_finite_through`).
    """
    if isinstance(pyramid, np.ndarray) or not hasattr(pyramid, "__len__") or len(pyramid) == 0:
        raise TypeError(f"{name}: expected a non-empty list of arrays (a pyramid), got {type(pyramid).__name__}")
    levels = [check_image(f"{name}[{i}]", level, finite=finite) for i, level in enumerate(pyramid)]
    for i in range(len(levels) - 1):
        want = tuple((s + 1) // 2 for s in levels[i].shape[:2]) + levels[i].shape[2:]
        check_shape(f"{name}[{i + 1}]", levels[i + 1], want, why=f"half of level {i}, {levels[i].shape}, rounded up")
    return levels


def check_blend_inputs(image_a, image_b, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two images of one shape (H, W[, C]) and a mask (H, W) of weights in [0, 1], in one float dtype."""
    a = check_image("image_a", image_a)
    b = check_image("image_b", image_b)
    check_shape("image_b", b, a.shape, why="the shape of image_a")
    m = as_float_array("mask", mask, ndim=2)
    check_shape("mask", m, a.shape[:2], why="the height and width of the images")
    if m.min() < 0 or m.max() > 1:
        raise ValueError(f"mask: expected weights in [0, 1], got values in [{m.min():g}, {m.max():g}]")
    dtype = np.result_type(a.dtype, b.dtype)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False), m.astype(dtype, copy=False)


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """Raise unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value
