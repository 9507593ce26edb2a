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


def _execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=TIME_LIMIT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_lecture_notebook_runs(path):
    elapsed = _execute(path)
    assert elapsed < 60, f"{path.name} took {elapsed:.1f} s; lecture notebooks must run in under 60 s"


@pytest.mark.parametrize("path", SOLUTIONS, ids=[p.name for p in SOLUTIONS])
def test_solution_notebook_runs(path):
    _execute(path)


def test_lecture_notebooks_are_committed_without_outputs():
    dirty = [p.name for p in LECTURES
             if any(c.get("outputs") or c.get("execution_count")
                    for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code")]
    assert not dirty, f"notebooks committed with outputs (clear them): {dirty}"
