"""The mistake bank: classic wrong answers of every autograded part, recognised on the student's numbers.

For each part (``"ps3.conv_dx"``) the bank holds the reference computation and
the classic mistakes, each a function of the **same inputs** that computes what
that mistake gives. :func:`judge` compares the student's result with the
reference and, when it is wrong, with every mistake of the part, and says in the
lecture's notation which one the student's numbers match, quoting them::

    >>> judge("ps3.conv_dx", got, dy=dy, w=w).message
    'dX is the full correlation of dL/dY with W *unflipped* (your dX[0, 0] = -0.2318): ...'

When nothing matches it names the first wrong entry and what that entry should
depend on, and says plainly that it does not recognise the mistake: it never
guesses a cause. Errors raised inside the student's code (numpy's shape
messages) are restated with the part's quantities by :func:`restate_error`.

The bank runs where the references may live: in the grader's process (issue 11
keeps the whole ``course_utils.grading`` package out of the grading sandbox) and
in the student's own kernel for the visible tests, so both say the same thing.
It only needs numpy; every reference here is written out in a few lines and
tested against ``course_utils`` (``tests/test_mistakes.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

__all__ = ["Mistake", "PartBank", "Diagnosis", "BANK", "judge", "restate_error", "match_mistakes"]


# ---------------------------------------------------------------------------------------------
# the bank's vocabulary
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mistake:
    """A classic wrong answer: ``wrong(**inputs)`` gives what it computes; ``says`` explains it."""

    key: str
    says: str
    wrong: Callable[..., Any]


@dataclass(frozen=True)
class PartBank:
    """What the bank knows about one graded function.

    ``outputs`` name the graded quantities in the lecture's notation (one per entry of
    the tuple ``reference`` returns); ``unpack`` turns the student's return value into
    that tuple (or raises :class:`Unexpected` with a message); ``depends`` says what one
    entry should depend on (for the message when no mistake matches); ``terms`` names
    the inputs in the lecture's notation (for restated errors); ``inputs(rng)`` makes
    a fresh set of inputs (the grader's per-student inputs and the unit tests).
    """

    key: str
    function: str
    outputs: Callable[..., tuple] | tuple
    reference: Callable[..., tuple]
    depends: str
    mistakes: tuple
    inputs: Callable[[np.random.Generator], dict]
    terms: Callable[..., dict] = None
    unpack: Callable[..., tuple] = None
    shape_hint: str = ""
    uses: tuple = ()  # the student's own functions this part may call (earlier parts): see judge(helpers=)

    def names(self, **inputs) -> tuple:
        return self.outputs(**inputs) if callable(self.outputs) else self.outputs

    def pack(self, values: tuple):
        """The bank's tuple of outputs in the form the student's function returns (inverse of ``unpack``)."""
        return self.unpack.pack(values) if self.unpack else values[0]


@dataclass
class Diagnosis:
    """The bank's verdict on one result: ``ok``, the matched mistakes' keys, and the message."""

    ok: bool
    message: str = ""
    mistakes: list = field(default_factory=list)
    note: str = ""  # for a pass: e.g. "right given your sigmoid_prime (Part 1)"


class Unexpected(Exception):
    """The student's value has the wrong structure (not a tuple, wrong length, None...)."""


# ---------------------------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------------------------
RTOL, ATOL = 1e-6, 1e-9


def _array(value):
    """A float array, or None if ``value`` is not numbers."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _close(got: np.ndarray, want, rtol=RTOL, atol=ATOL) -> bool:
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False
    both_nan = np.isnan(got) & np.isnan(want)
    same_inf = np.isinf(got) & (got == want)
    with np.errstate(all="ignore"):
        ok = both_nan | same_inf | (np.abs(got - want) <= atol + rtol * np.abs(want))
    return bool(np.all(ok))


def _fmt(x) -> str:
    return f"{float(x):.6g}"


def _entry(name: str, idx: tuple) -> str:
    return f"{name}[{', '.join(str(int(i)) for i in idx)}]" if idx else name


def _first_wrong(got: np.ndarray, want: np.ndarray, rtol=RTOL, atol=ATOL) -> tuple:
    with np.errstate(all="ignore"):
        bad = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
    return tuple(int(i) for i in np.argwhere(bad)[0]) if got.ndim else ()


def _shape_message(name: str, got_shape, want_shape, hint: str) -> str:
    msg = f"{name} has shape {tuple(got_shape)} but should have shape {tuple(want_shape)}"
    if len(got_shape) == 2 and tuple(got_shape) == tuple(want_shape)[::-1] and got_shape != want_shape:
        msg += " (the transpose)"
    elif int(np.prod(got_shape)) == int(np.prod(want_shape)):
        msg += " (the right number of entries in the wrong arrangement)"
    return msg + (f"; {hint}" if hint else "") + "."


def _evaluate(fn, inputs: dict, helpers: dict | None, reraise: tuple = ()):
    """``fn(**inputs, **helpers)`` as a tuple of float arrays; with the bank's own helpers if the student's fail.

    ``reraise``: exception types that must reach the caller (the sandbox timed out or died).
    """
    for extra in ((helpers,) if helpers else ()) + ({},):
        try:
            with np.errstate(all="ignore"):
                return tuple(_array(v) for v in fn(**inputs, **extra))
        except reraise:
            raise
        except Exception:
            continue
    return None


def match_mistakes(
    part: PartBank,
    got: tuple,
    inputs: dict,
    want: tuple,
    rtol=RTOL,
    atol=ATOL,
    helpers: dict | None = None,
    reraise: tuple = (),
) -> dict:
    """For each wrong output, the mistakes whose value of that output equals the student's.

    Returns ``{output index: [mistake, ...]}``. A mistake counts only where it differs
    from the reference (otherwise it explains nothing). With ``helpers`` (the student's
    own earlier functions) each mistake is computed on top of them, as the student's code is.
    """
    found = {}
    wrong_outputs = [k for k, (g, w) in enumerate(zip(got, want)) if g is None or not _close(g, w, rtol, atol)]
    for mistake in part.mistakes:
        value = _evaluate(mistake.wrong, inputs, helpers, reraise)
        if value is None:
            continue
        if len(value) != len(want):
            continue
        for k in wrong_outputs:
            g, v = got[k], value[k]
            if g is None or v is None or v.shape != g.shape:
                continue
            if want[k].shape == v.shape and _close(v, want[k], rtol, atol):
                continue  # the mistake does not change this output
            if _close(g, v, rtol, atol):
                found.setdefault(k, []).append(mistake)
    return found


def judge(
    key: str,
    got,
    *,
    helpers: dict | None = None,
    accept=(),
    rtol: float = RTOL,
    atol: float = ATOL,
    show_expected: bool = False,
    reraise: tuple = (),
    **inputs,
) -> Diagnosis:
    """Compare the student's result ``got`` for part ``key`` on ``inputs`` with the reference and the bank.

    ``helpers``: the student's own functions from earlier parts (names in ``part.uses``,
    called through the grader's proxy). No cascades: a result that is right given those
    helpers passes ("right given your sigmoid_prime"; the earlier part loses its own
    points), and the mistakes are computed on top of them. ``accept``: further
    ``(note, value)`` pairs that count as right. ``show_expected`` adds the expected value
    of the first wrong entry (visible tests on the notebook's own data only; never for
    the grader's hidden inputs). ``reraise``: exception types a student's helper may raise
    that must reach the caller (the sandbox's time-out or death).
    """
    part = BANK[key]
    names = part.names(**inputs)
    with np.errstate(all="ignore"):
        want = tuple(np.asarray(w, dtype=float) for w in part.reference(**inputs))
    try:
        got_t = part.unpack(got, **inputs) if part.unpack else (got,)
    except Unexpected as exc:
        return Diagnosis(False, str(exc))
    if len(got_t) != len(want):
        return Diagnosis(
            False, f"{part.function} should return {len(want)} values ({', '.join(names)}), it returned {len(got_t)}."
        )
    arrays = []
    for name, g in zip(names, got_t):
        if g is None:
            return Diagnosis(False, f"{name} is None: did {part.function} forget to `return` it?")
        a = _array(g)
        if a is None or a.dtype == object:
            return Diagnosis(False, f"{name} should be a numpy array of numbers, got {type(g).__name__}.")
        arrays.append(a)
    got_t = tuple(arrays)
    if all(_close(g, w, rtol, atol) for g, w in zip(got_t, want)):
        return Diagnosis(True)
    helpers = {k: v for k, v in (helpers or {}).items() if k in part.uses}
    if helpers:
        given = _evaluate(part.reference, inputs, helpers, reraise)
        accept = [(f"right given your own {', '.join(helpers)}", given), *list(accept)] if given else accept
    for note, value in accept:
        value = tuple(np.asarray(v, dtype=float) for v in value)
        if len(value) == len(got_t) and all(_close(g, v, rtol, atol) for g, v in zip(got_t, value)):
            return Diagnosis(True, note=note)

    found = match_mistakes(part, got_t, inputs, want, rtol, atol, helpers, reraise)
    lines, keys = [], []
    for k, (name, g, w) in enumerate(zip(names, got_t, want)):
        if _close(g, w, rtol, atol):
            continue
        if k in found:
            mistake = found[k][0]
            if mistake.key not in keys:
                keys.append(mistake.key)
                lines.append(_mistake_line(mistake, name, g, w))
            continue
        if g.shape != w.shape:
            lines.append(_shape_message(name, g.shape, w.shape, part.shape_hint))
            continue
        if not np.all(np.isfinite(g)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(g))[0]) if g.ndim else ()
            lines.append(
                f"{_entry(name, idx)} is {_fmt(g[idx])}: a NaN or infinity appeared (an overflow, "
                f"or 0/0?); {part.depends}."
            )
            continue
        idx = _first_wrong(g, w, rtol, atol)
        expected = f", expected {_fmt(w[idx])}" if show_expected else ""
        lines.append(
            f"{_entry(name, idx)} = {_fmt(g[idx])} is wrong{expected}. {part.depends[0].upper()}"
            f"{part.depends[1:]}. Your numbers match none of the classic mistakes we know for "
            f"this part, so check that entry's computation by hand."
        )
        break  # only the first wrong entry when nothing is recognised
    return Diagnosis(False, " ".join(lines), keys)


def _mistake_line(mistake: Mistake, name: str, got: np.ndarray, want: np.ndarray) -> str:
    if got.shape == want.shape and got.size:
        idx = _first_wrong(got, want) if not _close(got, want) else ()
        if got.ndim and not idx:
            idx = tuple(0 for _ in got.shape)
        quote = f" (your {_entry(name, idx)} = {_fmt(got[idx])})"
    elif got.size:
        quote = f" (your {name} has shape {tuple(got.shape)})"
    else:
        quote = ""
    return f"{mistake.says.replace('{name}', name)}{quote}."


# ---------------------------------------------------------------------------------------------
# numpy errors restated in the lecture's terms
# ---------------------------------------------------------------------------------------------
_ERRORS = (
    (
        re.compile(
            r"matmul: Input operand \d has a mismatch in its core dimension \d.*\(size (\d+) is different "
            r"from (\d+)\)"
        ),
        "a matrix product did not fit: an inner dimension of size {0} met one of size {1}",
    ),
    (
        re.compile(r"shapes \(([\d, ]*)\) and \(([\d, ]*)\) not aligned"),
        "a matrix product did not fit: shapes ({0}) and ({1})",
    ),
    (
        re.compile(r"operands could not be broadcast together with shapes (\S+) (\S+)"),
        "two arrays of shapes {0} and {1} were combined entry by entry",
    ),
    (
        re.compile(r"could not broadcast input array from shape (\S+) into shape (\S+)"),
        "an array of shape {0} was written into a place of shape {1}",
    ),
    (
        re.compile(r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)"),
        "an index {0} ran past the end of axis {1} (size {2})",
    ),
    (
        re.compile(r"name '(\w+)' is not defined"),
        "the name {0!s} is not defined inside the function (a variable of another cell, or a typo?)",
    ),
    (re.compile(r"'NoneType' object"), "a value was None (a function that does not `return`?)"),
)


def restate_error(key: str, exc_type: str, text: str, **inputs) -> str:
    """A student-facing message for an exception raised in the student's code on ``inputs``.

    Names what numpy said in words, lists the part's quantities with their shapes in
    the lecture's notation, and adds the part's shape hint. Never a traceback.
    """
    part = BANK[key]
    said = None
    for pattern, words in _ERRORS:
        m = pattern.search(text or "")
        if m:
            said = words.format(*m.groups())
            break
    if said is None:
        first = (text or "").strip().splitlines()[-1:] or [""]
        said = f"{exc_type}: {first[0][:200]}"
    shapes = ""
    if part.terms:
        rows = [f"{name} {tuple(np.shape(v))}" for name, v in part.terms(**inputs).items()]
        shapes = " Here " + ", ".join(rows) + "."
    hint = f" {part.shape_hint[0].upper()}{part.shape_hint[1:]}." if part.shape_hint else ""
    return f"{part.function} raised {exc_type} ({said}).{shapes}{hint}"


BANK: dict[str, PartBank] = {}


def _register(*parts: PartBank) -> None:
    for part in parts:
        keys = [m.key for m in part.mistakes]
        assert len(keys) == len(set(keys)), f"{part.key}: duplicate mistake keys"
        BANK[part.key] = part


def _seq(name: str, count: int, what: str):
    """An ``unpack`` for a list of ``count`` arrays."""

    def unpack(value, **_):
        if value is None:
            raise Unexpected(f"{name} is None: did you forget to `return` it?")
        if not isinstance(value, (list, tuple)):
            raise Unexpected(f"{name} should be a list of {count} arrays ({what}), got {type(value).__name__}.")
        if len(value) != count:
            raise Unexpected(f"{name} should hold {count} arrays ({what}), it holds {len(value)}.")
        return tuple(value)

    unpack.pack = list
    return unpack


def _pair_of_seqs(function: str, first: tuple, second: tuple):
    """An ``unpack`` for ``(list, list)`` returns such as ``(zs, activations)``."""

    def unpack(value, **_):
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise Unexpected(f"{function} should return two lists ({first[0]}, {second[0]}).")
        out = []
        for (name, count, what), seq in zip((first, second), value):
            out += _seq(name, count, what)(seq)
        return tuple(out)

    unpack.pack = lambda values: (list(values[: first[1]]), list(values[first[1] :]))
    return unpack


def _tuple_of(function: str, names: tuple):
    def unpack(value, **_):
        if not isinstance(value, (list, tuple)) or len(value) != len(names):
            raise Unexpected(
                f"{function} should return {len(names)} values ({', '.join(names)}), got "
                f"{len(value) if isinstance(value, (list, tuple)) else type(value).__name__}."
            )
        return tuple(value)

    unpack.pack = tuple
    return unpack


# =============================================================================================
# ps1: the delta rule (lecture 000) on the 2-4-3-2 sigmoid network
# =============================================================================================
SIZES = (2, 4, 3, 2)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def _network(rng, scale=1.5):
    weights = [rng.uniform(-scale, scale, (SIZES[k + 1], SIZES[k])) for k in range(3)]
    biases = [rng.uniform(-0.5, 0.5, SIZES[k + 1]) for k in range(3)]
    return weights, biases


def _forward(weights, biases, x, f=sigmoid, bias=True, last=sigmoid):
    zs, acts = [], [np.asarray(x, dtype=float)]
    for k, (W, b) in enumerate(zip(weights, biases)):
        z = W @ acts[-1] + (b if bias else 0.0)
        zs.append(z)
        acts.append((last if k == len(weights) - 1 else f)(z))
    return zs, acts


def _deltas(weights, zs, delta_L, fprime=sigmoid_prime, transpose=True):
    deltas = [np.asarray(delta_L, dtype=float)]
    for k in range(len(weights) - 1, 0, -1):
        W = weights[k].T if transpose else weights[k]
        deltas.insert(0, (W @ deltas[0]) * fprime(zs[k - 1]))
    return deltas


def _loss(weights, biases, x, y):
    return 0.5 * float(np.sum((_forward(weights, biases, x)[1][-1] - y) ** 2))


_S_ONE_MINUS_Z = (
    "{name} equals σ(z)(1 − z): the second factor of σ'(z) = σ(z)(1 − σ(z)) is one minus the "
    "*sigmoid* of z, not one minus z"
)
_SIGMOID_NAMES = ("sigmoid(z)",)
_SIGMOID_PRIME_NAMES = ("sigmoid_prime(z)",)


def _z_inputs(rng):
    return {"z": rng.uniform(-4.0, 4.0, 7)}


_register(
    PartBank(
        "ps1.sigmoid",
        "sigmoid",
        _SIGMOID_NAMES,
        lambda z: (sigmoid(z),),
        "σ(z_i) = 1/(1 + e^{−z_i}) depends only on z_i",
        (
            Mistake(
                "minus_sign",
                "{name} equals 1/(1 + e^{z}) = σ(−z): the exponent of σ(z) = 1/(1 + e^{−z}) is −z",
                lambda z: (sigmoid(-z),),
            ),
            Mistake(
                "tanh", "{name} equals tanh(z); the logistic sigmoid is σ(z) = 1/(1 + e^{−z})", lambda z: (np.tanh(z),)
            ),
            Mistake(
                "no_one",
                "{name} equals 1/e^{−z} = e^{z}: the denominator of σ(z) is 1 + e^{−z}",
                lambda z: (np.exp(z),),
            ),
        ),
        _z_inputs,
        terms=lambda z: {"z": z},
    ),
    PartBank(
        "ps1.sigmoid_prime",
        "sigmoid_prime",
        _SIGMOID_PRIME_NAMES,
        lambda z: (sigmoid_prime(z),),
        "σ'(z_i) = σ(z_i)(1 − σ(z_i)) depends only on z_i",
        (
            Mistake("s_one_minus_z", _S_ONE_MINUS_Z, lambda z: (sigmoid(z) * (1 - z),)),
            Mistake(
                "z_one_minus_z",
                "{name} equals z(1 − z): the formula a(1 − a) holds for a = σ(z), the "
                "sigmoid's *output*; given z, write σ(z)(1 − σ(z))",
                lambda z: (z * (1 - z),),
            ),
            Mistake(
                "of_a",
                "{name} equals σ'(σ(z)): σ' was applied to a = σ(z) instead of z",
                lambda z: (sigmoid_prime(sigmoid(z)),),
            ),
            Mistake(
                "no_derivative", "{name} equals σ(z) itself: the derivative is σ(z)(1 − σ(z))", lambda z: (sigmoid(z),)
            ),
            Mistake(
                "constant",
                "{name} is 1/4 everywhere: that is σ'(0) only (its maximum); σ'(z) = σ(z)(1 − σ(z)) changes with z",
                lambda z: (np.full_like(z, 0.25),),
            ),
            Mistake(
                "sign",
                "{name} equals −σ(z)(1 − σ(z)): the sigmoid increases, so its slope is positive",
                lambda z: (-sigmoid_prime(z),),
            ),
        ),
        _z_inputs,
        terms=lambda z: {"z": z},
    ),
)


def _forward_names(**_):
    return (
        *tuple(f"zs[{k}] (z^{k + 2})" for k in range(3)),
        "activations[0] (a^1 = x)",
        *tuple(f"activations[{k}] (a^{k + 1})" for k in range(1, 4)),
    )


def _forward_inputs(rng):
    weights, biases = _network(rng, 2.0)
    return {"weights": weights, "biases": biases, "x": rng.uniform(-2.0, 2.0, 2)}


def _as_forward(zs, acts):
    return tuple(zs) + tuple(acts)


def _network_terms(weights, biases=None, **more):
    out = {f"W^{k + 1}": W for k, W in enumerate(weights)}
    out.update({f"b^{k + 1}": b for k, b in enumerate(biases or [])})
    for name, value in more.items():
        if isinstance(value, (list, tuple)):
            out.update({f"{name}[{k}]": v for k, v in enumerate(value)})
        else:
            out[name] = value
    return out


def _ps1_forward(weights, biases, x, sigmoid=sigmoid, bias=True, hidden=True, output=True, zs_are_as=False):
    identity = lambda z: z  # noqa: E731
    zs, acts = _forward(
        weights, biases, x, f=sigmoid if hidden else identity, bias=bias, last=sigmoid if output else identity
    )
    return _as_forward(acts[1:] if zs_are_as else zs, acts)


_register(
    PartBank(
        "ps1.forward",
        "forward",
        _forward_names,
        _ps1_forward,
        "z^{l+1}_i = Σ_j W^l_ij a^l_j + b^l_i depends on row i of W^l, on a^l and on b^l_i, and "
        "a^{l+1}_i = σ(z^{l+1}_i)",
        (
            Mistake(
                "no_bias", "{name} is missing the bias: z^{l+1} = W^l a^l + b^l", partial(_ps1_forward, bias=False)
            ),
            Mistake(
                "no_activation",
                "{name} equals the z's: each layer must apply the sigmoid, a^{l+1} = f(z^{l+1})",
                partial(_ps1_forward, hidden=False, output=False),
            ),
            Mistake(
                "linear_output",
                "{name}: the last layer has no sigmoid in your code; in this network the output "
                "is ŷ = a^4 = σ(z^4) too",
                partial(_ps1_forward, output=False),
            ),
            Mistake(
                "zs_hold_activations",
                "{name} holds a's where the z's belong: zs[k] is z^{k+2}, the value *before* the sigmoid",
                partial(_ps1_forward, zs_are_as=True),
            ),
        ),
        _forward_inputs,
        terms=lambda weights, biases, x: _network_terms(weights, biases, x=x),
        unpack=_pair_of_seqs("forward", ("zs", 3, "z^2, z^3, z^4"), ("activations", 4, "a^1 = x, a^2, a^3, a^4")),
        shape_hint="W^l has shape (S_{l+1}, S_l) and multiplies a^l from the left: z^{l+1} = W^l a^l + b^l",
        uses=("sigmoid",),
    )
)


def _output_delta_inputs(rng):
    z = rng.uniform(-3.0, 3.0, 2)
    return {"yhat": sigmoid(z), "z_L": z, "y": rng.uniform(0.0, 1.0, 2)}


def _ps1_output_delta(yhat, z_L, y, sigmoid_prime=sigmoid_prime, fprime="z", sign=1.0, factor=1.0):
    slope = {
        "z": lambda: sigmoid_prime(z_L),
        "none": lambda: 1.0,
        "a": lambda: sigmoid_prime(yhat),
        "s(1-z)": lambda: sigmoid(z_L) * (1 - z_L),
        "z(1-z)": lambda: z_L * (1 - z_L),
    }[fprime]()
    return (factor * sign * (yhat - y) * slope,)


_register(
    PartBank(
        "ps1.output_delta",
        "output_delta",
        ("δ^L",),
        _ps1_output_delta,
        "δ^L_i = (ŷ_i − y_i) f'(z^L_i) depends on ŷ_i, y_i and z^L_i",
        (
            Mistake(
                "no_fprime",
                "{name} equals ŷ − y: the factor f'(z^L) is missing, δ^L_i = (ŷ_i − y_i) f'(z^L_i)",
                partial(_ps1_output_delta, fprime="none"),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: it is (y − ŷ) f'(z^L); δ^L = ∂L/∂z^L = (ŷ − y) f'(z^L)",
                partial(_ps1_output_delta, sign=-1.0),
            ),
            Mistake(
                "fprime_of_a",
                "{name} uses f'(a^L) = σ'(ŷ): f' must be applied to z^L, not to the output a^L",
                partial(_ps1_output_delta, fprime="a"),
            ),
            Mistake(
                "s_one_minus_z",
                "{name} uses σ(z)(1 − z) for f'(z^L); f'(z) = σ(z)(1 − σ(z))",
                partial(_ps1_output_delta, fprime="s(1-z)"),
            ),
            Mistake(
                "z_one_minus_z",
                "{name} uses z(1 − z) for f'(z^L); a(1 − a) holds for a = σ(z)",
                partial(_ps1_output_delta, fprime="z(1-z)"),
            ),
            Mistake(
                "half",
                "{name} is half the delta: the ½ of L = ½ Σ (ŷ_i − y_i)² cancels the 2 of the square",
                partial(_ps1_output_delta, factor=0.5),
            ),
        ),
        _output_delta_inputs,
        terms=lambda yhat, z_L, y: {"ŷ = a^L": yhat, "z^L": z_L, "y": y},
        uses=("sigmoid_prime",),
    )
)


def _backward_names(**_):
    return tuple(f"deltas[{k}] (δ^{k + 2})" for k in range(3))


def _backward_inputs(rng):
    weights, _ = _network(rng, 2.0)
    zs = [rng.uniform(-2.0, 2.0, SIZES[k + 1]) for k in range(3)]
    return {"weights": weights, "zs": zs, "delta_L": rng.uniform(-1.0, 1.0, 2)}


def _ps1_backward(weights, zs, delta_L, sigmoid_prime=sigmoid_prime, fprime="z", reverse=False):
    slope = {
        "z": sigmoid_prime,
        "none": lambda z: 1.0,
        "a": lambda z: sigmoid_prime(sigmoid(z)),
        "s(1-z)": lambda z: sigmoid(z) * (1 - z),
    }[fprime]
    deltas = tuple(_deltas(weights, zs, delta_L, fprime=slope))
    return deltas[::-1] if reverse else deltas


_register(
    PartBank(
        "ps1.backward_deltas",
        "backward_deltas",
        _backward_names,
        _ps1_backward,
        "δ^l_i = (Σ_j δ^{l+1}_j w^l_ji) f'(z^l_i) depends on column i of W^l, on all of δ^{l+1} and on z^l_i",
        (
            Mistake(
                "no_fprime",
                "{name} lacks the factor f'(z^l): δ^l = ((W^l)^T δ^{l+1}) ⊙ f'(z^l)",
                partial(_ps1_backward, fprime="none"),
            ),
            Mistake(
                "fprime_of_a",
                "{name} uses f'(σ(z^l)): f' must be applied to z^l, not to a^l = σ(z^l)",
                partial(_ps1_backward, fprime="a"),
            ),
            Mistake(
                "s_one_minus_z",
                "{name} uses σ(z)(1 − z) for f'(z^l); f'(z) = σ(z)(1 − σ(z))",
                partial(_ps1_backward, fprime="s(1-z)"),
            ),
            Mistake(
                "reversed",
                "your deltas are in reverse order: deltas[k] must be δ^{k+2}, from δ^2 up to δ^L = deltas[-1]",
                partial(_ps1_backward, reverse=True),
            ),
        ),
        _backward_inputs,
        terms=lambda weights, zs, delta_L: _network_terms(weights, zs=zs, **{"δ^L": delta_L}),
        unpack=_seq("deltas", 3, "δ^2, δ^3, δ^4"),
        shape_hint="the recursion sums over j, the *row* index of w^l_ji: it is (W^l)^T δ^{l+1}, not W^l δ^{l+1}",
        uses=("sigmoid_prime",),
    )
)


def _gradients_names(**_):
    return tuple(f"dWs[{k}] (∂L/∂W^{k + 1})" for k in range(3)) + tuple(f"dbs[{k}] (∂L/∂b^{k + 1})" for k in range(3))


def _gradients_inputs(rng):
    return {
        "deltas": [rng.uniform(-1.0, 1.0, SIZES[k + 1]) for k in range(3)],
        "activations": [rng.uniform(0.0, 1.0, SIZES[k]) for k in range(4)],
    }


def _gradients_ref(deltas, activations, outer=np.outer, shift=0):
    dWs = tuple(outer(d, a) for d, a in zip(deltas, activations[shift : shift + 3]))
    return dWs + tuple(np.asarray(d, dtype=float) for d in deltas)


_register(
    PartBank(
        "ps1.gradients",
        "gradients",
        _gradients_names,
        _gradients_ref,
        "∂L/∂W^l_ij = δ^{l+1}_i a^l_j depends on δ^{l+1}_i and a^l_j, and ∂L/∂b^l_i = δ^{l+1}_i",
        (
            Mistake(
                "outer_transposed",
                "{name} is the transpose of ∂L/∂W^l: ∂L/∂W^l_ij = δ^{l+1}_i a^l_j, rows "
                "follow δ^{l+1} (layer l+1) like the rows of W^l: np.outer(δ, a), not "
                "np.outer(a, δ)",
                lambda deltas, activations: _gradients_ref(deltas, activations, outer=lambda d, a: np.outer(a, d)),
            ),
            Mistake(
                "next_activation",
                "{name} pairs δ^{l+1} with a^{l+1}; the weight W^l_ij carries a^l_j (activations[k] for dWs[k])",
                lambda deltas, activations: _gradients_ref(deltas, activations, shift=1),
            ),
        ),
        _gradients_inputs,
        terms=lambda deltas, activations: _network_terms([], deltas=deltas, activations=activations),
        unpack=_pair_of_seqs(
            "gradients", ("dWs", 3, "∂L/∂W^1, ∂L/∂W^2, ∂L/∂W^3"), ("dbs", 3, "∂L/∂b^1, ∂L/∂b^2, ∂L/∂b^3")
        ),
        shape_hint="∂L/∂W^l has the shape of W^l, (S_{l+1}, S_l): the outer product δ^{l+1} (a^l)^T",
    )
)


def _numgrad(weights, biases, x, y, k, h, scheme="central", restore=True, loss=_loss):
    """Finite differences of L with respect to weights[k], entry by entry, in several (wrong) schemes."""
    weights = [np.array(W, dtype=float) for W in weights]
    W = weights[k]
    grad = np.zeros_like(W)
    if scheme == "all_at_once":
        base = W.copy()
        weights[k] = base + h
        plus = loss(weights, biases, x, y)
        weights[k] = base - h
        minus = loss(weights, biases, x, y)
        return np.full_like(W, (plus - minus) / (2 * h))
    for idx in np.ndindex(W.shape):
        old = W[idx]
        W[idx] = old + h
        plus = loss(weights, biases, x, y)
        W[idx] = old - h
        minus = loss(weights, biases, x, y)
        W[idx] = old
        centre = loss(weights, biases, x, y)
        grad[idx] = {
            "central": (plus - minus) / (2 * h),
            "forward": (plus - centre) / h,
            "backward": (centre - minus) / h,
            "no_two": (plus - minus) / h,
            "sign": (minus - plus) / (2 * h),
        }[scheme]
        if not restore:
            W[idx] = old - h
    return grad


def _backprop_dW(weights, biases, x, y, k):
    zs, acts = _forward(weights, biases, x)
    deltas = _deltas(weights, zs, (acts[-1] - y) * sigmoid_prime(zs[-1]))
    return np.outer(deltas[k], acts[k])


def _numgrad_inputs(rng):
    weights, biases = _network(rng, 1.5)
    # a large step: the central difference and a one-sided one differ by O(h), far above the tolerance
    return {
        "weights": weights,
        "biases": biases,
        "x": rng.uniform(-1.0, 1.0, 2),
        "y": rng.uniform(0.0, 1.0, 2),
        "k": int(rng.integers(0, 3)),
        "h": 0.05,
    }


def _numgrad_mistake(scheme="central", restore=True):
    return lambda weights, biases, x, y, k, h, loss=_loss: (
        _numgrad(weights, biases, x, y, k, h, scheme, restore, loss=loss),
    )


_register(
    PartBank(
        "ps1.numerical_gradient",
        "numerical_gradient_W",
        lambda k, **_: (f"numerical ∂L/∂W^{k + 1}",),
        _numgrad_mistake(),
        "entry (i, j) should be (L(W^l_ij + h) − L(W^l_ij − h)) / 2h, with every other weight unchanged",
        (
            Mistake(
                "one_sided",
                "{name} is the one-sided difference (L(w + h) − L(w)) / h; the central difference "
                "(L(w + h) − L(w − h)) / 2h is accurate to O(h²) instead of O(h)",
                _numgrad_mistake("forward"),
            ),
            Mistake(
                "one_sided_backward",
                "{name} is the one-sided difference (L(w) − L(w − h)) / h; use the central "
                "difference (L(w + h) − L(w − h)) / 2h",
                _numgrad_mistake("backward"),
            ),
            Mistake(
                "no_two",
                "{name} is twice the central difference: divide L(w + h) − L(w − h) by 2h, the "
                "distance between the two points",
                _numgrad_mistake("no_two"),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: (L(w + h) − L(w − h)) / 2h, the plus side first",
                _numgrad_mistake("sign"),
            ),
            Mistake(
                "not_restored",
                "{name}: each entry was left at w − h after its difference, so later entries "
                "were measured on a changed network; restore W^l_ij = w before the next entry",
                _numgrad_mistake("central", restore=False),
            ),
            Mistake(
                "all_at_once",
                "{name} has one value everywhere: you moved every weight of W^l at once; perturb "
                "one entry W^l_ij at a time",
                _numgrad_mistake("all_at_once"),
            ),
            Mistake(
                "analytic",
                "{name} is the exact gradient δ^{l+1} (a^l)^T (backpropagation), not a central "
                "difference with step h: the check must not use the gradient it checks",
                lambda weights, biases, x, y, k, h, loss=None: (_backprop_dW(weights, biases, x, y, k),),
            ),
        ),
        _numgrad_inputs,
        terms=lambda weights, biases, x, y, k, h: _network_terms(weights, biases, x=x, y=y),
        shape_hint="the result has the shape of W^{k+1} = weights[k]",
        uses=("loss",),
    )
)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])


def _bank_forward(weights, biases, x):
    return _forward(weights, biases, x)


def _bank_output_delta(yhat, z_L, y):
    return (yhat - y) * sigmoid_prime(z_L)


def _bank_backward_deltas(weights, zs, delta_L):
    return _deltas(weights, zs, delta_L)


def _bank_gradients(deltas, activations):
    return [np.outer(d, a) for d, a in zip(deltas, activations[:-1])], [np.asarray(d, dtype=float) for d in deltas]


def _train(
    weights,
    biases,
    lr,
    epochs,
    sign=-1.0,
    batch=False,
    update_biases=True,
    record="sum_after",
    forward=_bank_forward,
    output_delta=_bank_output_delta,
    backward_deltas=_bank_backward_deltas,
    gradients=_bank_gradients,
    loss=_loss,
):
    """SGD on XOR with the given (student's or bank's) forward, output_delta, backward_deltas, gradients, loss."""
    weights = [np.array(W, dtype=float) for W in weights]
    biases = [np.array(b, dtype=float) for b in biases]
    losses = []
    total_loss = lambda: sum(float(loss(weights, biases, x, y)) for x, y in zip(XOR_X, XOR_Y))  # noqa: E731
    for _ in range(epochs):
        before = total_loss() if record == "sum_before" else 0.0
        total = [np.zeros_like(W) for W in weights], [np.zeros_like(b) for b in biases]
        for x, y in zip(XOR_X, XOR_Y):
            zs, acts = forward(weights, biases, x)
            deltas = backward_deltas(weights, zs, output_delta(acts[-1], zs[-1], y))
            dWs, dbs = gradients(deltas, acts)
            for k in range(3):
                if batch:
                    total[0][k] += dWs[k]
                    total[1][k] += dbs[k]
                else:
                    weights[k] += sign * lr * np.asarray(dWs[k], dtype=float)
                    if update_biases:
                        biases[k] += sign * lr * np.asarray(dbs[k], dtype=float)
        if batch:
            for k in range(3):
                weights[k] += sign * lr * total[0][k]
                biases[k] += sign * lr * total[1][k]
        after = before if record == "sum_before" else total_loss()
        losses.append(after / 4 if record == "mean_after" else after)
    return tuple(weights) + tuple(biases) + (np.array(losses),)


def _train_inputs(rng):
    weights, biases = _network(rng, 1.0)
    return {"weights": weights, "biases": biases, "lr": 2.0, "epochs": 3}


def _train_names(**_):
    return tuple(f"trained W^{k + 1}" for k in range(3)) + tuple(f"trained b^{k + 1}" for k in range(3)) + ("losses",)


def _unpack_train(value, epochs, **_):
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise Unexpected("train_xor should return (weights, biases, losses).")
    weights, biases, losses = value
    out = _seq("weights", 3, "W^1, W^2, W^3")(weights) + _seq("biases", 3, "b^1, b^2, b^3")(biases)
    if not isinstance(losses, (list, tuple, np.ndarray)) or len(losses) != epochs:
        n = len(losses) if hasattr(losses, "__len__") else type(losses).__name__
        raise Unexpected(f"losses should hold one total loss per epoch ({epochs} for epochs={epochs}), got {n}.")
    return (*out, losses)


_unpack_train.pack = lambda values: (list(values[:3]), list(values[3:6]), values[6])


_register(
    PartBank(
        "ps1.train_xor",
        "train_xor",
        _train_names,
        _train,
        "after each example, W^l ← W^l − η δ^{l+1} (a^l)^T and b^l ← b^l − η δ^{l+1}, the four examples in order",
        (
            Mistake(
                "ascent",
                "{name}: you stepped *up* the gradient; SGD subtracts it, W^l ← W^l − η ∂L/∂W^l",
                partial(_train, sign=1.0),
            ),
            Mistake(
                "batch",
                "{name} comes from one update per epoch with the summed gradient of the four examples "
                "(batch gradient descent); here each example updates the weights at once (SGD)",
                partial(_train, batch=True),
            ),
            Mistake(
                "biases_frozen",
                "{name}: the biases never change; b^l ← b^l − η δ^{l+1} too",
                partial(_train, update_biases=False),
            ),
            Mistake(
                "loss_before",
                "{name} holds each epoch's loss *before* its updates; record it after the epoch",
                partial(_train, record="sum_before"),
            ),
            Mistake(
                "loss_mean",
                "{name} is the mean over the four examples; losses[e] is their sum Σ_n L(x_n, y_n)",
                partial(_train, record="mean_after"),
            ),
        ),
        _train_inputs,
        terms=lambda weights, biases, lr, epochs: _network_terms(weights, biases),
        unpack=_unpack_train,
        uses=("forward", "output_delta", "backward_deltas", "gradients", "loss"),
    )
)


# =============================================================================================
# ps2: the slides' worked example (2-2-2 sigmoid network, squared error), softmax + cross-entropy
# =============================================================================================
def _example_forward(W1, b1, W2, b2, x, transpose=False, bias=True, from_net=False, out_f=sigmoid, swap_b=False):
    A, B = (W1.T, W2.T) if transpose else (W1, W2)
    c1, c2 = (b2, b1) if swap_b else (b1, b2)
    net_h = A @ x + (c1 if bias else 0.0)
    out_h = sigmoid(net_h)
    net_o = B @ (net_h if from_net else out_h) + (c2 if bias else 0.0)
    return net_h, out_h, net_o, out_f(net_o)


def _example_inputs(rng):
    return {
        "W1": rng.uniform(-1, 1, (2, 2)),
        "b1": rng.uniform(-1, 1, 2),
        "W2": rng.uniform(-1, 1, (2, 2)),
        "b2": rng.uniform(-1, 1, 2),
        "x": rng.uniform(-1, 1, 2),
    }


def _example_terms(W1, b1, W2, b2, x, target=None):
    out = {"W^1": W1, "b_1": b1, "W^2": W2, "b_2": b2, "x": x}
    if target is not None:
        out["target"] = target
    return out


_register(
    PartBank(
        "ps2.forward_example",
        "forward_example",
        ("net_h", "out_h", "net_o", "out_o"),
        _example_forward,
        "net_h = W^1 x + b_1 (row i of W^1 is the receiving unit h_i), out_h = σ(net_h), net_o = W^2 out_h + b_2, "
        "out_o = σ(net_o)",
        (
            Mistake(
                "net_o_from_net_h",
                "{name} was computed from net_h; the output layer receives the hidden "
                "*outputs*: net_o = W^2 out_h + b_2",
                lambda **kw: _example_forward(**kw, from_net=True),
            ),
            Mistake(
                "transposed",
                "{name} used the weight matrices transposed: row i of W^l is the receiving unit, "
                "net_h1 = w1 i1 + w2 i2 + b1",
                lambda **kw: _example_forward(**kw, transpose=True),
            ),
            Mistake(
                "no_bias", "{name} lacks the biases: net = W a + b", lambda **kw: _example_forward(**kw, bias=False)
            ),
            Mistake(
                "biases_swapped",
                "{name} uses b_2 in the hidden layer and b_1 in the output layer",
                lambda **kw: _example_forward(**kw, swap_b=True),
            ),
            Mistake(
                "linear_output",
                "{name}: the output units apply the sigmoid too, out_o = σ(net_o)",
                lambda **kw: _example_forward(**kw, out_f=lambda v: v),
            ),
        ),
        _example_inputs,
        terms=_example_terms,
        unpack=_tuple_of("forward_example", ("net_h", "out_h", "net_o", "out_o")),
        shape_hint="each of net_h, out_h, net_o, out_o has one entry per unit, shape (2,)",
    )
)


def _error_inputs(rng):
    return {"out_o": rng.uniform(0, 1, 3), "target": rng.uniform(0, 1, 3)}


_register(
    PartBank(
        "ps2.total_error",
        "total_error",
        ("E_total",),
        lambda out_o, target: (0.5 * np.sum((target - out_o) ** 2),),
        "E_total = ½ Σ_k (target_k − out_k)² depends on every output",
        (
            Mistake(
                "no_half",
                "{name} is twice E_total: the squared error of the slides has a ½, E = ½ Σ (target − out)²",
                lambda out_o, target: (np.sum((target - out_o) ** 2),),
            ),
            Mistake(
                "mean",
                "{name} divides by the number of outputs: E_total is a sum, ½ Σ_k (target_k − out_k)²",
                lambda out_o, target: (0.5 * np.mean((target - out_o) ** 2),),
            ),
            Mistake(
                "mean_no_half",
                "{name} is the mean squared error; the slides' E_total is ½ Σ (target − out)²",
                lambda out_o, target: (np.mean((target - out_o) ** 2),),
            ),
            Mistake(
                "not_squared",
                "{name} sums the differences without squaring them",
                lambda out_o, target: (0.5 * np.sum(target - out_o),),
            ),
            Mistake(
                "absolute",
                "{name} sums |target − out|; the error squares the differences",
                lambda out_o, target: (0.5 * np.sum(np.abs(target - out_o)),),
            ),
        ),
        _error_inputs,
        terms=lambda out_o, target: {"out_o": out_o, "target": target},
    )
)


def _mse_backward_inputs(rng):
    return {"out": rng.uniform(0.01, 0.99, 5), "target": rng.uniform(0, 1, 5)}


_register(
    PartBank(
        "ps2.mse_backward",
        "mse_backward",
        ("∂E/∂out",),
        lambda out, target: (out - target,),
        "∂E/∂out_k = out_k − target_k depends on out_k and target_k",
        (
            Mistake(
                "sign",
                "{name} has the wrong sign: ∂E/∂out_k = out_k − target_k (E grows as out moves away from the target)",
                lambda out, target: (target - out,),
            ),
            Mistake(
                "times_two",
                "{name} is twice the derivative: the ½ of E = ½ Σ (target − out)² cancels the 2",
                lambda out, target: (2 * (out - target),),
            ),
            Mistake(
                "half",
                "{name} is half the derivative: d/dout of ½ (target − out)² is (out − target)",
                lambda out, target: (0.5 * (out - target),),
            ),
            Mistake(
                "squared",
                "{name} is the squared difference (the error itself); its derivative is out − target",
                lambda out, target: ((out - target) ** 2,),
            ),
        ),
        _mse_backward_inputs,
        terms=lambda out, target: {"out": out, "target": target},
    )
)


def _sigmoid_backward_inputs(rng):
    return {"dout": rng.uniform(-1, 1, 5), "out": rng.uniform(0.01, 0.99, 5)}


_register(
    PartBank(
        "ps2.sigmoid_backward",
        "sigmoid_backward",
        ("∂E/∂net",),
        lambda dout, out: (dout * out * (1 - out),),
        "∂E/∂net_k = ∂E/∂out_k · out_k (1 − out_k) depends on ∂E/∂out_k and out_k",
        (
            Mistake(
                "no_dout",
                "{name} is out(1 − out), the local derivative alone: multiply by the gradient from above, ∂E/∂out",
                lambda dout, out: (out * (1 - out),),
            ),
            Mistake(
                "fprime_of_out",
                "{name} applies σ' to out as if it were net: given the output, the "
                "derivative is out(1 − out), no second sigmoid",
                lambda dout, out: (dout * sigmoid_prime(out),),
            ),
            Mistake(
                "no_fprime",
                "{name} is ∂E/∂out passed through unchanged: multiply by σ'(net) = out(1 − out)",
                lambda dout, out: (dout,),
            ),
            Mistake(
                "one_minus_only",
                "{name} is ∂E/∂out · (1 − out): σ'(net) = out(1 − out) has both factors",
                lambda dout, out: (dout * (1 - out),),
            ),
        ),
        _sigmoid_backward_inputs,
        terms=lambda dout, out: {"∂E/∂out": dout, "out": out},
    )
)


def _example_grads(
    W1,
    b1,
    W2,
    b2,
    x,
    target,
    transpose_outer=False,
    from_net=False,
    W2_forward=False,
    hidden_fprime=True,
    output_fprime=True,
    sign=1.0,
    updated_lr=None,
    forward_example=None,
    mse_backward=None,
    sigmoid_backward=None,
):
    forward_example = forward_example or (lambda *a: _example_forward(*a))
    mse_backward = mse_backward or (lambda out, t: out - t)
    sigmoid_backward = sigmoid_backward or (lambda dout, out: dout * out * (1 - out))
    net_h, out_h, _net_o, out_o = (np.asarray(v, dtype=float) for v in forward_example(W1, b1, W2, b2, x))
    d_out = sign * np.asarray(mse_backward(out_o, target), dtype=float)
    d_o = np.asarray(sigmoid_backward(d_out, out_o), dtype=float) if output_fprime else d_out
    outer = (lambda a, b: np.outer(b, a)) if transpose_outer else np.outer
    dW2 = outer(d_o, net_h if from_net else out_h)
    W2_used = W2 - updated_lr * dW2 if updated_lr else W2
    back = (W2_used if W2_forward else W2_used.T) @ d_o
    d_h = np.asarray(sigmoid_backward(back, out_h), dtype=float) if hidden_fprime else back
    return outer(d_h, x), dW2


def _example_grads_inputs(rng):
    return {**_example_inputs(rng), "target": rng.uniform(0, 1, 2)}


def _eg(**options):
    return partial(_example_grads, **options)


_register(
    PartBank(
        "ps2.example_gradients",
        "example_gradients",
        ("dW1", "dW2"),
        _example_grads,
        "∂E/∂W^2_ij = δ_{o_i} out_{h_j} and ∂E/∂W^1_ij = δ_{h_i} x_j with δ_h = ((W^2)^T δ_o) ⊙ out_h(1 − out_h)",
        (
            Mistake(
                "transposed",
                "{name} is the transpose: ∂E/∂w5 = δ_{o1} out_{h1} sits where w5 sits, "
                "np.outer(δ, a) with δ of the receiving layer first",
                _eg(transpose_outer=True),
            ),
            Mistake(
                "from_net",
                "{name} uses net_h where out_h belongs: ∂net_o/∂w5 = out_{h1}, the hidden *output*",
                _eg(from_net=True),
            ),
            Mistake(
                "W2_not_transposed",
                "{name}: δ_h went back through W^2 instead of (W^2)^T; unit h_j collects "
                "δ_{o_i} w_ij over the units o_i it feeds (column j of W^2)",
                _eg(W2_forward=True),
            ),
            Mistake(
                "hidden_no_fprime",
                "{name}: δ_h lacks the factor out_h(1 − out_h) = σ'(net_h)",
                _eg(hidden_fprime=False),
            ),
            Mistake(
                "output_no_fprime",
                "{name}: δ_o lacks the factor out_o(1 − out_o) = σ'(net_o)",
                _eg(output_fprime=False),
            ),
            Mistake("sign", "{name} has the wrong sign: ∂E/∂out_o = out_o − target", _eg(sign=-1.0)),
            Mistake(
                "updated_W2",
                "{name}: δ_h used the *updated* W^2; the slides use the original weights for "
                "every gradient of the step",
                _eg(updated_lr=0.5),
            ),
        ),
        _example_grads_inputs,
        terms=_example_terms,
        unpack=_tuple_of("example_gradients", ("dW1", "dW2")),
        shape_hint="∂E/∂W^l has the shape of W^l, (2, 2)",
        uses=("forward_example", "mse_backward", "sigmoid_backward"),
    )
)


YOUR_EXAMPLE_KEYS = ("out_o1", "E_total", "dE/dw5", "dE/dw1", "w5_new")


def _your_example(
    example,
    net_as_out=False,
    half=True,
    sign=1.0,
    step=-1.0,
    lr=None,
    forward_example=None,
    example_gradients=None,
    total_error=None,
    sgd_update=None,
):
    """The numbers of one variant, with the bank's functions or the student's own (then: "right given yours")."""
    w, b = example["weights"], example["biases"]
    W1 = np.array([[w["w1"], w["w2"]], [w["w3"], w["w4"]]])
    W2 = np.array([[w["w5"], w["w6"]], [w["w7"], w["w8"]]])
    b1, b2 = np.full(2, b["b1"]), np.full(2, b["b2"])
    x, t = np.array(example["inputs"], dtype=float), np.array(example["targets"], dtype=float)
    forward_example = forward_example or _example_forward
    example_gradients = example_gradients or _example_grads
    total_error = total_error or (lambda out, target: 0.5 * np.sum((target - out) ** 2))
    sgd_update = sgd_update or (lambda W, dW, eta: W - eta * dW)
    _net_h, _out_h, net_o, out_o = (np.asarray(v, dtype=float) for v in forward_example(W1, b1, W2, b2, x))
    dW1, dW2 = (np.asarray(v, dtype=float) for v in example_gradients(W1, b1, W2, b2, x, t))
    error = float(total_error(out_o, t)) * (1.0 if half else 2.0)
    eta = example["lr"] if lr is None else lr
    w5 = np.asarray(sgd_update(W2, -step * dW2, eta), dtype=float)[0, 0]
    return (net_o[0] if net_as_out else out_o[0], error, sign * dW2[0, 0], sign * dW1[0, 0], w5)


def _your_example_inputs(rng):
    from course_utils.variants import worked_example_variant

    return {"example": worked_example_variant(f"student{int(rng.integers(0, 10**6))}")}


def _slides_example(example, **helpers):
    from course_utils.worked_example import EXAMPLE

    return _your_example(EXAMPLE, **helpers)


def _unpack_answers(value, **_):
    if not isinstance(value, dict):
        raise Unexpected(
            f"your answers should be a dict with the keys {', '.join(YOUR_EXAMPLE_KEYS)}, got {type(value).__name__}."
        )
    missing = [k for k in YOUR_EXAMPLE_KEYS if value.get(k) is None or value.get(k) is ...]
    if missing:
        raise Unexpected(f"your answers have no number for {', '.join(missing)} yet.")
    return tuple(value[k] for k in YOUR_EXAMPLE_KEYS)


_unpack_answers.pack = lambda values: dict(zip(YOUR_EXAMPLE_KEYS, values))

_register(
    PartBank(
        "ps2.your_example",
        "my_answers",
        ("out_o1", "E_total", "∂E/∂w5", "∂E/∂w1", "w5 after one step"),
        _your_example,
        "each number is computed from your own variant's inputs, targets, weights and biases (printed in the set-up "
        "cell)",
        (
            Mistake(
                "slides",
                "{name} is the slides' number (inputs .05/.10, targets .01/.99); your variant has its own "
                "inputs, targets and weights: run your functions on them",
                _slides_example,
            ),
            Mistake(
                "net_as_out",
                "{name} is net_o1, before the sigmoid: out_o1 = σ(net_o1)",
                partial(_your_example, net_as_out=True),
            ),
            Mistake("no_half", "{name} is twice E_total: E = ½ Σ (target − out)²", partial(_your_example, half=False)),
            Mistake("sign", "{name} has the wrong sign: ∂E/∂out_o = out_o − target", partial(_your_example, sign=-1.0)),
            Mistake("ascent", "{name} went up the gradient: w5 ← w5 − η ∂E/∂w5", partial(_your_example, step=1.0)),
            Mistake(
                "no_rate",
                "{name} forgot the learning rate: w5 ← w5 − η ∂E/∂w5 with η = 0.5",
                partial(_your_example, lr=1.0),
            ),
        ),
        _your_example_inputs,
        terms=lambda example: {},
        unpack=_unpack_answers,
        uses=("forward_example", "example_gradients", "total_error", "sgd_update"),
    )
)


def _sgd_inputs(rng):
    return {"W": rng.uniform(-1, 1, (2, 3)), "dW": rng.uniform(-1, 1, (2, 3)), "lr": 0.3}


_register(
    PartBank(
        "ps2.sgd_update",
        "sgd_update",
        ("updated W",),
        lambda W, dW, lr: (W - lr * dW,),
        "each entry is w − η ∂E/∂w, from the same entry of W and of dW",
        (
            Mistake(
                "ascent",
                "{name} = W + η dW: gradient descent *subtracts* the gradient",
                lambda W, dW, lr: (W + lr * dW,),
            ),
            Mistake(
                "no_lr", "{name} = W − dW: the learning rate η multiplies the gradient", lambda W, dW, lr: (W - dW,)
            ),
            Mistake(
                "divided",
                "{name} = W − dW / η: multiply by the learning rate, do not divide",
                lambda W, dW, lr: (W - dW / lr,),
            ),
            Mistake("step_only", "{name} = −η dW, the step alone: add it to W", lambda W, dW, lr: (-lr * dW,)),
        ),
        _sgd_inputs,
        terms=lambda W, dW, lr: {"W": W, "dW": dW},
    )
)


def _softmax(z, axis=1, shift="row"):
    z = np.asarray(z, dtype=float)
    if shift == "row":
        z = z - z.max(axis=axis, keepdims=True)
    elif shift == "all":
        z = z - z.max()
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_inputs(rng):
    z = rng.uniform(-3, 3, (2, 4))
    # large logits: without a shift row 1 overflows; shifted by the global maximum, row 0 underflows
    return {"z": z + np.array([[-300.0], [800.0]])}


_register(
    PartBank(
        "ps2.softmax",
        "softmax",
        ("softmax(z)",),
        lambda z: (_softmax(z),),
        "softmax(z)_{n,k} = e^{z_{n,k}} / Σ_j e^{z_{n,j}} depends on row n of z only",
        (
            Mistake(
                "axis0",
                "{name} normalises each *column*: the softmax runs over the K logits of a row (axis=1)",
                lambda z: (_softmax(z, axis=0),),
            ),
            Mistake(
                "sum_over_columns",
                "{name} divides by the sum of each *column* (axis=0); each row's "
                "probabilities sum to 1: np.sum(e, axis=1, keepdims=True)",
                lambda z: ((lambda e: e / e.sum(axis=0, keepdims=True))(np.exp(z - z.max(axis=1, keepdims=True))),),
            ),
            Mistake(
                "no_shift",
                "{name} overflowed: e^{z} is inf for logits near 800; subtract each row's maximum "
                "first (the softmax does not change)",
                lambda z: (_softmax(z, shift="none"),),
            ),
            Mistake(
                "global_max",
                "{name}: you subtracted the largest logit of the whole array; a row far below it "
                "underflows to 0/0. Subtract each row's own maximum (keepdims=True)",
                lambda z: (_softmax(z, shift="all"),),
            ),
            Mistake(
                "global_sum",
                "{name} divides by the sum over the whole array; normalise each row by its own sum",
                lambda z: (np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(),),
            ),
            Mistake(
                "log_softmax",
                "{name} holds log-probabilities; the softmax is their exponential",
                lambda z: (np.log(_softmax(z)),),
            ),
        ),
        _softmax_inputs,
        terms=lambda z: {"z": z},
        shape_hint="normalise each row: np.sum(..., axis=1, keepdims=True) keeps the shape (N, 1) that broadcasts",
    )
)


def _ce(z, y, divide=True, mean=True, onehot=1.0, sign=1.0, log_p_from="log-sum-exp"):
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    with np.errstate(all="ignore"):
        if log_p_from == "log(softmax)":  # a probability that rounds to 0 gives log 0 = -inf
            picked = np.log(np.exp(log_p))[np.arange(n), y]
        elif log_p_from == "unshifted":  # e^z overflows for large logits
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)
            picked = np.log(p)[np.arange(n), y]
            log_p = np.log(p)
        else:
            picked = log_p[np.arange(n), y]
    loss = -sign * (picked.mean() if mean else picked.sum())
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= onehot
    return loss, sign * dz / (n if divide else 1)


def _ce_inputs(rng):
    z, y = rng.uniform(-2, 2, (4, 3)), rng.integers(0, 3, 4)
    z[1] += 800.0  # shifted logits: the softmax does not change, e^z overflows
    z[3] += np.array([800.0, 0.0, -800.0])
    y[3] = 1  # p of the label is e^{-800}: it rounds to 0, its log must not
    return {"z": z, "y": y}


_register(
    PartBank(
        "ps2.softmax_cross_entropy",
        "softmax_cross_entropy",
        ("loss", "dz"),
        _ce,
        "L = −(1/N) Σ_n log p_{n, y_n} and ∂L/∂z_{n,k} = (p_{n,k} − [k = y_n]) / N",
        (
            Mistake(
                "dz_not_divided",
                "{name} is N times too large: L is the *mean* over the N rows, so ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, divide=False),
            ),
            Mistake(
                "loss_sum", "{name} is the sum over the N rows; L is their mean", lambda z, y: _ce(z, y, mean=False)
            ),
            Mistake(
                "no_onehot",
                "{name} is p / N: subtract the one-hot label, ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, onehot=0.0),
            ),
            Mistake(
                "sign",
                "{name} has the wrong sign: L = −mean log p_{n, y_n} ≥ 0 and ∂L/∂z = (p − onehot(y)) / N",
                lambda z, y: _ce(z, y, sign=-1.0),
            ),
            Mistake(
                "log_of_softmax",
                "{name} is infinite: log(softmax(z)) gives log 0 = −∞ when a probability rounds "
                "to 0 (here a label's p is e^{−800}); compute log p = z − max z − "
                "log Σ e^{z − max z}",
                lambda z, y: _ce(z, y, log_p_from="log(softmax)"),
            ),
            Mistake(
                "unshifted",
                "{name} is NaN: e^{z} overflowed for logits near 800; subtract each row's maximum "
                "before exponentiating (log-sum-exp)",
                lambda z, y: _ce(z, y, log_p_from="unshifted"),
            ),
        ),
        _ce_inputs,
        terms=lambda z, y: {"z": z, "y": y},
        unpack=_tuple_of("softmax_cross_entropy", ("loss", "dz")),
        shape_hint="dz has the shape of z, (N, K); index p[np.arange(N), y] picks each row's label",
    )
)


# =============================================================================================
# ps3: backpropagation in CNNs (lecture 33): cross-correlation form, Y = X ⋆ W
# =============================================================================================
def correlate_valid(x, k):
    """out[i, j] = Σ_a Σ_b x[i + a, j + b] k[a, b] where k lies inside x."""
    x, k = np.asarray(x, dtype=float), np.asarray(k, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijab,ab->ij", windows, k)


def correlate_full(x, k):
    kh, kw = np.shape(k)
    return correlate_valid(np.pad(np.asarray(x, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1))), k)


def flip180(w):
    return np.asarray(w)[::-1, ::-1]


def _output_size(w_in, f, p, s, pad=2, plus=1, stride=True):
    span = w_in - f + pad * p
    if span < 0 or (stride and span % s):
        return np.nan  # the student's function should raise here: compared as "raised"
    return span // s + plus if stride else span + plus


def _sizes(cases, **options):
    return (np.array([_output_size(*case, **options) for case in cases], dtype=float),)


def _size_cases(rng):
    cases = []
    while len(cases) < 5:
        f, p, s = int(rng.integers(1, 6)), int(rng.integers(1, 3)), int(rng.integers(2, 4))
        w_in = f - 2 * p + s * int(rng.integers(2, 9))  # tiles exactly
        if w_in > f:
            cases.append((w_in, f, p, s))
    return {"cases": cases}


_register(
    PartBank(
        "ps3.conv_output_size",
        "conv_output_size",
        ("output sizes",),
        _sizes,
        "each size is (W1 − F + 2P)/S + 1 of its own (W1, F, P, S); NaN stands for a ValueError",
        (
            Mistake(
                "p_not_doubled",
                "{name} follow (W1 − F + P)/S + 1: padding adds P columns on *each* side, hence 2P",
                lambda cases: _sizes(cases, pad=1),
            ),
            Mistake(
                "no_plus_one",
                "{name} follow (W1 − F + 2P)/S: the first window sits at position 0, so add 1",
                lambda cases: _sizes(cases, plus=0),
            ),
            Mistake(
                "no_stride",
                "{name} ignore the stride: (W1 − F + 2P)/S + 1, a window every S pixels",
                lambda cases: _sizes(cases, stride=False),
            ),
        ),
        _size_cases,
        terms=lambda cases: {},
    )
)


def _correlate_inputs(rng):
    return {"x": rng.standard_normal((6, 7)), "k": rng.standard_normal((3, 2))}


_register(
    PartBank(
        "ps3.correlate2d_valid",
        "correlate2d_valid",
        ("out",),
        lambda x, k: (correlate_valid(x, k),),
        "out[i, j] = Σ_a Σ_b x[i + a, j + b] k[a, b] depends on the window of x starting at (i, j)",
        (
            Mistake(
                "convolution",
                "{name} is the convolution: k was flipped by 180°; a cross-correlation uses "
                "k[a, b] with x[i + a, j + b] as it is",
                lambda x, k: (correlate_valid(x, flip180(k)),),
            ),
            Mistake(
                "full",
                "{name} is the *full* correlation (zero-padded); valid keeps only windows inside x, "
                "shape (H − KH + 1, W − KW + 1)",
                lambda x, k: (correlate_full(x, k),),
            ),
            Mistake(
                "transposed_kernel",
                "{name} used k transposed: k[a, b] meets x[i + a, j + b], row offset a, column offset b",
                lambda x, k: (correlate_valid(x, np.asarray(k).T),),
            ),
        ),
        _correlate_inputs,
        terms=lambda x, k: {"x": x, "k": k},
        shape_hint="a valid correlation of (H, W) with (KH, KW) has shape (H − KH + 1, W − KW + 1)",
    )
)


def _dw_inputs(rng):
    return {"x": rng.standard_normal((7, 6)), "dy": rng.standard_normal((5, 3))}


_register(
    PartBank(
        "ps3.conv_dw",
        "conv_backward_dw",
        ("dW",),
        lambda x, dy, correlate2d_valid=correlate_valid: (correlate2d_valid(x, dy),),
        "dW[a, b] = Σ_i Σ_j dL/dY[i, j] X[i + a, j + b] depends on every dL/dY and the inputs each weight meets",
        (
            Mistake(
                "dy_flipped",
                "{name} correlates X with dL/dY flipped by 180° (a convolution); one weight W[a, b] "
                "meets X[i + a, j + b] at output (i, j): X ⋆ dL/dY, nothing flipped",
                lambda x, dy, correlate2d_valid=correlate_valid: (correlate2d_valid(x, flip180(dy)),),
            ),
            Mistake(
                "swapped",
                "{name} is X ⋆ dL/dY rotated by 180°: that is dL/dY correlated with X (operands "
                "swapped). The weight gradient slides dL/dY over X: dW = X ⋆ dL/dY",
                lambda x, dy, correlate2d_valid=correlate_valid: (flip180(correlate2d_valid(x, dy)),),
            ),
            Mistake(
                "transposed",
                "{name} is the transpose of X ⋆ dL/dY",
                lambda x, dy, correlate2d_valid=correlate_valid: (np.asarray(correlate2d_valid(x, dy)).T,),
            ),
        ),
        _dw_inputs,
        terms=lambda x, dy: {"X": x, "dL/dY": dy},
        shape_hint="dW has the filter's shape (H − OH + 1, W − OW + 1): the valid correlation of X with dL/dY",
        uses=("correlate2d_valid",),
    )
)


def _dx_inputs(rng):
    return {"dy": rng.standard_normal((4, 5)), "w": rng.standard_normal((3, 2))}


def _full_with(correlate):
    """The full correlation through a valid one: pad by KH − 1, KW − 1 on every side."""

    def full(dy, w):
        kh, kw = np.shape(w)
        return np.asarray(
            correlate(np.pad(np.asarray(dy, dtype=float), ((kh - 1, kh - 1), (kw - 1, kw - 1))), w), dtype=float
        )

    return full


def _ps3_dx(dy, w, correlate2d_valid=correlate_valid, kernel=flip180, full=True, rotate_result=False):
    out = (_full_with(correlate2d_valid) if full else correlate2d_valid)(dy, kernel(np.asarray(w)))
    return (flip180(out) if rotate_result else np.asarray(out, dtype=float),)


_register(
    PartBank(
        "ps3.conv_dx",
        "conv_backward_dx",
        ("dX",),
        _ps3_dx,
        "dX[p, q] = Σ_{a,b} dL/dY[p − a, q − b] W[a, b] depends on the outputs in the region P of (p, q) and on W",
        (
            Mistake(
                "not_flipped",
                "{name} is the full correlation of dL/dY with W *unflipped*; the region P sees the "
                "filter rotated by 180°: correlate with flip180(W)",
                partial(_ps3_dx, kernel=lambda w: w),
            ),
            Mistake(
                "flipped_rows_only",
                "{name} flips W upside down only; flip180 reverses both axes, W[::-1, ::-1]",
                partial(_ps3_dx, kernel=lambda w: w[::-1, :]),
            ),
            Mistake(
                "flipped_columns_only",
                "{name} flips W left-right only; flip180 reverses both axes, W[::-1, ::-1]",
                partial(_ps3_dx, kernel=lambda w: w[:, ::-1]),
            ),
            Mistake(
                "swapped",
                "{name} is the right dX rotated by 180°: flip180(W) correlated with dL/dY (operands "
                "swapped); slide the flipped filter over the padded dL/dY",
                partial(_ps3_dx, rotate_result=True),
            ),
            Mistake(
                "valid",
                "{name} is a *valid* correlation: pad dL/dY with KH − 1 rows and KW − 1 columns of zeros "
                "on each side first (a border pixel has a small region P)",
                partial(_ps3_dx, full=False),
            ),
            Mistake(
                "transposed_filter",
                "{name} uses W transposed; rotating by 180° is W[::-1, ::-1], not W.T",
                partial(_ps3_dx, kernel=lambda w: w.T),
            ),
        ),
        _dx_inputs,
        terms=lambda dy, w: {"dL/dY": dy, "W": w},
        shape_hint="dX has the input's shape (OH + KH − 1, OW + KW − 1): pad dL/dY by KH − 1 and KW − 1 on every side",
        uses=("correlate2d_valid",),
    )
)


def _layer(
    dout,
    x,
    w,
    dw_sum=True,
    dx_sum=True,
    db="sum",
    dx_flip=True,
    dw_flip=False,
    conv_backward_dw=None,
    conv_backward_dx=None,
):
    n_img, n_chan = x.shape[:2]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    one_dw = (
        conv_backward_dw
        if conv_backward_dw and not dw_flip
        else (lambda xx, dy: correlate_valid(xx, flip180(dy) if dw_flip else dy))
    )
    one_dx = (
        conv_backward_dx
        if conv_backward_dx and dx_flip
        else (lambda dy, ww: correlate_full(dy, flip180(ww) if dx_flip else ww))
    )
    for n in range(n_img):
        for f in range(w.shape[0]):
            for c in range(n_chan):
                part_w = np.asarray(one_dw(x[n, c], dout[n, f]), dtype=float)
                part_x = np.asarray(one_dx(dout[n, f], w[f, c]), dtype=float)
                dw[f, c] = dw[f, c] + part_w if dw_sum else part_w
                dx[n, c] = dx[n, c] + part_x if dx_sum else part_x
    dbs = {
        "sum": dout.sum(axis=(0, 2, 3)),
        "mean": dout.mean(axis=(0, 2, 3)),
        "per_image": dout.sum(axis=(2, 3)),
        "first_image": dout[0].sum(axis=(1, 2)),
    }
    return dx, dw, dbs[db]


def _layer_inputs(rng):
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    return {"dout": rng.standard_normal((2, 3, 3, 3)), "x": x, "w": w}


_register(
    PartBank(
        "ps3.conv_layer",
        "conv2d_backward_naive",
        ("dx", "dw", "db"),
        _layer,
        "dw[f, c] = Σ_n x[n, c] ⋆ dout[n, f], dx[n, c] = Σ_f dout[n, f] ⋆_full flip180(w[f, c]), "
        "db[f] = Σ_{n,i,j} dout[n, f, i, j]",
        (
            Mistake(
                "dw_not_summed",
                "{name} keeps only the last image's contribution: dw[f, c] sums over every image n (use +=)",
                partial(_layer, dw_sum=False),
            ),
            Mistake(
                "dx_not_summed",
                "{name} keeps only the last filter's contribution: an input pixel feeds every "
                "filter f, so dx[n, c] sums over f (use +=)",
                partial(_layer, dx_sum=False),
            ),
            Mistake(
                "db_mean",
                "{name} is a mean; the bias is added to every output, so db[f] is the *sum* of dout[n, f] over n, i, j",
                partial(_layer, db="mean"),
            ),
            Mistake(
                "db_per_image",
                "{name} keeps one row per image: db[f] also sums over the images n",
                partial(_layer, db="per_image"),
            ),
            Mistake(
                "db_first_image",
                "{name} sums only the first image: db[f] sums over every image n",
                partial(_layer, db="first_image"),
            ),
            Mistake(
                "dx_not_flipped",
                "{name} correlates dout with w *unflipped*; the region P sees the filter rotated by 180°",
                partial(_layer, dx_flip=False),
            ),
            Mistake(
                "dw_flipped",
                "{name} correlates x with dout flipped by 180°; dw = x ⋆ dout, nothing flipped",
                partial(_layer, dw_flip=True),
            ),
        ),
        _layer_inputs,
        terms=lambda dout, x, w: {"dout": dout, "x": x, "w": w},
        unpack=_tuple_of("conv2d_backward_naive", ("dx", "dw", "db")),
        shape_hint="dx has the shape of x (N, C, H, W), dw of w (F, C, KH, KW), db (F,)",
        uses=("conv_backward_dw", "conv_backward_dx"),
    )
)


def _window_argmax(window, rule):
    flat = window.reshape(-1)
    best = flat.max()
    hits = np.flatnonzero(flat == best)
    return {"first": hits[:1], "last": hits[-1:], "all": hits}[rule]


def _max_pool_b(dout, x, size, stride, rule="first", accumulate=True, origin=True):
    x = np.asarray(x, dtype=float)
    dx = np.zeros(x.shape)
    for n, c, i, j in np.ndindex(*dout.shape):
        r0, c0 = (i * stride, j * stride) if origin else (i, j)
        window = x[n, c, r0 : r0 + size, c0 : c0 + size]
        for flat in _window_argmax(window, rule):
            a, b = divmod(int(flat), window.shape[1])
            if accumulate:
                dx[n, c, r0 + a, c0 + b] += dout[n, c, i, j]
            else:
                dx[n, c, r0 + a, c0 + b] = dout[n, c, i, j]
    return (dx,)


def _avg_pool_b(dout, x_shape, size, stride, divisor=None, accumulate=True):
    dx = np.zeros(tuple(x_shape))
    share = dout / (size**2 if divisor is None else divisor)
    for i, j in np.ndindex(*dout.shape[2:]):
        region = dx[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
        if accumulate:
            region += share[:, :, i : i + 1, j : j + 1]
        else:
            region[...] = share[:, :, i : i + 1, j : j + 1]
    return (dx,)


def _pool_inputs(rng, size, stride, ties):
    h = 7
    oh = (h - size) // stride + 1
    x = rng.integers(0, 3, (1, 2, h, h)).astype(float) if ties else rng.standard_normal((1, 2, h, h))
    return {"dout": rng.standard_normal((1, 2, oh, oh)), "x": x, "size": size, "stride": stride}


_register(
    PartBank(
        "ps3.max_pool",
        "max_pool_backward",
        ("dx",),
        _max_pool_b,
        "dx gets each dout[n, c, i, j] at the first maximum (row-major) of window (i, j), and 0 elsewhere; "
        "overlapping windows add",
        (
            Mistake(
                "all_maxima",
                "{name} routes the gradient to *every* maximum of a tied window; only the first one "
                "(row-major, as PyTorch) gets it, or the gradient is counted several times",
                lambda **kw: _max_pool_b(**kw, rule="all"),
            ),
            Mistake(
                "last_maximum",
                "{name} routes a tie to the *last* maximum; the first one in row-major order "
                "wins (np.argmax returns it)",
                lambda **kw: _max_pool_b(**kw, rule="last"),
            ),
            Mistake(
                "overwritten",
                "{name}: where windows overlap (stride < size), a later window overwrote an "
                "earlier one's gradient; contributions add up (+=)",
                lambda **kw: _max_pool_b(**kw, accumulate=False),
            ),
            Mistake(
                "no_stride",
                "{name}: window (i, j) starts at (i, j); with stride S it starts at (i·S, j·S)",
                lambda **kw: _max_pool_b(**kw, origin=False),
            ),
            Mistake(
                "average",
                "{name} is average pooling's gradient (dout / size² to every pixel); max pooling "
                "routes all of dout to the winner",
                lambda dout, x, size, stride: _avg_pool_b(dout, x.shape, size, stride),
            ),
        ),
        lambda rng: _pool_inputs(rng, 3, 2, ties=True),
        terms=lambda dout, x, size, stride: {"dout": dout, "x": x},
        shape_hint="dx has the shape of x (N, C, H, W)",
    )
)

_register(
    PartBank(
        "ps3.avg_pool",
        "avg_pool_backward",
        ("dx",),
        _avg_pool_b,
        "dx[n, c, p, q] = Σ over the windows that contain (p, q) of dout / size²",
        (
            Mistake(
                "not_divided",
                "{name} passes dout back undivided: each of the size² pixels of a window gets "
                "dout / size² (the lecture: ÷4 for 2×2, ÷9 for 3×3)",
                lambda **kw: _avg_pool_b(**kw, divisor=1),
            ),
            Mistake(
                "divided_by_size",
                "{name} divides by size, not size²: a size×size window has size² pixels",
                lambda **kw: _avg_pool_b(**kw, divisor=kw["size"]),
            ),
            Mistake(
                "overwritten",
                "{name}: where windows overlap (stride < size), a later window overwrote an "
                "earlier one's share; contributions add up (+=)",
                lambda **kw: _avg_pool_b(**kw, accumulate=False),
            ),
        ),
        lambda rng: (lambda d: {"dout": d["dout"], "x_shape": d["x"].shape, "size": d["size"], "stride": d["stride"]})(
            _pool_inputs(rng, 3, 2, ties=False)
        ),
        terms=lambda dout, x_shape, size, stride: {"dout": dout},
        shape_hint="dx has the shape x_shape",
    )
)


# =============================================================================================
# ps4: Gaussian and Laplacian pyramids, blending (lecture 6, MIT 6.869)
# =============================================================================================
BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def blur(image, mode="reflect", kernel=BINOMIAL, axes=(0, 1)):
    """Separable blur with the binomial kernel; ``mode`` is np.pad's (reflect = reflect-101)."""
    out = np.asarray(image, dtype=float)
    for axis in axes:
        pad = [(0, 0), (0, 0)]
        pad[axis] = (2, 2)
        padded = np.pad(out, pad, mode=mode)
        n = out.shape[axis]
        out = sum(kernel[t] * np.take(padded, np.arange(t, t + n), axis=axis) for t in range(5))
    return out


def downsample(image, pre_blur=True, start=0, blur_after=False, blur=blur):
    image = np.asarray(image, dtype=float)
    if blur_after:
        return np.asarray(blur(image[::2, ::2]), dtype=float)
    return np.asarray(blur(image) if pre_blur else image, dtype=float)[start::2, start::2]


def upsample(image, shape, gain=4.0, offset=0, repeat=False, crop_end=False, blur=blur):
    image = np.asarray(image, dtype=float)
    h, w = image.shape
    if repeat:
        big = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)
        gain = 1.0
    else:
        big = np.zeros((2 * h, 2 * w))
        big[offset::2, offset::2] = image
        big = np.asarray(blur(big), dtype=float)
    big = gain * big
    return big[-shape[0] :, -shape[1] :] if crop_end else big[: shape[0], : shape[1]]


_down, _up = downsample, upsample


def _gaussian_pyramid(image, levels, pre_blur=True, downsample=_down):
    out = [np.asarray(image, dtype=float)]
    for _ in range(levels - 1):
        out.append(np.asarray(downsample(out[-1]) if pre_blur else _down(out[-1], pre_blur=False), dtype=float))
    return out


def laplacian_pyramid(image, levels, gain=4.0, pre_blur=True, downsample=_down, upsample=_up):
    gaussian = _gaussian_pyramid(image, levels, pre_blur, downsample)
    up = upsample if gain == 4.0 else partial(_up, gain=gain)
    bands = [fine - np.asarray(up(coarse, fine.shape), dtype=float) for fine, coarse in itertools.pairwise(gaussian)]
    return [*bands, gaussian[-1]]


def reconstruct(laplacian, gain=4.0, sign=1.0, residual=True, upsample=_up):
    up = upsample if gain == 4.0 else partial(_up, gain=gain)
    x = np.asarray(laplacian[-1], dtype=float) if residual else np.zeros(np.shape(laplacian[-1]))
    for band in reversed(laplacian[:-1]):
        x = band + sign * np.asarray(up(x, band.shape), dtype=float)
    return x


_laplacian, _reconstruct = laplacian_pyramid, reconstruct


def blend(
    a,
    b,
    mask,
    levels,
    mask_blur=True,
    swap=False,
    mask_laplacian=False,
    downsample=_down,
    laplacian_pyramid=_laplacian,
    reconstruct=_reconstruct,
):
    if mask_laplacian:
        masks = _laplacian(mask, levels)
    else:
        masks = _gaussian_pyramid(mask, levels, pre_blur=mask_blur, downsample=downsample)
    la = [np.asarray(v, dtype=float) for v in laplacian_pyramid(a, levels)]
    lb = [np.asarray(v, dtype=float) for v in laplacian_pyramid(b, levels)]
    if swap:
        la, lb = lb, la
    return np.asarray(reconstruct([g * x + (1 - g) * y for g, x, y in zip(masks, la, lb)]), dtype=float)


def upsample_matrix(n, centre=0, scale=1.0, border="zero"):
    F = np.zeros((2 * n, n))
    for j in range(n):
        for t, weight in enumerate((1.0, 4.0, 6.0, 4.0, 1.0)):
            row = 2 * j + centre + t - 2
            if border == "wrap":
                row %= 2 * n
            elif border == "reflect":
                row = -row if row < 0 else (2 * (2 * n - 1) - row if row >= 2 * n else row)
            if 0 <= row < 2 * n:
                F[row, j] += weight * scale
    return F


def _image_inputs(h, w):
    return lambda rng: {"image": rng.random((h, w))}


_register(
    PartBank(
        "ps4.blur",
        "blur",
        ("blur(image)",),
        lambda image: (blur(image),),
        "pixel (i, j) of the blur is Σ_{s,t} k[s] k[t] image[i + s − 2, j + t − 2] with k = [1 4 6 4 1]/16 and "
        "reflect-101 borders",
        (
            Mistake(
                "zero_border",
                "{name} pads with zeros, so the border darkens; the lecture's pyramid (and OpenCV) "
                "reflect the image: np.pad(..., mode='reflect')",
                lambda image: (blur(image, "constant"),),
            ),
            Mistake(
                "symmetric_border",
                "{name} pads with mode='symmetric' (the edge pixel repeated); reflect-101 "
                "mirrors around the edge pixel: mode='reflect'",
                lambda image: (blur(image, "symmetric"),),
            ),
            Mistake(
                "edge_border",
                "{name} repeats the edge pixel (mode='edge'); use reflect-101, mode='reflect'",
                lambda image: (blur(image, "edge"),),
            ),
            Mistake(
                "wrap_border",
                "{name} wraps around the image (mode='wrap'); use reflect-101, mode='reflect'",
                lambda image: (blur(image, "wrap"),),
            ),
            Mistake(
                "one_axis",
                "{name} blurs along one axis only; the 2-D binomial blur filters the rows and then the columns",
                lambda image: (blur(image, axes=(1,)),),
            ),
            Mistake(
                "other_axis",
                "{name} blurs along one axis only; the 2-D binomial blur filters the rows and then the columns",
                lambda image: (blur(image, axes=(0,)),),
            ),
            Mistake(
                "not_normalised",
                "{name} is 256 times too bright: the kernel [1 4 6 4 1] must be divided by 16 (its sum) on each axis",
                lambda image: (blur(image, kernel=BINOMIAL * 16),),
            ),
            Mistake(
                "normalised_once",
                "{name} is 16 times too bright: divide the kernel by 16 on *each* of the two axes",
                lambda image: (16 * blur(image),),
            ),
        ),
        _image_inputs(9, 7),
        terms=lambda image: {"image": image},
        shape_hint="the blur keeps the image's shape: pad by 2 on each side, then keep the valid part",
    )
)

_register(
    PartBank(
        "ps4.downsample",
        "downsample",
        ("downsample(image)",),
        lambda image, blur=blur: (downsample(image, blur=blur),),
        "G keeps pixel (2i, 2j) of the blurred image",
        (
            Mistake(
                "no_blur",
                "{name} subsamples without blurring first: frequencies the smaller grid cannot hold "
                "alias; G blurs, then keeps every second pixel",
                lambda image, blur=blur: (downsample(image, pre_blur=False),),
            ),
            Mistake(
                "odd_samples",
                "{name} keeps rows and columns 1, 3, 5, ...; G keeps 0, 2, 4, ...",
                lambda image, blur=blur: (downsample(image, start=1, blur=blur),),
            ),
            Mistake(
                "blur_after",
                "{name} blurs *after* subsampling: the aliasing has already happened; blur first",
                lambda image, blur=blur: (downsample(image, blur_after=True, blur=blur),),
            ),
        ),
        _image_inputs(9, 6),
        terms=lambda image: {"image": image},
        shape_hint="an H×W image becomes ceil(H/2)×ceil(W/2): keep rows and columns 0, 2, 4, ...",
        uses=("blur",),
    )
)


def _upsample_inputs(rng):
    return {"image": rng.random((4, 5)), "shape": (7, 10)}


_register(
    PartBank(
        "ps4.upsample",
        "upsample",
        ("upsample(image)",),
        lambda image, shape, blur=blur: (upsample(image, shape, blur=blur),),
        "F puts image[i, j] at (2i, 2j) of a 2h×2w array of zeros, blurs it, multiplies by 4 and crops to shape",
        (
            Mistake(
                "gain_1",
                "{name} is 4 times too dark: three quarters of the up-sampled pixels are the inserted "
                "zeros, so F multiplies the blur by 4 (a constant image must stay constant)",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=1.0),),
            ),
            Mistake(
                "gain_2",
                "{name} is 2 times too dark: the gain is 2 per axis, 4 in 2-D",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=2.0),),
            ),
            Mistake(
                "gain_16",
                "{name} is 4 times too bright: the gain is 2 per axis, 4 in all, not 16",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, gain=16.0),),
            ),
            Mistake(
                "odd_positions",
                "{name} puts the pixels on the odd rows and columns; they go to (2i, 2j), the even ones",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, offset=1),),
            ),
            Mistake(
                "repeat",
                "{name} repeats each pixel 2×2 (nearest neighbour); F inserts zeros and blurs",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, repeat=True),),
            ),
            Mistake(
                "crop_end",
                "{name} crops from the end; keep the first H rows and W columns",
                lambda image, shape, blur=blur: (upsample(image, shape, blur=blur, crop_end=True),),
            ),
        ),
        _upsample_inputs,
        terms=lambda image, shape: {"image": image},
        shape_hint="the result has the requested shape (H, W), cropped from the 2h×2w array",
        uses=("blur",),
    )
)


