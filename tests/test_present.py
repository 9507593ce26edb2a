"""`python3 course.py present`: the presenter pages it writes, the page it opens, the Voila command,
and the JupyterLab settings `course.py lab` ships. Voila itself is started and driven in
tests/test_browser.py."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import load_course_script

from course_utils.demos import DEMOS
from course_utils.demos.presenter import demo_notebook_name, write_presenter_notebooks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("present")
    write_presenter_notebooks(folder, ROOT / "notebooks")
    return folder


def test_the_pages_list_every_demo_and_hold_one_notebook_per_demo(pages):
    index = nbformat.read(pages / "index.ipynb", as_version=4)
    nbformat.validate(index)
    listing = index.cells[0].source
    for entry in DEMOS:
        page = nbformat.read(pages / demo_notebook_name(entry), as_version=4)
        nbformat.validate(page)
        code = page.cells[-1].source
        assert f"demo = {entry.name}()" in code and "presenter_mode()" in code
        assert entry.title in listing and entry.show in listing
        assert (pages / "lectures" / entry.notebook).exists()
    assert json.loads((pages / "demos.json").read_text()) == {e.name: demo_notebook_name(e) for e in DEMOS}


def test_present_opens_the_list_a_lecture_or_a_demo(pages):
    course = load_course_script()
    assert course.present_page(None, pages) == "index.ipynb"
    assert course.present_page("06", pages) == "lectures/06_backprop_convolution.ipynb"
    assert course.present_page("09_gaussian_laplacian_pyramids.ipynb", pages) == (
        "lectures/09_gaussian_laplacian_pyramids.ipynb"
    )
    assert course.present_page("BlendDemo", pages) == demo_notebook_name(
        next(e for e in DEMOS if e.name == "BlendDemo")
    )
    with pytest.raises(SystemExit, match="no lecture notebook or demo called 'nope'; try one of 03, 05"):
        course.present_page("nope", pages)


def test_present_starts_voila_with_the_code_hidden_at_the_presenter_scale(tmp_path):
    course = load_course_script()
    cmd = course.present_command(tmp_path, 8123, ["--theme=dark"], bin_dir=Path("/venv/bin"))
    assert cmd[:3] == ["/venv/bin/voila", str(tmp_path), "--port=8123"]
    assert "--no-browser" in cmd and cmd[-1] == "--theme=dark"  # extra arguments pass through, last
    assert not any("strip_sources=False" in a for a in cmd)  # Voila hides the code unless told otherwise
    assert course.present_environment()["COURSE_PRESENTER"] == "1"
    assert "present" in course.COMMANDS


def test_lab_ships_its_settings_without_losing_the_environments_others(tmp_path):
    course = load_course_script()
    path = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
                "@jupyterlab/notebook-extension:tracker": {"lineNumbers": True},
            }
        )
    )
    assert course.ship_lab_settings(tmp_path) == path
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert settings["@jupyterlab/notebook-extension:tracker"] == {
        "lineNumbers": True,
        "autoStartDefaultKernel": True,
        "windowingMode": "none",
    }
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    before = path.stat().st_mtime_ns
    course.ship_lab_settings(tmp_path)  # idempotent: nothing to write the second time
    assert path.stat().st_mtime_ns == before
