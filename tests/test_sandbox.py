"""The grading sandbox itself (real bubblewrap): what a student's code can see, reach and leave behind,
and how the grader treats a sandbox that lies, hangs or dies. Each test starts its own sandbox."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from course_utils.grading.api import (
    MissingName,
    NotPlainData,
    ProtocolError,
    StudentDied,
    StudentMemory,
    StudentRaised,
    StudentTimeout,
)
from course_utils.grading.engine import grade_submission as _grade_submission
from course_utils.grading.engine import make_stage
from course_utils.grading.sandbox import Limits, Sandbox

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("sandbox")


@pytest.fixture(scope="module")
def stage():
    stage = make_stage(isolate=True)  # also runs the sandbox's self-test
    yield stage
    stage.cleanup()
    assert not stage.dir.exists()


@pytest.fixture
def box(stage):
    boxes = []

    # A generous cap: a busy machine must not turn a slow import into a failure. The tests of the
    # cap itself pass a small one.
    def start(timeout=60.0, memory_mb=1024, nproc=16):
        b = Sandbox(stage, None, Limits(timeout=timeout, memory_mb=memory_mb, nproc=nproc))
        boxes.append(b)
        return b

    yield start
    for b in boxes:
        uid = b.uid
        b.close()
        if uid != os.geteuid():
            assert _processes_of(uid) == [], "a process of the sandbox survived it"


def _processes_of(uid):
    deadline = time.monotonic() + 5
    while True:
        left = []
        for pid in os.listdir("/proc"):
            try:
                if pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid:
                    with open(f"/proc/{pid}/stat") as fh:
                        if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                            left.append(pid)
            except OSError:
                pass
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _raises(b, source):
    with pytest.raises(StudentRaised) as info:
        b.exec_cell("probe", source)
    return info.value


def test_the_student_sees_no_course_file_and_no_network(box):
    b = box()
    for path in (ROOT / "solutions" / "ps1" / "ps1.ipynb", ROOT / "README.md", ROOT / "course_utils" / "conv.py"):
        assert _raises(b, f"open({str(path)!r}).read()").exc_type == "FileNotFoundError"
    assert _raises(b, "open('/etc/passwd').read()").exc_type == "FileNotFoundError"
    assert _raises(b, "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)").exc_type in (
        "ConnectionRefusedError",
        "OSError",
        "TimeoutError",
    )
    b.exec_cell("ok", "open('/tmp/scratch.txt', 'w').write('scratch is writable')")
    for path in ("/scratch.txt", "/usr/x", "/submission/x", "/sandbox/course/x"):
        assert "Read-only file system" in _raises(b, f"open({path!r}, 'w')").text


def test_references_are_not_importable_but_helpers_are(box):
    b = box()
    for module in (
        "course_utils.conv",
        "course_utils.pyramids",
        "course_utils.mlp",
        "course_utils.grading",
        "course_utils.grading.checks.ps3",
        "scipy.signal",
        "cv2",
        "torch",
    ):
        assert "not available when grading" in _raises(b, f"import {module}").text, module
    b.exec_cell(
        "ok",
        "import numpy, matplotlib.pyplot\nimport course_utils.images, course_utils.plotting\ndef f(x):\n    return x",
    )
    assert b.call("f", 2.5) == 2.5


def test_return_values_that_lie_come_back_as_the_data_they_hold(box):
    b = box()
    b.exec_cell(
        "a",
        "import numpy as np\n"
        "class Agreeable(np.ndarray):\n"
        "    def __eq__(self, other): return True\n"
        "    def tolist(self): return [0.0] * self.size\n"
        "    def __array__(self, *a, **k): return np.zeros(self.shape)\n"
        "def lie(): return np.ones(3).view(Agreeable)\n"
        "def obj(): return object()\n"
        "def objects(): return np.array([1, 'a'], dtype=object)\n",
    )
    got = b.call("lie")
    assert type(got) is np.ndarray and got.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(NotPlainData):
        b.call("obj")
    with pytest.raises(NotPlainData):
        b.call("objects")
    with pytest.raises(MissingName):
        b.call("not_there")


FORGE = """
import base64, sys

def forge():
    harness = sys.modules["__main__"]
    rid = sys._getframe(1).f_locals.get("rid")
    header = b"\\x93NUMPY\\x01\\x00v\\x00{'descr': '<f8', 'fortran_order': False, 'shape': (9999999999,), }"
    blob = header.ljust(128, b" ") + bytes(16)
    harness._send({"id": rid, "ok": True, "result": {"$npy": base64.b64encode(blob).decode()}})
    return 1.0
