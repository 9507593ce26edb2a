"""Grading the problem sets: a student cannot game it.

* :mod:`~course_utils.grading.api` and :mod:`~course_utils.grading.checks`: what each autograded
  part checks, run in the grader's process on fresh per-student inputs;
* :mod:`~course_utils.grading.sandbox`: the student's code in a bubblewrap sandbox (no
  references, no solutions, no gradebook, no network, capped memory/processes/time), driven over
  a pipe that carries plain data only (:mod:`~course_utils.grading.protocol`);
* :mod:`~course_utils.grading.engine`: whole submissions, cached, N workers;
* :mod:`~course_utils.grading.nbgrader_plugin`: nbgrader records the verdicts (gradebook,
  feedback, export stay nbgrader's);
* :mod:`~course_utils.grading.reporting` and the command line::

      python -m course_utils.grading autograde ps1   # sandboxed verdicts (N workers), nbgrader records, report
      python -m course_utils.grading report ps1      # scores per part or an explicit error; CSV + PNG

* :mod:`~course_utils.grading.local`: ``check(ps, grade_id, globals())``, the visible tests in the
  student's own kernel (the grader's own check, on practice inputs).

None of this package exists inside the grading sandbox.
"""

_LAZY = {
    "main": "cli",
    "RecordVerdicts": "nbgrader_plugin",
    "ShortenTestTracebacks": "nbgrader_plugin",
    "Submission": "reporting",
    "collect": "reporting",
    "print_table": "reporting",
    "report": "reporting",
    "write_report": "reporting",
}


def __getattr__(name):
    # imported on first use, so that a notebook's `from course_utils.grading.local import check`
    # does not import nbconvert and nbgrader
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ShortenTestTracebacks",
    "RecordVerdicts",
    "Submission",
    "collect",
    "write_report",
    "print_table",
    "report",
    "main",
]