def _levels_names(levels, **_):
    return (*tuple(f"level {i} (L_{i + 1})" for i in range(levels - 1)), f"level {levels - 1} (x_{levels})")


def _lap_inputs(rng):
    return {"image": rng.random((12, 9)), "levels": 3}


def _unpack_levels(value, levels, **_):
    return _seq("the pyramid", levels, f"{levels - 1} band-pass levels and the residual x_{levels}")(value)


_unpack_levels.pack = list


def _ps4_lap(image, levels, downsample=_down, upsample=_up, sign=1.0, top="gaussian", **options):
    if top == "band":
        deeper = laplacian_pyramid(image, levels + 1, downsample=downsample, upsample=upsample, **options)
        return tuple(deeper[:levels])
    if top == "all_gaussian":
        return tuple(_gaussian_pyramid(image, levels, downsample=downsample))
    pyramid = laplacian_pyramid(image, levels, downsample=downsample, upsample=upsample, **options)
    return (*tuple(sign * band for band in pyramid[:-1]), pyramid[-1])


_register(
    PartBank(
        "ps4.laplacian_pyramid",
        "laplacian_pyramid",
        _levels_names,
        _ps4_lap,
        "L_i = x_i − F(x_{i+1}) depends on the Gaussian levels x_i and x_{i+1}; the last entry is x_levels",
        (
            Mistake(
                "gain_1",
                "{name} used an up-sampling without the gain 4: L_i = x_i − F(x_{i+1}) needs F to keep "
                "brightness (a constant image has zero band-pass levels)",
                partial(_ps4_lap, gain=1.0),
            ),
            Mistake(
                "gain_2",
                "{name} used an up-sampling with gain 2; F multiplies by 4 in 2-D",
                partial(_ps4_lap, gain=2.0),
            ),
            Mistake(
                "sign",
                "{name} is F(x_{i+1}) − x_i; the band-pass level is L_i = x_i − F(x_{i+1})",
                partial(_ps4_lap, sign=-1.0),
            ),
            Mistake(
                "no_blur",
                "{name} built the Gaussian levels without blurring (plain subsampling); x_{i+1} = G x_i blurs first",
                partial(_ps4_lap, pre_blur=False),
            ),
            Mistake(
                "gaussian",
                "{name} is the Gaussian pyramid x_1, x_2, ...; the Laplacian levels are "
                "L_i = x_i − F(x_{i+1}), with x_levels last",
                partial(_ps4_lap, top="all_gaussian"),
            ),
            Mistake(
                "band_on_top",
                "{name}: the last entry must be the Gaussian residual x_levels itself, not a band-pass level",
                partial(_ps4_lap, top="band"),
            ),
        ),
        _lap_inputs,
        terms=lambda image, levels: {"image": image},
        unpack=_unpack_levels,
        shape_hint="level i has the shape of the Gaussian level x_{i+1}: up-sample x_{i+1} to x_i's shape",
        uses=("downsample", "upsample"),
    )
)


