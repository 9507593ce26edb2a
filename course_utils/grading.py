"""Problem-set support: helpers for the visible tests, a feedback filter, and the instructor's report.

Three parts:

* :func:`expect_shape` and :func:`expect_close` are what the *visible* tests of the
  problem sets call: they fail with a message that says what went wrong and how
  to fix it ("dW has shape (3, 4) but W has shape (4, 3): did you transpose?"),
  never a bare ``assert``. They are conveniences, not the verdict: code in an
  answer cell could rebind them. The verdict is the hidden tests, which use only
  Python operators on genuine floats (see ``solutions/README.md``, "Forgery").
* :class:`ShortenTestTracebacks`, an nbconvert preprocessor that ``nbgrader
  generate_feedback`` runs (see ``nbgrader_config.py``): a failed test cell's
  traceback quotes the source lines around the failure, which would show hidden
  tests to the student; it keeps only the last line (``AssertionError: ...``).
* The command line, run from the course root::

      python -m course_utils.grading autograde ps1     # nbgrader autograde, one student at a time, with progress
      python -m course_utils.grading report ps1        # scores per part or an explicit error; CSV + PNG

  ``report`` lists every folder in ``submitted/`` with its score on each part,
  or an explicit error: a notebook that is not valid JSON, a part that timed
  out, a kernel that died, a submission nbgrader did not grade. Nothing is
  silently counted as 0. It writes ``reports/<ps>/grades.csv`` and
  ``reports/<ps>/grades.png`` (grade distribution and per-part pass rates).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["expect_shape", "expect_close", "ShortenTestTracebacks", "Submission", "collect",
           "write_report", "main"]


# ---------------------------------------------------------------------------------------------
# visible-test helpers
# ---------------------------------------------------------------------------------------------
def _shape(value):
    return tuple(np.shape(value))


def expect_shape(name: str, got, expected: tuple, of: str = "", hint: str = "") -> None:
    """Fail with a helpful message unless ``got`` has shape ``expected``.

    ``of`` names what the shape should match (e.g. ``"W"``); a transposed shape
    is recognised and said so.
    """
    if got is None:
        raise AssertionError(f"{name} is None: did you forget to `return` it?")
    shape = _shape(got)
    expected = tuple(int(s) for s in expected)
    if shape == expected:
        return
    what = f"{of} has shape {expected}" if of else f"it should have shape {expected}"
    msg = f"{name} has shape {shape} but {what}"
    if len(shape) == 2 and shape == expected[::-1]:
        msg += ": did you transpose?"
    elif int(np.prod(shape)) == int(np.prod(expected)) and shape != expected:
        msg += ": right number of entries, wrong arrangement (reshape? transpose?)"
    if hint:
        msg += f" ({hint})"
    raise AssertionError(msg)


def expect_close(name: str, got, expected, rtol: float = 1e-6, atol: float = 1e-9, hint: str = "") -> None:
    """Fail with a helpful message unless ``got`` matches ``expected`` (shape, then values).

    The message names the worst entry, its value and the expected one, and
    recognises a few classic slips: a factor of 2 or 1/2, a sign, a transpose.
    """
    expected = np.asarray(expected, dtype=float)
    expect_shape(name, got, expected.shape, hint=hint)
    got_arr = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(got_arr)):
        raise AssertionError(f"{name} contains NaN or infinity: {got_arr}"
                             + (f" ({hint})" if hint else ""))
    err = np.abs(got_arr - expected)
    bound = atol + rtol * np.abs(expected)
    if np.all(err <= bound):
        return
    worst = np.unravel_index(int(np.argmax(err - bound)), err.shape) if err.ndim else ()
    g, e = float(got_arr[worst]), float(expected[worst])
    where = f" at index {tuple(int(i) for i in worst)}" if err.ndim else ""
    msg = f"{name} is wrong{where}: got {g:.8g}, expected {e:.8g}"
    slips = []
    if np.allclose(got_arr, -expected, rtol=rtol, atol=atol):
        slips.append("every entry has the wrong sign")
    if np.allclose(got_arr, 2 * expected, rtol=rtol, atol=atol):
        slips.append("every entry is twice the expected value (a missing 1/2?)")
    if np.allclose(got_arr, expected / 2, rtol=rtol, atol=atol):
        slips.append("every entry is half the expected value")
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and np.allclose(got_arr, expected.T, rtol=rtol, atol=atol):
        slips.append("it equals the transpose of the expected value")
    if slips:
        msg += ": " + "; ".join(slips)
    if hint:
        msg += f" ({hint})"
    raise AssertionError(msg)


# ---------------------------------------------------------------------------------------------
# feedback: no hidden-test source in tracebacks
# ---------------------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _shorten_tracebacks(cell):
    if cell.get("cell_type") == "code" and _nbgrader_meta(cell).get("grade"):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
    return cell


def _make_preprocessor():
    from nbconvert.preprocessors import Preprocessor
    from traitlets import Bool

    class ShortenTestTracebacks(Preprocessor):
        """Replace the traceback of every error in a test cell by one line ``Name: message``.

        Registered in ``nbgrader_config.py`` for ``nbgrader generate_feedback``.
        The error itself (``ename``/``evalue``) is kept, so the student still sees
        *what* failed; the hidden tests' assertion messages are written to be shown.
        """

        enabled = Bool(True).tag(config=True)

        def preprocess_cell(self, cell, resources, index):
            return _shorten_tracebacks(cell), resources

    ShortenTestTracebacks.__module__ = __name__
    return ShortenTestTracebacks


def __getattr__(name):
    # built on first use, so that importing this module in a notebook does not import nbconvert
    if name == "ShortenTestTracebacks":
        cls = _make_preprocessor()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------
@dataclass
class Submission:
    """One student's result on one problem set: a score per part, or an explicit error."""

    student: str
    scores: dict = field(default_factory=dict)     # grade_id -> points earned (None: not graded)
    errors: dict = field(default_factory=dict)     # grade_id -> "timeout" / "kernel died" / ...
    error: str = ""                                # the whole submission could not be graded
    flags: list = field(default_factory=list)      # suspicious constructs in answer cells (review)

    @property
    def total(self):
        if self.error:
            return None
        return float(sum(v for v in self.scores.values() if v is not None))


