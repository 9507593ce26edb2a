"""Helpers of the *visible* tests in the student's own kernel: messages that say what went wrong.

``expect_shape``/``expect_close`` are conveniences for the student, not the verdict: the verdict
is computed by the checks in ``course_utils/grading/checks`` outside the student's kernel.
"""

from __future__ import annotations

import numpy as np

__all__ = ["expect_shape", "expect_close"]


def _shape(value):
    return tuple(np.shape(value))


def expect_shape(name: str, got, expected: tuple, of: str = "", hint: str = "") -> None:
    """Fail with a helpful message unless ``got`` has shape ``expected``.

    ``of`` names what the shape should match (e.g. ``"W"``); a transposed shape
    is recognised and said so.
    """
    if got is None:
        raise AssertionError(f"{name} is None: did you forget to `return` it?")
    shape = _shape(got)
    expected = tuple(int(s) for s in expected)
    if shape == expected:
        return
    what = f"{of} has shape {expected}" if of else f"it should have shape {expected}"
    msg = f"{name} has shape {shape} but {what}"
    if len(shape) == 2 and shape == expected[::-1]:
        msg += ": did you transpose?"
    elif int(np.prod(shape)) == int(np.prod(expected)) and shape != expected:
        msg += ": right number of entries, wrong arrangement (reshape? transpose?)"
    if hint:
        msg += f" ({hint})"
    raise AssertionError(msg)


def expect_close(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-9, hint: str = "") -> None:
    """Fail with a helpful message unless ``got`` matches ``expected`` (shape, then values).

    The message names the worst entry, its value and the expected one, and
    recognises a few classic slips: a factor of 2 or 1/2, a sign, a transpose.
    """
    expected = np.asarray(expected, dtype=float)
    expect_shape(name, got, expected.shape, hint=hint)
    got_arr = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(got_arr)):
        raise AssertionError(f"{name} contains NaN or infinity: {got_arr}" + (f" ({hint})" if hint else ""))
    err = np.abs(got_arr - expected)
    bound = atol + rtol * np.abs(expected)
    if np.all(err <= bound):
        return
    worst = np.unravel_index(int(np.argmax(err - bound)), err.shape) if err.ndim else ()
    g, e = float(got_arr[worst]), float(expected[worst])
    where = f" at index {tuple(int(i) for i in worst)}" if err.ndim else ""
    msg = f"{name} is wrong{where}: got {g:.8g}, expected {e:.8g}"
    slips = []
    if np.allclose(got_arr, -expected, rtol=rtol, atol=atol):
        slips.append("every entry has the wrong sign")
    if np.allclose(got_arr, 2 * expected, rtol=rtol, atol=atol):
        slips.append("every entry is twice the expected value (a missing 1/2?)")
    if np.allclose(got_arr, expected / 2, rtol=rtol, atol=atol):
        slips.append("every entry is half the expected value")
    if (
        expected.ndim == 2
        and expected.shape[0] == expected.shape[1]
        and np.allclose(got_arr, expected.T, rtol=rtol, atol=atol)
    ):
        slips.append("it equals the transpose of the expected value")
    if slips:
        msg += ": " + "; ".join(slips)
    if hint:
        msg += f" ({hint})"
    raise AssertionError(msg)