def _recon_inputs(rng):
    return {"laplacian": [rng.standard_normal((10, 7)), rng.standard_normal((5, 4)), rng.standard_normal((3, 2))]}


_register(
    PartBank(
        "ps4.reconstruct",
        "reconstruct",
        ("reconstruct(laplacian)",),
        lambda laplacian, upsample=_up: (reconstruct(laplacian, upsample=upsample),),
        "x_i = L_i + F(x_{i+1}) from the top, starting at the residual x_levels",
        (
            Mistake(
                "subtract",
                "{name} subtracts the up-sampled level; since L_i = x_i − F(x_{i+1}), x_i = L_i + F(x_{i+1})",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, sign=-1.0, upsample=upsample),),
            ),
            Mistake(
                "no_residual",
                "{name} leaves out the residual x_levels (the last entry): start the collapse from it",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, residual=False, upsample=upsample),),
            ),
            Mistake(
                "gain_1",
                "{name} up-sampled without the gain 4: x_i = L_i + F(x_{i+1}) with the same F as the pyramid",
                lambda laplacian, upsample=_up: (reconstruct(laplacian, gain=1.0),),
            ),
        ),
        _recon_inputs,
        terms=lambda laplacian: {f"laplacian[{i}]": v for i, v in enumerate(laplacian)},
        shape_hint="collapse from the coarsest level (the last entry), up-sampling to each finer level's shape",
        uses=("upsample",),
    )
)


