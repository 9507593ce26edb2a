"""Verdicts for whole submissions: the program to run, the parts to check, a cache, N workers.

For one submission: read the notebook (or say exactly why it cannot be read), take the
release's set-up cells and the student's answer cells in the release's order, start a sandbox,
run them, then every part's check (grader side) calling into the sandbox. A part that times
out or kills the kernel is recorded as such and the next part gets a fresh sandbox (the same
cells re-run). The result is a :class:`SubmissionVerdict`, stored as JSON in
``reports/<ps>/verdicts/<student>.json`` with a key (hash of the release's set-up cells, the
answers, the check module and the engine), so a re-run skips what is unchanged.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TextIO

from .api import (
    MissingName,
    Part,
    SandboxFailure,
    StudentError,
    StudentRaised,
    StudentTimeout,
    Variant,
    Verdict,
    course_secret,
)
from .sandbox import Limits, Sandbox, SandboxUnavailable, Stage, check_available, stage_root, traversable

ENGINE_VERSION = "1"


def nbgrader_meta(cell: dict) -> dict:
    """A cell's nbgrader metadata.

    Parameters
    ----------
    cell : dict
        A notebook cell (JSON).

    Returns
    -------
    dict
        ``cell["metadata"]["nbgrader"]``, or ``{}`` when it has none.
    """
    return (cell.get("metadata", {}) or {}).get("nbgrader", {}) or {}


def cell_source(cell: dict) -> str:
    """A cell's source as one string.

    Parameters
    ----------
    cell : dict
        A notebook cell (JSON: its source a string or a list of lines).

    Returns
    -------
    str
    """
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def read_notebook(path: Path) -> tuple[dict | None, str]:
    """Read a submitted notebook, or say exactly why it cannot be read.

    Parameters
    ----------
    path : Path
        The ``.ipynb`` file.

    Returns
    -------
    notebook : dict or None
        The notebook's JSON, None when it cannot be read.
    problem : str
        ``""``, or what is wrong (unreadable, not valid JSON with the line and column, no list of cells).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable notebook: {exc}"
    try:
        nb = json.loads(text)
    except ValueError as exc:
        return (
            None,
            f"not valid JSON ({getattr(exc, 'msg', exc)}: line {getattr(exc, 'lineno', '?')}, "
            f"column {getattr(exc, 'colno', '?')})",
        )
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, "not a Jupyter notebook (no list of cells)"
    return nb, ""


def runs_in_sandbox(cell: dict) -> bool:
    """Whether a release cell runs in the sandbox before the answers.

    Parameters
    ----------
    cell : dict
        A cell of the release (JSON).

    Returns
    -------
    bool
        True for locked set-up code: not a test, not an answer, not a ``visible_*`` cell.
    """
    meta = nbgrader_meta(cell)
    return (
        cell.get("cell_type") == "code"
        and meta.get("locked")
        and not meta.get("grade")
        and not meta.get("solution")
        and not str(meta.get("grade_id", "")).startswith("visible_")
    )


def program(release: dict, submission: dict) -> tuple[list, list]:
    """What the sandbox runs for one submission: the release's set-up cells and the student's answers.

    Parameters
    ----------
    release : dict
        The released notebook (JSON); its set-up cells are used, whatever the student did to them.
    submission : dict
        The student's notebook (JSON); only its answer cells are used (the first one per grade_id).

    Returns
    -------
    steps : list of (kind, grade_id, source)
        ``kind`` is ``"setup"`` or ``"answer"``, in the release's cell order.
    missing : list of str
        The grade_ids of answer cells the submission does not have.
    """
    answers = {}
    for cell in submission.get("cells", []):
        meta = nbgrader_meta(cell) if isinstance(cell, dict) else {}
        if isinstance(cell, dict) and meta.get("solution") and cell.get("cell_type") == "code":
            answers.setdefault(str(meta.get("grade_id")), cell_source(cell))
    steps, missing = [], []
    for cell in release["cells"]:
        meta = nbgrader_meta(cell)
        gid = str(meta.get("grade_id", ""))
        if runs_in_sandbox(cell):
            steps.append(("setup", gid, cell_source(cell)))
        elif meta.get("solution") and cell.get("cell_type") == "code":
            if gid in answers:
                steps.append(("answer", gid, answers[gid]))
            else:
                missing.append(gid)
    return steps, missing


