"""Execute every lecture notebook (and every instructor solution) headless, top to bottom.

A notebook fails the test on the first cell that raises. Kernels start in the
notebook's own folder, as JupyterLab would. There must be notebooks to run: an
empty list fails rather than passing silently.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))
TIME_LIMIT = 120  # seconds per cell; the issue asks for < 60 s per notebook, asserted below


def test_there_are_lecture_notebooks():
    assert LECTURES, "notebooks/ holds no .ipynb: the harness would test nothing"


# Run first in every lecture notebook's kernel: each figure a cell shows must be readable (course
# style sizes, no overlapping labels, nothing cut off; course_utils.plotting.text_collisions).
FIGURE_CHECK = """
import matplotlib.pyplot as _plt
from course_utils.plotting import FONT_SIZE as _FONT_SIZE, text_collisions as _text_collisions
_plain_show = _plt.show
def _checked_show(*args, **kwargs):
    for _number in _plt.get_fignums():
        _figure = _plt.figure(_number)
        _problems = _text_collisions(_figure, min_size_px=_FONT_SIZE * _figure.dpi / 72 - 0.01)
        if _problems:
            raise AssertionError("an unreadable figure:\\n" + "\\n".join(_problems))
    return _plain_show(*args, **kwargs)
_plt.show = _checked_show
"""


def _execute(path: Path, check_figures: bool = False) -> float:
    nb = nbformat.read(path, as_version=4)
    if check_figures:
        nb.cells.insert(0, nbformat.v4.new_code_cell(FIGURE_CHECK))
    client = NotebookClient(
        nb, timeout=TIME_LIMIT, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_lecture_notebook_runs(path):
    elapsed = _execute(path, check_figures=True)
    assert elapsed < 60, f"{path.name} took {elapsed:.1f} s; lecture notebooks must run in under 60 s"


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_solution_notebook_runs(path):
    _execute(path)


def test_lecture_notebooks_are_committed_without_outputs():
    dirty = [
        p.name
        for p in LECTURES
        if any(
            c.get("outputs") or c.get("execution_count")
            for c in nbformat.read(p, as_version=4).cells
            if c.cell_type == "code"
        )
    ]
    assert not dirty, f"notebooks committed with outputs (clear them): {dirty}"


def test_the_figure_check_stops_a_notebook_with_an_unreadable_figure(tmp_path):
    from nbclient.exceptions import CellExecutionError
    from nbformat.v4 import new_code_cell, new_notebook

    path = tmp_path / "bad.ipynb"
    nbformat.write(
        new_notebook(
            cells=[
                new_code_cell(
                    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                    "ax.text(0.5, 0.5, 'label one'); ax.text(0.52, 0.5, 'label two')\nplt.show()"
                )
            ]
        ),
        path,
    )
    with pytest.raises(CellExecutionError, match="'label one' overlaps 'label two'"):
        _execute(path, check_figures=True)
