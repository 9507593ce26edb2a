"""The demos in a real browser, as a lecturer uses them: JupyterLab (started as `python3 course.py lab`
starts it, with the settings it ships) and the presenter view (Voila, started as `python3 course.py
present` starts it), both in Debian's Chromium at 1280x720, a projector's resolution.

In JupyterLab every lecture notebook with a demo runs top to bottom without an error; in both views
every demo fits the screen (controls and picture together, no scrolling) and every one of its controls
is operated at least once, by keyboard or click, and changes the picture (buttons: the picture or the
demo's status line), with no error shown. The presenter view also shows no text below 18 px.

Needs Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it) and the `playwright`
package (test extra). It never downloads a browser. Where Chromium is missing the tests are skipped
and say so; CI always has it. Latency is measured in benchmarks/bench_browser.py, not here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, load_course_script

from course_utils.demos import DEMOS
from course_utils.demos.drive import (
    CHROMIUM_ARGS,
    demo_actions,
    fits_in_view,
    is_enabled,
    perform,
    picture_src,
    run_all_in_lab,
    text_sizes,
)
from course_utils.demos.presenter import demo_notebook_name, write_presenter_notebooks
from course_utils.worked_example import worked_example

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"),
    pytest.mark.xdist_group("browser"),  # one JupyterLab and one Voila for all (course.py: --dist loadgroup)
]

PROJECTOR = {"width": 1280, "height": 720}
LECTURES = sorted({entry.notebook for entry in DEMOS})
GRID = "9 1 1; 1 1 1; 1 1 5"  # typed into the pooling demo's grid box


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the presenter pages and of the lecture notebooks (so the repo's get no outputs)."""
    folder = tmp_path_factory.mktemp("course")
    write_presenter_notebooks(folder, ROOT / "notebooks")
    return folder


def _serve(cmd, cwd, env, url):
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                os.killpg(proc.pid, signal.SIGTERM)
                raise AssertionError(f"server did not start: {cmd}") from None
            time.sleep(0.5)


def _stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def lab_server(course, tmp_path_factory):
    """JupyterLab with only the settings `course.py lab` ships (no user settings)."""
    script = load_course_script()
    script.ship_lab_settings(Path(sys.prefix))
    port, token = free_port(), "browser-test"
    cmd = script.lab_command(
        ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"],
        bin_dir=Path(sys.executable).parent,
        root=course,
    )
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(tmp_path_factory.mktemp("no-user-settings"))}
    base = f"http://127.0.0.1:{port}"
    proc = _serve(cmd, course, env, f"{base}/api/status?token={token}")
    yield base, token
    _stop(proc)


@pytest.fixture(scope="module")
def voila_server(course):
    """Voila on the presenter pages, started as `python3 course.py present` starts it."""
    script = load_course_script()
    port = free_port()
    cmd = script.present_command(course, port, ["--Voila.ip=127.0.0.1"], bin_dir=Path(sys.executable).parent)
    base = f"http://127.0.0.1:{port}"
    proc = _serve(cmd, course, script.present_environment(), f"{base}/")
    yield base
    _stop(proc)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, request, tmp_path):
    page = browser.new_page(viewport=PROJECTOR)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    page.screenshot(path=str(tmp_path / "last.png"))  # kept for a look when a run fails
    page.close()


def _changed(page, demo, src, texts, timeout_ms=30_000):
    """Wait until the demo's picture (or, if ``texts`` is given, its HTML lines) differ from before."""
    handle = demo.element_handle()
    try:
        page.wait_for_function(
            """([root, src, texts]) => {
                 const img = root.querySelector('img');
                 if (img && img.getAttribute('src') !== src && img.complete) return true;
                 if (texts === null) return false;
                 return [...root.querySelectorAll('.widget-html-content, .widget-label')]
                          .map(e => e.textContent).join('|') !== texts;
               }""",
            arg=[handle, src, texts],
            timeout=timeout_ms,
        )
        return True
    except sync_api.TimeoutError:
        return False


def _texts(demo):
    return demo.evaluate("""(root) => [...root.querySelectorAll('.widget-html-content, .widget-label')]
                                        .map(e => e.textContent).join('|')""")


