"""Per-student variants: the numbers a problem set draws from the student's id.

The student's notebook and the grader draw the same numbers from the same seed, a hash of
``(problem set, student id, key)`` (no secret: the student must see their variant before
submitting). The hidden inputs of the checks are salted with the course's secret instead
(``course_utils.grading.api.Variant.rng``). This module holds random numbers only, no
reference computation, so the grading sandbox may import it.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["seed", "public_rng", "check_student_id", "worked_example_variant"]


def seed(*parts: str) -> int:
    """A seed that is the same on every machine and Python version.

    Parameters
    ----------
    *parts : str
        What the seed depends on, e.g. ``("public", ps, student, key)``.

    Returns
    -------
    int
        The first 64 bits (little-endian) of SHA-256 of the parts joined by the unit separator.
    """
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "little")


def public_rng(ps: str, student: str, key: str) -> np.random.Generator:
    """The generator of a student's public variant of one quantity of a problem set.

    Parameters
    ----------
    ps : str
        The problem set, e.g. ``"ps2"``.
    student : str
        The student's id.
    key : str
        Which quantity, e.g. ``"worked_example"``.

    Returns
    -------
    numpy.random.Generator
        Seeded with :func:`seed` ``("public", ps, student, key)``: the notebook and the grader draw
        the same numbers.
    """
    return np.random.default_rng(seed("public", ps, student, key))


def check_student_id(student_id: object) -> str:
    """The student id a notebook's ``STUDENT_ID`` holds, as a clean string.

    Parameters
    ----------
    student_id : str
        What the student wrote (``...``, ``None`` or blank when not filled in yet).

    Returns
    -------
    str
        ``student_id`` without surrounding white space.

    Raises
    ------
    ValueError
        When it is missing, blank or not a string, saying what to write.
    """
    if student_id is ... or student_id is None or not str(student_id).strip():
        raise ValueError(
            "STUDENT_ID: write your student id (your login on the course's JupyterHub) between the "
            'quotes, e.g. STUDENT_ID = "jdoe", then run the cells below again'
        )
    if not isinstance(student_id, str):
        raise ValueError(f"STUDENT_ID: expected a string in quotes, got {type(student_id).__name__} {student_id!r}")
    return student_id.strip()


def worked_example_variant(student_id: str) -> dict:
    """A student's own 2-2-2 sigmoid network for ps2: inputs, targets, weights w1..w8, biases, rate.

    Parameters
    ----------
    student_id : str
        The student's id (checked by :func:`check_student_id`).

    Returns
    -------
    dict
        Laid out like ``course_utils.worked_example.EXAMPLE`` (the slides' numbers), with values
        rounded to two decimals: inputs in [0.05, 0.95], targets in [0.01, 0.99], weights in
        [0.1, 0.9], biases in [0.2, 0.8], learning rate 0.5.
    """
    rng = public_rng("ps2", check_student_id(student_id), "worked_example")
    r = lambda lo, hi, n: [round(float(v), 2) for v in rng.uniform(lo, hi, n)]  # noqa: E731 (2 decimals, as the slides)
    inputs, targets, weights, biases = r(0.05, 0.95, 2), r(0.01, 0.99, 2), r(0.1, 0.9, 8), r(0.2, 0.8, 2)
    return {
        "inputs": tuple(inputs),
        "targets": tuple(targets),
        "weights": {f"w{k + 1}": w for k, w in enumerate(weights)},
        "biases": {"b1": biases[0], "b2": biases[1]},
        "lr": 0.5,
    }
