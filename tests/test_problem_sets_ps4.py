"""ps4 (pyramids): validated, released, and graded with the real nbgrader CLI (see fixtures/submissions)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures" / "submissions"))
from _pstests import *  # noqa: F403  (the shared problem-set tests)


@pytest.fixture(scope="module")
def ps():
    return "ps4"
