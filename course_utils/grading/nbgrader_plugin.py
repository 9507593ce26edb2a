"""nbgrader integration: the course's verdicts written where nbgrader reads grades.

:class:`RecordVerdicts` replaces nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``
(see ``nbgrader_config.py``). Nothing of the student's runs in nbgrader's process or in a kernel
of nbgrader's: for each submission it takes the verdict computed by the sandboxed engine (from
``reports/<ps>/verdicts/<student>.json`` if its key matches the submission, else it computes it
now) and writes each test cell's outputs so that nbgrader's own ``SaveAutoGrades`` records the
score: a pass is a message on stdout (full points), partial credit an ``execute_result`` with
the points (nbgrader's partial-credit rule), a failure an error output whose message is the
check's. The gradebook, ``nbgrader export``, the formgrader and ``generate_feedback`` work as
before; the feedback shows per part the status, points and message, never a check's source.

:class:`ShortenTestTracebacks` keeps only the last line of an error in a test cell (for
feedback of notebooks that were executed the old way).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Float, Int

from .api import course_secret
from .engine import SubmissionVerdict, cache_key, compute_verdicts, load_parts, nbgrader_meta, program, verdict_dir
from .sandbox import Limits


def _course_root(config) -> Path:
    root = None
    try:
        root = config.CourseDirectory.root
    except AttributeError:
        pass
    return Path(root if isinstance(root, str) and root else os.getcwd()).resolve()


def _release_dir(config) -> str:
    try:
        value = config.CourseDirectory.release_directory
        return value if isinstance(value, str) and value else "release"
    except AttributeError:
        return "release"


def _stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text.rstrip() + "\n")


def _error(ename, text):
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])


def outputs_for(part: dict | None, error: str = "") -> list:
    """The outputs of a test cell that make nbgrader record this part's verdict.

    Parameters
    ----------
    part : dict or None
        The part's :class:`~course_utils.grading.engine.PartVerdict` as a dict; None when the
        grader has no check for this test cell.
    error : str, default ""
        The whole submission's error, if it could not be graded.

    Returns
    -------
    list of nbformat outputs
        A stream for a pass (full points); a stream and the points as ``execute_result`` for
        partial credit; an error named after the status (``Timeout``, ``NotDefined``, ...) otherwise.
    """
    if error:
        return [_error("NotGraded", error)]
    if part is None:
        return [_error("NotGraded", "the grader has no check for this part: tell your instructor")]
    pts, max_pts, msg, status = part["points"], part["max_points"], part["message"], part["status"]
    if status == "passed" and pts >= max_pts:
        return [_stream(f"passed: {pts:g} of {max_pts:g} points" + (f". {msg}" if msg else ""))]
    if status == "partial" and pts > 0:
        return [
            _stream(f"partly right: {pts:g} of {max_pts:g} points. {msg}"),
            nbformat.v4.new_output("execute_result", data={"text/plain": f"{pts:g}"}, execution_count=None),
        ]
    names = {
        "failed": "Failed",
        "timeout": "Timeout",
        "kernel died": "KernelDied",
        "memory cap": "MemoryCap",
        "missing": "NotDefined",
        "not plain data": "NotPlainData",
        "raised": "Raised",
        "grader error": "GraderError",
        "file access outside the sandbox": "OutsideSandbox",
        "reference not available": "ReferenceNotAvailable",
        "process cap": "ProcessCap",
    }
    return [_error(names.get(status, "Failed"), f"0 of {max_pts:g} points: {msg}")]


class RecordVerdicts(Preprocessor):
    """Write each test cell's outputs from the sandboxed engine's verdict (replaces ``Execute``)."""

    enabled = Bool(True).tag(config=True)
    timeout = Float(60.0, help="wall-clock seconds per cell and per call in the sandbox").tag(config=True)
    memory_mb = Int(2048, help="memory cap of the sandbox (MB)").tag(config=True)
    nproc = Int(32, help="process cap of the sandbox").tag(config=True)
    no_sandbox = Bool(False, help="grade without bubblewrap isolation (unsafe)").tag(config=True)

    def limits(self) -> Limits:
        """The sandbox's limits from this preprocessor's configuration.

        Returns
        -------
        Limits
        """
        return Limits(memory_mb=self.memory_mb, timeout=self.timeout, nproc=self.nproc)

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        """Give every test cell the outputs of its part's verdict, and every other code cell none.

        The verdict is the cached one when its key matches, else it is computed now, in a sandbox.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The submission, as nbgrader restored it.
        resources : dict
            nbgrader's resources (``resources["nbgrader"]``: assignment, student, notebook).

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict
        """
        info = resources.get("nbgrader", {})
        ps, student, notebook = info.get("assignment"), info.get("student"), info.get("notebook")
        course = _course_root(self.config)
        verdict = self._verdict(course, ps, student, notebook, nb)
        parts = {p["grade_id"]: p for p in verdict.parts}
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code":
                cell.outputs = []
                if meta.get("grade") and not meta.get("solution"):
                    cell.outputs = outputs_for(parts.get(meta.get("grade_id")), verdict.error)
        return nb, resources

    def _verdict(self, course: Path, ps: str, student: str, notebook: str, nb) -> SubmissionVerdict:
        if notebook != ps:
            return SubmissionVerdict(
                ps, student, error=f"the course grades one notebook per problem set ({ps}.ipynb), not {notebook}.ipynb"
            )
        release_path = course / _release_dir(self.config) / ps / f"{ps}.ipynb"
        release = json.loads(release_path.read_text())
        steps, _ = program(release, json.loads(nbformat.writes(nb)))
        _, check_file = load_parts(ps)
        key = cache_key(ps, steps, check_file, self.limits(), not self.no_sandbox, course_secret(course))
        cached = verdict_dir(course, ps) / f"{student}.json"
        if cached.exists():
            v = SubmissionVerdict.from_json(cached.read_text())
            if v.key == key:
                return v
        # not computed beforehand (plain `nbgrader autograde`): compute it now, in its sandbox
        self.log.info("computing the verdict of %s/%s in a sandbox", student, ps)
        return compute_verdicts(ps, course, self.limits(), isolate=not self.no_sandbox, workers=1, students=[student])[
            student
        ]


class ShortenTestTracebacks(Preprocessor):
    """Replace the traceback of every error in a test cell by one line ``Name: message``."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: dict, resources: dict, index: int) -> tuple[dict, dict]:
        """Shorten the tracebacks of a test cell's error outputs to one line.

        Parameters
        ----------
        cell : dict
            A notebook cell.
        resources : dict
            nbconvert's resources (unchanged).
        index : int
            The cell's position (unused).

        Returns
        -------
        cell : dict
        resources : dict
        """
        if cell.get("cell_type") == "code" and nbgrader_meta(cell).get("grade"):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
