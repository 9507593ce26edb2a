"""The instructor's report: every submission's score per part, or an explicit error; CSV + PNG.

``collect`` reads the scores nbgrader recorded in ``gradebook.db`` and the engine's verdicts
(``reports/<ps>/verdicts/``) for the reasons: a notebook that is not valid JSON or is missing, a
part that timed out, hit the memory cap, killed its kernel, read outside the sandbox or called a
reference that is not available when grading. Nothing is silently counted as 0.
"""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from .engine import SubmissionVerdict, read_notebook, submission_problem, submissions, verdict_dir

__all__ = ["Submission", "collect", "write_report", "print_table", "report"]


@dataclass
class Submission:
    """One student's result on one problem set: a score per part, or an explicit error."""

    student: str
    scores: dict = field(default_factory=dict)  # grade_id -> points earned (None: not graded)
    errors: dict = field(default_factory=dict)  # grade_id -> "timeout" / "kernel died" / ...
    error: str = ""  # the whole submission could not be graded
    flags: list = field(default_factory=list)  # evidence worth a look (review)
    messages: dict = field(default_factory=dict)  # grade_id -> the check's message

    @property
    def total(self):
        if self.error:
            return None
        return float(sum(v for v in self.scores.values() if v is not None))


# statuses of a part that are not a plain wrong answer: shown in the errors column
_EXPLICIT = (
    "timeout",
    "kernel died",
    "memory cap",
    "grader error",
    "file access outside the sandbox",
    "reference not available",
    "process cap",
    "not plain data",
    "protocol",
)
# evidence in a verdict that deserves a human look before grades are released
_FLAGS = {
    "file access outside the sandbox": "tried to read or write outside its sandbox",
    "reference not available": "imported a reference implementation (not available when grading)",
    "not plain data": "returned objects that are not plain data",
    "protocol": "garbled the grading protocol",
}


def _parts(gradebook, ps: str):
    """[(grade_id, max points, notebook, kind)] of the problem set, in notebook order."""
    assignment = gradebook.find_assignment(ps)
    parts = []
    for notebook in assignment.notebooks:
        for cell in notebook.grade_cells:
            kind = "auto" if cell.cell_type == "code" else "manual"
            parts.append((cell.name, float(cell.max_score), notebook.name, kind))
    return parts


def collect(ps: str, course_dir: str | os.PathLike = ".") -> tuple[list, list]:
    """Every submission of a problem set with its per-part scores, or an explicit error.

    Parameters
    ----------
    ps : str
        The problem set.
    course_dir : str or path-like, default "."
        The course folder (``gradebook.db``, ``submitted/``, ``autograded/``, ``reports/``).

    Returns
    -------
    parts : list of (grade_id, max points, notebook, kind)
        Every graded cell in notebook order; ``kind`` is ``"auto"`` or ``"manual"``.
    submissions : list of Submission
        One per folder in ``submitted/`` that holds the problem set.
    """
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course_dir).resolve()
    db = course / "gradebook.db"
    if not db.exists():
        raise SystemExit(f"no gradebook at {db}: run `nbgrader generate_assignment {ps}` first")
    results = []
    with Gradebook(f"sqlite:///{db}") as gb:
        parts = _parts(gb, ps)
        notebooks = sorted({nb for _, _, nb, _ in parts})
        for student in submissions(course, ps):
            sub = Submission(student)
            results.append(sub)
            # 1. the submitted files themselves
            for nb_name in notebooks:
                problem = submission_problem(course, ps, student, nb_name)
                if not problem:
                    _, bad = read_notebook(course / "submitted" / student / ps / f"{nb_name}.ipynb")
                    problem = (f"{nb_name}.ipynb is {bad}" if bad.startswith("not") else bad) if bad else ""
                if problem:
                    sub.error = problem
                    break
            if sub.error:
                continue
            # 2. the engine's verdict: reasons, messages, evidence
            path = verdict_dir(course, ps) / f"{student}.json"
            verdict = SubmissionVerdict.from_json(path.read_text()) if path.exists() else None
            if verdict is not None and verdict.error:
                sub.error = verdict.error
                continue
            if verdict is not None:
                for p in verdict.parts:
                    sub.messages[p["grade_id"]] = p["message"]
                    if p["status"] in _EXPLICIT:
                        sub.errors[p["grade_id"]] = p["status"]
                    flag = _FLAGS.get(p["status"])
                    if flag and flag not in sub.flags:
                        sub.flags.append(flag)
                for why in verdict.cells.values():
                    for status, flag in _FLAGS.items():
                        if why.startswith(status) and flag not in sub.flags:
                            sub.flags.append(flag)
            # 3. the gradebook's scores (nbgrader is the system of record)
            try:
                gb.find_submission(ps, student)
            except MissingEntry:
                sub.error = "not autograded (no entry in the gradebook): run autograde"
                continue
            if not (course / "autograded" / student / ps).is_dir():
                sub.error = "not autograded (no autograded notebook): run autograde"
                continue
            for grade_id, _, nb_name, _ in parts:
                try:
                    grade = gb.find_grade(grade_id, nb_name, ps, student)
                except MissingEntry:
                    sub.scores[grade_id] = None
                    sub.errors[grade_id] = "not graded"
                    continue
                if grade.manual_score is None and grade.auto_score is None:
                    sub.scores[grade_id] = None  # waits for a human (nbgrader would say 0)
                else:
                    sub.scores[grade_id] = float(grade.score)
    return parts, results


def _fmt(v) -> str:
    return "" if v is None else (f"{v:g}")