"""


def test_a_forged_reply_is_refused_and_ends_the_sandbox(box):
    b = box()
    b.exec_cell("a", FORGE)
    with pytest.raises(ProtocolError):
        b.call("forge")
    with pytest.raises(StudentDied):
        b.call("forge")  # the sandbox was killed: nothing of it is used again


def test_hangs_are_cut_from_outside_even_when_sigint_is_ignored(box):
    b = box(timeout=2.0)
    b.exec_cell(
        "a", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ndef spin():\n    while True:\n        pass\n"
    )
    with pytest.raises(StudentTimeout):
        b.call("spin")
    with pytest.raises(StudentDied):
        b.call("spin")


def test_exit_memory_and_process_caps(box):
    b = box()
    b.exec_cell(
        "a",
        "import os, sys\nimport numpy as np\n"
        "def bye(): os._exit(0)\n"
        "def leave(): sys.exit(3)\n"
        "def hog(): return np.ones(3 * 2**30 // 8)\n"
        "def bomb():\n    for _ in range(200):\n        if os.fork() == 0:\n"
        "            os.execvp('sleep', ['sleep', '300'])\n",
    )
    with pytest.raises(StudentRaised, match="SystemExit"):
        b.call("leave")
    with pytest.raises(StudentMemory):
        b.call("hog")
    if b.uid != os.geteuid():
        with pytest.raises(StudentRaised, match=r"BlockingIOError|Resource temporarily unavailable"):
            b.call("bomb")
    with pytest.raises(StudentDied):
        b.call("bye")


# -- a grading run leaves no stage behind, however it ends -----------------------------------------
def _ps1_course(tmp_path, answers: dict) -> Path:
    """A course with the committed ps1 release and one submission per ``{student: {grade_id: code}}``."""
    import nbformat

    course = tmp_path / "course"
    (course / "assignments" / "ps1").mkdir(parents=True)
    release = ROOT / "assignments" / "ps1" / "ps1.ipynb"
    (course / "assignments" / "ps1" / "ps1.ipynb").write_bytes(release.read_bytes())
    solution = nbformat.read(ROOT / "solutions" / "ps1" / "ps1.ipynb", as_version=4)
    solved = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in solution.cells}
    for student, spec in answers.items():
        nb = nbformat.read(release, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                code = spec.get(meta["grade_id"], solved[meta["grade_id"]])
                cell.source = "\n".join(line for line in code.split("\n") if "### " not in line)
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "ps1.ipynb")
    return course


def _stages(root: Path) -> list:
    return sorted(p.name for p in root.glob("course-grading-stage-*"))


@pytest.fixture
def stages():
    """A stage root of this test alone, that the sandboxes' unprivileged user can traverse
    (pytest's tmp_path is private to root)."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="course-grading-test-stages-"))
    os.chmod(root, 0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_grading_a_class_with_a_loop_and_a_crash_leaves_no_stage(tmp_path, stages, monkeypatch):
    from course_utils.grading.engine import compute_verdicts

    monkeypatch.setenv("COURSE_GRADING_STAGE_ROOT", str(stages))
    monkeypatch.setenv("COURSE_GRADING_SECRET", "test")
    course = _ps1_course(
        tmp_path,
        {
            "correct": {},
            "loops": {"sigmoid": "while True:\n    pass"},
            "crashes": {"forward": "import os\nos._exit(3)"},
        },
    )
    # the loop costs the cap once; 10 s as in the problem-set pipelines (a slow machine gets a timeout
    # status for a correct cell, which the asserts below would show, not a wrong pass)
    verdicts = compute_verdicts("ps1", course, Limits(timeout=10.0), isolate=True, workers=2)
    assert _stages(stages) == [], "a stage outlived its run"
    assert "timeout" in verdicts["loops"].cells["sigmoid"], verdicts["loops"].cells
    assert "kernel died" in verdicts["crashes"].cells["forward"], verdicts["crashes"].cells
    assert not verdicts["correct"].error and all(p["status"] == "passed" for p in verdicts["correct"].parts)


def _start_cli(course: Path, stages: Path):
    import subprocess
    import sys

    from nbgrader.api import Gradebook

    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "COURSE_GRADING_STAGE_ROOT": str(stages),
        "COURSE_GRADING_SECRET": "test",
    }
    (course / "nbgrader_config.py").write_bytes((ROOT / "nbgrader_config.py").read_bytes())
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = env["PATH"]  # nbgrader's Gradebook runs `alembic`
    try:
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="backprop-cnn-pyramids") as gb:
            gb.add_assignment("ps1")
    finally:
        os.environ["PATH"] = old_path
    cmd = [sys.executable, "-m", "course_utils.grading", "autograde", "ps1", "--course-dir", str(course)]
    proc = subprocess.Popen(
        [*cmd, "--workers=2", "--timeout=600"],
        cwd=course,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a command started in a terminal
    )
    # wait (generously) until both looping submissions are inside their sandboxes
    deadline = time.monotonic() + 180
    try:
        while len(list(stages.glob("course-grading-stage-*/course-grading-box-*"))) < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the grader did not start its sandboxes"
            time.sleep(0.1)
    except BaseException:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.communicate()
        raise
    return proc