def load_parts(ps: str) -> tuple[list[Part], Path]:
    """The autograded parts of a problem set.

    Parameters
    ----------
    ps : str
        The problem set, e.g. ``"ps3"``.

    Returns
    -------
    parts : list of Part
        ``course_utils.grading.checks.<ps>.PARTS``, in notebook order.
    check_file : Path
        The check module's file (part of the verdict cache's key).
    """
    module = importlib.import_module(f"course_utils.grading.checks.{ps}")
    return module.PARTS, Path(module.__file__)


def source_digest(root: Path) -> str:
    """A hash of every ``.py`` file below a folder.

    Parameters
    ----------
    root : Path
        The folder.

    Returns
    -------
    str
        SHA-256 (hex) of each file's relative path and content, in sorted order.
    """
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\x00" + path.read_bytes() + b"\x00")
    return h.hexdigest()


@cache
def _course_utils_digest() -> str:
    # A verdict depends on the checks, the mistake bank and the references they call: any change
    # to the package's code makes every cached verdict stale (re-grading is slow, a stale grade is wrong).
    return source_digest(Path(__file__).resolve().parents[1])


def cache_key(ps: str, steps: list, check_file: Path, limits: Limits, isolate: bool, secret: str) -> str:
    """The key a cached verdict must carry to be reused: it changes when anything grading depends on does.

    Parameters
    ----------
    ps : str
        The problem set.
    steps : list
        The submission's :func:`program`.
    check_file : Path
        The problem set's check module.
    limits : Limits
        The sandbox's limits.
    isolate : bool
        Whether the sandbox isolates (False for ``--no-sandbox``).
    secret : str
        The course secret (only its hash enters the key).

    Returns
    -------
    str
        SHA-256 (hex) over these, the engine's version and the code of ``course_utils``.
    """
    h = hashlib.sha256()
    for item in (
        ENGINE_VERSION,
        ps,
        hashlib.sha256(secret.encode()).hexdigest(),  # a new secret means new hidden inputs: grade again
        json.dumps(steps),
        check_file.read_text(),
        json.dumps({k: float(v) for k, v in asdict(limits).items()}, sort_keys=True),  # 10 and 10.0 alike
        str(isolate),
        _course_utils_digest(),
    ):
        h.update(item.encode())
        h.update(b"\x00")
    return h.hexdigest()


@dataclass
class PartVerdict:
    grade_id: str
    points: float
    max_points: float
    message: str = ""
    status: str = "passed"  # passed / partial / failed / timeout / kernel died / memory cap / missing / ...


@dataclass
class SubmissionVerdict:
    ps: str
    student: str
    key: str = ""
    error: str = ""  # the whole submission could not be graded
    parts: list = field(default_factory=list)  # PartVerdict as dicts
    cells: dict = field(default_factory=dict)  # answer grade_id -> error of that cell
    seconds: float = 0.0

    def to_json(self) -> str:
        """The verdict as stored in ``reports/<ps>/verdicts/<student>.json``.

        Returns
        -------
        str
            Indented JSON of every field.
        """
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> SubmissionVerdict:
        """Read a verdict stored by :meth:`to_json`.

        Parameters
        ----------
        text : str
            The JSON.

        Returns
        -------
        SubmissionVerdict
        """
        data = json.loads(text)
        return cls(**data)


EXPLICIT_KINDS = (
    "timeout",
    "kernel died",
    "memory cap",
    "file access outside the sandbox",
    "reference not available",
    "process cap",
)


def defining_cell(steps: list, name: str) -> str | None:
    """Which answer or set-up cell defines a name.

    Parameters
    ----------
    steps : list
        The submission's :func:`program`.
    name : str
        A function's name.

    Returns
    -------
    str or None
        The grade_id of the last cell that defines it (``def name`` or ``name =``), or None.
    """
    pattern = re.compile(rf"^(\s*def\s+{re.escape(name)}\s*\(|{re.escape(name)}\s*=)", re.M)
    found = None
    for _, gid, source in steps:
        if pattern.search(source):
            found = gid
    return found


