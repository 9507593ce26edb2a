"""ps1 (the delta rule): validated, released, and graded with the real nbgrader CLI (see fixtures/submissions)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "submissions"))
from _harness import ROOT
from _pstests import *  # noqa: F403  (the shared problem-set tests)


@pytest.fixture(scope="module")
def ps():
    return "ps1"


def test_report_command_line_prints_scores_and_explicit_errors(graded, capsys):
    from course_utils.grading import main

    out_dir = Path(graded["course"]) / "cli-report"
    assert main(["report", "ps1", "--course-dir", graded["course"], "--out", str(out_dir)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert "ERROR" in lines["invalid_json"] and "not valid JSON" in lines["invalid_json"]
    assert "timeout" in lines["infinite_loop"]
    assert lines["correct"].split()[1] == "12"
    assert (out_dir / "grades.csv").exists() and (out_dir / "grades.png").exists()


# -- the visible "see it learn" cell after train_xor -------------------------------------------------
def _release_namespace(answers: dict | None = None, skip=()) -> tuple[dict, str]:
    """Run the release like a student's kernel would: set-up cells, then the answer cells (the stubs,
    or the instructor's answers for the grade_ids in ``answers``); returns it and the visible cell."""
    import nbformat
    from _harness import solution_code

    release = nbformat.read(ROOT / "assignments" / "ps1" / "ps1.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / "ps1" / "ps1.ipynb", as_version=4)
    solved = {
        c.metadata["nbgrader"]["grade_id"]: solution_code(c.source)
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    ns, visible = {"__name__": "__main__"}, None
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id", "")
        if gid == "visible_xor_learning":
            visible = cell.source
        elif cell.cell_type == "code" and meta.get("solution") and gid not in skip:
            code = cell.source if answers is None or gid not in answers else answers[gid] or solved[gid]
            exec(code, ns)
        elif cell.cell_type == "code" and meta.get("locked") and not meta.get("grade") and gid != "visible_setup":
            exec(cell.source, ns)
    assert visible is not None, "the release has no visible_xor_learning cell"
    return ns, visible


def _show(ns, source, capsys) -> list:
    exec(source, ns)
    return capsys.readouterr().out.splitlines()


def test_the_xor_cell_is_never_run_by_the_grader():
    import nbformat

    from course_utils.grading.engine import program, runs_in_sandbox

    release = nbformat.read(ROOT / "assignments" / "ps1" / "ps1.ipynb", as_version=4)
    (cell,) = [c for c in release.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "visible_xor_learning"]
    assert cell.metadata["nbgrader"]["locked"] and not runs_in_sandbox(cell)
    steps, _ = program(nbformat.from_dict(release), nbformat.from_dict(release))
    assert "visible_xor_learning" not in [gid for _, gid, _ in steps] and "show_xor_learning" not in str(steps)


def test_the_xor_cell_says_plainly_what_is_not_implemented_yet(capsys):
    ns, cell = _release_namespace()  # the release as handed out: every answer is a stub
    assert _show(ns, cell, capsys) == [
        "train_xor is not implemented yet: write its answer cell above, run it, then this cell again."
    ]
    ns, cell = _release_namespace({"train_xor": None})  # train_xor written, forward still the stub
    assert _show(ns, cell, capsys) == ["train_xor needs forward, which is not implemented yet: finish its part first."]
    ns, cell = _release_namespace(skip=("train_xor",))  # its answer cell not run
    assert _show(ns, cell, capsys) == ["train_xor is not defined yet: run its answer cell above, then this cell again."]


def test_the_xor_cell_shows_a_right_answer_learning_xor_and_a_wrong_one_not(capsys):
    everything = {
        gid: None
        for gid in (
            "sigmoid",
            "forward",
            "output_delta",
            "backward_deltas",
            "gradients",
            "numerical_gradient",
            "train_xor",
        )
    }
    ns, cell = _release_namespace(everything)
    lines = _show(ns, cell, capsys)
    assert lines[-1] == "learned XOR: every output is on the right side of 0.5", lines
    rows = [line for line in lines if line.endswith(("right", "WRONG side of 0.5"))]
    assert [row.split("|")[1].strip() for row in rows] == ["0", "1", "1", "0"]  # the targets, next to a^L
    final = float(lines[0].rsplit(":", 1)[1])
    assert final < 0.05 and all(row.endswith("right") for row in rows), lines
    # the outputs shown are the trained network's: each on its target's side of 0.5
    for row, xor in zip(rows, (0, 1, 1, 0)):
        a1, a2 = (float(v) for v in row.split("|")[2].split()[:2])
        assert (a2 > 0.5) == bool(xor) and (a1 > 0.5) == (not xor), row
    # the classic slip of stepping *up* the gradient: the cell says so instead of a false "learned"
    import nbformat
    from _harness import solution_code

    solution = nbformat.read(ROOT / "solutions" / "ps1" / "ps1.ipynb", as_version=4)
    (code,) = [
        solution_code(c.source) for c in solution.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "train_xor"
    ]
    assert "weights[k] -= lr" in code
    ns, cell = _release_namespace(dict(everything, train_xor=code.replace("weights[k] -= lr", "weights[k] += lr")))
    lines = _show(ns, cell, capsys)
    assert lines[-1].startswith("not learned yet: ") and "WRONG side of 0.5" in "\n".join(lines), lines
