"""One student's code in a bubblewrap sandbox, driven over a pipe.

What the sandboxed process sees (``bwrap --unshare-all``: no network, its own PID/IPC/UTS
namespaces, ``--die-with-parent``, ``--new-session``):

* ``/usr`` (and the ``/lib``, ``/bin`` links) read-only, with Debian's and /usr/local's extra
  Python packages masked; a Python of the grader's version readable by an unprivileged user;
* ``/sandbox/site``: only the allowlisted third-party packages (numpy, matplotlib and its
  dependencies); scipy, OpenCV, PyTorch, pyrtools, scikit-image... are stubs that raise
  ImportError, because they hold library versions of the graded functions;
* ``/sandbox/course``: a staged ``course_utils`` with only the student-facing helpers
  (:data:`STUDENT_FACING`); every other module, the topic modules with the reference
  implementations and the whole ``course_utils.grading`` package, is a stub that raises
  ImportError saying so; and the harness;
* ``/submission``: a read-only copy of the student's own submission folder;
* ``/tmp``: a private tmpfs of :attr:`Limits.scratch_mb`, the working directory, the only
  writable place.

Not visible: the repository (``solutions/``, the source notebooks, ``gradebook.db``), other
students' folders, the instructor's home, the venv's other packages.

Limits: the process runs as an unprivileged uid of its own (when the grader is root), so
``RLIMIT_NPROC`` caps its processes; ``RLIMIT_AS`` its memory; ``RLIMIT_CPU``, ``RLIMIT_FSIZE``,
``RLIMIT_NOFILE``; the grader enforces the wall-clock cap of each cell and call from outside
and kills the whole sandbox (its PID namespace dies with it) when it is over, broken or done.
"""

from __future__ import annotations

import os
import pwd
import resource
import secrets
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import protocol
from .api import MissingName, ProtocolError, SandboxFailure, StudentDied, StudentMemory, StudentRaised, StudentTimeout

HARNESS = Path(__file__).with_name("_harness.py")

# course_utils modules a student may use while graded: helpers, no reference implementation.
STUDENT_FACING = ("__init__.py", "_checks.py", "images.py", "plotting.py", "datasets.py", "variants.py", "data")
# third-party packages visible in the sandbox
ALLOWED_SITE = (
    "numpy",
    "numpy.libs",
    "matplotlib",
    "mpl_toolkits",
    "contourpy",
    "cycler",
    "dateutil",
    "kiwisolver",
    "PIL",
    "pillow.libs",
    "pyparsing",
    "packaging",
    "fontTools",
    "six.py",
)
# libraries that implement graded functions (correlate2d, pyrDown, autograd, softmax...): stubs
BLOCKED_SITE = (
    "scipy",
    "cv2",
    "torch",
    "torchvision",
    "pyrtools",
    "skimage",
    "sklearn",
    "jax",
    "tensorflow",
    "autograd",
    "numba",
    "course_utils_fast",
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox here."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 2048  # RLIMIT_AS of the sandboxed process
    timeout: float = 60.0  # wall-clock seconds per cell and per call
    nproc: int = 32  # processes (and threads) of the sandbox
    cpu_seconds: int = 900  # RLIMIT_CPU over the sandbox's life (a backstop)
    scratch_mb: int = 256  # the /tmp tmpfs
    file_mb: int = 64  # RLIMIT_FSIZE


def _world_accessible(path: Path) -> bool:
    """Can any user read ``path`` (and traverse every folder above it)?"""
    try:
        path = path.resolve()
        if not path.stat().st_mode & stat.S_IROTH:
            return False
        for parent in path.parents:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
    except OSError:
        return False
    return True


def traversable(path: Path) -> bool:
    """Whether any user can reach what is inside a folder.

    Parameters
    ----------
    path : Path
        The folder.

    Returns
    -------
    bool
        True when it and every folder above it have execute permission for others.
    """
    try:
        path = Path(path).resolve()
        return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))
    except OSError:
        return False


