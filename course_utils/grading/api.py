"""What a check is made of: :class:`Part`, :class:`Verdict`, :class:`Variant`, :func:`compare`, the errors.

A problem set's checks live in ``course_utils/grading/checks/<ps>.py`` as ``PARTS``, a list of
:class:`Part` in notebook order. A check is ``check(student, variant) -> Verdict``; it runs in the
trusted grader's process, calls the student's functions through ``student.call(name, *args)``
(in the grading sandbox, or in the student's own kernel for a visible test), gets plain data
back and compares it with references it computes itself. See /work/coord/grading-api.md.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = [
    "Part",
    "Verdict",
    "Variant",
    "Student",
    "compare",
    "as_array",
    "StudentError",
    "StudentRaised",
    "StudentMemory",
    "NotPlainData",
    "MissingName",
    "SandboxFailure",
    "StudentTimeout",
    "StudentDied",
    "ProtocolError",
]


# ---------------------------------------------------------------------------------------------
# errors a call into the student's code can raise (all carry a student-facing .message)
# ---------------------------------------------------------------------------------------------
class StudentError(Exception):
    """Something the student's code did; ``message`` is what the feedback shows."""

    kind = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StudentRaised(StudentError):
    """The student's code raised ``exc_type`` (its name, as the sandbox reported it) with ``text``."""

    kind = "raised"

    def __init__(self, exc_type: str, text: str, where: str = ""):
        self.exc_type, self.text = exc_type, text
        super().__init__(f"{where}raised {exc_type}: {text}" if text else f"{where}raised {exc_type}")


class StudentMemory(StudentRaised):
    """MemoryError: the student's code hit the sandbox's memory cap."""

    kind = "memory cap"


class NotPlainData(StudentError):
    """The student's function returned something that is not plain data (numbers, arrays, lists...)."""

    kind = "not plain data"


class MissingName(StudentError):
    """The name is not defined in the student's notebook (stub answer, or its answer cell failed)."""

    kind = "missing"


class SandboxFailure(StudentError):
    """The sandboxed process is gone or stuck; the engine restarts a fresh one. Checks do not catch it."""


class StudentTimeout(SandboxFailure):
    kind = "timeout"


class StudentDied(SandboxFailure):
    kind = "kernel died"


class ProtocolError(SandboxFailure):
    """The sandbox answered with something that is not a well-formed reply (treated as hostile)."""

    kind = "protocol"


# ---------------------------------------------------------------------------------------------
# parts and verdicts
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """``score``: the fraction of the part's points earned, in [0, 1]; ``message``: for the student."""

    score: float
    message: str = ""

    def __post_init__(self):
        if not (0.0 <= float(self.score) <= 1.0):
            raise ValueError(f"Verdict.score must be a fraction in [0, 1], got {self.score!r}")

    @classmethod
    def passed(cls, message: str = "") -> Verdict:
        """Full marks.

        Parameters
        ----------
        message : str, default ""
            What the feedback says.

        Returns
        -------
        Verdict
            Score 1.
        """
        return cls(1.0, message)

    @classmethod
    def failed(cls, message: str) -> Verdict:
        """No marks.

        Parameters
        ----------
        message : str
            What went wrong, for the student.

        Returns
        -------
        Verdict
            Score 0.
        """
        return cls(0.0, message)

    @classmethod
    def combine(cls, *verdicts: Verdict) -> Verdict:
        """One verdict from several checks of a part.

        Parameters
        ----------
        *verdicts : Verdict
            At least one.

        Returns
        -------
        Verdict
            The lowest score, with the messages of the checks that did not pass fully joined by
            ``"; "`` (or the first message, when all passed).
        """
        if not verdicts:
            raise ValueError("Verdict.combine needs at least one verdict")
        score = min(v.score for v in verdicts)
        messages = [v.message for v in verdicts if v.score < 1.0 and v.message]
        if not messages:
            messages = [v.message for v in verdicts if v.message][:1]
        if len(messages) > 1:  # sentences of their own: "... (your x = 1). f(8, 3) returned 3: ..."
            messages = [m if m.rstrip().endswith((".", "!", "?")) else m.rstrip() + "." for m in messages]
            return cls(score, " ".join(messages))
        return cls(score, messages[0] if messages else "")


@dataclass(frozen=True)
class Part:
    """One autograded part: the nbgrader test cell ``grade_id``, its ``points``, and its ``check``."""

    grade_id: str
    points: float
    check: Callable
    uses: tuple = field(default=())  # the student's names it calls (documentation, messages)


# ---------------------------------------------------------------------------------------------
# variants: per-student inputs
# ---------------------------------------------------------------------------------------------
def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "little")


