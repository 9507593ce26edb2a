"""Shared test set-up: a headless matplotlib backend for in-process tests.

Notebooks run in their own kernels (tests/test_notebooks.py) and keep the
inline backend, so ``plt.show()`` still produces images there.
"""
import matplotlib

matplotlib.use("Agg")

from hypothesis import settings  # noqa: E402

settings.register_profile("course", deadline=None, max_examples=60)
settings.load_profile("course")
