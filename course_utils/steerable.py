"""Steerable filters (Gaussian derivatives) and the steerable pyramid, built in the Fourier domain.

Lecture 6 of MIT 6.869, "Those pyramids do not encode orientation":

* ``g_x = -x / (2 pi sigma^4) exp(-(x^2 + y^2) / (2 sigma^2))`` and ``g_y`` alike
  (:func:`gaussian_derivative_kernels`);
* any orientation is a combination of the two, ``g^alpha = cos(alpha) g_x +
  sin(alpha) g_y`` (:func:`steer`); because filtering is linear, the response
  to ``g^alpha`` is the same combination of the two basis responses, so an
  image filtered twice can be "steered" to any angle for the cost of a sum;
* the steerable pyramid (Simoncelli and Freeman 1995) splits an image into a
  high-pass residual, ``K`` oriented band-pass images per scale and a low-pass
  residual (:func:`steerable_pyramid`, :func:`reconstruct_steerable`).

The pyramid follows Simoncelli's design (log-radial raised-cosine masks,
``cos^(K-1)`` angular masks) and agrees with pyrtools' ``SteerablePyramidFreq``
(tested), except for the scale: here each sub-sampled level keeps the
brightness of the image (the cropped spectrum is divided by 4), so pyrtools'
band at scale ``s`` is ``4^s`` times ours.

Coordinates: arrays are indexed ``[row, column] = [y, x]``, with ``x`` growing to
the right and ``y`` growing *downwards* (as in every image array). An angle
turns from the ``+x`` axis towards ``+y``, so on screen positive angles turn
clockwise. ``alpha = 0`` is ``d/dx`` (responds to vertical edges).

Filtering here is correlation (``out[i, j] = sum_ab image[i+a, j+b] k[a, b]``),
as in deep-learning frameworks; the lecture writes convolution, which flips the
kernel. For the odd kernels ``g_x``, ``g_y`` the two differ only in sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_positive_int, check_real

__all__ = [
    "gaussian_derivative_kernels",
    "steer",
    "correlate",
    "convolve",
    "SteerablePyramid",
    "steerable_pyramid",
    "reconstruct_steerable",
    "steerable_frequency_responses",
]


# ---------------------------------------------------------------------------
# Gaussian derivatives and steering
# ---------------------------------------------------------------------------


def gaussian_derivative_kernels(sigma: float, radius: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sampled ``(g_x, g_y)`` of the lecture, each of shape ``(2 radius + 1, 2 radius + 1)``.

    ``g_x(x, y) = -x / (2 pi sigma^4) exp(-(x^2 + y^2) / (2 sigma^2))`` and
    ``g_y`` with ``-y``; ``x`` is the column offset, ``y`` the row offset (down).

    Parameters
    ----------
    sigma : float
        The Gaussian's standard deviation (> 0), in pixels.
    radius : int, optional
        Default ``ceil(3 sigma)``.

    Returns
    -------
    g_x, g_y : ndarray, shape (2 radius + 1, 2 radius + 1)
    """
    sigma = check_real("sigma", sigma, minimum=0.0)
    if sigma <= 0:
        raise ValueError(f"sigma: expected a number > 0, got {sigma}")
    radius = int(np.ceil(3 * sigma)) if radius is None else check_positive_int("radius", radius)
    offsets = np.arange(-radius, radius + 1, dtype=float)
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    gauss = np.exp(-(x**2 + y**2) / (2 * sigma**2)) / (2 * np.pi * sigma**4)
    return -x * gauss, -y * gauss


def steer(g_x: ArrayLike, g_y: ArrayLike, angle: float) -> np.ndarray:
    """``cos(angle) g_x + sin(angle) g_y`` (angle in radians): the derivative kernel at ``angle``.

    Works equally on kernels and on the two filtered images (responses).

    Parameters
    ----------
    g_x, g_y : array_like, the same shape
        Basis kernels, or the image filtered with each.
    angle : float
        In radians, from ``+x`` towards ``+y``.

    Returns
    -------
    ndarray, the shape of ``g_x``
    """
    gx = as_float_array("g_x", g_x)
    gy = as_float_array("g_y", g_y)
    if gx.shape != gy.shape:
        raise ValueError(f"g_y: expected the shape of g_x, {gx.shape}, got {gy.shape}")
    angle = check_real("angle", angle)
    return np.cos(angle) * gx + np.sin(angle) * gy