def _blend_inputs(rng):
    return {"a": rng.random((12, 10)), "b": rng.random((12, 10)), "mask": rng.random((12, 10)), "levels": 3}


def _ps4_blend(a, b, mask, levels, hard=False, **options):
    if hard:
        return (mask * a + (1 - mask) * b,)
    return (blend(a, b, mask, levels, **options),)


_register(
    PartBank(
        "ps4.blend",
        "blend",
        ("blend",),
        _ps4_blend,
        "L(j) = G(j) LA(j) + (1 − G(j)) LB(j) at every level j, then reconstruct",
        (
            Mistake(
                "unblurred_mask",
                "{name} used an unblurred mask pyramid (the mask only subsampled); the seam is "
                "smoothed because G(j) is the *Gaussian* pyramid of the mask: blur, then subsample",
                partial(_ps4_blend, mask_blur=False),
            ),
            Mistake(
                "swapped",
                "{name} takes b where the mask is 1; L(j) = G(j) LA(j) + (1 − G(j)) LB(j)",
                partial(_ps4_blend, swap=True),
            ),
            Mistake(
                "laplacian_mask",
                "{name} weights with the mask's *Laplacian* pyramid; the weights are its "
                "Gaussian pyramid G(j), in [0, 1]",
                partial(_ps4_blend, mask_laplacian=True),
            ),
            Mistake(
                "hard",
                "{name} is the hard blend mask·a + (1 − mask)·b; combine the pyramids level by level",
                partial(_ps4_blend, hard=True),
            ),
        ),
        _blend_inputs,
        terms=lambda a, b, mask, levels: {"a": a, "b": b, "mask": mask},
        shape_hint="the blend has the shape of a and b",
        uses=("downsample", "laplacian_pyramid", "reconstruct"),
    )
)

