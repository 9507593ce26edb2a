"""The bank's vocabulary: :class:`Mistake`, :class:`PartBank`, :func:`judge`, :func:`restate_error`, ``BANK``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Mistake", "PartBank", "Diagnosis", "BANK", "judge", "restate_error", "match_mistakes"]


# ---------------------------------------------------------------------------------------------
# the bank's vocabulary
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer: ``wrong(**inputs)`` gives what it computes; ``says`` explains it."""

    key: str
    says: str
    wrong: Callable[..., Any]


@dataclass(frozen=True)
class PartBank:
    """What the bank knows about one graded function.

    ``outputs`` name the graded quantities in the lecture's notation (one per entry of
    the tuple ``reference`` returns); ``unpack`` turns the student's return value into
    that tuple (or raises :class:`Unexpected` with a message); ``depends`` says what one
    entry should depend on (for the message when no mistake matches); ``terms`` names
    the inputs in the lecture's notation (for restated errors); ``inputs(rng)`` makes
    a fresh set of inputs (the grader's per-student inputs and the unit tests).
    """

    key: str
    function: str
    outputs: Callable[..., tuple] | tuple
    reference: Callable[..., tuple]
    depends: str
    mistakes: tuple
    inputs: Callable[[np.random.Generator], dict]
    terms: Callable[..., dict] = None
    unpack: Callable[..., tuple] = None
    shape_hint: str = ""
    uses: tuple = ()  # the student's own functions this part may call (earlier parts): see judge(helpers=)
    entry: Callable[..., str] = None  # entry(idx, **inputs) names one entry, e.g. "conv_output_size(9, 3, p=1, s=2)"
    nan_means: str = ""  # what a NaN in an output stands for, e.g. "raised a ValueError" (not an overflow)

    def names(self, **inputs) -> tuple:
        return self.outputs(**inputs) if callable(self.outputs) else self.outputs

    def entry_name(self, name: str, idx: tuple, inputs: dict) -> str:
        """How a message names one entry of an output.

        Parameters
        ----------
        name : str
            The output's name, e.g. ``"zs[0] (z^2)"``.
        idx : tuple of int
            The entry's index in that output.
        inputs : dict
            The part's inputs (for ``entry``).

        Returns
        -------
        str
            ``"zs[0] (z^2)[1]"``, or what ``entry`` says (``"conv_output_size(9, 3, p=1, s=2)"``).
        """
        return self.entry(idx, **inputs) if self.entry else _entry(name, idx)

    def quote(self, name: str, idx: tuple, value: float, inputs: dict) -> str:
        """One entry of an output as the message quotes it: ``zs[0] (z^2)[1] = 0.5``.

        Parameters
        ----------
        name, idx, inputs
            As :meth:`entry_name`.
        value : float
            The entry's value.

        Returns
        -------
        str
            The entry's name and ``= value`` (or what a NaN stands for, ``nan_means``).
        """
        return f"{self.entry_name(name, idx, inputs)} {self.says_value(value)}"

    def says_value(self, value: float) -> str:
        """``"= 0.5"``, or ``nan_means`` for a NaN when the part says what a NaN stands for.

        Parameters
        ----------
        value : float
            One entry.

        Returns
        -------
        str
            The value as a message quotes it.
        """
        return self.nan_means if self.nan_means and np.isnan(value) else f"= {_fmt(value)}"

    def pack(self, values: tuple):
        """The bank's tuple of outputs in the form the student's function returns (inverse of ``unpack``)."""
        return self.unpack.pack(values) if self.unpack else values[0]


@dataclass
class Diagnosis:
    """The bank's verdict on one result: ``ok``, the matched mistakes' keys, and the message."""

    ok: bool
    message: str = ""
    mistakes: list = field(default_factory=list)
    note: str = ""  # for a pass: e.g. "right given your sigmoid_prime (Part 1)"
    raised: bool = False  # the student's code raised: the message restates the error


class Unexpected(Exception):
    """The student's value has the wrong structure (not a tuple, wrong length, None...)."""


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
RTOL, ATOL = 1e-6, 1e-9


