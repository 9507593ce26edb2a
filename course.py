#!/usr/bin/env python3
"""Set up and run the course with one command (needs only Python >= 3.11 with venv).

    python3 course.py lab      # create .venv if needed, then open the course in JupyterLab
    python3 course.py test     # create .venv if needed (with test extras), then run every test
    python3 course.py hub      # as root: a JupyterHub for one class on this machine (deploy/localhub.py)
    python3 course.py present [notebook or demo]   # lecture mode: the demos in Voila, code hidden

Both are idempotent: the environment is (re)installed only when it is missing,
when pyproject.toml changed, or when a command needs extras not installed yet.
Extra arguments are passed through, e.g. ``python3 course.py lab --no-browser``
or ``python3 course.py test -k conv``. ``present`` opens a page listing the demos, or with an
argument one lecture notebook (``06``, ``06_backprop_convolution``) or one demo (``BlendDemo``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import webbrowser
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "course-stamp.json"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def _pyproject_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment(extras: set[str]) -> None:
    """Create .venv and install the package (editable) with ``extras`` unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this runs under any python3, before .venv exists)
        sys.exit(f"[course] Python >= 3.11 is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        _say(f"creating the virtual environment {VENV.relative_to(ROOT)}/ ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    stamp = {}
    if STAMP.exists():
        try:
            stamp = json.loads(STAMP.read_text())
        except ValueError:
            stamp = {}
    digest = _pyproject_hash()
    installed = set(stamp.get("extras", []))
    if stamp.get("pyproject") == digest and extras <= installed:
        return
    wanted = sorted(extras | installed)
    target = "." + (f"[{','.join(wanted)}]" if wanted else "")
    _say(f"installing {target} into .venv (first run takes about a minute) ...")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-qq", "-e", target],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(json.dumps({"pyproject": digest, "extras": wanted}))


def lab_command(args: list[str], bin_dir: Path = BIN, root: Path = ROOT) -> list[str]:
    """The JupyterLab command line: the course root as the file browser's root, opened on notebooks/."""
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # containers, CI
    return [
        str(bin_dir / "jupyter"),
        "lab",
        f"--ServerApp.root_dir={root}",
        "--LabApp.default_url=/lab/tree/notebooks",
        *as_root,
        *args,
    ]


#: JupyterLab defaults the course ships (the browser tests use them too): the kernel starts without
#: asking, no news pop-up over the demos, every cell rendered (widgets off-screen stay drawn)
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def ship_lab_settings(prefix: Path = VENV) -> Path:
    """Write :data:`LAB_SETTINGS` as the environment's JupyterLab ``overrides.json`` (a user's own
    settings still win over it); keep any other entries already there."""
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = {}
    if path.exists():
        try:
            current = json.loads(path.read_text())
        except ValueError:
            current = {}
    merged = {**current, **{k: {**current.get(k, {}), **v} for k, v in LAB_SETTINGS.items()}}
    if merged != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, indent=2))
    return path


def lab(args: list[str]) -> int:
    ensure_environment(set())
    ship_lab_settings()
    cmd = lab_command(args)
    _say("opening JupyterLab on notebooks/ (stop it with Ctrl-C) ...")
    return subprocess.call(cmd, cwd=ROOT)


def present_command(folder: Path, port: int, args: list[str], bin_dir: Path = BIN) -> list[str]:
    """The Voila command line of lecture mode: the presenter pages in ``folder``, code hidden."""
    return [
        str(bin_dir / "voila"),
        str(folder),
        f"--port={port}",
        "--no-browser",  # present() opens the page listing the demos
        "--theme=light",
        "--VoilaConfiguration.show_tracebacks=True",  # a lecturer should see what went wrong
        *args,
    ]


def present_environment() -> dict:
    """Voila's environment: its kernels draw the demos at the presenter scale."""
    return {**os.environ, "COURSE_PRESENTER": "1"}


def present_page(target: str | None, folder: Path) -> str:
    """The page to open for ``present [target]``: the list of demos, a lecture notebook or one demo."""
    if not target:
        return "index.ipynb"
    stem = target.removesuffix(".ipynb")
    lectures = sorted(p.name for p in (folder / "lectures").glob("*.ipynb"))
    for name in lectures:
        if name.removesuffix(".ipynb") == stem or name.split("_")[0] == stem:
            return f"lectures/{name}"
    demos = json.loads((folder / "demos.json").read_text())
    if stem in demos:
        return demos[stem]
    known = ", ".join([name.split("_")[0] for name in lectures] + sorted(demos))
    raise SystemExit(f"[course] present: no lecture notebook or demo called {target!r}; try one of {known}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def present(args: list[str]) -> int:
    ensure_environment(set())
    target = args[0] if args and not args[0].startswith("-") else None
    rest = args[1:] if target else args
    folder = Path(tempfile.mkdtemp(prefix="course-present-"))
    subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import sys; from course_utils.demos.presenter import "
            "write_presenter_notebooks as w; w(sys.argv[1], sys.argv[2])",
            str(folder),
            str(ROOT / "notebooks"),
        ],
        check=True,
    )
    page = present_page(target, folder)
    port = next((int(a.split("=", 1)[1]) for a in rest if a.startswith("--port=")), None) or _free_port()
    rest = [a for a in rest if not a.startswith("--port=")]
    open_browser = "--no-browser" not in rest
    cmd = present_command(folder, port, [a for a in rest if a != "--no-browser"])
    url = f"http://localhost:{port}/voila/render/{urllib.request.quote(page)}"
    _say(f"lecture mode: Voila on {url} (stop it with Ctrl-C) ...")
    proc = subprocess.Popen(cmd, cwd=folder, env=present_environment())
    try:
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://localhost:{port}/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        if open_browser and proc.poll() is None:
            webbrowser.open(url)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


def test(args: list[str]) -> int:
    ensure_environment({"test"})
    ship_lab_settings()
    parallel = [] if any(a == "-n" or a.startswith("-n") for a in args) else ["-n", "auto", "--dist", "loadgroup"]
    cmd = [str(PYTHON), "-m", "pytest", *parallel, *args]
    _say(" ".join(["pytest", *parallel, *args]))
    return subprocess.call(cmd, cwd=ROOT)


def hub(args: list[str]) -> int:
    """A JupyterHub with an instructor and students as local system users (see deploy/localhub.py)."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        _say(
            "`hub` needs root: it creates system users, checks their passwords with PAM and starts "
            "each user's server as that user. Run it as root (sudo python3 course.py hub) on a machine "
            "where that is fine (a VM or container), not on your laptop's own account."
        )
        return 1
    ensure_environment({"hub"})
    return subprocess.call([str(PYTHON), str(ROOT / "deploy" / "localhub.py"), *args], cwd=ROOT)


COMMANDS = {"lab": lab, "test": test, "hub": hub, "present": present}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