_register(
    PartBank(
        "ps4.upsample_matrix",
        "upsample_matrix",
        lambda n: (f"upsample_matrix({n})",),
        lambda n: (upsample_matrix(n),),
        "column j holds 1 4 6 4 1 centred on row 2j (entries past the border dropped)",
        (
            Mistake(
                "over_16",
                "{name} is divided by 16; the slide's F_3 has the integer weights 1 4 6 4 1",
                lambda n: (upsample_matrix(n, scale=1 / 16),),
            ),
            Mistake(
                "over_8",
                "{name} is divided by 8 (the 1-D gain 2 of up-sampling); the slide's F_3 has the "
                "integer weights 1 4 6 4 1",
                lambda n: (upsample_matrix(n, scale=1 / 8),),
            ),
            Mistake(
                "centre_odd",
                "{name} centres column j on row 2j + 1; the pixel x_j lands on row 2j",
                lambda n: (upsample_matrix(n, centre=1),),
            ),
            Mistake(
                "wrap",
                "{name} wraps the kernel around the border; F_3 has zero borders (entries that fall "
                "outside are dropped)",
                lambda n: (upsample_matrix(n, border="wrap"),),
            ),
            Mistake(
                "reflect",
                "{name} reflects the kernel at the border; F_3 has zero borders",
                lambda n: (upsample_matrix(n, border="reflect"),),
            ),
            Mistake(
                "transposed",
                "{name} is (n, 2n), the transpose: F maps n samples to 2n, so it has 2n rows",
                lambda n: (upsample_matrix(n).T,),
            ),
        ),
        lambda rng: {"n": int(rng.integers(5, 8))},
        terms=lambda n: {},
        shape_hint="F has shape (2n, n): 2n outputs from n inputs",
    )
)


