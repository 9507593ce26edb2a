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
    """64 bits of SHA-256 of the parts joined by the unit separator (stable across machines and versions)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "little")


def public_rng(ps: str, student: str, key: str) -> np.random.Generator:
    """The generator of ``student``'s public variant of ``key`` in problem set ``ps``."""
    return np.random.default_rng(seed("public", ps, student, key))


def check_student_id(student_id) -> str:
    """The id as a clean string, or a ValueError saying what to write."""
    if student_id is ... or student_id is None or not str(student_id).strip():
        raise ValueError(
            "STUDENT_ID: write your student id (your login on the course's JupyterHub) between the "
            'quotes, e.g. STUDENT_ID = "jdoe", then run the cells below again'
        )
    if not isinstance(student_id, str):
        raise ValueError(f"STUDENT_ID: expected a string in quotes, got {type(student_id).__name__} {student_id!r}")
    return student_id.strip()


def worked_example_variant(student_id: str) -> dict:
    """``student_id``'s own 2-2-2 sigmoid network for ps2: inputs, targets, weights w1..w8, biases, rate.

    Laid out like ``course_utils.worked_example.EXAMPLE`` (the slides' numbers), with other values:
    inputs in [0.05, 0.95], targets in [0.01, 0.99], weights in [0.1, 0.9], biases in [0.2, 0.8].
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
