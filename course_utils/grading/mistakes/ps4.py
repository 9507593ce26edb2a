"""The bank of ps4: Gaussian and Laplacian pyramids, blending (lecture 6, MIT 6.869)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from ._core import Mistake, PartBank, register, seq_of

BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def blur(
    image: ArrayLike, mode: str = "reflect", kernel: np.ndarray = BINOMIAL, axes: Sequence[int] = (0, 1)
) -> np.ndarray:
    """Separable blur with the binomial kernel ``[1 4 6 4 1]/16``, and its classic mistakes.

    Parameters
    ----------
    image : array_like, shape (H, W)
        The image.
    mode : str, default "reflect"
        ``numpy.pad``'s border mode: ``"reflect"`` is reflect-101 (right); ``"constant"`` (zeros),
        ``"edge"``, ... are mistakes.
    kernel : ndarray, shape (5,), default BINOMIAL
        The 1-D kernel (an unnormalised one is a mistake).
    axes : sequence of int, default (0, 1)
        The axes blurred (one axis only is a mistake).

    Returns
    -------
    ndarray, shape (H, W)
    """
    out = np.asarray(image, dtype=float)
    for axis in axes:
        pad = [(0, 0), (0, 0)]
        pad[axis] = (2, 2)
        padded = np.pad(out, pad, mode=mode)
        n = out.shape[axis]
        out = sum(kernel[t] * np.take(padded, np.arange(t, t + n), axis=axis) for t in range(5))
    return out


def downsample(
    image: ArrayLike, pre_blur: bool = True, start: int = 0, blur_after: bool = False, blur: Callable = blur
) -> np.ndarray:
    """Blur, then keep every second row and column, and its classic mistakes.

    Parameters
    ----------
    image : array_like, shape (H, W)
        The image.
    pre_blur : bool, default True
        False: sub-sampling without the blur (aliasing).
    start : int, default 0
        1: keeping the odd rows and columns instead of the even ones.
    blur_after : bool, default False
        True: sub-sampling first, blurring after.
    blur : callable, default blur
        The blur used (the student's own or the bank's).

    Returns
    -------
    ndarray, shape (ceil(H / 2), ceil(W / 2))
    """
    image = np.asarray(image, dtype=float)
    if blur_after:
        return np.asarray(blur(image[::2, ::2]), dtype=float)
    return np.asarray(blur(image) if pre_blur else image, dtype=float)[start::2, start::2]


def upsample(
    image: ArrayLike,
    shape: Sequence[int],
    gain: float = 4.0,
    offset: int = 0,
    repeat: bool = False,
    crop_end: bool = False,
    blur: Callable = blur,
) -> np.ndarray:
    """Insert zeros, blur, multiply by 4 and crop to ``shape``, and its classic mistakes.

    Parameters
    ----------
    image : array_like, shape (h, w)
        The coarse image.
    shape : (int, int)
        The fine image's shape, at most ``(2h, 2w)``.
    gain : float, default 4.0
        Another gain (1: the dimmed picture of forgetting the ×4).
    offset : int, default 0
        1: the samples put at the odd positions.
    repeat : bool, default False
        True: pixel repetition instead of zeros and blur.
    crop_end : bool, default False
        True: cropping the last rows and columns instead of the first.
    blur : callable, default blur
        The blur used (the student's own or the bank's).

    Returns
    -------
    ndarray, shape ``shape``
    """
    image = np.asarray(image, dtype=float)
    h, w = image.shape
    if repeat:
        big = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)
        gain = 1.0
    else:
        big = np.zeros((2 * h, 2 * w))
        big[offset::2, offset::2] = image
        big = np.asarray(blur(big), dtype=float)
    big = gain * big
    return big[-shape[0] :, -shape[1] :] if crop_end else big[: shape[0], : shape[1]]


_down, _up = downsample, upsample


def _gaussian_pyramid(image, levels, pre_blur=True, downsample=_down):
    out = [np.asarray(image, dtype=float)]
    for _ in range(levels - 1):
        out.append(np.asarray(downsample(out[-1]) if pre_blur else _down(out[-1], pre_blur=False), dtype=float))
    return out


def laplacian_pyramid(
    image: ArrayLike,
    levels: int,
    gain: float = 4.0,
    pre_blur: bool = True,
    downsample: Callable = _down,
    upsample: Callable = _up,
) -> list[np.ndarray]:
    """The Laplacian pyramid ``L_i = x_i − upsample(x_{i+1})``, the last level the Gaussian residual.

    Parameters
    ----------
    image : array_like, shape (H, W)
        The image ``x_1``.
    levels : int
        Levels, the residual included.
    gain : float, default 4.0
        The up-sampler's gain (another one is a mistake).
    pre_blur : bool, default True
        False: the Gaussian pyramid built without the blur.
    downsample, upsample : callable
        The operators used (the student's own or the bank's).

    Returns
    -------
    list of ndarray
        ``levels`` arrays, each about half the size of the one before.
    """
    gaussian = _gaussian_pyramid(image, levels, pre_blur, downsample)
    up = upsample if gain == 4.0 else partial(_up, gain=gain)
    bands = [fine - np.asarray(up(coarse, fine.shape), dtype=float) for fine, coarse in itertools.pairwise(gaussian)]
    return [*bands, gaussian[-1]]


def reconstruct(
    laplacian: Sequence[ArrayLike],
    gain: float = 4.0,
    sign: float = 1.0,
    residual: bool = True,
    upsample: Callable = _up,
) -> np.ndarray:
    """The image back from its Laplacian pyramid, ``x_i = L_i + upsample(x_{i+1})``, and its mistakes.

    Parameters
    ----------
    laplacian : sequence of array_like
        The pyramid, finest first, the residual last.
    gain : float, default 4.0
        The up-sampler's gain (another one is a mistake).
    sign : float, default 1.0
        -1.0: subtracting instead of adding.
    residual : bool, default True
        False: starting from zeros instead of the residual.
    upsample : callable
        The up-sampler used (the student's own or the bank's).

    Returns
    -------
    ndarray
        The shape of ``laplacian[0]``.
    """
    up = upsample if gain == 4.0 else partial(_up, gain=gain)
    x = np.asarray(laplacian[-1], dtype=float) if residual else np.zeros(np.shape(laplacian[-1]))
    for band in reversed(laplacian[:-1]):
        x = band + sign * np.asarray(up(x, band.shape), dtype=float)
    return x


_laplacian, _reconstruct = laplacian_pyramid, reconstruct


def blend(
    a: ArrayLike,
    b: ArrayLike,
    mask: ArrayLike,
    levels: int,
    mask_blur: bool = True,
    swap: bool = False,
    mask_laplacian: bool = False,
    downsample: Callable = _down,
    laplacian_pyramid: Callable = _laplacian,
    reconstruct: Callable = _reconstruct,
) -> np.ndarray:
    """Multi-band blending: each Laplacian level of ``a`` and ``b`` mixed by the mask's Gaussian level.

    Parameters
    ----------
    a, b : array_like, shape (H, W)
        The images; ``a`` where the mask is 1.
    mask : array_like, shape (H, W)
        Weights in [0, 1].
    levels : int
        Pyramid levels.
    mask_blur : bool, default True
        False: the mask's pyramid built without the blur.
    swap : bool, default False
        True: the images' roles swapped.
    mask_laplacian : bool, default False
        True: the mask's Laplacian pyramid used instead of its Gaussian one.
    downsample, laplacian_pyramid, reconstruct : callable
        The operators used (the student's own or the bank's).

    Returns
    -------
    ndarray, shape (H, W)
    """
    if mask_laplacian:
        masks = _laplacian(mask, levels)
    else:
        masks = _gaussian_pyramid(mask, levels, pre_blur=mask_blur, downsample=downsample)
    la = [np.asarray(v, dtype=float) for v in laplacian_pyramid(a, levels)]
    lb = [np.asarray(v, dtype=float) for v in laplacian_pyramid(b, levels)]
    if swap:
        la, lb = lb, la
    return np.asarray(reconstruct([g * x + (1 - g) * y for g, x, y in zip(masks, la, lb)]), dtype=float)


def upsample_matrix(n: int, centre: int = 0, scale: float = 1.0, border: str = "zero") -> np.ndarray:
    """The matrix ``F`` that up-samples ``n`` samples to ``2n``, and its classic mistakes.

    Column ``j`` holds the integer weights ``1 4 6 4 1`` centred on row ``2j``, entries past the
    border dropped: the slide's ``F_3`` for ``n = 3``.

    Parameters
    ----------
    n : int
        Coarse samples.
    centre : int, default 0
        1: the mistake of centring column ``j`` on row ``2j + 1``.
    scale : float, default 1.0
        A factor of the weights (1/16 and 1/8 are mistakes).
    border : {"zero", "wrap", "reflect"}, default "zero"
        What happens to the weights that fall outside the ``2n`` rows: dropped (right), wrapped
        around or reflected (mistakes).

    Returns
    -------
    ndarray, shape (2n, n)
    """
    F = np.zeros((2 * n, n))
    for j in range(n):
        for t, weight in enumerate((1.0, 4.0, 6.0, 4.0, 1.0)):
            row = 2 * j + centre + t - 2
            if border == "wrap":
                row %= 2 * n
            elif border == "reflect":
                row = -row if row < 0 else (2 * (2 * n - 1) - row if row >= 2 * n else row)
            if 0 <= row < 2 * n:
                F[row, j] += weight * scale
    return F


def _image_inputs(h, w):
    return lambda rng: {"image": rng.random((h, w))}


register(
    PartBank(
        "ps4.blur",
        "blur",
        ("blur(image)",),
        lambda image: (blur(image),),
        "pixel (i, j) of the blur is Σ_{s,t} k[s] k[t] image[i + s − 2, j + t − 2] with k = [1 4 6 4 1]/16 and "
        "reflect-101 borders",
        (
            Mistake(
                "zero_border",
                "{name} pads with zeros, so the border darkens; the lecture's pyramid (and OpenCV) "
                "reflect the image: np.pad(..., mode='reflect')",
                lambda image: (blur(image, "constant"),),
            ),
            Mistake(
                "symmetric_border",
                "{name} pads with mode='symmetric' (the edge pixel repeated); reflect-101 "
                "mirrors around the edge pixel: mode='reflect'",
                lambda image: (blur(image, "symmetric"),),
            ),
            Mistake(
                "edge_border",
                "{name} repeats the edge pixel (mode='edge'); use reflect-101, mode='reflect'",
                lambda image: (blur(image, "edge"),),
            ),
            Mistake(
                "wrap_border",
                "{name} wraps around the image (mode='wrap'); use reflect-101, mode='reflect'",
                lambda image: (blur(image, "wrap"),),
            ),
            Mistake(
                "one_axis",
                "{name} blurs along one axis only; the 2-D binomial blur filters the rows and then the columns",
                lambda image: (blur(image, axes=(1,)),),
            ),
            Mistake(
                "other_axis",
                "{name} blurs along one axis only; the 2-D binomial blur filters the rows and then the columns",
                lambda image: (blur(image, axes=(0,)),),
            ),
            Mistake(
                "not_normalised",
                "{name} is 256 times too bright: the kernel [1 4 6 4 1] must be divided by 16 (its sum) on each axis",
                lambda image: (blur(image, kernel=BINOMIAL * 16),),
            ),
            Mistake(
                "normalised_once",
                "{name} is 16 times too bright: divide the kernel by 16 on *each* of the two axes",
                lambda image: (16 * blur(image),),
            ),
        ),
        _image_inputs(9, 7),
        terms=lambda image: {"image": image},
        shape_hint="the blur keeps the image's shape: pad by 2 on each side, then keep the valid part",
    )
)

register(
    PartBank(
        "ps4.downsample",
        "downsample",
        ("downsample(image)",),
        lambda image, blur=blur: (downsample(image, blur=blur),),
        "G keeps pixel (2i, 2j) of the blurred image",
        (
            Mistake(
                "no_blur",
                "{name} subsamples without blurring first: frequencies the smaller grid cannot hold "
                "alias; G blurs, then keeps every second pixel",
                lambda image, blur=blur: (downsample(image, pre_blur=False),),
            ),
            Mistake(
                "odd_samples",
                "{name} keeps rows and columns 1, 3, 5, ...; G keeps 0, 2, 4, ...",
                lambda image, blur=blur: (downsample(image, start=1, blur=blur),),
            ),
            Mistake(
                "blur_after",
                "{name} blurs *after* subsampling: the aliasing has already happened; blur first",
                lambda image, blur=blur: (downsample(image, blur_after=True, blur=blur),),
            ),
        ),
        _image_inputs(9, 6),
        terms=lambda image: {"image": image},
        shape_hint="an H×W image becomes ceil(H/2)×ceil(W/2): keep rows and columns 0, 2, 4, ...",
        uses=("blur",),
    )
)


def _upsample_inputs(rng):
    return {"image": rng.random((4, 5)), "shape": (7, 10)}


register(
    PartBank(
        "ps4.upsample",
        "upsample",
        ("upsample(image)",),
        lambda image, shape, blur=blur: (upsample(image, shape, blur=blur),),
        "F puts image[i, j] at (2i, 2j) of a 2h×2w array of zeros, blurs it, multiplies by 4 and crops to shape",
        (
            Mistake(
                "gain_1",
                "{name} is 4 times too dark: three quarters of the up-sampled pixels are the inserted "
                "zeros, so F multiplies the blur by 4 (a constant image must stay constant)",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=1.0),),
            ),
            Mistake(
                "gain_2",
                "{name} is 2 times too dark: the gain is 2 per axis, 4 in 2-D",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=2.0),),
            ),
            Mistake(
                "gain_16",
                "{name} is 4 times too bright: the gain is 2 per axis, 4 in all, not 16",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=16.0),),
            ),
            Mistake(
                "odd_positions",
                "{name} puts the pixels on the odd rows and columns; they go to (2i, 2j), the even ones",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, offset=1),),
            ),
            Mistake(
                "repeat",
                "{name} repeats each pixel 2×2 (nearest neighbour); F inserts zeros and blurs",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, repeat=True),),
            ),
            Mistake(
                "crop_end",
                "{name} crops from the end; keep the first H rows and W columns",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, crop_end=True),),
            ),
        ),
        _upsample_inputs,
        terms=lambda image, shape: {"image": image},
        shape_hint="the result has the requested shape (H, W), cropped from the 2h×2w array",
        uses=("blur",),
    )
)


def _levels_names(levels, **_):
    return (*tuple(f"level {i} (L_{i + 1})" for i in range(levels - 1)), f"level {levels - 1} (x_{levels})")


def _lap_inputs(rng):
    return {"image": rng.random((12, 9)), "levels": 3}


def _unpack_levels(value, levels, **_):
    return seq_of("the pyramid", levels, f"{levels - 1} band-pass levels and the residual x_{levels}")(value)


_unpack_levels.pack = list


def _ps4_lap(image, levels, downsample=_down, upsample=_up, sign=1.0, top="gaussian", **options):
    if top == "band":
        deeper = laplacian_pyramid(image, levels + 1, downsample=downsample, upsample=upsample, **options)
        return tuple(deeper[:levels])
    if top == "all_gaussian":
        return tuple(_gaussian_pyramid(image, levels, downsample=downsample))
    pyramid = laplacian_pyramid(image, levels, downsample=downsample, upsample=upsample, **options)
    return (*tuple(sign * band for band in pyramid[:-1]), pyramid[-1])


register(
    PartBank(
        "ps4.laplacian_pyramid",
        "laplacian_pyramid",
        _levels_names,
        _ps4_lap,
        "L_i = x_i − F(x_{i+1}) depends on the Gaussian levels x_i and x_{i+1}; the last entry is x_levels",
        (
            Mistake(
                "gain_1",
                "{name} used an up-sampling without the gain 4: L_i = x_i − F(x_{i+1}) needs F to keep "
                "brightness (a constant image has zero band-pass levels)",
                partial(_ps4_lap, gain=1.0),
            ),
            Mistake(
                "gain_2",
                "{name} used an up-sampling with gain 2; F multiplies by 4 in 2-D",
                partial(_ps4_lap, gain=2.0),
            ),
            Mistake(
                "sign",
                "{name} is F(x_{i+1}) − x_i; the band-pass level is L_i = x_i − F(x_{i+1})",
                partial(_ps4_lap, sign=-1.0),
            ),
            Mistake(
                "no_blur",
                "{name} built the Gaussian levels without blurring (plain subsampling); x_{i+1} = G x_i blurs first",
                partial(_ps4_lap, pre_blur=False),
            ),
            Mistake(
                "gaussian",
                "{name} is the Gaussian pyramid x_1, x_2, ...; the Laplacian levels are "
                "L_i = x_i − F(x_{i+1}), with x_levels last",
                partial(_ps4_lap, top="all_gaussian"),
            ),
            Mistake(
                "band_on_top",
                "{name}: the last entry must be the Gaussian residual x_levels itself, not a band-pass level",
                partial(_ps4_lap, top="band"),
            ),
        ),
        _lap_inputs,
        terms=lambda image, levels: {"image": image},
        unpack=_unpack_levels,
        shape_hint="level i has the shape of the Gaussian level x_{i+1}: up-sample x_{i+1} to x_i's shape",
        uses=("downsample", "upsample"),
    )
)


def _recon_inputs(rng):
    return {"laplacian": [rng.standard_normal((10, 7)), rng.standard_normal((5, 4)), rng.standard_normal((3, 2))]}


register(
    PartBank(
        "ps4.reconstruct",
        "reconstruct",
        ("reconstruct(laplacian)",),
        lambda laplacian, upsample=_up: (reconstruct(laplacian, upsample=upsample),),
        "x_i = L_i + F(x_{i+1}) from the top, starting at the residual x_levels",
        (
            Mistake(
                "subtract",
                "{name} subtracts the up-sampled level; since L_i = x_i − F(x_{i+1}), x_i = L_i + F(x_{i+1})",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, sign=-1.0, upsample=upsample),),
            ),
            Mistake(
                "no_residual",
                "{name} leaves out the residual x_levels (the last entry): start the collapse from it",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, residual=False, upsample=upsample),),
            ),
            Mistake(
                "gain_1",
                "{name} up-sampled without the gain 4: x_i = L_i + F(x_{i+1}) with the same F as the pyramid",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, gain=1.0),),
            ),
        ),
        _recon_inputs,
        terms=lambda laplacian: {f"laplacian[{i}]": v for i, v in enumerate(laplacian)},
        shape_hint="collapse from the coarsest level (the last entry), up-sampling to each finer level's shape",
        uses=("upsample",),
    )
)


def _blend_inputs(rng):
    return {"a": rng.random((12, 10)), "b": rng.random((12, 10)), "mask": rng.random((12, 10)), "levels": 3}


def _ps4_blend(a, b, mask, levels, hard=False, **options):
    if hard:
        return (mask * a + (1 - mask) * b,)
    return (blend(a, b, mask, levels, **options),)


register(
    PartBank(
        "ps4.blend",
        "blend",
        ("blend",),
        _ps4_blend,
        "L(j) = G(j) LA(j) + (1 − G(j)) LB(j) at every level j, then reconstruct",
        (
            Mistake(
                "unblurred_mask",
                "{name} used an unblurred mask pyramid (the mask only subsampled); the seam is "
                "smoothed because G(j) is the *Gaussian* pyramid of the mask: blur, then subsample",
                partial(_ps4_blend, mask_blur=False),
            ),
            Mistake(
                "swapped",
                "{name} takes b where the mask is 1; L(j) = G(j) LA(j) + (1 − G(j)) LB(j)",
                partial(_ps4_blend, swap=True),
            ),
            Mistake(
                "laplacian_mask",
                "{name} weights with the mask's *Laplacian* pyramid; the weights are its "
                "Gaussian pyramid G(j), in [0, 1]",
                partial(_ps4_blend, mask_laplacian=True),
            ),
            Mistake(
                "hard",
                "{name} is the hard blend mask·a + (1 − mask)·b; combine the pyramids level by level",
                partial(_ps4_blend, hard=True),
            ),
        ),
        _blend_inputs,
        terms=lambda a, b, mask, levels: {"a": a, "b": b, "mask": mask},
        shape_hint="the blend has the shape of a and b",
        uses=("downsample", "laplacian_pyramid", "reconstruct"),
    )
)

register(
    PartBank(
        "ps4.upsample_matrix",
        "upsample_matrix",
        lambda n: (f"upsample_matrix({n})",),
        lambda n: (upsample_matrix(n),),
        "column j holds 1 4 6 4 1 centred on row 2j (entries past the border dropped)",
        (
            Mistake(
                "over_16",
                "{name} is divided by 16; the slide's F_3 has the integer weights 1 4 6 4 1",
                lambda n: (upsample_matrix(n, scale=1 / 16),),
            ),
            Mistake(
                "over_8",
                "{name} is divided by 8 (the 1-D gain 2 of up-sampling); the slide's F_3 has the "
                "integer weights 1 4 6 4 1",
                lambda n: (upsample_matrix(n, scale=1 / 8),),
            ),
            Mistake(
                "centre_odd",
                "{name} centres column j on row 2j + 1; the pixel x_j lands on row 2j",
                lambda n: (upsample_matrix(n, centre=1),),
            ),
            Mistake(
                "wrap",
                "{name} wraps the kernel around the border; F_3 has zero borders (entries that fall "
                "outside are dropped)",
                lambda n: (upsample_matrix(n, border="wrap"),),
            ),
            Mistake(
                "reflect",
                "{name} reflects the kernel at the border; F_3 has zero borders",
                lambda n: (upsample_matrix(n, border="reflect"),),
            ),
            Mistake(
                "transposed",
                "{name} is (n, 2n), the transpose: F maps n samples to 2n, so it has 2n rows",
                lambda n: (upsample_matrix(n).T,),
            ),
        ),
        lambda rng: {"n": int(rng.integers(5, 8))},
        terms=lambda n: {},
        shape_hint="F has shape (2n, n): 2n outputs from n inputs",
    )
)