def course_secret(course_dir: str | os.PathLike | None) -> str:
    """The instructor's secret that salts the hidden inputs.

    ``$COURSE_GRADING_SECRET`` if set, else the file ``reports/grading-secret`` of the course
    (created, mode 0600, on first use: reports/ is the instructor's and git-ignored).
    """
    env = os.environ.get("COURSE_GRADING_SECRET", "").strip()
    if env:
        return env
    if course_dir is None:
        raise ValueError("course_secret: no course folder and no $COURSE_GRADING_SECRET")
    path = Path(course_dir) / "reports" / "grading-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(os.urandom(24).hex())
    secret = path.read_text().strip()
    if not secret:  # an empty secret salts nothing: every hidden input would be predictable
        raise ValueError(f"course secret: {path} is empty; delete it (a new one is made) or set $COURSE_GRADING_SECRET")
    return secret


@dataclass(frozen=True)
class Variant:
    """Who is graded, and the random inputs that belong to them.

    ``rng(key)`` is salted with the course secret (hidden inputs nobody can predict);
    ``public_rng(key)`` is not (per-student content the student's own notebook shows too).
    """

    ps: str
    student: str
    secret: str = ""
    practice: bool = False

    @classmethod
    def for_student(cls, ps: str, student: str, secret: str = "") -> Variant:
        """The variant a student is graded on.

        Parameters
        ----------
        ps : str
            The problem set.
        student : str
            The student's id.
        secret : str, default ""
            The course secret (:func:`course_secret`) that salts the hidden inputs.

        Returns
        -------
        Variant
        """
        return cls(ps, student, secret)

    @classmethod
    def practice_run(cls, ps: str, student: str = "practice") -> Variant:
        """The variant of a visible test in the student's own kernel: public, fixed inputs.

        Parameters
        ----------
        ps : str
            The problem set.
        student : str, default "practice"
            Whose public variant (the practice inputs are the same for everyone by default).

        Returns
        -------
        Variant
            Without a secret, ``practice=True``.
        """
        return cls(ps, student, "", True)

    @property
    def seed(self) -> int:
        return _seed("hidden", self.secret, self.ps, self.student)

    def rng(self, key: str) -> np.random.Generator:
        """The generator of one part's hidden inputs.

        Parameters
        ----------
        key : str
            Which inputs, e.g. the part's name.

        Returns
        -------
        numpy.random.Generator
            Seeded by the secret, the problem set, the student and ``key``.
        """
        return np.random.default_rng(_seed("hidden", self.secret, self.ps, self.student, key))

    def public_rng(self, key: str) -> np.random.Generator:
        """The generator of per-student content the student's notebook shows too (no secret).

        Parameters
        ----------
        key : str
            Which content; the same seed as :func:`course_utils.variants.public_rng`.

        Returns
        -------
        numpy.random.Generator
        """
        return np.random.default_rng(_seed("public", self.ps, self.student, key))


