"""Shared test set-up: a headless matplotlib backend for in-process tests.

Notebooks run in their own kernels (tests/test_notebooks.py) and keep the
inline backend, so ``plt.show()`` still produces images there.
"""

import matplotlib
import pytest

matplotlib.use("Agg")

from hypothesis import settings

settings.register_profile("course", deadline=None, max_examples=60)
settings.load_profile("course")


def load_course_script():
    """A fresh module object of the repository's course.py (the README's set-up commands)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("course_script", Path(__file__).resolve().parents[1] / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """pytest-xdist's ``--dist loadgroup`` marks a grouped test by appending ``@group`` to
    ``item._nodeid``; pytest 9.2 builds ``nodeid`` from ``item._id`` instead, so the groups were
    lost and a module's shared server (the browser tests' JupyterLab, the hub tests' JupyterHub)
    started once per worker. Carry the grouped id over where xdist set one."""
    for item in items:
        grouped = getattr(item, "_nodeid", None)
        if isinstance(grouped, str) and "@" in grouped and grouped != item.nodeid and hasattr(item, "_id"):
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(grouped)