def sandbox_python() -> Path:
    """A Python of the grader's major.minor version that the sandbox's unprivileged user can run.

    Returns
    -------
    Path
        The grader's own base interpreter, else ``/usr/bin/pythonX.Y`` or ``/usr/local/bin/pythonX.Y``.

    Raises
    ------
    SandboxUnavailable
        When none of them exists and is readable by every user.
    """
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [
        Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable))),
        Path(f"/usr/bin/python{version}"),
        Path(f"/usr/local/bin/python{version}"),
    ]
    for cand in candidates:
        if cand.exists() and (os.geteuid() != 0 or _world_accessible(cand)):
            return cand
    raise SandboxUnavailable(
        f"no Python {version} that an unprivileged user can run (tried "
        f"{', '.join(map(str, candidates))}); install python{version} from apt"
    )


def _site_packages() -> Path:
    import numpy

    return Path(numpy.__file__).resolve().parent.parent


def bwrap_path() -> str | None:
    """Where bubblewrap is.

    Returns
    -------
    str or None
        The path of ``bwrap`` on ``PATH``, or None when it is not installed.
    """
    return shutil.which("bwrap")


STAGE_PREFIX = "course-grading-stage-"


def stage_root() -> Path:
    """Where stages are made.

    Returns
    -------
    Path
        ``$COURSE_GRADING_STAGE_ROOT`` if set, else the system's temporary folder.
    """
    root = os.environ.get("COURSE_GRADING_STAGE_ROOT", "").strip()
    return Path(root) if root else Path(tempfile.gettempdir())


def _process_identity(pid: int | str = "self") -> str | None:
    """``<pid namespace>.<pid>.<start time>`` of a live process (a reused pid gets another), or None."""
    try:
        ns = os.readlink(f"/proc/{pid}/ns/pid").strip("pid:[]")
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            return None
        return f"{ns}.{os.getpid() if pid == 'self' else pid}.{fields[19]}"  # field 22: start time
    except (OSError, IndexError):
        return None