class Student(Protocol):
    """What a check calls the student's code through: plain data in, plain data out.

    The grader's proxy to the grading sandbox (:class:`course_utils.grading.engine.StudentProxy`)
    and the student's own kernel for the visible tests (:class:`course_utils.grading.local.LocalStudent`).
    Both raise a :class:`StudentError` for what the student's code did (raised, missing name, not
    plain data, memory cap) and the sandbox a :class:`SandboxFailure` (timeout, died, garbled reply).
    """

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call one of the student's functions.

        Parameters
        ----------
        name : str
            The function's name in the student's notebook.
        *args, **kwargs
            Its arguments: plain data (numbers, arrays, lists, tuples, dicts), passed as copies.

        Returns
        -------
        object
            Its result, as plain data.
        """
        ...

    def call_with_args(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, list]:
        """Call one of the student's functions; also return its positional arguments as it left them.

        Parameters
        ----------
        name : str
            The function's name in the student's notebook.
        *args, **kwargs
            Its arguments, as for :meth:`call`.

        Returns
        -------
        result : object
            Its result, as plain data.
        args : list
            The positional arguments after the call (to see whether it changed them in place).
        """
        ...


# ---------------------------------------------------------------------------------------------
# comparing a student's plain data with a reference
# ---------------------------------------------------------------------------------------------
def _as_numbers(name: str, got):
    """``got`` as a float array, or a failing Verdict saying why it is not numbers."""
    if got is None:
        return None, Verdict.failed(f"{name} is None: did you forget to `return` it?")
    if isinstance(got, (bool, np.bool_)):
        return None, Verdict.failed(f"{name} is a boolean, expected numbers")
    if isinstance(got, (int, float, np.number)) or (isinstance(got, np.ndarray) and got.dtype.kind in "biuf"):
        return np.asarray(got, dtype=float), None
    if isinstance(got, (list, tuple)):
        try:
            arr = np.array(got, dtype=float)
        except (TypeError, ValueError):
            return None, Verdict.failed(f"{name} is a {type(got).__name__} that is not a rectangular array of numbers")
        return arr, None
    if isinstance(got, np.ndarray) and got.dtype.kind == "c":
        return None, Verdict.failed(f"{name} has complex entries, expected real numbers")
    return None, Verdict.failed(f"{name} should be a numpy array (or a number), not a {type(got).__name__}")


def as_array(name: str, got: Any, shape: tuple | None = None) -> tuple[np.ndarray | None, Verdict | None]:
    """The student's result as finite numbers, or why it is not.

    Parameters
    ----------
    name : str
        What the result is called in the message.
    got : object
        What the student's function returned (plain data).
    shape : tuple, optional
        The shape it must have.

    Returns
    -------
    array : ndarray or None
        ``got`` as a float array, or None.
    problem : Verdict or None
        None, or a failing verdict saying why ``got`` is not finite numbers of ``shape``.
    """
    arr, bad = _as_numbers(name, got)
    if bad is None and shape is not None and arr.shape != tuple(shape):
        return None, Verdict.failed(f"{name} has shape {arr.shape}, expected {tuple(shape)}")
    if bad is None and not np.all(np.isfinite(arr)):
        return None, Verdict.failed(f"{name} contains NaN or infinity")
    return arr, bad


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):  # equal infinities agree; a finite number is never close to one
        near = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= atol + rtol * np.abs(b))
    return bool(np.all(near | (np.isinf(a) & (a == b))))


def compare(
    name: str,
    got: Any,
    want: Any,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    mistakes: Sequence[tuple[str, Any]] = (),
) -> Verdict:
    """Pass if ``got`` has ``want``'s shape and values (within ``atol + rtol |want|``).

    Parameters
    ----------
    name : str
        What the result is called in the message.
    got : object
        What the student's function returned (plain data).
    want : array_like
        The reference.
    rtol, atol : float, default 1e-6 and 1e-9
        The tolerance.
    mistakes : sequence of (message, wrong_value), default ()
        When ``got`` matches a wrong value (same tolerance), that message is the verdict's.

    Returns
    -------
    Verdict
        Passed; or failed with the matching mistake's message, a generic slip (sign, factor 2
        or 1/2, transpose, shape), or which entry differs and that the mistake is not known.
    """
    want = np.asarray(want, dtype=float)
    arr, bad = _as_numbers(name, got)
    if bad is not None:
        return bad
    for message, wrong in mistakes:
        wrong = np.asarray(wrong, dtype=float)
        if arr.shape == wrong.shape and not _close(wrong, want, rtol, atol) and _close(arr, wrong, rtol, atol):
            return Verdict.failed(f"{name}: {message}")
    if arr.shape != want.shape:
        msg = f"{name} has shape {arr.shape}, expected {want.shape}"
        if arr.ndim == 2 and arr.shape == want.shape[::-1]:
            msg += ": did you transpose?"
        elif arr.size == want.size:
            msg += ": right number of entries, wrong arrangement (reshape? transpose?)"
        return Verdict.failed(msg)
    if not np.all(np.isfinite(arr)):
        return Verdict.failed(f"{name} contains NaN or infinity")
    if _close(arr, want, rtol, atol):
        return Verdict.passed()
    with np.errstate(all="ignore"):  # an infinite reference: every finite entry is wrong
        err = np.abs(arr - want) - (atol + rtol * np.abs(want))
    err = np.where(np.isnan(err), np.inf, err)
    worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    where = f" (first at index {tuple(int(i) for i in worst)})" if err.ndim else ""
    slips = []
    if _close(arr, -want, rtol, atol):
        slips.append("every entry has the wrong sign")
    if _close(arr, 2 * want, rtol, atol):
        slips.append("every entry is twice the right value (a missing 1/2?)")
    if _close(arr, want / 2, rtol, atol):
        slips.append("every entry is half the right value")
    if want.ndim == 2 and want.shape[0] == want.shape[1] and _close(arr, want.T, rtol, atol):
        slips.append("it is the transpose of the right value")
    if slips:
        return Verdict.failed(f"{name} is wrong on the grader's inputs: " + "; ".join(slips))
    n_bad = int(np.count_nonzero(err > 0))
    return Verdict.failed(
        f"{name} is wrong on the grader's inputs: {n_bad} of {arr.size} entries differ{where}; "
        "this is not one of the mistakes the grader knows"
    )