# Constructs that have no business in an answer and can tamper with the grading kernel.
SUSPICIOUS = {
    "rebinds a numpy function": re.compile(r"\b(np|numpy)(\.testing)?\.\w+\s*=[^=]"),
    "touches builtins": re.compile(r"\b(builtins|__builtins__)\b"),
    # hiding tracebacks alone does not forge a pass (nbgrader reads the kernel's reply status),
    # patching how the shell runs cells could (see solutions/README.md)
    "hooks the kernel": re.compile(
        r"set_custom_exc|excepthook|showtraceback|displayhook|display_pub|\bsys\.std(err|out)\s*=|"
        r"\bevents\.register|run_cell|do_execute|ExecutionResult|error_in_exec|get_ipython\(\)\.kernel"),
    "reads the executed cells' source": re.compile(r"\b_ih\b|\bIn\s*\[|\b_i\d*\b|history_manager"),
    "frame or gc introspection": re.compile(r"_getframe|\bgc\.|inspect\.|f_locals|f_globals"),
    "reads or writes files": re.compile(r"\bopen\(|gradebook|solutions/|os\.system|subprocess"),
    "sys.modules": re.compile(r"sys\.modules"),
    "ends the process": re.compile(r"os\._exit|os\.kill|sys\.exit|\bexit\("),
    # the reference implementations are in the same repository: an answer may just call them
    "calls the course_utils reference": re.compile(r"course_utils|\b_ref\w*\(|\bref\.\w+\("),
}