def correlate(image: ArrayLike, kernel: ArrayLike) -> np.ndarray:
    """Correlate an ``(H, W)`` image with an odd-sized ``(2r+1, 2s+1)`` kernel; reflect101 borders; same size out.

    Computed with the FFT on the padded image (fast for the large Gaussian
    derivative kernels). ``out[i, j] = sum_{a,b} image[i+a, j+b] kernel[r+a, s+b]``.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (2r + 1, 2s + 1)
        Odd height and width, radius smaller than the image.

    Returns
    -------
    ndarray, shape (H, W)
    """
    x = as_float_array("image", image, ndim=2)
    k = as_float_array("kernel", kernel, ndim=2)
    if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        raise ValueError(f"kernel: expected odd height and width (a centre pixel), got shape {k.shape}")
    r, s = k.shape[0] // 2, k.shape[1] // 2
    if r >= x.shape[0] or s >= x.shape[1]:
        raise ValueError(
            f"kernel: expected a kernel radius smaller than the image, got kernel {k.shape} for image {x.shape}"
        )
    padded = np.pad(x, ((r, r), (s, s)), mode="reflect")  # numpy's "reflect" is reflect101
    size = padded.shape
    spectrum = np.fft.rfft2(padded) * np.conj(np.fft.rfft2(k, s=size))
    out = np.fft.irfft2(spectrum, s=size)[: x.shape[0], : x.shape[1]]
    return out.astype(np.result_type(x.dtype, k.dtype), copy=False)


def convolve(image: ArrayLike, kernel: ArrayLike) -> np.ndarray:
    """Convolve (the lecture's ``*``): :func:`correlate` with the kernel flipped in both axes.

    With ``g_x`` this gives the x-derivative of the blurred image (positive where
    the image gets brighter to the right); :func:`correlate` gives minus that.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (2r + 1, 2s + 1)

    Returns
    -------
    ndarray, shape (H, W)
    """
    k = as_float_array("kernel", kernel, ndim=2)
    return correlate(image, k[::-1, ::-1])


# ---------------------------------------------------------------------------
# the steerable pyramid (Fourier domain)
# ---------------------------------------------------------------------------


@dataclass
class SteerablePyramid:
    """The bands of :func:`steerable_pyramid`.

    ``highpass`` (H, W); ``bands[s][k]`` of shape ``(H / 2^s, W / 2^s)`` is scale
    ``s`` (0 = finest) and orientation ``angles[k] = pi k / K``; ``lowpass`` is
    ``(H / 2^S, W / 2^S)`` for ``S`` scales.
    """

    highpass: np.ndarray
    bands: list
    lowpass: np.ndarray

    @property
    def scales(self) -> int:
        return len(self.bands)

    @property
    def orientations(self) -> int:
        return len(self.bands[0])

    @property
    def angles(self) -> np.ndarray:
        return np.pi * np.arange(self.orientations) / self.orientations


