"""Helpers that build the nbgrader source notebooks (used by build_problem_sets.py).

Cells carry nbgrader metadata (schema 3):

* locked markdown / code ("read-only"): ``grade: false, solution: false, locked: true``;
* answer cell: ``grade: false, solution: true, locked: false``;
* test cell: ``grade: true, solution: false, locked: true, points: N``;
* written answer: markdown ``grade: true, solution: true, points: N``.

Every hidden test is wrapped by :func:`hidden` into a function whose first lines
are :data:`TRUSTED_KIT`: the verdict uses only Python operators on genuine
floats, and types taken from literals (``(0.0).__class__``), never a name the
student's code could have rebound (``np.allclose``, ``abs``, ``isinstance``...).
"""
from __future__ import annotations

import textwrap

import nbformat

_counter = {"n": 0}


def _meta(**kw):
    base = {"schema_version": 3, "grade": False, "solution": False, "locked": False, "task": False}
    base.update(kw)
    return {"nbgrader": base}


def _id(prefix):
    _counter["n"] += 1
    return f"{prefix}-{_counter['n']:02d}"


def reset():
    _counter["n"] = 0


def md(text, grade_id=None):
    """Locked markdown (instructions)."""
    cell = nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())
    cell.metadata = _meta(locked=True, grade_id=grade_id or _id("text"))
    return cell


def setup(src, grade_id="setup"):
    """Locked, ungraded code cell (imports, data). Restored by autograde if edited."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    cell.metadata = _meta(locked=True, grade_id=grade_id)
    return cell


def answer(src, grade_id):
    """Answer cell: the part between ### BEGIN/END SOLUTION is replaced by a stub on release."""
    cell = nbformat.v4.new_code_cell(textwrap.dedent(src).strip())
    cell.metadata = _meta(solution=True, grade_id=grade_id)
    return cell


def scratch(src=""):
    """An unmarked cell for the student's own experiments."""
    return nbformat.v4.new_code_cell(textwrap.dedent(src).strip())


def tests(visible, grade_id, points, hidden_body=None, kit_extra=""):
    """Test cell: visible checks (helpful messages) then the hidden tests (the verdict)."""
    src = textwrap.dedent(visible).strip()
    if hidden_body is not None:
        src += "\n\n" + hidden(hidden_body, kit_extra)
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata = _meta(grade=True, locked=True, points=points, grade_id=grade_id)
    return cell


def written(solution_text, grade_id, points):
    """Written answer graded by hand: the model answer is removed on release."""
    text = "### BEGIN SOLUTION\n" + textwrap.dedent(solution_text).strip() + "\n### END SOLUTION"
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata = _meta(grade=True, solution=True, points=points, grade_id=grade_id)
    return cell


# The trusted kit. Read it as the contract of every hidden test:
# - _num(name, value) turns a genuine Python number, a genuine numpy array/scalar, or a genuine
#   list/tuple of those into (shape, tuple of Python floats); anything else (an ndarray subclass,
#   an object with a forged __eq__/__sub__/tolist, an object array) fails.
# - _cmp(name, _num(...), want_shape, want) compares with operators only. Hidden tests convert
#   the student's outputs with _num right after the call, BEFORE computing the reference, so no
#   student code runs while a reference exists (nothing to find by frame introspection).
# - _rand(seed, n) is a 64-bit LCG in integer arithmetic: inputs nobody can fix by patching
#   np.random.
TRUSTED_KIT = r'''
_type = (0).__class__.__class__
_float, _int, _bool = (0.0).__class__, (0).__class__, (True).__class__
_list, _tuple = [].__class__, ().__class__
_E = 2.718281828459045

def _fail(msg):
    raise AssertionError("hidden test: " + msg)

def _flatten(name, v, out):
    t = _type(v)
    if t is _float or t is _int or t is _bool:
        out.append(_float(v))
    elif t is _list or t is _tuple:
        for e in v:
            _flatten(name, e, out)
    else:
        _fail(name + " holds something that is not a number")

def _num(name, value):
    t = _type(value)
    if t is _float or t is _int or t is _bool:
        return (), _tuple([_float(value)])
    if t is _list or t is _tuple:
        out = []
        _flatten(name, value, out)
        return None, _tuple(out)
    if (_type(t) is _type and not (t.__flags__ & 512) and t.__module__ == "numpy"
            and (t.__name__ == "ndarray" or t.__name__.startswith("float") or t.__name__.startswith("int"))):
        shape = value.shape
        out = []
        _flatten(name, t.tolist(value), out)
        return shape, _tuple(out)
    _fail(name + " should be a numpy array (or a number), not a " + str(t.__name__))

def _cmp(name, num, want_shape, want, rtol=1e-6, atol=1e-9):
    shape, vals = num
    if shape is not None and shape != want_shape:
        _fail(name + " has shape " + str(shape) + ", expected " + str(want_shape))
    n = _tuple.__len__(vals)
    if n != _tuple.__len__(want):
        _fail(name + " has the wrong number of entries")
    i = 0
    while i < n:
        d = vals[i] - want[i]
        if d < 0:
            d = -d
        w = want[i] if want[i] >= 0 else -want[i]
        if not (d <= atol + rtol * w):
            _fail(name + " differs from the reference on hidden inputs")
        i += 1

def _rand(seed, n, lo=-1.0, hi=1.0):
    out = []
    s = seed
    i = 0
    while i < n:
        s = (s * 6364136223846793005 + 1442695040888963407) % 18446744073709551616
        out.append(lo + (hi - lo) * ((s >> 11) / 9007199254740992.0))
        i += 1
    return _tuple(out)

def _matrix(flat, rows, cols):
    out = []
    r = 0
    while r < rows:
        out.append(_tuple(flat[r * cols:(r + 1) * cols]))
        r += 1
    return _tuple(out)

def _flat(m):
    out = []
    _flatten("", m, out)
    return _tuple(out)

def _sigmoid(z):
    return 1.0 / (1.0 + _E ** (-z))
'''