def _array(value):
    """A float array, or None if ``value`` is not numbers."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _agrees(got: np.ndarray, want: np.ndarray, rtol=RTOL, atol=ATOL) -> np.ndarray:
    """Entry by entry: both finite and within ``atol + rtol |want|``, equal infinities, or both NaN."""
    with np.errstate(all="ignore"):
        # both finite: next to an infinity the tolerance rtol |want| is infinite too, and any finite
        # number would pass ("right given your own helper" when the student's helper returns inf)
        near = np.isfinite(got) & np.isfinite(want) & (np.abs(got - want) <= atol + rtol * np.abs(want))
    return near | (np.isinf(got) & (got == want)) | (np.isnan(got) & np.isnan(want))


def _close(got: np.ndarray, want, rtol=RTOL, atol=ATOL) -> bool:
    want = np.asarray(want, dtype=float)
    return got.shape == want.shape and bool(np.all(_agrees(got, want, rtol, atol)))


def _fmt(x) -> str:
    return f"{float(x):.6g}"


def _entry(name: str, idx: tuple) -> str:
    return f"{name}[{', '.join(str(int(i)) for i in idx)}]" if idx else name


def _first_wrong(got: np.ndarray, want: np.ndarray, rtol=RTOL, atol=ATOL) -> tuple:
    return tuple(int(i) for i in np.argwhere(~_agrees(got, want, rtol, atol))[0]) if got.ndim else ()


def _shape_message(name: str, got_shape, want_shape, hint: str) -> str:
    msg = f"{name} has shape {tuple(got_shape)} but should have shape {tuple(want_shape)}"
    if len(got_shape) == 2 and tuple(got_shape) == tuple(want_shape)[::-1] and got_shape != want_shape:
        msg += " (the transpose)"
    elif int(np.prod(got_shape)) == int(np.prod(want_shape)):
        msg += " (the right number of entries in the wrong arrangement)"
    return msg + (f"; {hint}" if hint else "") + "."


def _evaluate(fn, inputs: dict, helpers: dict | None, reraise: tuple = ()):
    """``fn(**inputs, **helpers)`` as a tuple of float arrays; with the bank's own helpers if the student's fail.

    ``reraise``: exception types that must reach the caller (the sandbox timed out or died).
    """
    for extra in ((helpers,) if helpers else ()) + ({},):
        try:
            with np.errstate(all="ignore"):
                return tuple(_array(v) for v in fn(**inputs, **extra))
        except reraise:
            raise
        except Exception:
            continue
    return None


def match_mistakes(
    part: PartBank,
    got: tuple,
    inputs: dict,
    want: tuple,
    rtol=RTOL,
    atol=ATOL,
    helpers: dict | None = None,
    reraise: tuple = (),
) -> dict:
    """For each wrong output, the mistakes whose value of that output equals the student's.

    Returns ``{output index: [mistake, ...]}``. A mistake counts only where it differs
    from the reference (otherwise it explains nothing). With ``helpers`` (the student's
    own earlier functions) each mistake is computed on top of them, as the student's code is.
    """
    found = {}
    wrong_outputs = [k for k, (g, w) in enumerate(zip(got, want)) if g is None or not _close(g, w, rtol, atol)]
    for mistake in part.mistakes:
        value = _evaluate(mistake.wrong, inputs, helpers, reraise)
        if value is None:
            continue
        if len(value) != len(want):
            continue
        for k in wrong_outputs:
            g, v = got[k], value[k]
            if g is None or v is None or v.shape != g.shape:
                continue
            if want[k].shape == v.shape and _close(v, want[k], rtol, atol):
                continue  # the mistake does not change this output
            if _close(g, v, rtol, atol):
                found.setdefault(k, []).append(mistake)
    return found


def judge(
    key: str,
    got,
    *,
    helpers: dict | None = None,
    accept=(),
    rtol: float = RTOL,
    atol: float = ATOL,
    show_expected: bool = False,
    reraise: tuple = (),
    **inputs,
) -> Diagnosis:
    """Compare the student's result ``got`` for part ``key`` on ``inputs`` with the reference and the bank.

    ``helpers``: the student's own functions from earlier parts (names in ``part.uses``,
    called through the grader's proxy). No cascades: a result that is right given those
    helpers passes ("right given your sigmoid_prime"; the earlier part loses its own
    points), and the mistakes are computed on top of them. ``accept``: further
    ``(note, value)`` pairs that count as right. ``show_expected`` adds the expected value
    of the first wrong entry (visible tests on the notebook's own data only; never for
    the grader's hidden inputs). ``reraise``: exception types a student's helper may raise
    that must reach the caller (the sandbox's time-out or death).
    """
    part = BANK[key]
    names = part.names(**inputs)
    with np.errstate(all="ignore"):
        want = tuple(np.asarray(w, dtype=float) for w in part.reference(**inputs))
    try:
        got_t = part.unpack(got, **inputs) if part.unpack else (got,)
    except Unexpected as exc:
        return Diagnosis(False, str(exc))
    if len(got_t) != len(want):
        return Diagnosis(
            False, f"{part.function} should return {len(want)} values ({', '.join(names)}), it returned {len(got_t)}."
        )
    arrays = []
    for name, g in zip(names, got_t):
        if g is None:
            return Diagnosis(False, f"{name} is None: did {part.function} forget to `return` it?")
        a = _array(g)
        if a is None or a.dtype == object:
            return Diagnosis(False, f"{name} should be a numpy array of numbers, got {type(g).__name__}.")
        arrays.append(a)
    got_t = tuple(arrays)
    if all(_close(g, w, rtol, atol) for g, w in zip(got_t, want)):
        return Diagnosis(True)
    helpers = {k: v for k, v in (helpers or {}).items() if k in part.uses}
    if helpers:
        given = _evaluate(part.reference, inputs, helpers, reraise)
        accept = [(f"right given your own {', '.join(helpers)}", given), *list(accept)] if given else accept
    for note, value in accept:
        value = tuple(np.asarray(v, dtype=float) for v in value)
        if len(value) == len(got_t) and all(_close(g, v, rtol, atol) for g, v in zip(got_t, value)):
            return Diagnosis(True, note=note)

    found = match_mistakes(part, got_t, inputs, want, rtol, atol, helpers, reraise)
    lines, keys, unexplained = [], [], False
    for k, (name, g, w) in enumerate(zip(names, got_t, want)):
        if _close(g, w, rtol, atol):
            continue
        if k in found:
            mistake = found[k][0]
            if mistake.key not in keys:
                keys.append(mistake.key)
                lines.append(_mistake_line(mistake, part, name, g, w, inputs))
            continue
        if g.shape != w.shape:
            lines.append(_shape_message(name, g.shape, w.shape, part.shape_hint))
            continue
        overflow = np.isinf(g) if part.nan_means else ~np.isfinite(g)  # a NaN may stand for something else
        if np.any(overflow):
            idx = tuple(int(i) for i in np.argwhere(overflow)[0]) if g.ndim else ()
            lines.append(
                f"{part.entry_name(name, idx, inputs)} is {_fmt(g[idx])}: a NaN or infinity appeared (an overflow, "
                f"or 0/0?); {part.depends}."
            )
            continue
        idx = _first_wrong(g, w, rtol, atol)
        expected = f", expected {_fmt(w[idx])}" if show_expected else ""
        if show_expected and part.nan_means and np.isnan(w[idx]):
            expected = f"; it should have {part.nan_means}"
        depends = f"{part.depends[0].upper()}{part.depends[1:]}."
        if found:  # another output matched a mistake: this one may only follow from it, so no "none match"
            if unexplained:
                continue
            unexplained = True
            lines.append(
                f"{part.quote(name, idx, g[idx], inputs)} is wrong too{expected}; it may follow from the "
                f"mistake named here, so fix that first and check again. {depends}"
            )
        else:
            lines.append(
                f"{part.quote(name, idx, g[idx], inputs)} is wrong{expected}. {depends} Your numbers match "
                f"none of the classic mistakes we know for this part, so check that entry's computation by hand."
            )
            break  # only the first wrong entry when nothing is recognised
    return Diagnosis(False, " ".join(lines), keys)


def _mistake_line(mistake: Mistake, part: PartBank, name: str, got: np.ndarray, want: np.ndarray, inputs) -> str:
    if got.shape == want.shape and got.size:
        idx = _first_wrong(got, want) if not _close(got, want) else ()
        if got.ndim and not idx:
            idx = tuple(0 for _ in got.shape)
        quote = f" (your {part.quote(name, idx, got[idx], inputs)})"
    elif got.size:
        quote = f" (your {name} has shape {tuple(got.shape)})"
    else:
        quote = ""
    return f"{mistake.says.replace('{name}', name)}{quote}."


# ---------------------------------------------------------------------------------------------
# numpy errors restated in the lecture's terms
# ---------------------------------------------------------------------------------------------
_ERRORS = (
    (
        re.compile(
            r"matmul: Input operand \d has a mismatch in its core dimension \d.*\(size (\d+) is different "
            r"from (\d+)\)"
        ),
        "a matrix product did not fit: an inner dimension of size {0} met one of size {1}",
    ),
    (
        re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned"),
        "a matrix product did not fit: shapes ({0}) and ({1})",
    ),
    (
        re.compile(r"operands could not be broadcast together with shapes (\S+) (\S+)"),
        "two arrays of shapes {0} and {1} were combined entry by entry",
    ),
    (
        re.compile(r"could not broadcast input array from shape (\S+) into shape (\S+)"),
        "an array of shape {0} was written into a place of shape {1}",
    ),
    (
        re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)"),
        "an index {0} ran past the end of axis {1} (size {2})",
    ),
    (
        re.compile(r"name '(\w+)' is not defined"),
        "the name {0!s} is not defined inside the function (a variable of another cell, or a typo?)",
    ),
    (re.compile(r"'NoneType' object"), "a value was None (a function that does not `return`?)"),
)


def restate_error(key: str, exc_type: str, text: str, **inputs) -> str:
    """A student-facing message for an exception raised in the student's code on ``inputs``.

    Names what numpy said in words, lists the part's quantities with their shapes in
    the lecture's notation, and adds the part's shape hint. Never a traceback.
    """
    part = BANK[key]
    said = None
    for pattern, words in _ERRORS:
        m = pattern.search(text or "")
        if m:
            said = words.format(*m.groups())
            break
    if said is None:
        first = (text or "").strip().splitlines()[-1:] or [""]
        said = f"{exc_type}: {first[0][:200]}"
    shapes = ""
    if part.terms:
        rows = [f"{name} {tuple(np.shape(v))}" for name, v in part.terms(**inputs).items()]
        shapes = " Here " + ", ".join(rows) + "."
    hint = f" {part.shape_hint[0].upper()}{part.shape_hint[1:]}." if part.shape_hint else ""
    return f"{part.function} raised {exc_type} ({said}).{shapes}{hint}"


BANK: dict[str, PartBank] = {}


def register(*parts: PartBank) -> None:
    for part in parts:
        keys = [m.key for m in part.mistakes]
        assert len(keys) == len(set(keys)), f"{part.key}: duplicate mistake keys"
        BANK[part.key] = part


def seq_of(name: str, count: int, what: str):
    """An ``unpack`` for a list of ``count`` arrays."""

    def unpack(value, **_):
        if value is None:
            raise Unexpected(f"{name} is None: did you forget to `return` it?")
        if not isinstance(value, (list, tuple)):
            raise Unexpected(f"{name} should be a list of {count} arrays ({what}), got {type(value).__name__}.")
        if len(value) != count:
            raise Unexpected(f"{name} should hold {count} arrays ({what}), it holds {len(value)}.")
        return tuple(value)

    unpack.pack = list
    return unpack


def pair_of_seqs(function: str, first: tuple, second: tuple):
    """An ``unpack`` for ``(list, list)`` returns such as ``(zs, activations)``."""

    def unpack(value, **_):
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise Unexpected(f"{function} should return two lists ({first[0]}, {second[0]}).")
        out = []
        for (name, count, what), seq in zip((first, second), value):
            out += seq_of(name, count, what)(seq)
        return tuple(out)

    unpack.pack = lambda values: (list(values[: first[1]]), list(values[first[1] :]))
    return unpack


def tuple_of(function: str, names: tuple):
    def unpack(value, **_):
        if not isinstance(value, (list, tuple)) or len(value) != len(names):
            raise Unexpected(
                f"{function} should return {len(names)} values ({', '.join(names)}), got "
                f"{len(value) if isinstance(value, (list, tuple)) else type(value).__name__}."
            )
        return tuple(value)

    unpack.pack = tuple
    return unpack