_MISSING_FILE = re.compile(r"No such file or directory: '([^']*)'")


def _outside(text: str) -> bool:
    """Did an OSError come from reaching outside the sandbox (not from a typo in a file name of its own)?"""
    if any(s in text for s in ("Read-only file system", "Permission denied", "solutions", "gradebook", "/work")):
        return True
    missing = _MISSING_FILE.search(text)
    if missing is None:
        return False
    path = os.path.normpath(os.path.join("/tmp", missing.group(1)))  # the sandbox's working folder is /tmp
    return not any(path == inside or path.startswith(inside + "/") for inside in ("/tmp", "/submission"))


def _kind(exc: StudentError) -> str:
    if isinstance(exc, StudentRaised):
        if exc.exc_type in ("FileNotFoundError", "PermissionError", "OSError", "IsADirectoryError") and _outside(
            f"{exc.exc_type} {exc.text}"
        ):
            return "file access outside the sandbox"
        if "not available when grading" in exc.text:
            return "reference not available"
        if exc.exc_type == "BlockingIOError" or "Resource temporarily unavailable" in exc.text:
            return "process cap"
    return exc.kind


#: what the feedback adds to a part that ran into one of the sandbox's limits (the student reads it)
_CAP_NOTES = {
    "memory cap": " (grading gives a submission {limits.memory_mb} MB of memory; the part's arrays need far less)",
    "process cap": " (grading allows {limits.nproc} processes and threads; an answer needs no new process)",
    "file access outside the sandbox": (
        " (answers are graded in a sandbox that holds only the submission and a scratch /tmp: reading or "
        "writing other files is refused, and the attempt is flagged for the instructor)"
    ),
}


