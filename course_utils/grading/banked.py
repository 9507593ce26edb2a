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
    "ps3.conv_output_size": lambda student, cases: (np.array(_one_call_per_case(student, "conv_output_size", cases),
                                                             dtype=float),),
    "ps5.local_gradients": lambda student, cases: tuple(student.call("local_gradients", *case) for case in cases),
}


def judged(key: str, student, variant, inputs: dict, rtol: float = 1e-6, atol: float = 1e-9) -> Verdict:
    """Call the student's function of bank part ``key`` on ``inputs`` and judge the result."""
    part = BANK[key]
    try:
        if key in CALLERS:
            got = CALLERS[key](student, *inputs.values())
        else:
            got = student.call(part.function, *inputs.values())
    except StudentRaised as exc:
        return Verdict.failed(restate_error(key, exc.exc_type, exc.text, **inputs))
    diagnosis = judge(key, got, helpers=student_helpers(student, part.uses), rtol=rtol, atol=atol,
                      show_expected=variant.practice, reraise=(SandboxFailure,), **inputs)
    return Verdict.passed(diagnosis.note) if diagnosis.ok else Verdict.failed(diagnosis.message)


def banked_part(grade_id: str, points: float, *keys: str, rtol: float = 1e-6, atol: float = 1e-9) -> Part:
    """A part whose check judges the bank parts ``keys`` on fresh per-student inputs."""

    def check(student, variant):
        return Verdict.combine(*[judged(key, student, variant, BANK[key].inputs(variant.rng(key)), rtol, atol)
                                 for key in keys])

    check.__name__ = f"check_{grade_id}"
    uses = tuple(dict.fromkeys(name for key in keys for name in (BANK[key].function, *BANK[key].uses)))
    return Part(grade_id, points, check, uses)
