"""``python -m course_utils.grading autograde|report <ps>``: grade a class, then report.

``autograde`` computes every submission's verdict in its own sandbox with N workers (progress
bar with an ETA; submissions whose verdict is cached and unchanged are skipped), then makes one
``nbgrader autograde`` call that records them in the gradebook (nbgrader's ``Execute`` is
replaced by :class:`~course_utils.grading.nbgrader_plugin.RecordVerdicts`), then prints and
writes the report.
"""

from __future__ import annotations

import argparse
import os
import pkgutil
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .engine import Progress, compute_verdicts, read_notebook, stop_on_signals, submissions, verdict_dir
from .reporting import report
from .sandbox import Limits, SandboxUnavailable, bwrap_missing_message, bwrap_path


class Refused(Exception):
    """A command cannot start: the message says, in one line, what is wrong and what to do."""


def known_problem_sets() -> list[str]:
    """The problem sets the grader has checks for.

    Returns
    -------
    list of str
        The modules ``course_utils/grading/checks/<ps>.py``, sorted.
    """
    from . import checks

    return sorted(m.name for m in pkgutil.iter_modules(checks.__path__) if not m.name.startswith("_"))


def _in_gradebook(db: Path, ps: str) -> bool:
    # read-only: opening nbgrader's Gradebook would create or alter the database
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return con.execute("SELECT 1 FROM assignment WHERE name = ?", (ps,)).fetchone() is not None
    except sqlite3.Error as exc:
        raise Refused(f"{db} cannot be read as an nbgrader gradebook ({exc})") from None


def _secret_problem(course: Path) -> str:
    """Why the course secret that salts the hidden inputs cannot be had, or ''."""
    if os.environ.get("COURSE_GRADING_SECRET", "").strip():
        return ""
    path = course / "reports" / "grading-secret"
    if path.exists():
        try:
            if not path.read_text().strip():
                return (
                    f"the course secret {path} is empty: delete it (grading makes a new one) or set "
                    "$COURSE_GRADING_SECRET"
                )
        except (OSError, UnicodeDecodeError) as exc:
            return f"the course secret {path} cannot be read ({exc}): fix its permissions or set $COURSE_GRADING_SECRET"
        return ""
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (
            f"no course secret: $COURSE_GRADING_SECRET is not set and {path} cannot be created ({folder} is not "
            "writable): set $COURSE_GRADING_SECRET or make the folder writable"
        )
    return ""


def preflight(command: str, ps: str, course: Path, isolate: bool = True) -> None:
    """Check, before any work, that a command can run; raise :class:`Refused` saying what to do if not.

    Both commands need ``nbgrader_config.py``, checks for ``ps``, ``ps`` in ``gradebook.db``, a readable
    release and submissions; ``autograde`` also needs the course secret and (when isolating) ``bwrap``.

    Parameters
    ----------
    command : {"autograde", "report"}
        The command.
    ps : str
        The problem set.
    course : Path
        The course folder.
    isolate : bool, default True
        Whether grading will use the sandbox.
    """
    if not (course / "nbgrader_config.py").exists():
        raise Refused(f"{course} has no nbgrader_config.py: run in the course root or pass --course-dir")
    known = known_problem_sets()
    if ps not in known:
        raise Refused(f"unknown problem set {ps!r}: the grader has checks for {', '.join(known)}")
    db = course / "gradebook.db"
    if not db.exists() or not _in_gradebook(db, ps):
        raise Refused(f"{ps} is not in gradebook.db: run 'nbgrader generate_assignment {ps}' first")
    release = course / "assignments" / ps / f"{ps}.ipynb"
    _, problem = read_notebook(release)
    if problem:
        raise Refused(f"the release {release} cannot be read: run 'nbgrader generate_assignment {ps} --force'")
    if not submissions(course, ps):
        raise Refused(
            f"no submissions of {ps} in {course / 'submitted'} (expected submitted/<student>/{ps}/{ps}.ipynb): "
            f"run 'nbgrader collect {ps}' or 'nbgrader zip_collect {ps}' first"
        )
    if command != "autograde":
        return
    problem = _secret_problem(course)
    if problem:
        raise Refused(problem)
    if isolate and bwrap_path() is None:
        raise Refused(bwrap_missing_message())