class StudentProxy:
    """What a check sees as ``student``: calls go to the sandbox; a dead sandbox is restarted lazily."""

    def __init__(self, runner: SubmissionRunner) -> None:
        self._runner = runner

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """In the submission's sandbox. Parameters and returns as :meth:`course_utils.grading.api.Student.call`."""
        return self._runner.box().call(name, *args, **kwargs)

    def call_with_args(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Parameters and returns as :meth:`course_utils.grading.api.Student.call_with_args`."""
        return self._runner.box().call_with_args(name, *args, **kwargs)


class SubmissionRunner:
    """One submission's sandbox: started on first use with its cells run; a cell that loops, exits or
    kills the kernel is recorded in :attr:`cell_errors` and left out of the fresh sandboxes that follow."""

    def __init__(
        self, stage: Stage, steps: list, submission_dir: Path, limits: Limits, isolate: bool, student: str = ""
    ) -> None:
        self.stage, self.steps, self.dir, self.limits, self.isolate = stage, steps, submission_dir, limits, isolate
        self.student = student
        self.cell_errors: dict = {}
        self.fatal_cells: set = set()
        self._box = None

    def box(self) -> Sandbox:
        """The running sandbox, started (and the cells run) if there is none.

        Returns
        -------
        Sandbox
        """
        if self._box is None:
            self._box = self._fresh()
        return self._box

    def _fresh(self) -> Sandbox:
        while True:
            box = Sandbox(self.stage, self.dir, self.limits, self.isolate, self.student)
            for kind, gid, source in self.steps:
                if gid in self.fatal_cells:
                    continue
                try:
                    box.exec_cell(gid, source)
                except SandboxFailure as exc:
                    # this cell loops, exits or kills the kernel: record it, start again without it
                    what = "set-up cell" if kind == "setup" else "answer cell"
                    self.cell_errors[gid] = f"{_kind(exc)}: the {what} `{gid}` {exc.message}"
                    self.fatal_cells.add(gid)
                    box.close()
                    break
                except StudentError as exc:
                    what = "set-up cell" if kind == "setup" else "answer cell"
                    self.cell_errors.setdefault(gid, f"{_kind(exc)}: the {what} `{gid}` {exc.message}")
            else:
                return box

    def lost(self) -> None:
        """Close the sandbox (after a timeout or a death): the next call starts a fresh one."""
        if self._box is not None:
            self._box.close()
            self._box = None

    def close(self) -> None:
        """Close the sandbox, if any."""
        self.lost()


def grade_submission(
    ps: str,
    student: str,
    release: dict,
    notebook_path: Path,
    stage: Stage,
    limits: Limits,
    isolate: bool,
    secret: str,
    key: str | None = None,
) -> SubmissionVerdict:
    """Run every part's check against one submission (in its sandbox).

    Parameters
    ----------
    ps : str
        The problem set.
    student : str
        The student's id (their variant, and ``JUPYTERHUB_USER`` in the sandbox).
    release : dict
        The released notebook (JSON).
    notebook_path : Path
        The submitted notebook.
    stage : Stage
        The grading run's shared files.
    limits : Limits
        The sandbox's limits.
    isolate : bool
        Whether the sandbox isolates.
    secret : str
        The course secret.
    key : str or None
        The cache key, when already computed.

    Returns
    -------
    SubmissionVerdict
        Every part's points, status and message; or the reason the notebook cannot be read.
    """
    t0 = time.perf_counter()
    parts, check_file = load_parts(ps)
    verdict = SubmissionVerdict(ps, student)
    nb, problem = read_notebook(notebook_path)
    if problem:
        verdict.error = f"{notebook_path.name} is {problem}" if problem.startswith("not") else problem
        return verdict
    steps, missing = program(release, nb)
    verdict.key = key or cache_key(ps, steps, check_file, limits, isolate, secret)
    runner = SubmissionRunner(stage, steps, notebook_path.parent, limits, isolate, student)
    variant = Variant.for_student(ps, student, secret)
    proxy = StudentProxy(runner)
    try:
        for part in parts:
            pv = PartVerdict(part.grade_id, 0.0, float(part.points))
            try:
                result = part.check(proxy, variant)
                if not isinstance(result, Verdict):
                    raise TypeError(f"the check of {part.grade_id} returned {type(result).__name__}, not a Verdict")
                pv.points = round(float(part.points) * result.score, 6)
                pv.message = result.message
                pv.status = "passed" if result.score >= 1.0 else ("partial" if result.score > 0 else "failed")
            except StudentError as exc:
                pv.status = _kind(exc)
                pv.message = exc.message
                if isinstance(exc, MissingName):
                    cell = defining_cell(steps, exc.message.split(" ", 1)[0])
                    why = runner.cell_errors.get(cell) if cell else None
                    if why:
                        status, _, text = why.partition(": ")
                        pv.message += f" because {text}"
                        if status in EXPLICIT_KINDS:
                            pv.status = status
                    elif cell is None:
                        pv.message += " (no answer cell defines it: is it still the stub, or renamed?)"
                if isinstance(exc, StudentRaised) and exc.exc_type == "NotImplementedError":
                    pv.message += " (not answered: the answer cell still raises the stub's NotImplementedError)"
                if isinstance(exc, SandboxFailure):
                    runner.lost()  # the next part starts a fresh sandbox
                if isinstance(exc, StudentTimeout):
                    pv.message = f"timed out: a call took longer than {limits.timeout:g} s (an infinite loop?)"
                pv.message += _CAP_NOTES.get(pv.status, "").format(limits=limits)
            except SandboxUnavailable:
                raise
            except Exception:
                pv.status = "grader error"
                pv.message = "the grader could not check this part: " + traceback.format_exc(limit=3)[-1500:]
            verdict.parts.append(asdict(pv))
    finally:
        runner.close()
    verdict.cells = dict(runner.cell_errors)
    for gid in missing:
        verdict.cells[gid] = f"the answer cell `{gid}` is missing from the submission"
    verdict.seconds = round(time.perf_counter() - t0, 3)
    return verdict


# ---------------------------------------------------------------------------------------------
# a whole class
# ---------------------------------------------------------------------------------------------
def verdict_dir(course: Path, ps: str) -> Path:
    """Where a problem set's verdicts are cached.

    Parameters
    ----------
    course : Path
        The course folder.
    ps : str
        The problem set.

    Returns
    -------
    Path
        ``course/reports/<ps>/verdicts``.
    """
    return course / "reports" / ps / "verdicts"


def _worker(args):
    (ps, student, release, nb_path, stage_dir, limits, isolate, secret, key) = args
    stage = Stage.__new__(Stage)
    stage.dir = Path(stage_dir)
    stage.course, stage.site = stage.dir / "course", stage.dir / "site"
    stage.site_binds = json.loads((stage.dir / "binds.json").read_text())
    _busy.append(student)
    try:
        return grade_submission(ps, student, release, Path(nb_path), stage, limits, isolate, secret, key)
    except Interrupted:
        if _pool_worker:  # stopped by the grader: the sandbox is closed; take no further job
            os._exit(1)
        raise
    except Exception:
        v = SubmissionVerdict(ps, student, key=key or "")
        v.error = "grading failed: " + traceback.format_exc(limit=4)[-2000:]
        return v
    finally:
        _busy.clear()


_busy: list = []  # in a pool worker: the submission it is grading now, if any
_pool_worker: list = []  # non-empty in a pool worker process


def make_stage(isolate: bool) -> Stage:
    """Make a grading run's stage, and check that a sandbox starts and isolates with it.

    Parameters
    ----------
    isolate : bool
        Whether sandboxes isolate (the self-test runs only then).

    Returns
    -------
    Stage
        Removed again if the check fails.

    Raises
    ------
    SandboxUnavailable
        With what to do, when no sandbox can be made here.
    """
    root = stage_root()
    if isolate and os.geteuid() == 0 and not traversable(root):
        raise SandboxUnavailable(
            f"the stage folder {root} cannot be reached by the sandbox's unprivileged user: set "
            "COURSE_GRADING_STAGE_ROOT to a folder every user can traverse (e.g. /tmp), or unset it"
        )
    stage = Stage(root)
    try:
        (stage.dir / "binds.json").write_text(json.dumps([[str(a), b] for a, b in stage.site_binds]))
        os.chmod(stage.dir / "binds.json", 0o644)
        if isolate:
            check_available(stage)
    except BaseException:  # SandboxUnavailable, and a Ctrl-C during the self-test
        stage.cleanup()
        raise
    return stage


class Interrupted(KeyboardInterrupt):
    """Grading was stopped by a signal (SIGINT, SIGTERM, SIGHUP); raised so that cleanup runs."""


_signalled: list = []  # the signal that stopped grading, once one has arrived
_deferred: list = []  # non-empty while the signal must not interrupt the main thread where it is
_depth: list = []  # nested stop_on_signals contexts


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """In the main thread: SIGTERM and SIGHUP (like Ctrl-C) raise :class:`Interrupted` once, so every
    ``finally`` runs (sandboxes killed, stage removed); further signals are ignored while cleaning up.

    Inside :func:`_deferring` (the loop that waits on the worker pool) the signal is only recorded and
    raised at a safe point: raised inside ``concurrent.futures.wait`` it can leave a future's lock held,
    and the pool's manager thread then hangs the exit.

    Yields
    ------
    None
        Inside, the three signals raise :class:`Interrupted`; the previous handlers come back after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        if not _signalled:
            _signalled.append(signum)
            if not _deferred:
                raise Interrupted(f"stopped by {signal.Signals(signum).name}")

    if not _depth:
        _signalled.clear()  # a new grading run (an earlier one in this process may have been stopped)
    _depth.append(True)
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _depth.pop()


def _raise_if_signalled():
    if _signalled:
        raise Interrupted(f"stopped by {signal.Signals(_signalled[0]).name}")


@contextmanager
def _deferring():
    _deferred.append(True)
    try:
        yield
    finally:
        _deferred.pop()
    _raise_if_signalled()  # a signal that arrived while deferred (not raised when leaving with an error)


def _init_worker():
    # The main process decides when to stop (Ctrl-C reaches the whole process group); it ends the
    # workers with SIGTERM, which closes the current submission's sandbox on the way out.
    _pool_worker.append(True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if not _busy:
            os._exit(1)  # idle: nothing to clean up (and no traceback on the instructor's terminal)
        raise Interrupted("stopped by the grader")  # grading: the sandbox's `finally` closes it

    signal.signal(signal.SIGTERM, stop)


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 10.0) -> None:
    """Cancel what has not started, end the workers and wait until they are gone."""
    # Python 3.14 has pool.terminate_workers(); before it, the processes are only in _processes
    # (taken before shutdown(), which drops it)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(5)


def _run_pool(jobs: list, workers: int, out_dir: Path, results: dict, progress) -> list:
    """Grade ``jobs`` with ``workers`` processes; returns the jobs whose worker process died."""
    lost = []
    with _deferring():
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker)
        try:
            futures = {pool.submit(_worker, job): job for job in jobs}
            pending = set(futures)
            while pending:
                _raise_if_signalled()
                # wake up twice a second to look for a signal
                done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        verdict = fut.result()
                    except BrokenProcessPool:  # a worker was killed (OOM killer, kill -9): not this submission's
                        lost.append(futures[fut])
                        continue
                    _store(out_dir, verdict, results, progress)
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    return lost


