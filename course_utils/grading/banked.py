"""Checks built on the mistake bank: one call into the student's code, one judgement, one message.

A problem set's ``checks/<ps>.py`` lists its parts as::

    PARTS = [banked_part("test_conv_dx", 2, "ps3.conv_dx"), ...]

Each part draws its inputs from the bank (``BANK[key].inputs``) with the student's own
random generator (``variant.rng(key)``: hidden, per student), calls the student's
function through the grader's proxy, and lets :func:`~course_utils.grading.mistakes.judge`
decide, with the student's own earlier functions as helpers (no cascades). The same check
runs in the student's kernel for the visible tests (``course_utils.grading.local.check``),
on public practice inputs, where the message may also show the expected entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .api import Part, SandboxFailure, Student, StudentError, StudentMemory, StudentRaised, Variant, Verdict
from .mistakes import BANK, Diagnosis, judge, restate_error

__all__ = ["banked_part", "judged", "student_helpers"]


def _key(value) -> bytes:
    """A hashable fingerprint of plain data (arrays by dtype, shape and bytes)."""
    if isinstance(value, np.ndarray):
        return b"a" + str(value.dtype).encode() + str(value.shape).encode() + value.tobytes()
    if isinstance(value, (list, tuple)):
        return b"(" + b",".join(_key(v) for v in value) + b")"
    if isinstance(value, dict):
        return b"{" + b",".join(str(k).encode() + b":" + _key(v) for k, v in value.items()) + b"}"
    return repr(value).encode()


def student_helpers(student: Student, names: Iterable[str]) -> dict:
    """The student's functions as plain callables through the proxy, each call made once.

    Parameters
    ----------
    student : Student
        The proxy to the student's code.
    names : iterable of str
        The functions' names.

    Returns
    -------
    dict
        ``{name: callable}``; a callable called twice with the same arguments returns the first
        call's result without calling the student's code again.
    """
    cache = {}

    def helper(name):
        def call(*args):
            key = (name, _key(args))
            if key not in cache:
                cache[key] = student.call(name, *args)
            return cache[key]

        return call

    return {name: helper(name) for name in names}


def _one_call_per_case(student, name, cases, raised=np.nan):
    """For parts whose inputs are a list of cases: one call each; a ValueError counts as ``raised``."""
    out = []
    for case in cases:
        try:
            out.append(student.call(name, *case))
        except StudentRaised as exc:
            if exc.exc_type != "ValueError":
                raise
            out.append(raised)
    return out


# errors of the student's own code that the bank restates in the lecture's terms (shape mismatches, ...);
# any other error (MemoryError, OSError, ImportError of a reference, ...) goes to the engine, which names it
RESTATED = frozenset(
    {
        "ValueError",
        "TypeError",
        "IndexError",
        "KeyError",
        "NameError",
        "UnboundLocalError",
        "AttributeError",
        "ZeroDivisionError",
        "FloatingPointError",
        "OverflowError",
        "AssertionError",
        "NotImplementedError",
        "RuntimeError",
        "RecursionError",
    }
)

# parts whose student function is called once per case rather than once on all inputs
CALLERS = {
    "ps3.conv_output_size": lambda student, cases: np.array(
        _one_call_per_case(student, "conv_output_size", cases), dtype=float
    ),
    "ps5.local_gradients": lambda student, cases: tuple(student.call("local_gradients", *case) for case in cases),
}


def _one_local_gradients_call(got, op, parent_values, value, const=None) -> bool:
    """Is one call of local_gradients right, or one of its classic mistakes (the bank's slips), on its case?"""
    from .mistakes.ps5 import op_local

    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    for slip in (None, *(mistake.key for mistake in BANK["ps5.local_gradients"].mistakes)):
        try:
            want = np.asarray(op_local(op, parent_values, value, const, slip=slip), dtype=float)
        except Exception:  # a slip that does not apply to this op
            continue
        if want.shape == got.shape and np.all(np.isfinite(got)) and np.allclose(got, want, rtol=1e-6, atol=1e-9):
            return True
    return False


# per-case helpers (CALLERS): whether one call is right or a classic mistake, to hold it to what its check found
ONE_CALL = {"ps5.local_gradients": _one_local_gradients_call}


def _diagnose(key: str, student, variant, inputs: dict, rtol=1e-6, atol=1e-9, call=None, memo=None) -> Diagnosis:
    """The bank's diagnosis of the student's function of part ``key`` on ``inputs``.

    The student's earlier functions are consulted only when the result is not right outright
    (a right answer costs one call; a loop in an unrelated earlier part cannot reach this one).
    """
    part = BANK[key]
    memo = {} if memo is None else memo
    call = call or CALLERS.get(key) or (lambda student, *args: student.call(part.function, *args))
    try:
        got = call(student, *inputs.values())
    except StudentRaised as exc:
        if exc.exc_type not in RESTATED or isinstance(exc, StudentMemory):
            raise  # the engine names these itself: memory cap, file access outside the sandbox, ...
        return Diagnosis(False, restate_error(key, exc.exc_type, exc.text, **inputs), raised=True)
    options = dict(rtol=rtol, atol=atol, show_expected=variant.practice, reraise=(SandboxFailure,))
    diagnosis = judge(key, got, **options, **inputs)
    if diagnosis.ok or not part.uses:
        return diagnosis
    usable, _ = _earlier_parts(key, student, variant, memo)
    return (
        judge(key, got, helpers=_vouched_helpers(key, student, variant, usable, memo), **options, **inputs)
        if usable
        else diagnosis
    )


class _Unvouched(Exception):
    """A helper did something on a later part's inputs that its own check did not see."""


def _vouched_helpers(key: str, student, variant, usable: list, memo: dict) -> dict:
    """The student's helpers ``usable`` for part ``key``, each call held to what the helper's own check found.

    "Right given your own helper" holds only where the helper's numbers on the later part's inputs are right
    or wrong by a classic mistake of its own. A helper right on its own check's inputs and zero (or infinite,
    or anything the bank does not recognise) on a later part's made any answer of that part "right given your
    own ..." (output_delta returning zeros over a sigmoid_prime that returned zeros for 2 values). Such a call
    raises, and the part is judged on the plain reference. A helper that was itself right given helpers of its
    own is judged on top of those (held to the same rule); one called once per case, call by call (ONE_CALL).
    """
    ps = key.split(".")[0]
    helpers = student_helpers(student, usable)
    for name, call in list(helpers.items()):
        own = _own_part(ps, name)
        status = memo.get(own)
        if own is None or status is None or (own in CALLERS and own not in ONE_CALL):
            continue
        nested = None
        if status.note:  # right given helpers of its own: judged on top of them here too
            nested = _vouched_helpers(own, student, variant, _earlier_parts(own, student, variant, memo)[0], memo)
        helpers[name] = _held_to(call, own, nested)
    return helpers


def _held_to(call, own: str, nested: dict | None = None):
    names = list(BANK[own].inputs(np.random.default_rng(0)))  # the argument names, in order

    def helper(*args):
        got = call(*args)
        if own in ONE_CALL:
            if ONE_CALL[own](got, *args):
                return got
            raise _Unvouched(f"{BANK[own].function} does not behave here as on its own check")
        if len(args) != len(names):
            return got
        diagnosis = judge(own, got, helpers=nested, reraise=(SandboxFailure,), **dict(zip(names, args)))
        if diagnosis.ok or diagnosis.mistakes:
            return got
        raise _Unvouched(f"{BANK[own].function} does not behave here as on its own check")

    return helper


def _own_part(ps: str, function: str) -> str | None:
    """The bank part that grades ``function`` itself."""
    return next((k for k, p in BANK.items() if k.startswith(ps + ".") and p.function == function), None)


def _earlier_parts(key: str, student, variant, memo: dict) -> tuple[list, list]:
    """The student's earlier functions this part calls: those it may be judged on top of, and the broken ones.

    A helper that is right, or wrong by a *classic* mistake the bank recognises, is used: an honest slip is
    charged to its own part only. A helper that returns something unrecognised (zeros, garbage) is not an
    excuse: the part is then judged against the plain reference, and the message says to fix that part first.
    """
    ps = key.split(".")[0]
    usable, broken = [], []
    for name in BANK[key].uses:
        own = _own_part(ps, name)
        if own is None:
            continue
        if own not in memo:
            memo[own] = None  # guards against a cycle
            try:
                memo[own] = _diagnose(own, student, variant, BANK[own].inputs(variant.rng(own)), memo=memo)
            except SandboxFailure:
                raise
            except StudentError:  # its own part reports it (memory cap, missing, ...): here it is just broken
                memo[own] = Diagnosis(False)
        status = memo[own]
        if status is not None and (status.ok or status.mistakes):
            usable.append(name)
        if status is None or not status.ok:
            broken.append(name)
    return usable, broken


def judged(
    key: str,
    student: Student,
    variant: Variant,
    inputs: dict,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    call: Callable[..., Any] | None = None,
) -> Verdict:
    """Call the student's function of one bank part on some inputs and judge the result.

    Parameters
    ----------
    key : str
        The bank part, e.g. ``"ps3.conv_dx"``.
    student : Student
        The proxy to the student's code.
    variant : Variant
        Whose inputs (the student's earlier functions are judged on them too, for "fix Part k first").
    inputs : dict
        The function's arguments by name, in order.
    rtol, atol : float, default 1e-6 and 1e-9
        The tolerance.
    call : callable, optional
        ``call(student, *args)`` replaces the plain ``student.call(function, *args)`` (e.g. to keep
        the arguments as they are after the call).

    Returns
    -------
    Verdict
        Passed (with the bank's note), failed naming the classic mistake, or failed saying the
        mistake is not known (and which earlier part to fix first, when that is the cause).
    """
    memo = {}
    diagnosis = _diagnose(key, student, variant, inputs, rtol, atol, call, memo)
    if diagnosis.ok:
        return Verdict.passed(diagnosis.note)
    if diagnosis.mistakes:
        return Verdict.failed(diagnosis.message)
    return Verdict.failed(diagnosis.message + _fix_first(key, student, variant, memo))


def _part_label(ps: str, function: str) -> str:
    """ "Part k" of the problem set whose check calls ``function`` first (its own part)."""
    import importlib

    try:
        parts = importlib.import_module(f"{__package__}.checks.{ps}").PARTS
    except ImportError:
        return function
    for number, part in enumerate(parts, 1):
        if part.uses and part.uses[0] == function:
            return f"Part {number}"
    return function  # not graded on its own (ps1's loss)


def _fix_first(key: str, student, variant, memo: dict) -> str:
    """When a part that genuinely builds on earlier ones fails: which of those fail their own checks."""
    ps = key.split(".")[0]
    _, broken = _earlier_parts(key, student, variant, memo)
    graded = []
    while broken:  # a helper without a part of its own (ps1's loss) is broken through its own helpers
        name = broken.pop(0)
        label = _part_label(ps, name)
        if label.startswith("Part"):
            graded.append((name, label))
        else:
            broken += [n for n in _earlier_parts(_own_part(ps, name), student, variant, memo)[1] if n not in broken]
    if not graded:
        return ""
    labels = sorted({label for _, label in graded})
    named = ", ".join(f"{name} ({label})" for name, label in graded)
    return f" This part calls your {named}, which fails its own check: fix {' and '.join(labels)} first."


def _same_data(before, after) -> bool:
    if isinstance(before, (list, tuple)):
        return (
            isinstance(after, (list, tuple))
            and len(after) == len(before)
            and all(_same_data(b, a) for b, a in zip(before, after))
        )
    return np.shape(after) == np.shape(before) and bool(np.array_equal(after, before))


def _judged_unchanged(key, student, variant, inputs, unchanged: dict, rtol, atol) -> Verdict:
    """``judged``, then: the arguments named in ``unchanged`` are as they were before the call."""
    after = {}

    def call(student, *args):
        got, after["args"] = student.call_with_args(BANK[key].function, *args)
        return got

    verdict = judged(key, student, variant, inputs, rtol, atol, call=call)
    if verdict.score < 1.0:
        return verdict
    for position, name in enumerate(inputs):
        if name in unchanged and not _same_data(inputs[name], after["args"][position]):
            return Verdict.failed(f"{BANK[key].function} changed its argument {name} in place: {unchanged[name]}")
    return verdict


def banked_part(
    grade_id: str, points: float, *keys: str, rtol: float = 1e-6, atol: float = 1e-9, unchanged: dict | None = None
) -> Part:
    """A part whose check judges some bank parts on fresh per-student inputs.

    Parameters
    ----------
    grade_id : str
        The nbgrader test cell, e.g. ``"test_conv_dx"``.
    points : float
        Its points.
    *keys : str
        The bank parts it judges (``BANK[key].inputs(variant.rng(key))`` each); the verdicts are
        combined (:meth:`Verdict.combine`).
    rtol, atol : float, default 1e-6 and 1e-9
        The tolerance.
    unchanged : dict, optional
        ``{argument name: advice}`` for arguments the function must leave as they were.

    Returns
    -------
    Part
        Its ``uses`` are the functions of the bank parts and their helpers.
    """

    def check(student, variant):
        verdicts = []
        for key in keys:
            inputs = BANK[key].inputs(variant.rng(key))
            if unchanged:
                verdicts.append(_judged_unchanged(key, student, variant, inputs, unchanged, rtol, atol))
            else:
                verdicts.append(judged(key, student, variant, inputs, rtol, atol))
        return Verdict.combine(*verdicts)

    check.__name__ = f"check_{grade_id}"
    uses = tuple(dict.fromkeys(name for key in keys for name in (BANK[key].function, *BANK[key].uses)))
    return Part(grade_id, points, check, uses)