def _read_notebook(path: Path):
    """The notebook as a dict, or an error string if it is not a valid notebook."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable notebook: {exc}"
    try:
        nb = json.loads(text)
    except ValueError as exc:
        return None, f"not valid JSON ({exc.msg}: line {exc.lineno}, column {exc.colno})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook (no list of cells)"
    return nb, ""


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _error_kind(out: dict) -> str:
    ename = out.get("ename", "")
    text = _ANSI.sub("", " ".join(out.get("traceback", []) or []) + " " + out.get("evalue", ""))
    if ename == "CellTimeoutError" or "CellTimeoutError" in text or "timed out" in text.lower():
        return "timeout"
    if ename == "DeadKernelError" or "DeadKernel" in text or "Kernel died" in text:
        return "kernel died"
    return ""


_STUDENT_LOG = re.compile(r"Creating/updating student with ID '([^']+)'")


def _log_problems(course: Path, ps: str) -> dict:
    """What nbgrader's autograde logs say about each student (kernel died, time-out), if logs were kept.

    Reads every ``reports/<ps>/logs/*.log`` (the ``autograde`` command writes one per student;
    ``nbgrader autograde ps1 2>&1 | tee reports/ps1/logs/autograde.log`` keeps one for all),
    split at nbgrader's "Creating/updating student with ID" lines.
    """
    problems = {}
    log_dir = course / "reports" / ps / "logs"
    for log in sorted(log_dir.glob("*.log")) if log_dir.is_dir() else []:
        text = log.read_text(errors="replace")
        starts = [(m.start(), m.group(1)) for m in _STUDENT_LOG.finditer(text)]
        for k, (start, student) in enumerate(starts):
            chunk = text[start:starts[k + 1][0] if k + 1 < len(starts) else len(text)]
            if "DeadKernelError" in chunk or "Kernel died" in chunk:
                problems[student] = "the kernel died"
            elif "CellTimeoutError" in chunk or "Timeout waiting for execute reply" in chunk:
                problems.setdefault(student, "a cell timed out")
    return problems


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
    """Every submission of ``ps`` with its per-part scores or errors; returns ``(parts, submissions)``."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course_dir).resolve()
    db = course / "gradebook.db"
    if not db.exists():
        raise SystemExit(f"no gradebook at {db}: run `nbgrader generate_assignment {ps}` first")
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / ps).is_dir()) if submitted.is_dir() else []
    results = []
    logged = _log_problems(course, ps)
    with Gradebook(f"sqlite:///{db}") as gb:
        parts = _parts(gb, ps)
        notebooks = sorted({nb for _, _, nb, _ in parts})
        for student in students:
            sub = Submission(student)
            results.append(sub)
            # 1. the submitted files themselves
            for nb_name in notebooks:
                path = submitted / student / ps / f"{nb_name}.ipynb"
                if not path.exists():
                    sub.error = f"{nb_name}.ipynb is missing from the submission"
                    break
                nb, problem = _read_notebook(path)
                if problem:
                    sub.error = f"{nb_name}.ipynb is {problem}" if problem.startswith("not") else problem
                    break
                for cell in nb["cells"]:
                    if _nbgrader_meta(cell).get("solution") and cell.get("cell_type") == "code":
                        src = _source(cell)
                        sub.flags += [why for why, pat in SUSPICIOUS.items() if pat.search(src) and why not in sub.flags]
            if sub.error:
                continue
            # 2. the gradebook's scores
            try:
                gb.find_submission(ps, student)
            except MissingEntry:
                sub.error = "not autograded (no entry in the gradebook): run autograde"
                continue
            for grade_id, _, nb_name, _ in parts:
                try:
                    grade = gb.find_grade(grade_id, nb_name, ps, student)
                except MissingEntry:
                    sub.scores[grade_id] = None
                    sub.errors[grade_id] = "not graded"
                    continue
                if grade.manual_score is None and grade.auto_score is None:
                    sub.scores[grade_id] = None           # waits for a human (nbgrader would say 0)
                else:
                    sub.scores[grade_id] = float(grade.score)

            # 3. the autograded notebooks: time-outs and dead kernels per part
            for nb_name in notebooks:
                path = course / "autograded" / student / ps / f"{nb_name}.ipynb"
                nb, problem = _read_notebook(path) if path.exists() else (None, "missing")
                if problem:
                    why = logged.get(student)
                    sub.error = (f"not graded: {why} (nbgrader gives up on the whole submission)" if why else
                                 f"no autograded notebook ({problem}): nbgrader could not grade it; see its log")
                    break
                for cell in nb["cells"]:
                    meta = _nbgrader_meta(cell)
                    if not meta.get("grade_id"):
                        continue
                    for out in cell.get("outputs", []):
                        kind = _error_kind(out) if out.get("output_type") == "error" else ""
                        if kind:
                            sub.errors[meta["grade_id"]] = kind
    return parts, results


def _fmt(v) -> str:
    return "" if v is None else (f"{v:g}")


def write_report(ps: str, parts: list, results: list, out_dir: str | os.PathLike) -> dict:
    """Write ``grades.csv`` and ``grades.png`` into ``out_dir``; return their paths and the pass rates."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    auto = [(gid, pts) for gid, pts, _, kind in parts if kind == "auto"]
    manual = [(gid, pts) for gid, pts, _, kind in parts if kind == "manual"]
    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "status", "total", *[f"{gid} (/{pts:g})" for gid, pts, _, _ in parts],
                         "errors", "flags"])
        for sub in results:
            if sub.error:
                status = "error"
            elif sub.flags:
                status = "review: flagged"      # do not release these grades before looking
            elif any(sub.scores.get(gid) is None for gid, _ in manual):
                status = "needs manual grading"
            else:
                status = "graded"
            writer.writerow([sub.student, status, _fmt(sub.total),
                             *[("" if sub.error else _fmt(sub.scores.get(gid))) for gid, _, _, _ in parts],
                             sub.error or "; ".join(f"{k}: {v}" for k, v in sub.errors.items()),
                             "; ".join(sub.flags)])
    graded = [s for s in results if not s.error]
    pass_rates = {gid: (sum(1 for s in graded if s.scores.get(gid) == pts) / len(graded) if graded else float("nan"))
                  for gid, pts in auto}
    png_path = out / "grades.png"
    _plot(ps, auto, graded, pass_rates, len(results) - len(graded), png_path)
    return {"csv": csv_path, "png": png_path, "pass_rates": pass_rates}


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


def print_table(ps: str, parts: list, results: list, stream=None) -> None:
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
            print(f"{'':<{width}}  review: answer cells {', '.join(sub.flags)}", file=stream)
    print("(? = written answer not graded yet; timeout / kernel died / not graded = no points, shown explicitly)",
          file=stream)


def report(ps: str, course_dir=".", out_dir=None) -> tuple[list, list, dict]:
    parts, results = collect(ps, course_dir)
    out_dir = Path(course_dir) / "reports" / ps if out_dir is None else Path(out_dir)
    written = write_report(ps, parts, results, out_dir)
    print_table(ps, parts, results)
    print(f"wrote {written['csv']} and {written['png']}")
    return parts, results, written


def autograde(ps: str, course_dir=".", extra_args=()) -> int:
    """Run ``nbgrader autograde`` one student at a time with a progress line; return the failures."""
    course = Path(course_dir).resolve()
    submitted = course / "submitted"
    students = sorted(p.name for p in submitted.iterdir() if (p / ps).is_dir()) if submitted.is_dir() else []
    if not students:
        print(f"nothing to grade: no submitted/<student>/{ps}/ folders under {course}")
        return 0
    exe = Path(sys.executable).with_name("nbgrader")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "nbgrader"]
    # nbgrader runs `alembic` (next to this Python) when it creates or upgrades the gradebook
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    log_dir = course / "reports" / ps / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    failures, start = 0, time.perf_counter()
    for k, student in enumerate(students, 1):
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "autograde", ps, f"--student={student}", "--force", *extra_args],
                              cwd=course, capture_output=True, text=True, env=env)
        (log_dir / f"{student}.log").write_text((proc.stdout or "") + (proc.stderr or ""))
        failed = proc.returncode != 0
        failures += failed
        elapsed = time.perf_counter() - start
        eta = elapsed / k * (len(students) - k)
        print(f"[{k}/{len(students)}] {student}: {'FAILED (see report)' if failed else 'graded'} "
              f"in {time.perf_counter() - t0:.1f} s; elapsed {elapsed:.0f} s, about {eta:.0f} s left", flush=True)
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grading",
                                     description="Grade the course's problem sets with nbgrader and report.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("report", "per-part scores or explicit errors of every submission; CSV + PNG"),
                       ("autograde", "nbgrader autograde each submission with progress, then report")):
        p = sub.add_parser(name, help=text)
        p.add_argument("ps", help="problem set id, e.g. ps1")
        p.add_argument("--course-dir", default=".", help="course root (the folder of nbgrader_config.py)")
        p.add_argument("--out", default=None, help="report folder (default: <course-dir>/reports/<ps>)")
    args = parser.parse_args(argv)
    if not (Path(args.course_dir) / "nbgrader_config.py").exists():
        parser.error(f"--course-dir: {Path(args.course_dir).resolve()} has no nbgrader_config.py")
    if args.command == "autograde":
        autograde(args.ps, args.course_dir)
    report(args.ps, args.course_dir, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