def write_report(ps: str, parts: list, results: list, out_dir: str | os.PathLike) -> dict:
    """Write ``grades.csv``, ``messages.csv`` (every part's status and message) and ``grades.png``.

    Parameters
    ----------
    ps : str
        The problem set (the plot's title).
    parts : list
        As :func:`collect` returns them.
    results : list of Submission
        As :func:`collect` returns them.
    out_dir : str or path-like
        Where to write (created if needed).

    Returns
    -------
    dict
        ``csv``, ``png``, ``messages`` (the paths) and ``pass_rates`` (``{grade_id: fraction of the
        graded submissions with full marks}``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    auto = [(gid, pts) for gid, pts, _, kind in parts if kind == "auto"]
    manual = [(gid, pts) for gid, pts, _, kind in parts if kind == "manual"]
    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["student", "status", "total", *[f"{gid} (/{pts:g})" for gid, pts, _, _ in parts], "errors", "flags"]
        )
        for sub in results:
            if sub.error:
                status = "error"
            elif sub.flags:
                status = "review: flagged"  # do not release these grades before looking
            elif any(sub.scores.get(gid) is None for gid, _ in manual):
                status = "needs manual grading"
            else:
                status = "graded"
            writer.writerow(
                [
                    sub.student,
                    status,
                    _fmt(sub.total),
                    *[("" if sub.error else _fmt(sub.scores.get(gid))) for gid, _, _, _ in parts],
                    sub.error or "; ".join(f"{k}: {v}" for k, v in sub.errors.items()),
                    "; ".join(sub.flags),
                ]
            )
    graded = [s for s in results if not s.error]
    pass_rates = {
        gid: (sum(1 for s in graded if s.scores.get(gid) == pts) / len(graded) if graded else float("nan"))
        for gid, pts in auto
    }
    # what each student's feedback says, part by part: the instructor's view of the mistakes
    messages_path = out / "messages.csv"
    with messages_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "part", "points", "status", "message"])
        for sub in results:
            for gid, pts, _, kind in parts:
                if kind == "auto" and not sub.error:
                    score = sub.scores.get(gid)
                    status = sub.errors.get(gid) or ("passed" if score == pts else "failed" if not score else "partial")
                    writer.writerow([sub.student, gid, _fmt(score), status, sub.messages.get(gid, "")])
    png_path = out / "grades.png"
    _plot(ps, auto, graded, pass_rates, len(results) - len(graded), png_path)
    return {"csv": csv_path, "png": png_path, "messages": messages_path, "pass_rates": pass_rates}


def _plot(ps, auto, graded, pass_rates, n_errors, path):
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    max_auto = sum(p for _, p in auto)
    autoscores = [sum(s.scores.get(g) or 0.0 for g, _ in auto) for s in graded]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    bins = np.arange(0, max_auto + 2) - 0.5
    ax1.hist(autoscores, bins=bins, color="tab:blue", edgecolor="white")
    ax1.set_xlabel(f"autograded score (out of {max_auto:g})")
    ax1.set_ylabel("students")
    title = f"{ps}: {len(graded)} graded"
    if n_errors:
        title += f", {n_errors} not gradable (see CSV)"
    ax1.set_title(title)
    names = [g for g, _ in auto]
    rates = [100 * pass_rates[g] for g in names]
    ax2.barh(names[::-1], rates[::-1], color="tab:green")
    ax2.set_xlim(0, 100)
    ax2.set_xlabel("% of graded submissions with full marks")
    ax2.set_title("per-part pass rate")
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_table(ps: str, parts: list, results: list, stream: TextIO | None = None) -> None:
    """Print one row per submission: the total and each part's points, or the reason there are none.

    Parameters
    ----------
    ps : str
        The problem set.
    parts : list
        As :func:`collect` returns them.
    results : list of Submission
        As :func:`collect` returns them.
    stream : text stream, optional
        Where to print (default: standard output).
    """
    stream = stream or sys.stdout
    ids = [gid for gid, *_ in parts]
    width = max([len("student")] + [len(s.student) for s in results])
    head = f"{'student':<{width}}  {'total':>6}  " + "  ".join(ids)
    print(head, file=stream)
    print("-" * len(head), file=stream)
    for sub in results:
        if sub.error:
            print(f"{sub.student:<{width}}  {'ERROR':>6}  {sub.error}", file=stream)
            continue
        cells = []
        for gid in ids:
            v = sub.scores.get(gid)
            text = sub.errors.get(gid) or ("?" if v is None else f"{v:g}")
            cells.append(f"{text:>{len(gid)}}")
        print(f"{sub.student:<{width}}  {_fmt(sub.total):>6}  " + "  ".join(cells), file=stream)
        if sub.flags:
            print(f"{'':<{width}}  review: {', '.join(sub.flags)}", file=stream)
    print(
        "(? = written answer not graded yet; timeout / kernel died / memory cap / ... = no points, shown explicitly)",
        file=stream,
    )


def report(
    ps: str, course_dir: str | os.PathLike = ".", out_dir: str | os.PathLike | None = None
) -> tuple[list, list, dict]:
    """:func:`collect`, :func:`write_report` and :func:`print_table`: the instructor's report.

    Parameters
    ----------
    ps : str
        The problem set.
    course_dir : str or path-like, default "."
        The course folder.
    out_dir : str or path-like, optional
        Where to write the files (default: ``<course_dir>/reports/<ps>``).

    Returns
    -------
    parts : list
    results : list of Submission
    written : dict
        What :func:`write_report` returns.
    """
    parts, results = collect(ps, course_dir)
    out_dir = Path(course_dir) / "reports" / ps if out_dir is None else Path(out_dir)
    written = write_report(ps, parts, results, out_dir)
    print_table(ps, parts, results)
    print(f"wrote {written['csv']} and {written['png']}")
    return parts, results, written