def _exercise(page, demo, name):
    """Operate every control of the demo once; each must change the picture (buttons: picture or text)."""
    actions = [a for a in demo_actions(demo) if a.label != "stop"]
    assert actions, f"{name}: no controls found"
    done, dead = set(), []
    for _ in range(2):  # a toggle (e.g. pixel/weight) enables controls that were off at first
        for k, action in enumerate(actions):
            if k in done or not is_enabled(demo, action):
                continue
            src, texts = picture_src(demo), _texts(demo) if action.kind == "button" else None
            perform(page, demo, action, text=GRID if action.kind == "text" else None)
            if not _changed(page, demo, src, texts):
                dead.append(f"{action.kind} {action.label!r}")
            done.add(k)
    never = [f"{a.kind} {a.label!r}" for k, a in enumerate(actions) if k not in done]
    assert not dead, f"{name}: nothing changed after operating {dead}"
    assert not never, f"{name}: controls never enabled: {never}"
    if demo.locator("button", has_text="stop").count():  # XOR: a long run (100 chunks), then stop
        demo.locator(".widget-dropdown", has_text="batch size").locator("select").select_option("1")
        epochs = demo.locator(".widget-slider", has_text="epochs").locator(".noUi-handle")
        epochs.focus()
        page.keyboard.press("End")
        demo.locator(".widget-label", has_text="/5000 epochs").first.wait_for(timeout=30_000)
        demo.locator("button", has_text="stop").click()
        demo.locator(".widget-label", has_text="stopped at").first.wait_for(timeout=30_000)
    assert demo.locator(".course-error pre").count() == 0, demo.locator(".course-error").inner_text()


def test_stepper_answers_quick_clicks_in_order_in_jupyterlab(lab_server, page):
    base, token = lab_server
    run_all_in_lab(page, base, token, "lectures/03_worked_example.ipynb")
    forward = page.get_by_role("button", name="next forward step")
    forward.scroll_into_view_if_needed()
    for _ in range(3):  # three quick clicks: three steps, in order, whatever the picture does meanwhile
        forward.click()
    status = page.locator(".widget-html", has_text="forward 3/11").first
    status.wait_for(timeout=30_000)
    assert f"{worked_example().net['net_h2']:.9g}" in status.inner_text()  # step 3 is net_h2
    page.get_by_role("button", name="next backward step").click()
    page.locator(".widget-html", has_text="Finish the forward pass first (8 steps left)").first.wait_for(timeout=30_000)
    assert not page.errors, page.errors


@pytest.mark.parametrize("notebook", LECTURES)
def test_lecture_demos_run_fit_and_answer_every_control_in_jupyterlab(lab_server, page, notebook):
    base, token = lab_server
    run_all_in_lab(page, base, token, f"lectures/{notebook}")
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, errors.first.inner_text()[:2000]
    assert page.get_by_text("Error displaying widget").count() == 0
    assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up covers the demos"
    demos = page.locator(".course-demo")
    assert demos.count() == sum(entry.notebook == notebook for entry in DEMOS)
    for k in range(demos.count()):
        demo = demos.nth(k)
        demo.scroll_into_view_if_needed()
        box = fits_in_view(demo)
        assert box["height"] <= box["view_height"] and box["width"] <= box["view_width"], (notebook, box)
        _exercise(page, demo, f"{notebook} demo {k + 1}")
    assert not [e for e in page.errors if "widget" in e.lower()], page.errors


@pytest.mark.parametrize("entry", DEMOS, ids=[entry.name for entry in DEMOS])
def test_demo_in_the_presenter_view_fits_is_readable_and_answers_every_control(voila_server, page, entry):
    page.goto(f"{voila_server}/voila/render/{urllib.parse.quote(demo_notebook_name(entry))}", wait_until="commit")
    demo = page.locator(".course-demo").first
    demo.locator("img").wait_for(timeout=120_000)
    box = demo.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], (entry.name, box)
    assert box["x"] + box["width"] <= PROJECTOR["width"], (entry.name, box)
    natural_w, _, shown_w, _ = fits_in_view(demo)["picture"]
    assert shown_w >= natural_w - 1, f"the picture is shrunk to {shown_w} of {natural_w} px: its text too"
    small = [(size, text) for size, text in text_sizes(demo) if size < 18]
    assert not small, f"{entry.name}: text below 18 px: {small[:6]}"
    _exercise(page, demo, entry.name)
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert not page.errors, page.errors


def test_the_presenter_view_opens_on_a_list_of_the_demos(voila_server, page):
    page.goto(f"{voila_server}/voila/render/index.ipynb", wait_until="commit")
    for entry in DEMOS:
        page.get_by_role("link", name=entry.title).wait_for(timeout=120_000)
    page.get_by_role("link", name=DEMOS[0].title).click()
    page.locator(".course-demo img").first.wait_for(timeout=120_000)