def hidden(body, kit_extra=""):
    """Wrap a hidden test body into ``_hidden_test()`` with the trusted kit, between the markers."""
    extra = ("\n\n" + textwrap.dedent(kit_extra).strip()) if kit_extra else ""
    code = TRUSTED_KIT.strip() + extra + "\n\n" + textwrap.dedent(body).strip()
    return ("### BEGIN HIDDEN TESTS\n"
            "def _hidden_test():\n"
            + textwrap.indent(code, "    ")
            + "\n\n_hidden_test()\n"
            "### END HIDDEN TESTS")


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:03d}"
    return nb


# Extra trusted helpers for images (nested tuples of rows), operators only.
KIT_IMAGES = r"""
def _shape2(m):
    return (_tuple.__len__(m), _tuple.__len__(m[0]))

def _zeros(h, w):
    out = []
    i = 0
    while i < h:
        out.append([0.0] * w)
        i += 1
    return out

def _freeze(rows):
    return _tuple([_tuple(r) for r in rows])

def _corr_valid(x, k):
    H, W = _shape2(x)
    KH, KW = _shape2(k)
    out = _zeros(H - KH + 1, W - KW + 1)
    i = 0
    while i <= H - KH:
        j = 0
        while j <= W - KW:
            s = 0.0
            a = 0
            while a < KH:
                b = 0
                while b < KW:
                    s += x[i + a][j + b] * k[a][b]
                    b += 1
                a += 1
            out[i][j] = s
            j += 1
        i += 1
    return _freeze(out)

def _scatter(dy, w, H, W):
    # dX[i + a][j + b] += dY[i][j] w[a][b]: each output sends its gradient back to its window
    out = _zeros(H, W)
    OH, OW = _shape2(dy)
    KH, KW = _shape2(w)
    i = 0
    while i < OH:
        j = 0
        while j < OW:
            a = 0
            while a < KH:
                b = 0
                while b < KW:
                    out[i + a][j + b] += dy[i][j] * w[a][b]
                    b += 1
                a += 1
            j += 1
        i += 1
    return _freeze(out)

def _image(seed, h, w, lo=-1.0, hi=1.0):
    return _matrix(_rand(seed, h * w, lo, hi), h, w)
"""


# Trusted pyramid helpers (grey images as tuples of rows), operators only.
KIT_PYRAMIDS = r"""
_K = (0.0625, 0.25, 0.375, 0.25, 0.0625)

def _refl(p, n):
    if p < 0:
        p = -p
    if p >= n:
        p = 2 * (n - 1) - p
    return p

def _blur1(v):
    n = _tuple.__len__(v)
    out = []
    i = 0
    while i < n:
        s = 0.0
        t = 0
        while t < 5:
            s += _K[t] * v[_refl(i + t - 2, n)]
            t += 1
        out.append(s)
        i += 1
    return _tuple(out)

def _transpose(m):
    h, w = _tuple.__len__(m), _tuple.__len__(m[0])
    return _tuple([_tuple([m[i][j] for i in _tuple(_rows(h))]) for j in _tuple(_rows(w))])

def _rows(n):
    out = []
    i = 0
    while i < n:
        out.append(i)
        i += 1
    return out

def _blur2(m):
    rows = _tuple([_blur1(r) for r in m])
    return _transpose(_tuple([_blur1(c) for c in _transpose(rows)]))

def _down(m):
    b = _blur2(m)
    return _tuple([_tuple([b[i][j] for j in _rows(_tuple.__len__(b[0])) if j % 2 == 0])
                   for i in _rows(_tuple.__len__(b)) if i % 2 == 0])

def _up(m, H, W):
    h, w = _tuple.__len__(m), _tuple.__len__(m[0])
    z = []
    for i in _rows(2 * h):
        z.append(_tuple([(m[i // 2][j // 2] if (i % 2 == 0 and j % 2 == 0) else 0.0) for j in _rows(2 * w)]))
    b = _blur2(_tuple(z))
    return _tuple([_tuple([4.0 * b[i][j] for j in _rows(W)]) for i in _rows(H)])

def _sub(a, b):
    return _tuple([_tuple([a[i][j] - b[i][j] for j in _rows(_tuple.__len__(a[0]))]) for i in _rows(_tuple.__len__(a))])

def _add(a, b):
    return _tuple([_tuple([a[i][j] + b[i][j] for j in _rows(_tuple.__len__(a[0]))]) for i in _rows(_tuple.__len__(a))])

def _lap(img, levels):
    g = [img]
    while _list.__len__(g) < levels:
        g.append(_down(g[-1]))
    out = []
    for i in _rows(levels - 1):
        out.append(_sub(g[i], _up(g[i + 1], _tuple.__len__(g[i]), _tuple.__len__(g[i][0]))))
    out.append(g[-1])
    return out, g

def _collapse(lap):
    x = lap[-1]
    i = _list.__len__(lap) - 2
    while i >= 0:
        x = _add(lap[i], _up(x, _tuple.__len__(lap[i]), _tuple.__len__(lap[i][0])))
        i -= 1
    return x
"""
