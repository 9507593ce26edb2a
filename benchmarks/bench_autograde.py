"""Autograde time per submission, against plain execution of the same notebook (same run).

    .venv/bin/python benchmarks/bench_autograde.py [--students 3] [--repeats 3] [ps1 ps2 ...]

For each problem set: a temporary copy of the course, ``nbgrader generate_assignment``, the
instructor's answers submitted as ``--students`` students, then ``nbgrader autograde`` (one call,
all students) timed ``--repeats`` times. Baseline: executing the solution notebook with nbclient
(a fresh kernel, no nbgrader), also ``--repeats`` times. Prints a markdown table of medians and
the ratio (nbgrader's bookkeeping and kernel management on top of running the notebook).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "submissions"))
from _harness import build_submission, nbgrader  # noqa: E402


def run_notebook(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def bench(ps: str, students: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions" / ps, course / "solutions" / ps)
        nbgrader(course, "generate_assignment", ps, "--force")
        release = nbformat.read(course / "assignments" / ps / f"{ps}.ipynb", as_version=4)
        solution = nbformat.read(course / "solutions" / ps / f"{ps}.ipynb", as_version=4)
        for k in range(students):
            dest = course / "submitted" / f"student{k}" / ps / f"{ps}.ipynb"
            dest.parent.mkdir(parents=True)
            nbformat.write(build_submission(release, solution, {}), dest)
        grade, plain = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            nbgrader(course, "autograde", ps, "--force")
            grade.append((time.perf_counter() - start) / students)
            plain.append(run_notebook(course / "solutions" / ps / f"{ps}.ipynb"))
    return {"autograde": statistics.median(grade), "plain": statistics.median(plain)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ps", nargs="*", default=["ps1", "ps2", "ps3", "ps4"])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"| problem set | autograde per submission (median of {args.repeats}, {args.students} students per call) "
          "| plain nbclient run of the notebook | ratio |")
    print("|---|---|---|---|")
    for ps in args.ps:
        r = bench(ps, args.students, args.repeats)
        print(f"| {ps} | {r['autograde']:.2f} s | {r['plain']:.2f} s | {r['autograde'] / r['plain']:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
