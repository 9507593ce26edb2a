import math

import numpy as np
import pytest

from course_utils.gradcheck import numerical_gradient
from course_utils.graph import Value, draw_graph, topological_order

UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: 1 / (1 + math.exp(-t))),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "relu": (lambda v: v.relu(), lambda t: max(t, 0.0)),
    "neg": (lambda v: -v, lambda t: -t),
    "pow3": (lambda v: v**3, lambda t: t**3),
    "pow-0.5": (lambda v: v**-0.5, lambda t: t**-0.5),
}


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x", [0.3, 1.7])
def test_unary_local_derivatives_match_numerical(name, x):
    build, plain = UNARY[name]
    node = Value(x)
    build(node).backward()
    numeric = numerical_gradient(lambda v: plain(float(v[0])), np.array([x]))[0]
    assert node.grad == pytest.approx(numeric, rel=1e-7, abs=1e-10)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "radd": lambda a, b: 2.0 + a * b,
    "rsub": lambda a, b: 2.0 - a / b,
    "rdiv": lambda a, b: 2.0 / (a * b),
}


@pytest.mark.parametrize("name", BINARY)
def test_binary_operations_match_numerical(name):
    op = BINARY[name]
    a, b = Value(1.3), Value(-0.7)
    op(a, b).backward()
    numeric = numerical_gradient(lambda v: op(float(v[0]), float(v[1])), np.array([1.3, -0.7]))
    assert [a.grad, b.grad] == pytest.approx(numeric.tolist(), rel=1e-7)


def test_reuse_sums_over_consumers_and_backward_twice_is_idempotent():
    x = Value(0.5)
    y = x * x  # x used twice by one node
    z = y.sigmoid() + y.tanh() * x  # y used by two nodes, x by three
    z.backward()
    first = x.grad

    def f(t):
        return 1 / (1 + math.exp(-t * t)) + math.tanh(t * t) * t

    assert first == pytest.approx((f(0.5 + 1e-6) - f(0.5 - 1e-6)) / 2e-6, rel=1e-7)
    z.backward()
    assert x.grad == first  # no silent accumulation


def test_grad_table_is_returned_and_output_grad_is_one():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    table = c.backward()
    assert table[c] == 1.0 and table[a] == 3.0 and table[b] == 2.0


def test_deep_chain_does_not_hit_recursion_limit():
    x = Value(0.1)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_topological_order_puts_parents_first():
    a, b = Value(1.0), Value(2.0)
    out = (a * b + a).exp() * b
    order = topological_order(out)
    position = {id(n): k for k, n in enumerate(order)}
    assert order[-1] is out
    for node in order:
        for p in node.parents:
            assert position[id(p)] < position[id(node)]


def test_bad_input():
    with pytest.raises(TypeError, match="data: expected a real number, got str"):
        Value("3")
    with pytest.raises(ValueError, match="data: expected a finite number, got nan"):
        Value(float("nan"))
    with pytest.raises(ValueError, match=r"log: expected a positive value, got -1\.0"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="exponent: expected a number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match=r"exp: the result for input 1000\.0 exceeds the float range"):
        Value(1000.0).exp()
    with pytest.raises(ValueError, match=r"data: expected a finite number, got inf \(from operation '\*'\)"):
        Value(1e200) * Value(1e200)


def test_draw_graph_shows_values_and_gradients():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = a * b
    out.label = "out"
    out.backward()
    _, ax = draw_graph(out, highlight=[a])
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # skip the arrows (empty annotations)
    assert any("a" in t and "value 2" in t and "grad -3" in t for t in texts)
    assert any("out (*)" in t and "value -6" in t and "grad 1" in t for t in texts)
    assert len(ax.patches) == 3
    assert ax.patches[[t.startswith("a") for t in texts].index(True)].get_facecolor()[:3] == pytest.approx(
        (1.0, 0xD8 / 255, 0xA8 / 255)
    )
