"""A JupyterHub for one class on this machine: an instructor, students, nbgrader's exchange.

``python3 course.py hub`` runs this file; the hub tests (tests/test_hub.py) use the same
:class:`ClassHub`. Everything is started the real way, as on a departmental server:

* JupyterHub with configurable-http-proxy (npm), the PAM authenticator (local system users with
  passwords) and the local process spawner: each account is a system user with its own home
  (mode 700) and its own single-user JupyterLab, started by the hub with that user's uid;
* a **class environment** outside the repository (``<root>/env``): a virtual environment whose
  packages are hard links to the course's ``.venv`` and whose ``course_utils`` is a plain copy.
  The course's ``.venv`` has an *editable* install pointing at the repository, which holds
  ``solutions/``; the class environment does not point there;
* the repository itself is hidden from every single-user server (bubblewrap mounts an empty
  folder over it), so a student's terminal or kernel cannot read ``solutions/`` even when the
  clone is world-readable;
* nbgrader's exchange in ``<root>/exchange`` (mode 1777, sticky), the course id and exchange root
  in the class environment's ``etc/jupyter/nbgrader_config.py`` (read by every server);
* the instructor's course directory in their home (``~/backprop-course``: ``solutions/``,
  ``assignments/``, ``nbgrader_config.py``, the gradebook with the students as its roster), found
  by nbgrader through ``~/.jupyter/nbgrader_config.py``; the students' JupyterLab has the
  formgrader, course list and create-assignment tools switched off.

Every name is unique per run (``<prefix>-<random>-instructor``, ``...-student1``), ports are free
ones, and :meth:`ClassHub.cleanup` stops every process it started (the hub, the proxy, every
server and kernel of the run's users), deletes the users with their homes and removes the run's
folder. Accounts left behind by a run that was killed are removed by the next run (their GECOS
field names the process that created them).

Needs root (``useradd``, PAM, the spawner's setuid), ``configurable-http-proxy`` on the PATH
(``npm install -g configurable-http-proxy``), ``bwrap`` (``apt-get install bubblewrap``) and the
course's ``.venv`` with the ``hub`` extra (``jupyterhub``).
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COURSE_ID = "backprop-cnn-pyramids"
COURSE_FOLDER = "backprop-course"  # the instructor's course directory, in their home
GECOS_TAG = "course-hub run pid="  # marks accounts made by a run (see reap_stale_accounts)
# what a student's JupyterLab does not need (nbgrader's docs: instructors only)
STUDENT_DISABLED_LAB_PLUGINS = [
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
]
STUDENT_DISABLED_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader"]


class HubError(RuntimeError):
    """The class hub could not be set up or started; the message says what is missing."""


@dataclass
class Account:
    name: str
    password: str
    role: str  # "instructor" or "student"

    @property
    def home(self) -> Path:
        return Path(pwd.getpwnam(self.name).pw_dir)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid


def _run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def _locked_retry(cmd, input=None, tries=20):
    """useradd/userdel/chpasswd: another run may hold the lock on /etc/passwd for a moment."""
    for attempt in range(tries):
        proc = subprocess.run(cmd, input=input, capture_output=True, text=True)
        if proc.returncode == 0:
            return proc
        if "lock" not in (proc.stderr + proc.stdout).lower() or attempt == tries - 1:
            raise HubError(f"{' '.join(cmd[:2])} failed ({proc.returncode}): {proc.stderr.strip()}")
        time.sleep(0.2 + 0.1 * attempt)
    raise AssertionError("unreachable")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -------------------------------------------------------------------------------------------------
# processes and accounts
# -------------------------------------------------------------------------------------------------
def pids_of_uid(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
        except OSError:
            continue
    return pids


def kill_uid_processes(uid: int, grace: float = 3.0) -> int:
    """SIGTERM, then SIGKILL, every process of ``uid`` (a run's own accounts only); returns how many."""
    found = pids_of_uid(uid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids_of_uid(uid):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.time() + grace
        while time.time() < deadline and _alive(pids_of_uid(uid)):
            time.sleep(0.1)
    return len(found)


def _alive(pids) -> bool:
    """True if any of ``pids`` is a running (not zombie) process."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] != "Z":
                    return True
        except OSError:
            continue
    return False


def delete_account(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    kill_uid_processes(uid)
    proc = subprocess.run(["userdel", "--remove", "--force", name], capture_output=True, text=True)
    if proc.returncode not in (0, 6, 12):  # 6: no such user (raced), 12: could not remove home (gone)
        _locked_retry(["userdel", "--remove", "--force", name])


def reap_stale_accounts() -> list[str]:
    """Delete accounts made by an earlier run whose process is gone (a killed test, a crashed hub)."""
    reaped = []
    for entry in pwd.getpwall():
        if not entry.pw_gecos.startswith(GECOS_TAG):
            continue
        try:
            pid = int(entry.pw_gecos[len(GECOS_TAG) :].split()[0])
        except ValueError:
            continue
        if _alive([pid]):
            continue
        delete_account(entry.pw_name)
        reaped.append(entry.pw_name)
    return reaped


# -------------------------------------------------------------------------------------------------
# the class environment: the course's packages without the editable link to the repository
# -------------------------------------------------------------------------------------------------
def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _link_tree(src: Path, dst: Path) -> None:
    """``dst``: ``src`` as hard links (``cp -al``, a second for ~12,000 files), else copies."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if shutil.which("cp") and subprocess.run(["cp", "-al", str(src), str(dst)], capture_output=True).returncode == 0:
        return
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, copy_function=_link_or_copy, symlinks=True)


def _site_packages(prefix: Path) -> Path:
    return prefix / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def private_ancestor(path: Path) -> Path | None:
    """The outermost folder on the way to ``path`` that other users cannot enter (e.g. ``/root``), or None."""
    for folder in [*reversed(path.parents), path]:
        try:
            if not folder.stat().st_mode & 0o001:
                return folder
        except OSError:
            return folder
    return None


def interpreter_view(prefix: Path, dest: Path) -> Path:
    """``dest``: the interpreter of ``prefix`` and its standard library (hard links), without its site-packages.

    For an interpreter that other users cannot reach (pyenv under ``/root``): the users' sandbox
    mounts this view at ``prefix``, so the same interpreter runs with the paths it was built for.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    (dest / "bin").mkdir(parents=True)
    (dest / "lib" / version / "site-packages").mkdir(parents=True)
    _link_or_copy(os.path.realpath(prefix / "bin" / version), dest / "bin" / version)
    for lib in (prefix / "lib").glob("libpython*"):
        if lib.is_symlink():
            (dest / "lib" / lib.name).symlink_to(os.readlink(lib))
        else:
            _link_or_copy(lib, dest / "lib" / lib.name)
    for entry in (prefix / "lib" / version).iterdir():
        if entry.name != "site-packages":
            _link_tree(entry, dest / "lib" / version / entry.name) if entry.is_dir() else _link_or_copy(
                entry, dest / "lib" / version / entry.name
            )
    return dest


def build_class_env(venv: Path, repo: Path, dest: Path, python: str) -> Path:
    """``dest``: a virtual environment on ``python`` with the course's packages, no editable install.

    Third-party packages, Jupyter's ``share/`` and ``etc/`` are hard links to ``venv`` (a copy
    where the file system refuses), so this takes a second instead of a fresh ``pip install``;
    ``course_utils`` is copied from the repository as a plain package.
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    src_site, dst_site = _site_packages(venv), _site_packages(dest)
    (dest / "bin").mkdir(parents=True)
    for name in ("python", "python3", f"python{version}"):
        (dest / "bin" / name).symlink_to(python)
    (dest / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(python)}\ninclude-system-site-packages = false\n"
        f"version = {sysconfig.get_python_version()}\n"
    )
    _link_tree(src_site, dst_site)
    for stale in [*dst_site.glob("__editable__*"), *dst_site.glob("course_utils*")]:
        shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    shutil.copytree(
        repo / "course_utils", dst_site / "course_utils", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for sub in ("share/jupyter", "etc/jupyter"):
        if (venv / sub).is_dir():
            _link_tree(venv / sub, dest / sub)
    # console scripts (jupyter, nbgrader, jupyterhub-singleuser, ...) with this environment's python
    old = f"#!{venv}/bin/python"
    for script in (venv / "bin").iterdir():
        if script.name.startswith(("python", "activate", "Activate")) or not script.is_file():
            continue
        try:
            text = script.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        if text.startswith(old):
            target = dest / "bin" / script.name
            target.write_text(f"#!{dest}/bin/python\n" + text.split("\n", 1)[1])
            target.chmod(0o755)
    return dest


# -------------------------------------------------------------------------------------------------
# the hub
# -------------------------------------------------------------------------------------------------
class ClassHub:
    """One class on a loopback (or LAN) JupyterHub; see the module docstring.

    Use as a context manager, or call :meth:`setup`, :meth:`start` and, always, :meth:`cleanup`.
    """

    def __init__(
        self,
        repo: Path = REPO,
        students: int = 3,
        prefix: str = "class",
        ip: str = "127.0.0.1",
        port: int | None = None,
        venv: Path | None = None,
        hide_repository: bool = True,
        log=None,
    ):
        if os.geteuid() != 0:
            raise HubError(
                "the class hub needs root: it creates system users (useradd), checks their passwords "
                "with PAM and starts each user's server with that user's uid"
            )
        if not 1 <= students <= 500:
            raise HubError(f"students: expected 1 to 500, got {students}")
        self.repo = Path(repo).resolve()
        self.venv = Path(venv or sys.prefix).resolve()
        self.ip, self.port = ip, port or free_port()
        self.hub_port, self.proxy_api_port = free_port(), free_port()
        self.hide_repository = hide_repository
        self.log = log or (lambda msg: print(f"[hub] {msg}", flush=True))
        run = secrets.token_hex(3)
        self.run_id = f"{prefix}-{run}"
        self.instructor = Account(f"{self.run_id}-instructor", secrets.token_urlsafe(12), "instructor")
        self.students = [
            Account(f"{self.run_id}-student{k}", secrets.token_urlsafe(12), "student") for k in range(1, students + 1)
        ]
        self.service_token = secrets.token_hex(24)
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self._created: list[str] = []

    # -- paths -------------------------------------------------------------------------------------
    @property
    def accounts(self) -> list[Account]:
        return [self.instructor, *self.students]

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("", "0.0.0.0") else self.ip
        return f"http://{host}:{self.port}"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def env(self) -> Path:
        return self.root / "env"

    @property
    def course_dir(self) -> Path:
        return self.instructor.home / COURSE_FOLDER

    @property
    def hub_dir(self) -> Path:
        return self.root / "hub"

    @property
    def log_file(self) -> Path:
        return self.hub_dir / "jupyterhub.log"

    # -- set-up ------------------------------------------------------------------------------------
    def setup(self) -> ClassHub:
        self.proxy = shutil.which("configurable-http-proxy")
        if not self.proxy:
            raise HubError(
                "configurable-http-proxy is not on the PATH: `npm install -g configurable-http-proxy` "
                "(Node 18 or newer: `apt-get install nodejs npm`)"
            )
        self.bwrap = shutil.which("bwrap")
        if not self.bwrap and (self.hide_repository or private_ancestor(Path(sys.base_prefix).resolve())):
            raise HubError(
                "bwrap is not installed (`apt-get install bubblewrap`): it hides the repository, which "
                "holds solutions/, from the users' servers and lets them reach the course's Python"
            )
        try:
            import jupyterhub  # noqa: F401
        except ImportError:
            raise HubError(
                f"jupyterhub is not installed in {sys.prefix}: `python3 course.py hub` installs it (the `hub` extra)"
            ) from None
        reaped = reap_stale_accounts()
        if reaped:
            self.log(f"removed {len(reaped)} accounts left by runs that were killed: {', '.join(reaped)}")
        self.root = Path(tempfile.mkdtemp(prefix=f"course-hub-{self.run_id}-"))
        self.root.chmod(0o755)  # students traverse it to reach env/ and exchange/
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:  # the environment's files while the accounts are made
            env_files = pool.submit(self._build_env)
            for account in self.accounts:
                self._create_account(account)
            env_files.result()
        self._check_env()
        self.exchange.mkdir()
        self.exchange.chmod(0o1777)
        self._instructor_course()
        for student in self.students:
            self._student_settings(student)
        self._write_hub_config()
        return self

    def _create_account(self, account: Account) -> None:
        _locked_retry(
            [
                "useradd",
                "--create-home",
                "--shell",
                "/bin/bash",
                "--comment",
                f"{GECOS_TAG}{os.getpid()} {account.role}",
                account.name,
            ]
        )
        self._created.append(account.name)
        _locked_retry(["chpasswd"], input=f"{account.name}:{account.password}\n")
        account.home.chmod(0o700)
        # terminals are login shells, and Debian's /etc/profile resets PATH: put the class's tools first
        with open(account.home / ".profile", "a") as fh:
            fh.write(
                f'\n# the class environment (python, jupyter, nbgrader)\nexport PATH="{self.root}/env/bin:$PATH"\n'
            )

    def _as_user(self, account: Account, *cmd, **kw):
        return subprocess.run(["runuser", "-u", account.name, "--", *cmd], capture_output=True, text=True, **kw)

    def _build_env(self) -> None:
        t0 = time.perf_counter()
        python = self.base_python
        if private_ancestor(Path(sys.base_prefix).resolve()) is not None:
            interpreter_view(Path(sys.base_prefix).resolve(), self.root / "python")
        build_class_env(self.venv, self.repo, self.env, python)
        site = self.env / "etc" / "jupyter"
        site.mkdir(parents=True, exist_ok=True)
        (site / "nbgrader_config.py").write_text(
            "# The class's exchange, read by every user's server (instructor and students).\n"
            "c = get_config()  # noqa: F821\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        )
        self.log(f"class environment {self.env} on {python} in {time.perf_counter() - t0:.1f} s")

    def _check_env(self) -> None:
        """A student imports course_utils from the class environment, in the sandbox their server gets."""
        probe = self._as_user(
            self.students[0],
            *self.sandbox(),
            str(self.env / "bin" / "python"),
            "-c",
            "import course_utils; print(course_utils.__file__)",
            cwd="/",
        )
        if probe.returncode != 0 or not probe.stdout.startswith(str(self.env)):
            raise HubError(f"the class environment does not work for a student: {probe.stdout}{probe.stderr}")

    def _chown_tree(self, path: Path, account: Account) -> None:
        _run(["chown", "-R", f"{account.name}:{account.name}", str(path)])

    def _instructor_course(self) -> None:
        course = self.course_dir
        course.mkdir()
        shutil.copy(self.repo / "nbgrader_config.py", course)
        for sub in ("solutions", "assignments"):
            shutil.copytree(
                self.repo / sub,
                course / sub,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"),
            )
        # the roster: the students belong to the course before they submit anything
        from nbgrader.api import Gradebook

        env = {**os.environ, "PATH": f"{self.venv}/bin{os.pathsep}{os.environ.get('PATH', '')}"}
        old_path = os.environ.get("PATH", "")
        os.environ["PATH"] = env["PATH"]  # nbgrader calls alembic when it creates a gradebook
        try:
            with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gradebook:
                for student in self.students:
                    gradebook.update_or_create_student(student.name)
        finally:
            os.environ["PATH"] = old_path
        config = self.instructor.home / ".jupyter"
        config.mkdir()
        (config / "nbgrader_config.py").write_text(
            "# nbgrader (formgrader, the command line) uses the course directory wherever it starts\n"
            "c = get_config()  # noqa: F821\n"
            f"load_subconfig({str(course / 'nbgrader_config.py')!r})\n"
        )
        course.chmod(0o700)
        self._chown_tree(course, self.instructor)
        self._chown_tree(config, self.instructor)

    def _student_settings(self, student: Account) -> None:
        config = student.home / ".jupyter"
        (config / "labconfig").mkdir(parents=True)
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {p: True for p in STUDENT_DISABLED_LAB_PLUGINS}}, indent=1)
        )
        (config / "jupyter_server_config.json").write_text(
            json.dumps(
                {"ServerApp": {"jpserver_extensions": {e: False for e in STUDENT_DISABLED_SERVER_EXTENSIONS}}}, indent=1
            )
        )
        self._chown_tree(config, student)

    @property
    def base_python(self) -> str:
        """The interpreter of the course's .venv: the class environment runs on the very same one."""
        return os.path.realpath(getattr(sys, "_base_executable", sys.executable))

    def sandbox(self) -> list[str]:
        """The bubblewrap prefix of every user's server: the repository hidden, the interpreter reachable.

        An empty folder is mounted over the repository (it holds ``solutions/``). If the course's
        interpreter lives in a folder other users cannot enter (pyenv in ``/root``), that folder
        becomes an empty one too, with only the interpreter's installation mounted back, read-only.
        A pid namespace: stopping bwrap stops every process of the server (kernels, terminals), and
        ``/proc`` shows no other user's processes.
        """
        binds = []
        prefix = Path(sys.base_prefix).resolve()
        blocked = private_ancestor(prefix)
        if blocked is not None:
            binds += ["--tmpfs", str(blocked), "--ro-bind", str(self.root / "python"), str(prefix)]
        if self.hide_repository:
            binds += ["--tmpfs", str(self.repo)]
        if not binds:
            return []
        return [
            self.bwrap,
            "--dev-bind",
            "/",
            "/",
            *binds,
            "--unshare-pid",
            "--proc",
            "/proc",
            "--die-with-parent",
            "--",
        ]

    def spawner_cmd(self) -> list[str]:
        """The command the hub runs (as the user) for each single-user server."""
        return [*self.sandbox(), str(self.env / "bin" / "python"), "-m", "jupyterhub.singleuser"]

    def _write_hub_config(self) -> None:
        self.hub_dir.mkdir(mode=0o700)
        users = [a.name for a in self.accounts]
        config = {
            "JupyterHub.ip": self.ip,
            "JupyterHub.port": self.port,
            "JupyterHub.hub_ip": "127.0.0.1",
            "JupyterHub.hub_port": self.hub_port,
            "JupyterHub.db_url": f"sqlite:///{self.hub_dir / 'jupyterhub.sqlite'}",
            "JupyterHub.cookie_secret_file": str(self.hub_dir / "jupyterhub_cookie_secret"),
            "JupyterHub.pid_file": str(self.hub_dir / "jupyterhub.pid"),
            "JupyterHub.cleanup_servers": True,
            "JupyterHub.authenticator_class": "pam",
            "Authenticator.allowed_users": set(users),
            "PAMAuthenticator.open_sessions": False,
            "JupyterHub.spawner_class": "localprocess",
            "ConfigurableHTTPProxy.command": [self.proxy],
            "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{self.proxy_api_port}",
            "ConfigurableHTTPProxy.pid_file": str(self.hub_dir / "proxy.pid"),
            "ConfigurableHTTPProxy.auth_token": secrets.token_hex(24),
            "Spawner.cmd": self.spawner_cmd(),
            "Spawner.default_url": "/lab",
            "Spawner.notebook_dir": "~",
            "Spawner.environment": {"PATH": f"{self.env}/bin:/usr/local/bin:/usr/bin:/bin"},
            "Spawner.start_timeout": 300,  # a loaded 2-core machine starts four servers at once
            "Spawner.http_timeout": 300,
            "JupyterHub.services": [{"name": "course-admin", "api_token": self.service_token}],
            "JupyterHub.load_roles": [
                {
                    "name": "course-admin",
                    "services": ["course-admin"],
                    "scopes": ["admin:users", "admin:servers", "list:users"],
                }
            ],
        }
        lines = ["# Written by deploy/localhub.py for one run; see that file.", "c = get_config()  # noqa: F821"]
        lines += [f"c.{key} = {value!r}" for key, value in config.items()]
        (self.hub_dir / "jupyterhub_config.py").write_text("\n".join(lines) + "\n")

    # -- running -----------------------------------------------------------------------------------
    def start(self, timeout: float = 180) -> ClassHub:
        env = {**os.environ, "PATH": f"{self.venv}/bin{os.pathsep}{os.environ.get('PATH', '')}"}
        self._log_handle = open(self.log_file, "ab")
        self.proc = subprocess.Popen(
            [str(self.venv / "bin" / "python"), "-m", "jupyterhub", "-f", str(self.hub_dir / "jupyterhub_config.py")],
            cwd=self.hub_dir,
            env=env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=3) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise HubError(f"JupyterHub did not start (exit {self.proc.poll()}); its log ends:\n{self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def api(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 60):
        """A request to the hub's REST API (``/hub/api``+path) with the course-admin service's token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {token or self.service_token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def start_servers(self, names: list[str], timeout: float = 300) -> None:
        """Start the named users' servers through the REST API and wait until all are ready."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:  # the hub answers when a server is up
            answers = list(pool.map(lambda name: self.api("POST", f"/users/{name}/server", timeout=timeout), names))
        for name, (status, body) in zip(names, answers):
            if status not in (201, 202, 400):  # 400: already running
                raise HubError(f"starting {name}'s server: {status} {body}")
        deadline = time.time() + timeout
        waiting = set(names)
        while waiting:
            for name in sorted(waiting):
                status, model = self.api("GET", f"/users/{name}")
                server = (model or {}).get("servers", {}).get("", {}) if status == 200 else {}
                if server.get("ready"):
                    waiting.discard(name)
                elif status == 200 and not server.get("pending") and not server:
                    raise HubError(f"{name}'s server stopped while starting; hub log:\n{self.log_tail()}")
            if waiting and time.time() > deadline:
                raise HubError(f"servers not ready after {timeout} s: {sorted(waiting)}; hub log:\n{self.log_tail()}")
            time.sleep(0.5)

    def stop(self, grace: float = 60) -> None:
        """Stop the hub (which stops the servers and the proxy), then anything of the run still alive."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the proxy shares the hub's process group
            except ProcessLookupError:
                pass
            self.proc.wait()
        for name in self._created:
            try:
                kill_uid_processes(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        handle = getattr(self, "_log_handle", None)
        if handle:
            handle.close()

    def cleanup(self) -> list[str]:
        """Stop everything, delete the run's accounts and homes and its folder; returns what stayed."""
        problems = []
        try:
            self.stop()
        except Exception as exc:  # keep going: the accounts must go anyway
            problems.append(f"stop: {exc}")
        for name in self._created:
            try:
                delete_account(name)
            except Exception as exc:
                problems.append(f"userdel {name}: {exc}")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            if self.root.exists():
                problems.append(f"{self.root} still exists")
        return problems

    def __enter__(self) -> ClassHub:
        try:
            self.setup()
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


# -------------------------------------------------------------------------------------------------
# one user, as a person or a script would be: the login form, a token, their own server
# -------------------------------------------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class HubUser:
    """A user of the class hub: logs in with the real login form (PAM), then talks to their own server.

    ``server(...)`` calls the user's single-user server through the proxy with the user's own API
    token (the contents API, nbgrader's ``/assignments`` and ``/formgrader/api`` endpoints);
    ``run(...)`` types a command into a terminal of that server, as the user would.
    """

    def __init__(self, hub: ClassHub, account: Account):
        import requests

        self.hub, self.account, self.name = hub, account, account.name
        self.session = requests.Session()
        self.token: str | None = None

    def login(self, password: str | None = None) -> bool:
        """Log in through ``/hub/login`` (PAM); True if the hub accepted the password."""
        url = f"{self.hub.url}/hub/login"
        self.session.get(url, timeout=30)
        xsrf = self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf")
        response = self.session.post(
            url,
            data={
                "username": self.name,
                "_xsrf": xsrf,
                "password": self.account.password if password is None else password,
            },
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code == 302 and "jupyterhub-session-id" in self.session.cookies

    def new_token(self, note: str = "course hub session") -> str:
        """An API token of this user, requested by the user (logged in) through the hub's REST API."""
        xsrf = self.session.cookies.get("_xsrf", path="/hub/") or self.session.cookies.get("_xsrf")
        response = self.session.post(
            f"{self.hub.url}/hub/api/users/{self.name}/tokens",
            json={"note": note, "expires_in": 7200},
            headers={"X-XSRFToken": xsrf},
            timeout=60,
        )
        if response.status_code != 201:
            raise HubError(f"{self.name} could not get a token: {response.status_code} {response.text[:300]}")
        self.token = response.json()["token"]
        return self.token

    def server(self, method: str, path: str, body=None, owner: str | None = None, timeout: float = 300, **kw):
        """A request to ``/user/<owner>/<path>`` (default: this user's own server) with this user's token."""
        import requests

        url = f"{self.hub.url}/user/{owner or self.name}/{path.lstrip('/')}"
        return requests.request(
            method,
            url,
            json=body,
            timeout=timeout,
            allow_redirects=False,
            headers={"Authorization": f"token {self.token}"},
            **kw,
        )

    def run(self, command: str, timeout: float = 600) -> tuple[int, str]:
        """Run ``command`` in a new terminal of this user's server; returns (exit status, output).

        One terminal per command: a websocket left idle between commands misses the server's pings
        and is closed by it.
        """
        import websocket

        response = self.server("POST", "api/terminals")
        response.raise_for_status()
        name = response.json()["name"]
        ws_url = self.hub.url.replace("http://", "ws://") + f"/user/{self.name}/terminals/websocket/{name}"
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            ws.send(json.dumps(["set_size", 50, 250, 800, 1600]))
            # the markers are printed with printf, so the echoed command line never matches them
            pattern = re.compile(r"<<start>>\n(.*)<<done:(\d+)>>", re.S)
            line = f"printf '<<%s>>\\n' start; {command}; printf '<<done:%s>>\\n' $?\r"
            ws.send(json.dumps(["stdin", line]))
            output, deadline = "", time.time() + timeout
            while time.time() < deadline:
                message = ws.recv()
                if not message:
                    raise HubError(f"{self.name}: the terminal closed during `{command}`; output:\n{output[-2000:]}")
                kind, *payload = json.loads(message)
                if kind == "stdout":
                    output += _ANSI.sub("", payload[0])
                    found = pattern.search(output)
                    if found:
                        return int(found.group(2)), found.group(1)
            raise HubError(f"{self.name}: `{command}` did not finish in {timeout} s; output so far:\n{output[-2000:]}")
        finally:
            ws.close()
            self.server("DELETE", f"api/terminals/{name}")

    def close(self) -> None:
        """Log out: the hub forgets this session's cookie (the token stays valid until it expires)."""
        self.session.close()


# -------------------------------------------------------------------------------------------------
# `python3 course.py hub`
# -------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 course.py hub", description="Start a JupyterHub for one class on this machine (needs root)."
    )
    parser.add_argument("--students", type=int, default=3, help="number of student accounts (default 3)")
    parser.add_argument("--port", type=int, default=8000, help="the hub's port (default 8000)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for a LAN)")
    args = parser.parse_args(argv)
    try:
        hub = ClassHub(students=args.students, port=args.port, ip=args.ip)
    except HubError as exc:
        print(f"[hub] {exc}", file=sys.stderr)
        return 1
    stop = []
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or `kill` cleans up too
        signal.signal(sig, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started in the background
    try:
        hub.setup()
        hub.start()
        print(f"\n[hub] JupyterHub is running at {hub.url}/ (log: {hub.log_file})\n", flush=True)
        print(f"  {'account':<32} {'password':<18} role", flush=True)
        for account in hub.accounts:
            print(f"  {account.name:<32} {account.password:<18} {account.role}", flush=True)
        print(
            f"\n  course directory (instructor only): {hub.course_dir}\n  exchange: {hub.exchange}\n"
            "  Log in as the instructor: Nbgrader > Formgrader to generate and release ps1; as a student:\n"
            "  Nbgrader > Assignment List to fetch and submit. Ctrl-C stops the hub and deletes every account.\n",
            flush=True,
        )
        while not stop and hub.proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    except HubError as exc:
        print(f"[hub] {exc}", file=sys.stderr)
        return 1
    finally:
        print("[hub] stopping the hub and deleting the class's accounts ...", flush=True)
        problems = hub.cleanup()
        for problem in problems:
            print(f"[hub] cleanup: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