# =============================================================================================
# ps5: the computational graph and the backward grad_table algorithm (slides 001)
# =============================================================================================
# A graph is plain data, its nodes in topological order: node i is (op, parents) or (op, parents, const),
# with parents the indices of earlier nodes; the first nodes are ("input", ()). The output is the last node.
OPS = ("add", "sub", "mul", "div", "pow", "exp", "tanh")


def op_value(op, args, const=None):
    a = args[0]
    b = args[1] if len(args) > 1 else None
    return {
        "add": lambda: a + b,
        "sub": lambda: a - b,
        "mul": lambda: a * b,
        "div": lambda: a / b,
        "pow": lambda: a**const,
        "exp": lambda: np.exp(a),
        "tanh": lambda: np.tanh(a),
    }[op]()


def op_local(op, args, value, const=None, slip=None):
    """The local derivatives ∂u/∂(each parent) of u = op(args); ``slip`` names a classic mistake."""
    a = args[0]
    b = args[1] if len(args) > 1 else None
    if op == "add":
        out = (1.0, 1.0)
    elif op == "sub":
        out = (1.0, 1.0) if slip == "sub_sign" else (1.0, -1.0)
    elif op == "mul":
        out = (a, b) if slip == "mul_same" else (b, a)
    elif op == "div":
        out = {"div_no_square": (1 / b, -a / b), "div_sign": (1 / b, a / b**2)}.get(slip, (1 / b, -a / b**2))
    elif op == "pow":
        out = {"pow_no_minus_one": (const * a**const,), "pow_no_factor": (a ** (const - 1),)}.get(
            slip, (const * a ** (const - 1),)
        )
    elif op == "exp":
        out = (a,) if slip == "exp_input" else (value,)
    elif op == "tanh":
        out = {"tanh_not_squared": (1 - value,), "tanh_of_input": (1 - a**2,)}.get(slip, (1 - value**2,))
    else:
        raise ValueError(f"op: expected one of {OPS}, got {op!r}")
    return tuple(float(v) for v in out)


