"""The self-check cells of notebooks 01-05: shipped answers are right, and a wrong one gets a hint.

The cells are executed in-process (no kernel): the answers cell, then the checking
cell, exactly as a student would run them.
"""
import contextlib
import io
import re
from pathlib import Path

import nbformat
import pytest

from course_utils.demos_mlp import QUESTIONS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("0[1-5]_*.ipynb"))


def test_the_five_mlp_notebooks_exist():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    tagged = {}
    for cell in nb.cells:
        for tag in cell.metadata.get("tags", []):
            tagged[tag] = cell.source
    return nb, tagged


def _run(source, ns):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), ns)
    return out.getvalue()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_structure(path):
    nb, tagged = _cells(path)
    assert nb.cells[0].cell_type == "markdown" and "Learning goals" in nb.cells[0].source
    assert any(c.cell_type == "markdown" and "## Summary" in c.source for c in nb.cells)
    assert "selfcheck-answers" in tagged and "selfcheck" in tagged
    assert "import course_utils" in "\n".join(c.source for c in nb.cells) or \
        "from course_utils" in "\n".join(c.source for c in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_shipped_answers_pass_and_a_wrong_answer_gets_a_hint(path):
    _, tagged = _cells(path)
    calls = re.findall(r'check_answer\("([^"]+)", (\w+)\)', tagged["selfcheck"])
    assert 2 <= len(calls) <= 4, f"{path.name}: expected 2-4 self-check questions, found {len(calls)}"
    prefix = path.name[:2] + "."
    assert all(qid.startswith(prefix) and qid in QUESTIONS for qid, _ in calls)

    ns = {}
    _run(tagged["selfcheck-answers"], ns)
    out = _run(tagged["selfcheck"], ns)
    assert out.count("Correct.") == len(calls) and f"{len(calls)} of {len(calls)} right" in out

    qid, var = calls[0]
    ns[var] = ...  # a student who has not answered yet
    out = _run(tagged["selfcheck"], ns)
    assert f"[{qid}] Not checked yet: replace the ... with your answer." in out
    assert f"{len(calls) - 1} of {len(calls)} right" in out

    ns = {}
    _run(tagged["selfcheck-answers"], ns)
    q = QUESTIONS[qid]
    if q.kind == "choice":
        wrong = next(c for c in q.choices if c != q.expected())
    else:
        wrong = {"shape": (9, 9), "number": 123.0, "vector": [9.0] * 3}[q.kind]
    ns[var] = wrong
    out = _run(tagged["selfcheck"], ns)
    assert f"[{qid}] Not quite. Hint: {q.hint}" in out
