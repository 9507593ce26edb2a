"""The README's set-up commands: the environment logic of course.py, and JupyterLab serving the course."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, load_course_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def course(tmp_path, monkeypatch):
    """course.py with its venv and pyproject redirected into tmp_path, and pip calls recorded."""
    module = load_course_script()
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "STAMP", venv / "course-stamp.json")
    monkeypatch.setattr(module, "PYTHON", venv / "bin" / "python")
    calls = []
    monkeypatch.setattr(module.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    module.calls = calls
    return module


def test_install_happens_once_and_again_only_when_needed(course):
    course.ensure_environment({"test"})
    assert len(course.calls) == 1 and course.calls[0][-1] == ".[test]"
    course.ensure_environment({"test"})
    course.ensure_environment(set())  # lab after test: the installed extras suffice
    assert len(course.calls) == 1, "a second run must not reinstall"
    (course.ROOT / "pyproject.toml").write_text("[project]\nname='y'\n")
    course.ensure_environment(set())
    assert len(course.calls) == 2 and course.calls[1][-1] == ".[test]", "pyproject change: reinstall, keep extras"
    assert json.loads(course.STAMP.read_text())["extras"] == ["test"]


def test_missing_extras_trigger_an_install_of_the_union(course):
    course.ensure_environment(set())
    assert course.calls[-1][-1] == "."
    course.ensure_environment({"test"})
    assert course.calls[-1][-1] == ".[test]"


def test_unknown_command_prints_usage(capsys):
    module = load_course_script()
    assert module.main(["nonsense"]) == 2
    assert "python3 course.py lab" in capsys.readouterr().out


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_jupyterlab_serves_the_course():
    """Start JupyterLab exactly as `python3 course.py lab` does (with this interpreter's jupyter)."""
    module = load_course_script()
    port, token = free_port(), "course-test-token"
    cmd = module.lab_command(
        ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"],
        bin_dir=Path(sys.executable).parent,
    )
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                status, body = _get(f"{base}/api/contents/notebooks?token={token}")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError("JupyterLab did not start: " + proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.5)
        names = {item["name"] for item in json.loads(body)["content"]}
        assert "00_start_here.ipynb" in names
        status, page = _get(f"{base}/lab/tree/notebooks?token={token}")
        assert status == 200 and "JupyterLab" in page
        status, specs = _get(f"{base}/api/kernelspecs?token={token}")
        assert "python3" in json.loads(specs)["kernelspecs"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
