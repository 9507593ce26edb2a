"""A class at once: the sandboxed grader against stock ``nbgrader autograde``, same submissions, same run.

    .venv/bin/python benchmarks/bench_autograde.py [--students 100] [--workers 2] [--timeout 10] [ps3]

For the problem set: a temporary copy of the course, ``nbgrader generate_assignment``, then
``--students`` generated submissions, built from the fixtures (tests/fixtures/submissions): 40 %
correct, 25 % partial, 20 % wrong, 15 % broken (an infinite loop, an answer that kills its kernel,
a file that is not JSON, in turn). Timed, wall clock:

* the course's grader: ``python -m course_utils.grading autograde <ps> --workers N`` (sandboxed
  verdicts with N workers, one ``nbgrader autograde`` call that records them, the report);
* its second run (everything cached: the resumable path);
* baseline: ``nbgrader autograde <ps>`` with nbgrader's own ``Execute`` (each notebook in a kernel,
  one after the other) on a second copy of the same submissions, ``Execute.timeout`` = ``--timeout``.

Prints a markdown table with the wall times and the ratio. A benchmark, not a test: the machine's
load changes the numbers; say what else was running beside them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "submissions"))
from _harness import build_submission, load_fixture, nbgrader, nbgrader_env  # noqa: E402

STOCK = """
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Execute.timeout = {timeout}
"""


def make_class(ps: str, course: Path, students: int) -> dict:
    """Write ``students`` submissions; returns how many of each kind."""
    fixture = load_fixture(ps)
    release = nbformat.read(course / "assignments" / ps / f"{ps}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / ps / f"{ps}.ipynb", as_version=4)
    broken = [fixture.STUDENTS["infinite_loop"], {"raw": '{"cells": ['}]
    if "kernel_dies" in fixture.STUDENTS:
        broken.insert(1, fixture.STUDENTS["kernel_dies"])
    kinds = {"correct": 0, "partial": 0, "wrong": 0, "broken": 0}
    for k in range(students):
        share = k % 20
        kind = "correct" if share < 8 else "partial" if share < 13 else "wrong" if share < 17 else "broken"
        spec = fixture.STUDENTS[kind] if kind != "broken" else broken[kinds["broken"] % len(broken)]
        kinds[kind] += 1
        dest = course / "submitted" / f"s{k:03d}" / ps / f"{ps}.ipynb"
        dest.parent.mkdir(parents=True)
        if "raw" in spec:
            dest.write_text(spec["raw"])
        else:
            nbformat.write(build_submission(release, solution, spec, course, str(k)), dest)
    return kinds


def timed(cmd, cwd) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ps", nargs="?", default="ps3")
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        ours, stock = Path(tmp) / "ours", Path(tmp) / "stock"
        (ours / "solutions").mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", ours)
        shutil.copytree(ROOT / "solutions" / args.ps, ours / "solutions" / args.ps)
        nbgrader(ours, "generate_assignment", args.ps, "--force")
        kinds = make_class(args.ps, ours, args.students)
        shutil.copytree(ours, stock)
        with open(stock / "nbgrader_config.py", "a") as fh:
            fh.write(STOCK.format(timeout=int(args.timeout)))

        t_ours, proc = timed(
            [
                sys.executable,
                "-m",
                "course_utils.grading",
                "autograde",
                args.ps,
                f"--workers={args.workers}",
                f"--timeout={args.timeout}",
            ],
            ours,
        )
        if proc.returncode:
            raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
        verdicts = [line for line in proc.stdout.splitlines() if line.startswith("verdicts of")]
        record = [line for line in proc.stdout.splitlines() if line.startswith("nbgrader autograde finished")]
        t_again, _ = timed(
            [
                sys.executable,
                "-m",
                "course_utils.grading",
                "autograde",
                args.ps,
                f"--workers={args.workers}",
                f"--timeout={args.timeout}",
            ],
            ours,
        )
        t_stock = float("nan")
        if not args.skip_baseline:
            t_stock, _ = timed([str(Path(sys.executable).parent / "nbgrader"), "autograde", args.ps], stock)
    print(
        f"{args.students} submissions of {args.ps} ({kinds}), {args.workers} workers, timeout {args.timeout:g} s, "
        f"{os.cpu_count()} cores"
    )
    print(f"  {verdicts[0] if verdicts else ''}; {record[0] if record else ''}")
    print("| grader | wall time | per submission |")
    print("|---|---|---|")
    print(
        f"| course grader (sandboxed, {args.workers} workers, records in nbgrader, report) | {t_ours:.1f} s | "
        f"{t_ours / args.students:.2f} s |"
    )
    print(f"| course grader, second run (all cached) | {t_again:.1f} s | |")
    print(
        f"| stock `nbgrader autograde` (one kernel per notebook, serial) | {t_stock:.1f} s | "
        f"{t_stock / args.students:.2f} s |"
    )
    print(f"ratio stock / course grader: {t_stock / t_ours:.2f}x")


if __name__ == "__main__":
    main()
