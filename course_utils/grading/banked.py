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

import numpy as np

from .api import Part, SandboxFailure, StudentRaised, Verdict
from .mistakes import BANK, judge, restate_error

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


def student_helpers(student, names) -> dict:
    """The student's functions ``names`` as plain callables through the proxy, each call made once."""
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


# parts whose student function is called once per case rather than once on all inputs
CALLERS = {
    "ps3.conv_output_size": lambda student, cases: np.array(
        _one_call_per_case(student, "conv_output_size", cases), dtype=float
    ),
    "ps5.local_gradients": lambda student, cases: tuple(student.call("local_gradients", *case) for case in cases),
}


def judged(key: str, student, variant, inputs: dict, rtol: float = 1e-6, atol: float = 1e-9, call=None) -> Verdict:
    """Call the student's function of bank part ``key`` on ``inputs`` and judge the result.

    ``call(student, *args)`` replaces the plain ``student.call(function, *args)`` (e.g. to keep
    the arguments as they are after the call).
    """
    part = BANK[key]
    call = call or CALLERS.get(key) or (lambda student, *args: student.call(part.function, *args))
    try:
        got = call(student, *inputs.values())
    except StudentRaised as exc:
        return Verdict.failed(restate_error(key, exc.exc_type, exc.text, **inputs) + _fix_first(key, student, variant))
    diagnosis = judge(
        key,
        got,
        helpers=student_helpers(student, part.uses),
        rtol=rtol,
        atol=atol,
        show_expected=variant.practice,
        reraise=(SandboxFailure,),
        **inputs,
    )
    if diagnosis.ok:
        return Verdict.passed(diagnosis.note)
    return Verdict.failed(diagnosis.message + ("" if diagnosis.mistakes else _fix_first(key, student, variant)))


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
    return function


def _fix_first(key: str, student, variant) -> str:
    """When a part that genuinely builds on earlier ones fails: which of those fail their own checks."""
    ps = key.split(".")[0]
    broken = []
    for name in BANK[key].uses:
        own = next((k for k, p in BANK.items() if k.startswith(ps + ".") and p.function == name), None)
        if own is None:
            continue
        try:
            verdict = judged(own, student, variant, BANK[own].inputs(variant.rng(own)))
        except SandboxFailure:
            raise
        except Exception:
            verdict = Verdict.failed("")
        if verdict.score < 1.0:
            broken.append(f"{name} ({_part_label(ps, name)})")
    if not broken:
        return ""
    labels = sorted({b.split("(")[1].rstrip(")") for b in broken})
    return f" This part calls your {', '.join(broken)}, which fails its own check: fix {' and '.join(labels)} first."


def banked_part(grade_id: str, points: float, *keys: str, rtol: float = 1e-6, atol: float = 1e-9) -> Part:
    """A part whose check judges the bank parts ``keys`` on fresh per-student inputs."""

    def check(student, variant):
        return Verdict.combine(
            *[judged(key, student, variant, BANK[key].inputs(variant.rng(key)), rtol, atol) for key in keys]
        )

    check.__name__ = f"check_{grade_id}"
    uses = tuple(dict.fromkeys(name for key in keys for name in (BANK[key].function, *BANK[key].uses)))
    return Part(grade_id, points, check, uses)