def _polar(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Radius (radians/sample, Nyquist = pi) and angle of each frequency of a centred (fftshift) spectrum."""
    fy = (np.arange(h) - h // 2) * (2 * np.pi / h)
    fx = (np.arange(w) - w // 2) * (2 * np.pi / w)
    FY, FX = np.meshgrid(fy, fx, indexing="ij")
    return np.hypot(FX, FY), np.arctan2(FY, FX)


def _centre(n: int) -> slice:
    """The central ``n/2`` frequencies of a centred spectrum of even length ``n`` (the half-size grid)."""
    half = n // 2
    return slice(half - half // 2, half - half // 2 + half)


def _radial_masks(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """High-pass and low-pass halves at ``pi/2``: raised cosines in ``log2(rho)``, ``hi^2 + lo^2 = 1``.

    ``hi`` is 0 below ``pi/4`` and 1 above ``pi/2``; ``lo`` the reverse.
    """
    with np.errstate(divide="ignore"):
        t = np.clip(np.log2(np.maximum(rho, 1e-300) * 2 / np.pi), -1.0, 0.0)  # -1 at pi/4, 0 at pi/2
    return np.cos(np.pi / 2 * t), np.abs(np.sin(np.pi / 2 * t))


def _angular_masks(theta: np.ndarray, orientations: int) -> list[np.ndarray]:
    """``alpha_K cos(theta - pi k / K)^(K-1)``, normalised so that the squares sum to 1 over ``k``."""
    order = orientations - 1
    alpha = 2**order * factorial(order) / np.sqrt(orientations * factorial(2 * order))
    return [alpha * np.cos(theta - np.pi * k / orientations) ** order for k in range(orientations)]


def _check_pyramid_args(image, scales, orientations):
    x = as_float_array("image", image, ndim=2)
    scales = check_positive_int("scales", scales)
    orientations = check_positive_int("orientations", orientations)
    step = 2**scales
    if x.shape[0] % step or x.shape[1] % step or min(x.shape) < 2 * step:
        most = 0
        while (
            x.shape[0] % 2 ** (most + 1) == 0 and x.shape[1] % 2 ** (most + 1) == 0 and min(x.shape) >= 2 ** (most + 2)
        ):
            most += 1
        raise ValueError(
            f"scales: a {x.shape[0]}x{x.shape[1]} image supports at most {most} scales (height and width "
            f"must be multiples of 2^scales and at least 2^(scales+1)), got {scales}"
        )
    return x, scales, orientations


def steerable_frequency_responses(shape: tuple, scales: int, orientations: int) -> dict:
    """The filters of :func:`steerable_pyramid` at the finest grid, as centred frequency responses.

    Each band is mapped back to the full-resolution frequency plane, so their squared
    magnitudes sum to 1 everywhere: the tight-frame property that makes reconstruction exact.

    Parameters
    ----------
    shape : tuple
        (H, W), multiples of ``2**scales``.
    scales : int
    orientations : int

    Returns
    -------
    dict
        ``{"highpass": H0, "bands": [[B_sk, ...], ...], "lowpass": L}``, each an (H, W) array.
    """
    h, w = int(shape[0]), int(shape[1])
    _check_pyramid_args(np.zeros((h, w)), scales, orientations)
    rho, theta = _polar(h, w)
    hi0, lo0 = _radial_masks(rho / 2)
    angular = _angular_masks(theta, orientations)
    carried = lo0
    bands = []
    for s in range(scales):
        hi, lo = _radial_masks(rho * 2**s)
        bands.append([np.abs(carried * hi * a) for a in angular])
        carried = carried * lo
    return {"highpass": hi0, "bands": bands, "lowpass": carried}


def steerable_pyramid(image: ArrayLike, scales: int, orientations: int = 4) -> SteerablePyramid:
    """Decompose an ``(H, W)`` image into high-pass, ``scales x orientations`` bands and low-pass.

    Fourier-domain construction: ``H0`` / ``L0`` split off the high-pass
    residual; at each scale the band ``k`` is ``H(rho) alpha cos^(K-1)(theta -
    pi k / K)`` (times ``(-i)^(K-1)`` so the filter is real), then ``L(rho)``
    low-passes and the spectrum is cropped to half size (alias-free, because
    ``L`` vanishes above ``pi/2``). Non-aliased, over-complete, and exactly
    invertible (:func:`reconstruct_steerable`).

    Parameters
    ----------
    image : array_like, shape (H, W)
        ``H`` and ``W`` multiples of ``2**scales``.
    scales : int
    orientations : int, default 4
        ``K``; band ``k`` is tuned to angle ``pi k / K``.

    Returns
    -------
    SteerablePyramid
        ``highpass`` (H, W), ``bands[s][k]`` (H / 2**s, W / 2**s), ``lowpass``; float64
        (float32 input gives float32).
    """
    x, scales, orientations = _check_pyramid_args(image, scales, orientations)
    dtype = x.dtype
    spectrum = np.fft.fftshift(np.fft.fft2(x.astype(np.float64)))
    rho, theta = _polar(*x.shape)
    hi0, lo0 = _radial_masks(rho / 2)
    highpass = np.fft.ifft2(np.fft.ifftshift(spectrum * hi0)).real
    spectrum = spectrum * lo0
    phase = (-1j) ** (orientations - 1)
    bands = []
    for _ in range(scales):
        h, w = spectrum.shape
        rho, theta = _polar(h, w)
        hi, lo = _radial_masks(rho)
        bands.append(
            [
                np.fft.ifft2(np.fft.ifftshift(spectrum * (hi * a * phase))).real.astype(dtype)
                for a in _angular_masks(theta, orientations)
            ]
        )
        spectrum = (spectrum * lo)[_centre(h), _centre(w)] / 4.0
    lowpass = np.fft.ifft2(np.fft.ifftshift(spectrum)).real
    return SteerablePyramid(highpass.astype(dtype), bands, lowpass.astype(dtype))


def reconstruct_steerable(pyramid: SteerablePyramid) -> np.ndarray:
    """Invert :func:`steerable_pyramid`: each filter is applied again (the frame is tight) and the bands summed.

    Parameters
    ----------
    pyramid : SteerablePyramid

    Returns
    -------
    ndarray, the shape of ``pyramid.highpass``
    """
    if not isinstance(pyramid, SteerablePyramid):
        raise TypeError(f"pyramid: expected a SteerablePyramid, got {type(pyramid).__name__}")
    orientations = pyramid.orientations
    phase = np.conj((-1j) ** (orientations - 1))
    spectrum = np.fft.fftshift(np.fft.fft2(pyramid.lowpass.astype(np.float64)))
    for level in reversed(pyramid.bands):
        h, w = level[0].shape
        grown = np.zeros((h, w), dtype=complex)
        grown[_centre(h), _centre(w)] = spectrum * 4.0
        rho, theta = _polar(h, w)
        hi, lo = _radial_masks(rho)
        spectrum = grown * lo
        for band, a in zip(level, _angular_masks(theta, orientations)):
            spectrum += np.fft.fftshift(np.fft.fft2(band.astype(np.float64))) * (hi * a * phase)
    rho, _ = _polar(*pyramid.highpass.shape)
    hi0, lo0 = _radial_masks(rho / 2)
    spectrum = spectrum * lo0 + np.fft.fftshift(np.fft.fft2(pyramid.highpass.astype(np.float64))) * hi0
    return np.fft.ifft2(np.fft.ifftshift(spectrum)).real.astype(pyramid.highpass.dtype)
