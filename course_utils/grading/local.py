"""Visible tests that reuse the grader's checks, in the student's own kernel.

In a test cell::

    from course_utils.grading.local import check
    check("ps3", "test_conv_dx", globals())

runs the check of that part with public practice inputs (:meth:`Variant.practice_run`) against
the functions defined in the notebook, with the same plain-data conversion as the grader, and
raises ``AssertionError`` with the check's message unless it earns full marks. This is a
convenience for the student: the verdict is computed by the grader, outside this kernel, on
inputs nobody can predict.
"""

from __future__ import annotations

import copy
import importlib

from . import protocol
from .api import MissingName, StudentRaised, Variant, Verdict


class LocalStudent:
    """The ``student`` of a check, calling functions of a namespace (a notebook's ``globals()``)."""

    def __init__(self, namespace: dict):
        self.ns = namespace

    def _fn(self, name):
        fn = self.ns.get(name)
        if fn is None or not callable(fn):
            raise MissingName(f"{name} is not defined: run its answer cell first")
        return fn

    def _run(self, name, args, kwargs):
        fn = self._fn(name)
        args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            raise StudentRaised(type(exc).__name__, str(exc), f"{name}(...) ") from exc
        # the same conversion as the grading sandbox: plain data only
        return protocol.decode(protocol_roundtrip(result)), args

    def call(self, name, *args, **kwargs):
        return self._run(name, list(args), kwargs)[0]

    def call_with_args(self, name, *args, **kwargs):
        result, after = self._run(name, list(args), kwargs)
        return result, protocol.decode(protocol_roundtrip(after))


def protocol_roundtrip(value):
    """Encode like the sandbox's harness does (base classes only), as JSON-ready data."""
    import numpy as np

    if isinstance(value, np.ndarray):
        arr = np.array(value, copy=True, subok=False)
        return protocol.encode(arr) if arr.dtype.kind in "biufc" else {"$unsupported": f"array of dtype {arr.dtype}"}
    if isinstance(value, (np.number, np.bool_, bool, int, float, str)) or value is None:
        return protocol.encode(value)
    if isinstance(value, tuple):
        return {"$tuple": [protocol_roundtrip(v) for v in value]}
    if isinstance(value, list):
        return [protocol_roundtrip(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": [[k, protocol_roundtrip(v)] for k, v in value.items()]}
    return {"$unsupported": type(value).__name__}


def run_check(ps: str, grade_id: str, namespace: dict, variant: Variant | None = None) -> Verdict:
    parts = importlib.import_module(f"course_utils.grading.checks.{ps}").PARTS
    part = next((p for p in parts if p.grade_id == grade_id), None)
    if part is None:
        raise KeyError(f"{ps} has no autograded part {grade_id!r}")
    try:
        return part.check(LocalStudent(namespace), variant or Variant.practice_run(ps))
    except (MissingName, StudentRaised) as exc:
        return Verdict.failed(exc.message)


def check(ps: str, grade_id: str, namespace: dict) -> None:
    """Raise AssertionError with the grader's message unless ``grade_id`` passes on practice inputs."""
    verdict = run_check(ps, grade_id, namespace)
    if verdict.score < 1.0:
        raise AssertionError(f"{grade_id}: {verdict.message}")
    print(f"{grade_id}: the grader's check passes on practice inputs")
