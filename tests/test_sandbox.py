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
