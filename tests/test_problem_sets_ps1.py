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


def test_bulk_autograde_command_grades_with_the_real_cli(graded, tmp_path):
    """`python -m course_utils.grading autograde` end to end (the FAILED line is tested in test_grading.py)."""
    import os
    import shutil
    import subprocess

    course = tmp_path / "course"
    src = Path(graded["course"])
    course.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(src / name, course / name)
    for name in ("solutions", "assignments"):
        shutil.copytree(src / name, course / name)
    shutil.copytree(src / "submitted" / "correct", course / "submitted" / "correct")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run([sys.executable, "-m", "course_utils.grading", "autograde", "ps1", "--course-dir", str(course)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[1/1] correct: graded in" in proc.stdout, proc.stdout
    assert (course / "autograded" / "correct" / "ps1" / "ps1.ipynb").exists()
    assert (course / "reports" / "ps1" / "grades.csv").read_text().count("\n") == 2  # header + correct