def _node(node):
    op, parents = node[0], tuple(node[1])
    return op, parents, (node[2] if len(node) > 2 else None)


def graph_forward(graph, inputs, slip=None):
    values = []
    for i, node in enumerate(graph):
        op, parents, const = _node(node)
        if op == "input":
            values.append(float(inputs[i]))
            continue
        args = [values[p] for p in parents]
        if slip == "div_swapped" and op == "div":
            args = args[::-1]
        if slip == "sub_swapped" and op == "sub":
            args = args[::-1]
        if slip == "pow_times" and op == "pow":
            values.append(float(args[0] * const))
            continue
        values.append(float(op_value(op, args, const)))
    return values


def graph_local(graph, values):
    """local[i]: the tuple ∂u_i/∂u_{parents[k]} of node i (empty for inputs)."""
    local = []
    for node, value in zip(graph, values):
        op, parents, const = _node(node)
        local.append(() if op == "input" else op_local(op, [values[p] for p in parents], value, const))
    return local


def grad_table(
    parents,
    local,
    order="backward",
    combine="sum",
    seed=1.0,
    start=0.0,
    dedup=False,
    first_parent=False,
    first_consumer=False,
):
    """The slides' backward algorithm: grad_table[n] = 1, then each node sums over its consumers.

    grad_table[j] = Σ over consumers i of u_j (every edge i → j, counted once per use) of
    grad_table[i] · ∂u_i/∂u_j, for j = n−1 down to 1. The keyword arguments model classic mistakes.
    """
    n = len(parents)
    table = [start] * n
    table[n - 1] = seed
    consumers = [[] for _ in range(n)]
    for i in range(n):
        seen = set()
        for k, p in enumerate(parents[i]):
            if dedup and p in seen:
                continue
            seen.add(p)
            consumers[p].append((i, local[i][0] if first_parent else local[i][k]))
    js = range(n - 2, -1, -1) if order == "backward" else range(n - 1)
    for j in js:
        terms = [table[i] * d for i, d in consumers[j]]
        if first_consumer:
            terms = terms[:1]
        if not terms:
            table[j] = start if combine != "last" else table[j]
        elif combine == "sum":
            table[j] = start + sum(terms) if start else sum(terms)
        elif combine == "last":
            table[j] = terms[-1]
        elif combine == "product":
            table[j] = float(np.prod(terms))
    return table


