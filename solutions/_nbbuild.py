"""Helpers that build the nbgrader source notebooks (used by build_problem_sets.py).

Cells carry nbgrader metadata (schema 3):

* locked markdown / code ("read-only"): ``grade: false, solution: false, locked: true``;
* answer cell: ``grade: false, solution: true, locked: false``;
* test cell: ``grade: true, solution: false, locked: true, points: N``;
* written answer: markdown ``grade: true, solution: true, points: N``.

There are no hidden tests in the notebooks: each test cell's verdict is computed by
``course_utils/grading/checks/<ps>.py`` in the grader's process, calling the student's
functions in a sandbox (see ``course_utils/grading``).
"""
from __future__ import annotations

import textwrap

import nbformat

_counter = {"n": 0}


def _meta(**kw):
    base = {"schema_version": 3, "grade": False, "solution": False, "locked": False, "task": False}
    base.update(kw)
    return {"nbgrader": base}


def _id(prefix):
    _counter["n"] += 1
    return f"{prefix}-{_counter['n']:02d}"


def reset(ps):
    _counter["n"] = 0
    _counter["ps"] = ps


def md(text, grade_id=None):
    """Locked markdown (instructions)."""
    cell = nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())
    cell.metadata = _meta(locked=True, grade_id=grade_id or _id("text"))
    return cell


def setup(src, grade_id="setup"):
    """Locked, ungraded code cell (numpy, data) that also runs in the grading sandbox before the answers.

    No reference implementation, no expected value and no ``course_utils.grading`` here: put those
    in a :func:`visible_setup` cell. Restored by autograde if edited.
    """
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    cell.metadata = _meta(locked=True, grade_id=grade_id)
    return cell


def visible_setup(src, grade_id="visible_setup"):
    """Locked, ungraded code cell of the visible tests: it runs in the student's kernel only.

    The grading sandbox skips locked cells whose grade_id starts with ``visible_``: reference
    implementations and expected values belong here, never in a set-up cell.
    """
    if not grade_id.startswith("visible_"):
        raise ValueError(f"a visible set-up cell's grade_id starts with 'visible_', got {grade_id!r}")
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    cell.metadata = _meta(locked=True, grade_id=grade_id)
    return cell


def answer(src, grade_id):
    """Answer cell: the part between ### BEGIN/END SOLUTION is replaced by a stub on release."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    cell.metadata = _meta(solution=True, grade_id=grade_id)
    return cell


def scratch(src=""):
    """An unmarked cell for the student's own experiments."""
    return nbformat.v4.new_code_cell(textwrap.dedent(src).strip())


def tests(visible, grade_id, points):
    """Test cell: visible checks with helpful messages, then the grader's own check on practice inputs.

    Test cells run only in the student's kernel (and ``nbgrader validate``); the grade comes from
    ``course_utils/grading/checks/<ps>.py``, run by the grader outside the student's kernel.
    """
    src = (textwrap.dedent(visible).strip()
           + f'\n\ncheck("{_counter["ps"]}", "{grade_id}", globals())  # the grader\'s check, on practice inputs')
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata = _meta(grade=True, locked=True, points=points, grade_id=grade_id)
    return cell


def written(solution_text, grade_id, points):
    """Written answer graded by hand: the model answer is removed on release."""
    text = "### BEGIN SOLUTION\n" + textwrap.dedent(solution_text).strip() + "\n### END SOLUTION"
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata = _meta(grade=True, solution=True, points=points, grade_id=grade_id)
    return cell


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:03d}"
    return nb