def remove_stale_stages(root: Path | None = None) -> list[Path]:
    """Remove the stages in ``root`` whose grading process is gone (killed with SIGKILL, power loss...).

    A stage's name holds its owner's pid namespace, pid and start time, so a stage of a live grading
    run (another worker, another test session) is never touched, nor one of another user or of
    another pid namespace (a container sharing /tmp).

    Parameters
    ----------
    root : Path, optional
        Where to look (default: :func:`stage_root`).

    Returns
    -------
    list of Path
        The stages removed.
    """
    root = stage_root() if root is None else Path(root)
    own_ns = (_process_identity() or "").split(".")[0]
    removed = []
    for path in root.glob(f"{STAGE_PREFIX}*"):
        try:
            if path.stat().st_uid != os.geteuid():
                continue
        except OSError:
            continue
        owner = path.name[len(STAGE_PREFIX) :].split("-")[0].split(".")
        if len(owner) != 3 or owner[0] != own_ns or not owner[1].isdigit():
            continue
        if _process_identity(owner[1]) != ".".join(owner):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class Stage:
    """Read-only files shared by every sandbox of one grading run (made once, removed at the end).

    The sandboxes' scratch folders live inside it, so :meth:`cleanup` removes every trace of a run.
    A stage whose process was killed outright is removed by the next one made in the same root.
    """

    def __init__(self, root: Path | None = None):
        root = stage_root() if root is None else Path(root)
        remove_stale_stages(root)
        self.dir = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{_process_identity()}-", dir=root))
        try:
            os.chmod(self.dir, 0o755)
            self.course = self.dir / "course"
            self.site = self.dir / "site"
            self._stage_course()
            self._stage_site()
            shutil.copy(HARNESS, self.course / "harness.py")
            for path in self.dir.rglob("*"):
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
        except BaseException:  # a half-made stage (disk full, Ctrl-C...) is removed too
            self.cleanup()
            raise

    def _stage_course(self):
        import course_utils

        src = Path(course_utils.__file__).resolve().parent
        dst = self.course / "course_utils"
        dst.mkdir(parents=True)
        for entry in sorted(src.iterdir()):
            if entry.name.startswith((".", "__pycache__")):
                continue
            if entry.name in STUDENT_FACING:
                if entry.is_dir():
                    shutil.copytree(entry, dst / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(entry, dst / entry.name)
            elif entry.suffix == ".py" or (entry.is_dir() and (entry / "__init__.py").exists()):
                name = entry.stem if entry.suffix == ".py" else entry.name
                stub = (dst / f"{name}.py") if entry.suffix == ".py" else (dst / name / "__init__.py")
                stub.parent.mkdir(parents=True, exist_ok=True)
                stub.write_text(
                    f'raise ImportError("course_utils.{name} is not available when grading: it holds reference '
                    f'implementations (or the grader). Your answer must compute this itself.")\n'
                )

    def _stage_site(self):
        self.site.mkdir()
        self.site_binds = []
        sp = _site_packages()
        for name in ALLOWED_SITE:
            path = sp / name
            if not path.exists():
                continue
            if os.geteuid() == 0 and not _world_accessible(path):
                copy = self.site / name  # the sandbox user could not reach the venv: copy it
                (shutil.copytree if path.is_dir() else shutil.copy)(path, copy)
            else:
                mount_point = self.site / name  # bwrap binds onto it (the site folder is read-only)
                if path.is_dir():
                    mount_point.mkdir()
                else:
                    mount_point.touch()
                self.site_binds.append((path, f"/sandbox/site/{name}"))
        for name in BLOCKED_SITE:
            stub = self.site / name / "__init__.py"
            stub.parent.mkdir(parents=True)
            stub.write_text(
                f'raise ImportError("{name} is not available when grading: it implements the '
                f'functions you are asked to write. Use numpy.")\n'
            )

    def cleanup(self) -> None:
        """Remove the stage and every sandbox's scratch folder in it."""
        for _ in range(5):  # a sandbox being made while this runs can add a folder: go again
            shutil.rmtree(self.dir, ignore_errors=True)
            if not self.dir.exists():
                return
            time.sleep(0.05)


def _sandbox_uid() -> int:
    """A uid no account and no other sandbox uses (so RLIMIT_NPROC counts this sandbox alone)."""
    while True:
        uid = 200000 + secrets.randbelow(800000)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid


def _count_processes(uid: int) -> int:
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


class Sandbox:
    """A running sandboxed harness: :meth:`exec_cell`, :meth:`call`, :meth:`close` (kills everything)."""

    def __init__(
        self, stage: Stage, submission_dir: Path | None, limits: Limits, isolate: bool = True, student: str = ""
    ) -> None:
        self.stage, self.limits, self.isolate, self.student = stage, limits, isolate, student
        self.scratch = Path(tempfile.mkdtemp(prefix="course-grading-box-", dir=stage.dir))
        os.chmod(self.scratch, 0o755)
        sub = self.scratch / "submission"
        sub.mkdir()
        if submission_dir is not None and submission_dir.is_dir():
            budget = 50 * 1024 * 1024
            for path in sorted(submission_dir.rglob("*")):
                if path.is_file() and not path.is_symlink() and path.stat().st_size <= budget:
                    budget -= path.stat().st_size
                    target = sub / path.relative_to(submission_dir)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
        for path in [sub, *sub.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        self.uid = _sandbox_uid() if (isolate and os.geteuid() == 0) else os.geteuid()
        self.proc = None
        self._start()

    # -- process ---------------------------------------------------------------------------------
    def _command(self) -> list[str]:
        python = str(sandbox_python())
        if not self.isolate:
            return [
                python,
                "-I",
                "-S",
                str(self.stage.course / "harness.py"),
                str(self.stage.course),
                str(self.stage.site),
                str(_site_packages()),
            ]
        cmd = [
            bwrap_path(),
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--clearenv",
            "--ro-bind",
            "/usr",
            "/usr",
        ]
        for name in ("lib", "lib64", "lib32", "bin", "sbin"):
            p = Path("/") / name
            if p.is_symlink():
                cmd += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                cmd += ["--ro-bind", str(p), str(p)]
        base = Path(python).resolve()
        prefix = base.parent.parent  # .../bin/python3.X -> the installation's prefix
        if not str(base).startswith("/usr/"):
            cmd += ["--ro-bind", str(prefix), str(prefix)]
        version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
        # third-party packages installed next to the system's Pythons are masked (scipy from apt...)
        for masked in (
            "/usr/lib/python3/dist-packages",
            f"/usr/local/lib/{version}/dist-packages",
            f"/usr/local/lib/{version}/site-packages",
            f"{prefix}/lib/{version}/site-packages",
        ):
            if Path(masked).is_dir():
                cmd += ["--tmpfs", masked]
        if Path("/etc/ld.so.cache").exists():
            cmd += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        cmd += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            str(self.limits.scratch_mb * 1024 * 1024),
            "--tmpfs",
            "/tmp",
            "--ro-bind",
            str(self.stage.course),
            "/sandbox/course",
            "--ro-bind",
            str(self.stage.site),
            "/sandbox/site",
        ]
        for src, dst in self.stage.site_binds:
            cmd += ["--ro-bind", str(src), dst]
        cmd += ["--ro-bind", str(self.scratch / "submission"), "/submission", "--remount-ro", "/", "--chdir", "/tmp"]
        env = {
            "HOME": "/tmp",
            "PATH": "/usr/bin:/bin",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": "/tmp/.matplotlib",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            "LANG": "C.UTF-8",
            # who is graded, as on the hub: per-student variants of the set-up cells read it
            "JUPYTERHUB_USER": self.student,
            "COURSE_STUDENT_ID": self.student,
        }
        for k, v in env.items():
            cmd += ["--setenv", k, v]
        return [*cmd, python, "-I", "-S", "/sandbox/course/harness.py", "/sandbox/course", "/sandbox/site"]

    def _limits(self):
        lim = self.limits
        mem = lim.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (lim.cpu_seconds, lim.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (lim.file_mb * 1024 * 1024,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        nproc = lim.nproc
        if self.uid == os.geteuid() and os.geteuid() != 0:
            nproc += _count_processes(self.uid)  # same uid as the grader: allow what it runs already
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))

    def _start(self):
        kwargs = {}
        if self.uid != os.geteuid():
            kwargs.update(user=self.uid, group=self.uid, extra_groups=[])
        env = (
            None
            if self.isolate
            else {
                "HOME": str(self.scratch),
                "PATH": "/usr/bin:/bin",
                "MPLBACKEND": "Agg",
                "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1",
                "JUPYTERHUB_USER": self.student,
                "COURSE_STUDENT_ID": self.student,
            }
        )
        self.proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=self._limits,
            cwd=str(self.scratch) if not self.isolate else "/",
            env=env,
            **kwargs,
        )
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            self._read_reply("ready", max(30.0, self.limits.timeout))
        except (StudentDied, StudentTimeout, ProtocolError) as exc:
            err = self._stderr()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start ({exc.message}): {err}") from exc

    def _stderr(self) -> str:
        try:
            os.set_blocking(self.proc.stderr.fileno(), False)
            return (self.proc.stderr.read() or b"").decode(errors="replace")[-2000:]
        except (OSError, ValueError, TypeError):
            return ""

    def close(self) -> None:
        """Kill the sandbox and everything in it; remove its scratch folder."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
            if self.uid != os.geteuid():
                self._kill_uid()
            self.proc = None
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _kill_uid(self):
        """Anything still running under this sandbox's private uid (nothing should be) is killed."""
        for _ in range(50):
            left = [int(e) for e in os.listdir("/proc") if e.isdigit() and _owned_by(e, self.uid)]
            if not left:
                return
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    # -- protocol --------------------------------------------------------------------------------
    def _read_exact(self, n: int, deadline: float) -> bytes:
        out = bytearray()
        fd = self.proc.stdout.fileno()
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(timeout=left):
                raise StudentTimeout(f"timed out (over {self.limits.timeout:g} s)")
            chunk = os.read(fd, min(n - len(out), 1 << 20))
            if not chunk:
                self.proc.wait(timeout=5) if self.proc.poll() is None else None
                raise StudentDied(self._death_reason())
            out += chunk
        return bytes(out)

    def _death_reason(self) -> str:
        code = self.proc.poll()
        if code is not None and (code == -signal.SIGXCPU or code == 128 + signal.SIGXCPU):
            return "the kernel died: CPU-time cap reached"
        if code is not None and code in (-signal.SIGKILL, 128 + signal.SIGKILL):
            return "the kernel died (killed)"
        return f"the kernel died (the process ended{'' if code is None else f' with status {code}'})"

    def _read_reply(self, rid: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        (n,) = __import__("struct").unpack(">Q", self._read_exact(8, deadline))
        if n > protocol.MAX_FRAME:
            raise ProtocolError("the sandbox sent an oversized reply")
        return protocol.parse_reply(self._read_exact(n, deadline), rid)

    def _request(self, msg: dict) -> dict:
        if self.proc is None:
            raise StudentDied("the kernel is gone")
        rid = secrets.token_hex(8)
        msg = {**msg, "id": rid}
        try:
            self.proc.stdin.write(protocol.frame(msg))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            reason = self._death_reason()
            self.close()
            raise StudentDied(reason) from None
        try:
            return self._read_reply(rid, self.limits.timeout)
        except SandboxFailure:
            self.close()  # stuck, gone or garbled: nothing of it is used again
            raise

    @staticmethod
    def _raise(err: dict, where: str = ""):
        etype, text = err.get("type", "Error"), err.get("text", "")
        if etype == "MissingName":
            raise MissingName(f"{text} is not defined")
        if err.get("memory") is True or etype == "MemoryError":
            raise StudentMemory(etype, text or "the memory cap was reached", where)
        raise StudentRaised(etype, text, where)

    def exec_cell(self, grade_id: str, source: str) -> None:
        """Run one cell's code in the sandbox.

        Parameters
        ----------
        grade_id : str
            The cell's grade_id (for messages).
        source : str
            Its code.

        Raises
        ------
        StudentError
            What the cell did (raised, memory cap, ...); a :class:`SandboxFailure` when it timed
            out, died or answered garbage (the sandbox is then closed).
        """
        reply = self._request({"op": "exec", "cell": grade_id, "source": source})
        if not reply["ok"]:
            self._raise(reply["error"])

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """In this sandbox. Parameters and returns as :meth:`course_utils.grading.api.Student.call`."""
        return self._call(name, args, kwargs, False)

    def call_with_args(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Parameters and returns as :meth:`course_utils.grading.api.Student.call_with_args`."""
        return self._call(name, args, kwargs, True)

    def _call(self, name, args, kwargs, return_args):
        reply = self._request(
            {
                "op": "call",
                "name": name,
                "args": protocol.encode(list(args)),
                "kwargs": protocol.encode(dict(kwargs)),
                "return_args": return_args,
            }
        )
        if not reply["ok"]:
            self._raise(reply["error"], f"{name}(...) ")
        try:
            result = protocol.decode(reply.get("result"))
            if not return_args:
                return result
            after = protocol.decode(reply.get("args"))
            if type(after) is not list or len(after) != len(args):
                raise ProtocolError("malformed arguments in reply")
        except ProtocolError:
            self.close()  # a garbled reply: the sandbox is not trusted again
            raise
        return result, after


def _owned_by(pid: str, uid: int) -> bool:
    """Is ``pid`` a live process (not a zombie waiting to be reaped) of ``uid``?"""
    try:
        if os.stat(f"/proc/{pid}").st_uid != uid:
            return False
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


SELFTEST = """
import os, socket
open('/tmp/selftest', 'w').write('scratch is writable')
for path in ('/selftest', '/usr/selftest', '/sandbox/course/selftest'):
    try:
        open(path, 'w')
    except OSError:
        pass
    else:
        raise AssertionError('the sandbox could write ' + path)
try:
    import course_utils.conv
except ImportError:
    pass
else:
    raise AssertionError('a reference implementation is importable in the sandbox')
try:
    socket.create_connection(('1.1.1.1', 53), timeout=1)
except OSError:
    pass
else:
    raise AssertionError('the sandbox reached the network')
"""


def bwrap_missing_message() -> str:
    """What to do when bubblewrap is missing.

    Returns
    -------
    str
        One sentence: how to install it, or that ``--no-sandbox`` grades without isolation.
    """
    return (
        "bubblewrap ('bwrap') is not installed: install it ('sudo apt-get install bubblewrap' on Debian/Ubuntu) "
        "or pass --no-sandbox to grade WITHOUT isolation (the students' code could then read the course "
        "secret, solutions/ and the gradebook)"
    )


def check_available(stage: Stage) -> None:
    """Check that a sandbox starts and isolates here (a self-test in a real sandbox).

    Parameters
    ----------
    stage : Stage
        The grading run's stage.

    Raises
    ------
    SandboxUnavailable
        With what to do, when bubblewrap is missing.
    StudentError
        When the self-test fails (a write, import or connection it must not be able to make).
    """
    if bwrap_path() is None:
        raise SandboxUnavailable(bwrap_missing_message())
    box = Sandbox(stage, None, Limits(timeout=30))
    try:
        box.exec_cell("selftest", SELFTEST)
    finally:
        box.close()