def submissions(course: Path, ps: str) -> list[str]:
    """The students who submitted a problem set.

    Parameters
    ----------
    course : Path
        The course folder.
    ps : str
        The problem set.

    Returns
    -------
    list of str
        The folders ``submitted/<student>`` that hold a ``<ps>`` folder, sorted.
    """
    submitted = course / "submitted"
    return sorted(p.name for p in submitted.iterdir() if (p / ps).is_dir()) if submitted.is_dir() else []


def submission_problem(course: Path, ps: str, student: str, notebook: str) -> str:
    """Why a student's submitted notebook cannot be graded.

    Parameters
    ----------
    course : Path
        The course folder.
    ps : str
        The problem set.
    student : str
        The student's id.
    notebook : str
        The released notebook's name without ``.ipynb``.

    Returns
    -------
    str
        ``""``; or that ``submitted/<student>/<ps>/<notebook>.ipynb`` is missing, naming the
        notebooks found instead.
    """
    folder = course / "submitted" / student / ps
    path = folder / f"{notebook}.ipynb"
    if not path.exists():
        found = sorted(p.name for p in folder.glob("*.ipynb"))
        return f"{notebook}.ipynb is missing from the submission" + (
            f" (found {', '.join(found)}: rename it to {notebook}.ipynb)" if found else ""
        )
    return ""