def _random_graph(rng, n_inputs=3, n_ops=7):
    """A random expression graph in which every node reaches the output, some through several consumers.

    Node ``n_inputs + 1`` is ``u * u`` (two edges to one parent); nodes nobody consumes are added into the
    output, and the output multiplies by node ``n_inputs``, so no consumer's term is trivially 1.
    """
    graph = [("input", ())] * n_inputs
    for i in range(n_ops):
        size = len(graph)
        if i == 1:
            p = int(rng.integers(0, size))
            graph.append(("mul", (p, p)))
            continue
        op = OPS[int(rng.integers(0, len(OPS)))] if i > 1 else "mul"
        recent = int(rng.integers(max(0, size - 3), size))  # keep the graph deep
        other = int(rng.integers(0, size))
        if op in ("add", "sub", "mul", "div"):
            graph.append((op, (recent, other)))
        elif op == "pow":
            graph.append(("pow", (recent,), 2.0))
        else:
            graph.append((op, (recent,)))
    used = {p for node in graph for p in node[1]}
    acc = len(graph) - 1
    for j in range(len(graph) - 1):
        if j not in used:
            graph.append(("add", (acc, j)))
            acc = len(graph) - 1
    graph.append(("mul", (acc, n_inputs)))
    return graph


def _graph_values(rng, graph):
    while True:
        inputs = list(rng.uniform(0.5, 1.5, 3))
        with np.errstate(all="raise"):
            try:
                values = graph_forward(graph, inputs)
            except (FloatingPointError, ZeroDivisionError):
                continue
        if (
            all(np.isfinite(values))
            and max(abs(v) for v in values) < 1e6
            and all(abs(values[p]) > 1e-3 for node in graph if node[0] == "div" for p in node[1][1:])
        ):
            return inputs, values


def _backward_inputs_ps5(rng):
    graph = _random_graph(rng)
    _, values = _graph_values(rng, graph)
    return {"parents": [list(node[1]) for node in graph], "local": [list(t) for t in graph_local(graph, values)]}


def _bt(**options):
    return lambda parents, local: (np.array(grad_table(parents, local, **options)),)


_register(
    PartBank(
        "ps5.backward",
        "backward",
        ("grad_table",),
        _bt(),
        "grad_table[j] = Σ over the consumers i of u_j of grad_table[i] ∂u_i/∂u_j (one term per edge), with "
        "grad_table[n] = 1 for the output",
        (
            Mistake(
                "not_summed",
                "{name}: each node kept the contribution of one consumer only (the last one); "
                "u_j feeds several nodes and its gradient is the *sum* over all of them",
                _bt(combine="last"),
            ),
            Mistake(
                "first_consumer",
                "{name}: each node kept the contribution of its first consumer only; sum over every consumer of u_j",
                _bt(first_consumer=True),
            ),
            Mistake(
                "forward_order",
                "{name} was filled from the inputs towards the output: a node's entry needs "
                "all its consumers' entries first, so visit j = n−1 down to 1",
                _bt(order="forward"),
            ),
            Mistake(
                "no_seed",
                "{name} is 0 everywhere: the output's entry must be seeded with grad_table[n] = ∂u_n/∂u_n = 1",
                _bt(seed=0.0),
            ),
            Mistake(
                "every_node_seeded",
                "{name}: every node started at 1 and added its consumers' terms; only the "
                "output is seeded with 1, the others start at 0",
                _bt(start=1.0),
            ),
            Mistake(
                "edge_counted_once",
                "{name}: a consumer that uses u_j twice (u_j · u_j) was counted once; "
                "sum over the *edges*, one term per use",
                _bt(dedup=True),
            ),
            Mistake(
                "product",
                "{name} multiplies the consumers' terms; paths through different consumers *add* "
                "(the multivariable chain rule)",
                _bt(combine="product"),
            ),
            Mistake(
                "wrong_parent_index",
                "{name} uses each consumer's derivative with respect to its *first* "
                "parent; ∂u_i/∂u_j is local[i][k] for the k with parents[i][k] = j",
                _bt(first_parent=True),
            ),
        ),
        _backward_inputs_ps5,
        terms=lambda parents, local: {},
        shape_hint="grad_table has one entry per node, len(parents)",
    )
)


def _local_cases(rng):
    cases = []
    for op in OPS:
        a, b = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.5, 2.0))
        const = float(rng.integers(2, 5)) if op == "pow" else None
        args = [a] if op in ("pow", "exp", "tanh") else [a, b]
        cases.append((op, args, float(op_value(op, args, const)), const))
    return {"cases": cases}


def _locals(cases, slip=None):
    return tuple(np.array(op_local(op, args, value, const, slip=slip)) for op, args, value, const in cases)


_LOCAL_NAMES = tuple(f"local_gradients('{op}')" for op in OPS)
_register(
    PartBank(
        "ps5.local_gradients",
        "local_gradients",
        _LOCAL_NAMES,
        _locals,
        "the local derivative ∂u/∂(parent k) of one node depends only on that node's op, its parents' values and "
        "its own value",
        (
            Mistake(
                "mul_same",
                "{name} gives ∂(ab)/∂a = a: the derivative of a product with respect to one factor "
                "is the *other* factor, (b, a)",
                lambda cases: _locals(cases, "mul_same"),
            ),
            Mistake(
                "div_no_square",
                "{name} gives ∂(a/b)/∂b = −a/b: it is −a/b²",
                lambda cases: _locals(cases, "div_no_square"),
            ),
            Mistake(
                "div_sign",
                "{name} gives ∂(a/b)/∂b = +a/b²: it is −a/b² (a/b falls as b grows)",
                lambda cases: _locals(cases, "div_sign"),
            ),
            Mistake("sub_sign", "{name} gives ∂(a − b)/∂b = +1: it is −1", lambda cases: _locals(cases, "sub_sign")),
            Mistake(
                "pow_no_minus_one",
                "{name} gives n·a^n: the power rule lowers the exponent, n·a^(n−1)",
                lambda cases: _locals(cases, "pow_no_minus_one"),
            ),
            Mistake(
                "pow_no_factor",
                "{name} gives a^(n−1): the power rule keeps the factor n, n·a^(n−1)",
                lambda cases: _locals(cases, "pow_no_factor"),
            ),
            Mistake(
                "exp_input",
                "{name} gives the input a; the derivative of e^a is e^a itself (the node's value)",
                lambda cases: _locals(cases, "exp_input"),
            ),
            Mistake(
                "tanh_not_squared",
                "{name} gives 1 − tanh(a): the derivative is 1 − tanh(a)², the value squared",
                lambda cases: _locals(cases, "tanh_not_squared"),
            ),
            Mistake(
                "tanh_of_input",
                "{name} gives 1 − a²: the derivative is 1 − tanh(a)², from the node's *value* "
                "u = tanh(a), not its input",
                lambda cases: _locals(cases, "tanh_of_input"),
            ),
        ),
        _local_cases,
        terms=lambda cases: {},
        unpack=_tuple_of("local_gradients, one call per op", _LOCAL_NAMES),
    )
)


def _forward_cases(rng):
    graph = _random_graph(rng)
    inputs, _ = _graph_values(rng, graph)
    # make sure every op with a classic forward slip appears
    graph = [
        *graph[:-1],
        ("div", (len(graph) - 2, 0)),
        ("sub", (len(graph) - 1, 1)),
        ("pow", (len(graph),), 3.0),
        ("add", (len(graph) + 1, 2)),
    ]
    return {"graph": graph, "inputs": inputs}


def _fw(slip=None):
    return lambda graph, inputs: (np.array(graph_forward(graph, inputs, slip=slip)),)


_register(
    PartBank(
        "ps5.forward",
        "forward",
        ("values",),
        _fw(),
        "values[i] = op_i(values of its parents), visiting the nodes in order",
        (
            Mistake(
                "div_swapped",
                "{name}: a ('div', (p, q)) node computes u_p / u_q; yours divided the other way",
                _fw("div_swapped"),
            ),
            Mistake(
                "sub_swapped",
                "{name}: a ('sub', (p, q)) node computes u_p − u_q; yours subtracted the other way",
                _fw("sub_swapped"),
            ),
            Mistake("pow_times", "{name}: a ('pow', (p,), n) node computes u_p ** n, not u_p · n", _fw("pow_times")),
        ),
        _forward_cases,
        terms=lambda graph, inputs: {},
    )
)


def value_graph(graph, inputs):
    """The same graph built from the course's ``Value`` nodes (course_utils.graph): the independent check."""
    from course_utils.graph import Value

    nodes = []
    for i, node in enumerate(graph):
        op, parents, const = _node(node)
        if op == "input":
            nodes.append(Value(float(inputs[i])))
            continue
        a, b = nodes[parents[0]], (nodes[parents[1]] if len(parents) > 1 else None)
        if op == "add":
            nodes.append(a + b)
        elif op == "sub":
            nodes.append(a - b)
        elif op == "mul":
            nodes.append(a * b)
        elif op == "div":
            nodes.append(a / b)
        elif op == "pow":
            nodes.append(a**const)
        else:  # exp, tanh
            nodes.append(getattr(a, op)())
    return nodes


def _gradient_inputs(rng):
    graph = _random_graph(rng)
    inputs, _ = _graph_values(rng, graph)
    return {"graph": [[*list(node[:1]), list(node[1]), *list(node[2:])] for node in graph], "inputs": inputs}


def _value_gradient(graph, inputs, local_gradients=None, forward=None, backward=None, table=False):
    """∂(output)/∂(each input) by the course's Value (an independent check), or from the student's parts."""
    n_inputs = sum(1 for node in graph if node[0] == "input")
    if local_gradients and forward and backward:
        values = [float(v) for v in forward(graph, inputs)]
        local = [
            ()
            if node[0] == "input"
            else tuple(local_gradients(node[0], [values[p] for p in node[1]], values[i], *(node[2:] or [None])))
            for i, node in enumerate(graph)
        ]
        grads = [float(g) for g in backward([list(node[1]) for node in graph], [list(t) for t in local])]
    else:
        nodes = value_graph(graph, inputs)
        nodes[-1].backward()
        grads = [node.grad for node in nodes]
    return (np.array(grads if table else grads[:n_inputs]),)


_register(
    PartBank(
        "ps5.gradient",
        "gradient",
        ("gradient",),
        _value_gradient,
        "entry j is ∂(output)/∂(input j): forward values, each node's local gradients, then grad_table from the "
        "output back",
        (
            Mistake(
                "whole_table",
                "{name} holds grad_table of every node; return the entries of the inputs only, "
                "the first len(inputs) nodes",
                partial(_value_gradient, table=True),
            ),
            Mistake(
                "values",
                "{name} holds the inputs' values; the gradient is grad_table of the input nodes",
                lambda graph, inputs, **_: (np.array(inputs, dtype=float),),
            ),
        ),
        _gradient_inputs,
        terms=lambda graph, inputs: {"inputs": inputs},
        shape_hint="one derivative per input node",
        uses=("local_gradients", "forward", "backward"),
    )
)