def _processes_mentioning(text: str) -> list:
    found = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if text.encode() in fh.read():
                    found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sighup"])
def test_an_interrupted_grading_run_removes_its_sandboxes_and_stage(tmp_path, stages, how):
    import signal

    course = _ps1_course(tmp_path, {s: {"sigmoid": "while True:\n    pass"} for s in ("ann", "bob", "cem")})
    proc = _start_cli(course, stages)
    (stage,) = stages.glob("course-grading-stage-*")
    try:
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal sends it to the whole foreground group
        else:
            os.kill(proc.pid, signal.SIGTERM if how == "sigterm" else signal.SIGHUP)
        out, err = proc.communicate(timeout=120)  # EOF: no worker holds its output open any more
    finally:
        try:  # if the test failed: do not leave looping sandboxes on the machine
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        else:
            proc.communicate()
            pytest.fail("a process of the grading run (a pool worker?) outlived it")
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "run the same command again to resume" in err and "Traceback" not in err, err
    assert _stages(stages) == [], "the interrupted run left its stage"
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(stage)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(stage)) == [], "a sandbox outlived the interrupted run"


def test_a_stage_of_a_killed_run_is_removed_by_the_next_run_and_live_ones_are_kept(tmp_path, stages):
    import signal

    from course_utils.grading.sandbox import Stage, remove_stale_stages

    course = _ps1_course(tmp_path, {s: {"sigmoid": "while True:\n    pass"} for s in ("ann", "bob")})
    proc = _start_cli(course, stages)
    (stage,) = stages.glob("course-grading-stage-*")
    os.killpg(proc.pid, signal.SIGKILL)  # nothing can clean up after this
    proc.communicate(timeout=60)
    assert stage.exists()
    live = Stage(stages)  # this process's own stage is live: kept; the killed run's is removed
    try:
        assert not stage.exists() and live.dir.exists()
        assert remove_stale_stages(stages) == [] and live.dir.exists()
    finally:
        live.cleanup()
    assert _stages(stages) == []


def test_a_stage_interrupted_while_being_made_is_removed(stages, monkeypatch):
    from course_utils.grading import engine, sandbox

    monkeypatch.setenv("COURSE_GRADING_STAGE_ROOT", str(stages))

    def interrupted(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(sandbox.Stage, "_stage_site", interrupted)
        with pytest.raises(KeyboardInterrupt):
            engine.make_stage(isolate=True)
    assert _stages(stages) == []
    monkeypatch.setattr(engine, "check_available", interrupted)  # Ctrl-C during the self-test
    with pytest.raises(KeyboardInterrupt):
        engine.make_stage(isolate=True)
    assert _stages(stages) == []


def _killed_once(ps, student, *args, **kwargs):
    """grade_submission, except that the first time it grades ``victim`` its process dies (kill -9)."""
    marker = Path(os.environ["WORKER_KILLED_MARKER"])
    if student == "victim" and not marker.exists():
        marker.write_text("killed once")
        os.kill(os.getpid(), 9)
    return _grade_submission(ps, student, *args, **kwargs)


def test_a_killed_worker_loses_no_submission_and_no_stage(tmp_path, stages, monkeypatch):
    from course_utils.grading import engine

    monkeypatch.setenv("COURSE_GRADING_STAGE_ROOT", str(stages))
    monkeypatch.setenv("COURSE_GRADING_SECRET", "test")
    monkeypatch.setenv("WORKER_KILLED_MARKER", str(tmp_path / "killed"))
    stub = {gid: "pass" for gid in ("forward", "output_delta", "backward_deltas", "gradients", "train_xor")}
    course = _ps1_course(tmp_path, {"ann": stub, "victim": stub, "cem": stub})
    monkeypatch.setattr(engine, "grade_submission", _killed_once)  # the pool's processes are forks: they see it
    verdicts = engine.compute_verdicts("ps1", course, Limits(), isolate=True, workers=2)
    assert (tmp_path / "killed").exists(), "the worker was not killed: the test proves nothing"
    assert sorted(verdicts) == ["ann", "cem", "victim"]
    assert all(not v.error and v.parts for v in verdicts.values()), {s: v.error for s, v in verdicts.items()}
    assert _stages(stages) == []