def compute_verdicts(
    ps: str,
    course: Path,
    limits: Limits,
    isolate: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
    students: list | None = None,
) -> dict:
    """Verdicts of every submission of a problem set, each in its own sandbox, ``workers`` at a time.

    Cached verdicts whose key still matches are reused; the others are computed and stored in
    :func:`verdict_dir`. SIGINT, SIGTERM and SIGHUP stop it cleanly (:func:`stop_on_signals`).

    Parameters
    ----------
    ps : str
        The problem set.
    course : Path
        The course folder (``assignments/``, ``submitted/``, ``reports/``).
    limits : Limits
        The sandbox's limits.
    isolate : bool, default True
        Whether sandboxes isolate (False for ``--no-sandbox``).
    workers : int or None
        Worker processes; ``None``: the number of cores.
    progress : Progress, optional
        Told about each verdict.
    students : list of str, optional
        Grade only these (default: every submission).

    Returns
    -------
    dict
        ``{student: SubmissionVerdict}``; a submission that cannot be read gets an error verdict.
    """
    course = course.resolve()
    release_path = course / "assignments" / ps / f"{ps}.ipynb"
    release, problem = read_notebook(release_path)
    if problem:
        raise SystemExit(f"cannot read the release {release_path}: {problem}")
    _, check_file = load_parts(ps)
    secret = course_secret(course)
    out_dir = verdict_dir(course, ps)
    out_dir.mkdir(parents=True, exist_ok=True)
    students = submissions(course, ps) if students is None else students
    results, todo = {}, []
    for student in students:
        problem = submission_problem(course, ps, student, ps)
        nb_path = course / "submitted" / student / ps / f"{ps}.ipynb"
        if problem:
            results[student] = SubmissionVerdict(ps, student, error=problem)
            continue
        nb, bad = read_notebook(nb_path)
        if bad:
            results[student] = SubmissionVerdict(
                ps, student, error=f"{nb_path.name} is {bad}" if bad.startswith("not") else bad
            )
            continue
        steps, _ = program(release, nb)
        key = cache_key(ps, steps, check_file, limits, isolate, secret)
        cached = out_dir / f"{student}.json"
        if cached.exists():
            try:
                old = SubmissionVerdict.from_json(cached.read_text())
                if old.key == key and not old.error.startswith("grading failed"):
                    results[student] = old
                    continue
            except (ValueError, TypeError):
                pass
        todo.append((ps, student, release, str(nb_path), None, limits, isolate, secret, key))
    for student, v in results.items():
        if not v.key:  # unreadable: (re)write its error row
            (out_dir / f"{student}.json").write_text(v.to_json())
    if progress:
        progress.start(
            len(students),
            done=len(students) - len(todo),
            cached=sum(1 for v in results.values() if v.key),
            unreadable=sum(1 for v in results.values() if not v.key),
        )
    if todo:
        with stop_on_signals():
            stage = make_stage(isolate)
            try:
                jobs = [(*t[:4], str(stage.dir), *t[5:]) for t in todo]
                workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
                if workers == 1:
                    for job in jobs:
                        _store(out_dir, _worker(job), results, progress)
                else:
                    lost = _run_pool(jobs, workers, out_dir, results, progress)
                    if lost:  # once more in a fresh pool; then an explicit error row each
                        lost = _run_pool(lost, min(workers, len(lost)), out_dir, results, progress)
                    for job in lost:
                        v = SubmissionVerdict(ps, job[1], key=job[-1] or "")
                        v.error = (
                            "grading failed: the grading worker process died twice while this submission was being "
                            "graded (killed, or out of memory?); run autograde again"
                        )
                        _store(out_dir, v, results, progress)
            finally:
                stage.cleanup()
    return results


