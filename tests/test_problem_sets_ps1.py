"""ps1 (the delta rule): validated, released, and graded with the real nbgrader CLI (see fixtures/submissions)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "submissions"))
from _pstests import *  # noqa: E402,F401,F403  (the shared problem-set tests)


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
