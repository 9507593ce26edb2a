#!/usr/bin/env python3
"""Set up and run the course with one command (needs only Python >= 3.11 with venv).

    python3 course.py lab      # create .venv if needed, then open the course in JupyterLab
    python3 course.py test     # create .venv if needed (with test extras), then run every test
    python3 course.py hub      # as root: a JupyterHub for one class on this machine (deploy/localhub.py)

Both are idempotent: the environment is (re)installed only when it is missing,
when pyproject.toml changed, or when a command needs extras not installed yet.
Extra arguments are passed through, e.g. ``python3 course.py lab --no-browser``
or ``python3 course.py test -k conv``.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
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
    if sys.version_info < (3, 11):
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
        str(bin_dir / "jupyter"), "lab",
        f"--ServerApp.root_dir={root}",
        "--LabApp.default_url=/lab/tree/notebooks",
        *as_root,
        *args,
    ]


def lab(args: list[str]) -> int:
    ensure_environment(set())
    cmd = lab_command(args)
    _say("opening JupyterLab on notebooks/ (stop it with Ctrl-C) ...")
    return subprocess.call(cmd, cwd=ROOT)


def test(args: list[str]) -> int:
    ensure_environment({"test"})
    parallel = [] if any(a == "-n" or a.startswith("-n") for a in args) else ["-n", "auto", "--dist", "loadgroup"]
    cmd = [str(PYTHON), "-m", "pytest", *parallel, *args]
    _say(" ".join(["pytest", *parallel, *args]))
    return subprocess.call(cmd, cwd=ROOT)


def hub(args: list[str]) -> int:
    """A JupyterHub with an instructor and students as local system users (see deploy/localhub.py)."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        _say("`hub` needs root: it creates system users, checks their passwords with PAM and starts "
             "each user's server as that user. Run it as root (sudo python3 course.py hub) on a machine "
             "where that is fine (a VM or container), not on your laptop's own account.")
        return 1
    ensure_environment({"hub"})
    return subprocess.call([str(PYTHON), str(ROOT / "deploy" / "localhub.py"), *args], cwd=ROOT)


COMMANDS = {"lab": lab, "test": test, "hub": hub}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
