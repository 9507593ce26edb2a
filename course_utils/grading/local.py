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
from typing import Any

from . import protocol
from .api import MissingName, StudentRaised, Variant, Verdict


class LocalStudent:
    """The ``student`` of a check, calling functions of a namespace (a notebook's ``globals()``)."""

    def __init__(self, namespace: dict) -> None:
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

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``namespace[name]`` on copies of the arguments. Parameters and returns as :meth:`Student.call`."""
        return self._run(name, list(args), kwargs)[0]

    def call_with_args(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Parameters and returns as :meth:`course_utils.grading.api.Student.call_with_args`."""
        result, after = self._run(name, list(args), kwargs)
        return result, protocol.decode(protocol_roundtrip(after))


def protocol_roundtrip(value: Any) -> Any:
    """Encode a value as the sandbox's harness does (base classes only), as JSON-ready data.

    Parameters
    ----------
    value : object
        What a student's function returned.

    Returns
    -------
    object
        What :func:`course_utils.grading.protocol.decode` reads: arrays of numeric dtypes, numbers,
        strings, ``None``, tuples, lists and string-keyed dicts of those; anything else becomes
        ``{"$unsupported": its type}`` (decoded as not plain data).
    """
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
    """Run one part's check against the functions of a namespace, in this process.

    Parameters
    ----------
    ps : str
        The problem set, e.g. ``"ps3"``.
    grade_id : str
        The part's test cell, e.g. ``"test_conv_dx"``.
    namespace : dict
        Where the student's functions are (a notebook's ``globals()``).
    variant : Variant, optional
        Whose inputs; default: the practice inputs (:meth:`Variant.practice_run`).

    Returns
    -------
    Verdict
        The check's verdict; a missing function or one that raised fails with its message.
    """
    parts = importlib.import_module(f"course_utils.grading.checks.{ps}").PARTS
    part = next((p for p in parts if p.grade_id == grade_id), None)
    if part is None:
        raise KeyError(f"{ps} has no autograded part {grade_id!r}")
    try:
        return part.check(LocalStudent(namespace), variant or Variant.practice_run(ps))
    except (MissingName, StudentRaised) as exc:
        return Verdict.failed(exc.message)


def check(ps: str, grade_id: str, namespace: dict) -> None:
    """A visible test: the grader's check of one part, on practice inputs, in the student's kernel.

    Prints that it passes, or raises ``AssertionError`` with the grader's message.

    Parameters
    ----------
    ps : str
        The problem set, e.g. ``"ps3"``.
    grade_id : str
        The part's test cell, e.g. ``"test_conv_dx"``.
    namespace : dict
        The notebook's ``globals()``.
    """
    verdict = run_check(ps, grade_id, namespace)
    if verdict.score < 1.0:
        raise AssertionError(f"{grade_id}: {verdict.message}")
    print(f"{grade_id}: the grader's check passes on practice inputs")