def _store(out_dir: Path, v: SubmissionVerdict, results: dict, progress):
    tmp = out_dir / f".{v.student}.json.tmp"
    tmp.write_text(v.to_json())
    os.replace(tmp, out_dir / f"{v.student}.json")
    results[v.student] = v
    if progress:
        progress.advance(v.student, v)


class Progress:
    """``[####......] 12/100 ann: 9/11 in 1.3 s; elapsed 20 s, about 2 min left`` on one line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total = self.done = 0
        self.t0 = time.perf_counter()
        self.fresh = 0

    def start(self, total: int, done: int = 0, cached: int = 0, unreadable: int = 0) -> None:
        """Start counting, and say how many submissions are skipped or unreadable.

        Parameters
        ----------
        total : int
            Submissions in all.
        done : int, default 0
            Those already decided (cached or unreadable).
        cached : int, default 0
            Those unchanged since they were graded.
        unreadable : int, default 0
            Those that cannot be read.
        """
        self.total, self.done, self.t0, self.fresh = total, done, time.perf_counter(), 0
        if cached:
            print(f"{cached} of {total} submissions unchanged since they were graded: skipped", file=self.stream)
        if unreadable:
            print(f"{unreadable} of {total} submissions cannot be read (see the report)", file=self.stream)

    def advance(self, student: str, v: SubmissionVerdict) -> None:
        """Count one more verdict and redraw the line (a new line each time when not a terminal).

        Parameters
        ----------
        student : str
            Whose.
        v : SubmissionVerdict
            The verdict (its score is shown).
        """
        self.done += 1
        self.fresh += 1
        elapsed = time.perf_counter() - self.t0
        left = elapsed / self.fresh * (self.total - self.done)
        width = 24
        filled = int(width * self.done / max(1, self.total))
        score = (
            "ERROR" if v.error else f"{sum(p['points'] for p in v.parts):g}/{sum(p['max_points'] for p in v.parts):g}"
        )
        end = "\n" if (not self.stream.isatty() or self.done == self.total) else "\r"
        print(
            f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {student}: {score}; "
            f"elapsed {elapsed:.0f} s, about {left:.0f} s left",
            end=end,
            file=self.stream,
            flush=True,
        )