def _nbgrader_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("nbgrader")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "nbgrader"]


def run_to_the_end(cmd: list, **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` that, when interrupted, lets the child clean up (its sandboxes, its stage).

    The child gets SIGTERM and up to 30 s before it is killed (``subprocess.run`` kills it after 0.25 s).

    Parameters
    ----------
    cmd : list
        The command line.
    **kwargs
        More arguments of ``subprocess.Popen`` (``cwd``, ``env``, ...); output is captured as text.

    Returns
    -------
    subprocess.CompletedProcess
        With ``returncode``, ``stdout`` and ``stderr``.
    """
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs) as proc:
        try:
            out, err = proc.communicate()
        except BaseException:
            proc.terminate()
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def record_in_gradebook(ps: str, course: Path, verdicts: dict, limits: Limits, isolate: bool) -> list[str]:
    """One ``nbgrader autograde`` call for the submissions whose recorded verdict is missing or stale.

    Parameters
    ----------
    ps : str
        The problem set.
    course : Path
        The course folder.
    verdicts : dict
        ``{student: SubmissionVerdict}`` from :func:`~course_utils.grading.engine.compute_verdicts`.
    limits : Limits
        Passed to nbgrader's :class:`~course_utils.grading.nbgrader_plugin.RecordVerdicts`.
    isolate : bool
        Whether a verdict computed on the spot is sandboxed.

    Returns
    -------
    list of str
        The gradable submissions nbgrader did not record (nbgrader's own exit code is 1 as soon as
        any submission fails, an unreadable one included, so it says little).
    """
    out_dir = verdict_dir(course, ps)
    stale = []
    for student, v in verdicts.items():
        if not v.key:
            continue  # unreadable submission: nothing for nbgrader to record
        stamp = out_dir / f"{student}.recorded"
        done = (course / "autograded" / student / ps / f"{ps}.ipynb").exists()
        if not (done and stamp.exists() and stamp.read_text() == v.key):
            stale.append(student)
            shutil.rmtree(course / "autograded" / student / ps, ignore_errors=True)
    if not stale:
        print("the gradebook is up to date: nothing to record")
        return []
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    env.pop("MPLBACKEND", None)
    cmd = [
        *_nbgrader_cmd(),
        "autograde",
        ps,
        f"--RecordVerdicts.timeout={limits.timeout}",
        f"--RecordVerdicts.memory_mb={limits.memory_mb}",
        f"--RecordVerdicts.nproc={limits.nproc}",
        f"--RecordVerdicts.no_sandbox={not isolate}",
    ]
    t0 = time.perf_counter()
    print(f"recording {len(stale)} verdict(s) in the gradebook (nbgrader autograde) ...", flush=True)
    proc = run_to_the_end(cmd, cwd=course, env=env)
    log_dir = course / "reports" / ps / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / "autograde.log").write_text((proc.stdout or "") + (proc.stderr or ""))
    unrecorded = []
    for student in stale:
        if (course / "autograded" / student / ps / f"{ps}.ipynb").exists():
            (out_dir / f"{student}.recorded").write_text(verdicts[student].key)
        else:
            unrecorded.append(student)
    print(
        f"nbgrader autograde finished in {time.perf_counter() - t0:.1f} s (exit {proc.returncode}; log in "
        f"{(log_dir / 'autograde.log').relative_to(course)})",
        flush=True,
    )
    return unrecorded


def autograde(
    ps: str,
    course_dir: str | Path = ".",
    limits: Limits | None = None,
    isolate: bool = True,
    workers: int | None = None,
    force: bool = False,
) -> tuple[dict, list]:
    """Verdicts of every submission (sandboxed), then recorded by nbgrader.

    Parameters
    ----------
    ps : str
        The problem set.
    course_dir : str or Path, default "."
        The course folder.
    limits : Limits, optional
        The sandbox's limits (default: :class:`~course_utils.grading.sandbox.Limits`).
    isolate : bool, default True
        Whether to sandbox (False for ``--no-sandbox``).
    workers : int or None
        Parallel sandboxes; ``None``: the cores.
    force : bool, default False
        Recompute every verdict (drop the cache).

    Returns
    -------
    verdicts : dict
        ``{student: SubmissionVerdict}``.
    unrecorded : list of str
        Graded submissions nbgrader did not record.
    """
    course = Path(course_dir).resolve()
    limits = limits or Limits()
    if force:
        shutil.rmtree(verdict_dir(course, ps), ignore_errors=True)
    t0 = time.perf_counter()
    with stop_on_signals():  # SIGTERM/SIGHUP end grading like Ctrl-C: sandboxes and stage are removed
        verdicts = compute_verdicts(ps, course, limits, isolate=isolate, workers=workers, progress=Progress())
        print(f"verdicts of {len(verdicts)} submission(s) in {time.perf_counter() - t0:.1f} s", flush=True)
        unrecorded = record_in_gradebook(ps, course, verdicts, limits, isolate)
    return verdicts, unrecorded


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.grading {autograde,report} <ps> [options]``.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 done, 1 nbgrader did not record some graded submission, 2 refused (one
        line says why), 130 interrupted.
    """
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.grading", description="Grade the course's problem sets (sandboxed) and report."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("report", "per-part scores or explicit errors of every submission; CSV + PNG"),
        ("autograde", "grade every submission in its own sandbox, record in the gradebook, report"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("ps", help="problem set id, e.g. ps1")
        p.add_argument("--course-dir", default=".", help="course root (the folder of nbgrader_config.py)")
        p.add_argument("--out", default=None, help="report folder (default: <course-dir>/reports/<ps>)")
        if name == "autograde":
            p.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: the cores)")
            p.add_argument("--timeout", type=float, default=60.0, help="wall-clock seconds per cell and per call")
            p.add_argument("--memory", type=int, default=2048, help="memory cap per sandbox in MB (default 2048)")
            p.add_argument("--nproc", type=int, default=32, help="process cap per sandbox")
            p.add_argument("--force", action="store_true", help="recompute every verdict (ignore the cache)")
            p.add_argument(
                "--no-sandbox",
                action="store_true",
                help="grade WITHOUT bubblewrap isolation (the students' code can read and write what "
                "you can): only for trusted code or where bubblewrap cannot run",
            )
    args = parser.parse_args(argv)
    isolate = not getattr(args, "no_sandbox", False)
    try:
        preflight(args.command, args.ps, Path(args.course_dir).resolve(), isolate)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unrecorded = []
    if args.command == "autograde":
        limits = Limits(memory_mb=args.memory, timeout=args.timeout, nproc=args.nproc)
        try:
            _, unrecorded = autograde(
                args.ps, args.course_dir, limits, isolate=isolate, workers=args.workers, force=args.force
            )
        except SandboxUnavailable as exc:
            print(f"error: cannot grade in a sandbox: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP: sandboxes and stage are gone by now
            how = str(exc) or "stopped by SIGINT"
            print(
                f"\ninterrupted ({how}): the verdicts computed so far are kept in "
                f"{verdict_dir(Path(args.course_dir).resolve(), args.ps)}; run the same command again to resume",
                file=sys.stderr,
            )
            return 130
    report(args.ps, args.course_dir, args.out)
    if unrecorded:  # their rows above say "not autograded"; the exit code tells a script
        print(
            f"error: nbgrader did not record {len(unrecorded)} graded submission(s) ({', '.join(unrecorded[:10])}"
            f"{', ...' if len(unrecorded) > 10 else ''}): see reports/{args.ps}/logs/autograde.log, then run "
            "autograde again",
            file=sys.stderr,
        )
        return 1
    return 0
