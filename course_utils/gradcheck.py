"""Gradient checking by central differences.

The numerical gradient of a scalar function ``f`` at ``x`` is, entry by entry,

    df/dx[k] ~= (f(x + h e_k) - f(x - h e_k)) / (2 h),

with an error of order ``h**2``. It costs two evaluations of ``f`` per entry of
``x``, which is why backpropagation (one backward pass for all entries) is the
method used in practice, and why this is used only to *check* it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_float_array, check_real

__all__ = ["numerical_gradient", "relative_error", "check_gradient", "GradCheckReport"]


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5, dout: np.ndarray | None = None
) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, for an array ``x`` of any shape.

    ``f`` is called as ``f(x)`` with ``x`` perturbed **in place** one entry at a
    time (so closures over ``x`` see the change); every entry is restored
    afterwards, also when ``f`` raises, so ``x`` is left unchanged.

    If ``dout`` is given, ``f`` may return an array of ``dout``'s shape and the
    function differentiated is ``sum(f(x) * dout)``: the numerical version of
    a layer's backward pass for upstream gradient ``dout``.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a scalar, or an array of ``dout``'s shape.
    x : ndarray of float, any shape
        Perturbed in place, then restored.
    h : float, default 1e-5
        Step: ``(f(x + h e_i) - f(x - h e_i)) / 2h``.
    dout : array_like, optional
        Upstream gradient, the shape of ``f(x)``.

    Returns
    -------
    ndarray of float64, the shape of ``x``
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"x: expected a float numpy array (it is perturbed in place), got "
            f"{type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}"
        )
    h = check_real("h", h)
    if h <= 0:
        raise ValueError(f"h: expected a positive step, got {h}")
    if dout is not None:
        dout = as_float_array("dout", dout)

    def scalar(value):
        value = np.asarray(value, dtype=np.float64)
        if dout is None:
            if value.size != 1:
                raise ValueError(f"f: expected a scalar output (or pass dout), got shape {value.shape}")
            return float(value.reshape(()))
        if value.shape != dout.shape:
            raise ValueError(f"dout: expected the shape of f's output {value.shape}, got {dout.shape}")
        return float(np.sum(value * dout))

    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx].copy()
        try:
            x[idx] = old + h
            f_plus = scalar(f(x))
            x[idx] = old - h
            f_minus = scalar(f(x))
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike, floor: float = 1e-8) -> float:
    """Largest elementwise relative error ``|a - b| / max(floor, |a| + |b|)``.

    About 1e-7 or less means the gradients agree (in float64 with h = 1e-5);
    1e-2 or more means a bug. Entries where both are (near) zero count as
    absolute differences over ``floor``.

    Parameters
    ----------
    a, b : array_like, the same shape
    floor : float, default 1e-8

    Returns
    -------
    float
    """
    a = as_float_array("a", a, finite=False)
    b = as_float_array("b", b, finite=False)
    if a.shape != b.shape:
        raise ValueError(f"b: expected the shape of a {a.shape}, got {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


@dataclass
class GradCheckReport:
    """Outcome of :func:`check_gradient`; prints as a table of the worst entries."""

    name: str
    max_relative_error: float
    tolerance: float
    worst: list = field(default_factory=list)  # (index, analytic, numeric, relative error)

    @property
    def passed(self) -> bool:
        return self.max_relative_error <= self.tolerance

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        lines = [
            f"gradient check {self.name}: {verdict}, max relative error "
            f"{self.max_relative_error:.2e} (tolerance {self.tolerance:.0e})",
            f"  {'index':>14} {'analytic':>14} {'numerical':>14} {'rel. error':>10}",
        ]
        for idx, ana, num, err in self.worst:
            lines.append(f"  {idx!s:>14} {ana:>14.6e} {num:>14.6e} {err:>10.2e}")
        return "\n".join(lines)

    __repr__ = __str__


def check_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic: ArrayLike,
    h: float = 1e-5,
    tolerance: float = 1e-6,
    dout: ArrayLike = None,
    name: str = "",
    worst: int = 5,
) -> GradCheckReport:
    """Compare an analytic gradient with :func:`numerical_gradient` and report the worst entries.

    Parameters
    ----------
    f : callable
        As for :func:`numerical_gradient`.
    x : ndarray of float, any shape
    analytic : array_like, the shape of ``x``
        The gradient to check.
    h : float, default 1e-5
    tolerance : float, default 1e-6
        Largest relative error that passes.
    dout : array_like, optional
        As for :func:`numerical_gradient`.
    name : str, default ""
        Shown in the report.
    worst : int, default 5
        How many of the worst entries the report lists.

    Returns
    -------
    GradCheckReport
        Truthy when it passes; ``print`` it to see the table.
    """
    analytic = as_float_array("analytic", analytic, finite=False)
    if analytic.shape != x.shape:
        raise ValueError(f"analytic: expected the shape of x {x.shape}, got {analytic.shape}")
    numeric = numerical_gradient(f, x, h=h, dout=dout)
    err = np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))
    order = np.argsort(err, axis=None)[::-1][:worst]
    rows = []
    for flat in order:
        idx = np.unravel_index(flat, x.shape)
        idx = tuple(int(i) for i in idx)
        rows.append((idx, float(analytic[idx]), float(numeric[idx]), float(err[idx])))
    max_err = float(err.max()) if err.size else 0.0
    return GradCheckReport(name=name, max_relative_error=max_err, tolerance=tolerance, worst=rows)
