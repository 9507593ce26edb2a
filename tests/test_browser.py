"""A lecturer's path in a real browser: JupyterLab (started as `python3 course.py lab` starts it)
opens the worked-example notebook in Chromium, runs it, and the live stepper answers a click.

Needs Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it) and the `playwright`
package (test extra). It never downloads a browser. Where Chromium is missing the test is skipped
and says so; CI always has it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course_utils.worked_example import worked_example

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab on a copy of the notebook (so the repo's notebook gets no outputs), with user settings
    that start the kernel without asking and show no news toast."""
    work = tmp_path / "course"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / "03_worked_example.ipynb", work)
    settings = tmp_path / "settings"
    for plugin, values in {"notebook-extension/tracker": {"autoStartDefaultKernel": True},
                           "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    spec = __import__("importlib.util").util.spec_from_file_location("course_script", ROOT / "course.py")
    course = __import__("importlib.util").util.module_from_spec(spec)
    spec.loader.exec_module(course)
    port, token = _free_port(), "browser-test"
    cmd = course.lab_command(["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                              f"--IdentityProvider.token={token}"],
                             bin_dir=Path(sys.executable).parent, root=work)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings)}
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise AssertionError("JupyterLab did not start")
            time.sleep(0.5)
    yield base, token
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def test_stepper_runs_and_answers_a_click_in_jupyterlab(lab_server):
    base, token = lab_server
    expected = f"{worked_example().net['net_h1']:.9g}"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/lab/tree/03_worked_example.ipynb?token={token}")  # the default URL points at notebooks/
        # the status bar reads "Python 3 (ipykernel) | Idle" once the kernel is connected
        page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=60_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        forward = page.get_by_role("button", name="next forward step")
        try:
            forward.wait_for(timeout=90_000)
        except Exception:
            page.screenshot(path=str(Path(os.environ.get("BROWSER_SCREENSHOT_DIR", "/tmp")) / "stepper-timeout.png"))
            raise
        forward.scroll_into_view_if_needed()
        image = page.locator(".widget-image").first
        image.wait_for(timeout=30_000)
        before = image.get_attribute("src")
        forward.click()
        page.get_by_text("forward 1/", exact=False).wait_for(timeout=30_000)
        status = page.locator(".widget-html", has_text="forward 1/").first.inner_text()
        after = image.get_attribute("src")
        page.screenshot(path=str(Path(os.environ.get("BROWSER_SCREENSHOT_DIR", "/tmp")) / "stepper.png"))
        browser.close()
    assert expected in status, f"status line {status!r} should show net_h1 = {expected}"
    assert before != after, "the diagram image did not change after the click"
    assert not [e for e in errors if "widget" in e.lower()], errors
