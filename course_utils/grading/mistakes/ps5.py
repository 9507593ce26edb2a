"""The bank of ps5: the computational graph and the backward grad_table algorithm (slides 001)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np

from ._core import Mistake, PartBank, register, tuple_of

# A graph is plain data, its nodes in topological order: node i is (op, parents) or (op, parents, const),
# with parents the indices of earlier nodes; the first nodes are ("input", ()). The output is the last node.
OPS = ("add", "sub", "mul", "div", "pow", "exp", "tanh")


def op_value(op: str, args: Sequence[float], const: float | None = None) -> float:
    """The value of one operation node.

    Parameters
    ----------
    op : str
        One of ``OPS``.
    args : sequence of float
        The parents' values (one or two).
    const : float, optional
        The exponent of ``"pow"``.

    Returns
    -------
    float
    """
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


def op_local(
    op: str, args: Sequence[float], value: float, const: float | None = None, slip: str | None = None
) -> tuple[float, ...]:
    """The local derivatives ``∂u/∂(each parent)`` of ``u = op(args)``, or a classic mistake's.

    Parameters
    ----------
    op : str
        One of ``OPS``.
    args : sequence of float
        The parents' values (one or two).
    value : float
        ``u`` itself (``exp`` and ``tanh`` reuse it).
    const : float, optional
        The exponent of ``"pow"``.
    slip : str, optional
        The mistake: ``"sub_sign"``, ``"mul_same"``, ``"div_no_square"``, ``"div_sign"``,
        ``"pow_no_minus_one"``, ``"pow_no_factor"``, ``"exp_input"``, ``"tanh_not_squared"`` or
        ``"tanh_of_input"``; None: right.

    Returns
    -------
    tuple of float
        One derivative per parent.
    """
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


def graph_forward(graph: Sequence[tuple], inputs: Sequence[float], slip: str | None = None) -> list[float]:
    """The forward pass: every node's value, in order, or a classic mistake's.

    Parameters
    ----------
    graph : sequence of tuple
        The nodes in topological order, ``(op, parents)`` or ``(op, parents, const)`` (see the module).
    inputs : sequence of float
        ``inputs[i]`` is the value of input node ``i``.
    slip : str, optional
        The mistake: ``"div_swapped"``, ``"sub_swapped"`` or ``"pow_times"``; None: right.

    Returns
    -------
    list of float
        The value of each node.
    """
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


def graph_local(graph: Sequence[tuple], values: Sequence[float]) -> list[tuple[float, ...]]:
    """Every node's local derivatives.

    Parameters
    ----------
    graph : sequence of tuple
        The nodes (see the module).
    values : sequence of float
        Their values (:func:`graph_forward`).

    Returns
    -------
    list of tuple of float
        ``local[i]``: the tuple ``∂u_i/∂u_{parents[k]}`` of node ``i`` (empty for inputs).
    """
    local = []
    for node, value in zip(graph, values):
        op, parents, const = _node(node)
        local.append(() if op == "input" else op_local(op, [values[p] for p in parents], value, const))
    return local


def grad_table(
    parents: Sequence[Sequence[int]],
    local: Sequence[Sequence[float]],
    order: str = "backward",
    combine: str = "sum",
    seed: float = 1.0,
    start: float = 0.0,
    dedup: bool = False,
    first_parent: bool = False,
    first_consumer: bool = False,
) -> list[float]:
    """The slides' backward algorithm: grad_table[n] = 1, then each node sums over its consumers.

    grad_table[j] = Σ over consumers i of u_j (every edge i → j, counted once per use) of
    grad_table[i] · ∂u_i/∂u_j, for j = n−1 down to 1. The keyword arguments model classic mistakes.

    Parameters
    ----------
    parents : sequence of sequences of int
        ``parents[i]``: the parents of node ``i`` (a parent used twice appears twice).
    local : sequence of sequences of float
        ``local[i][k]``: ``∂u_i/∂u_{parents[i][k]}``.
    order : str, default "backward"
        Any other value: nodes visited from the first up (before their consumers are done).
    combine : {"sum", "last", "product"}, default "sum"
        How the terms of the consumers combine (only ``"sum"`` is right).
    seed : float, default 1.0
        ``grad_table[n]``.
    start : float, default 0.0
        The value a sum starts from.
    dedup : bool, default False
        True: a parent used twice by one node counted once.
    first_parent : bool, default False
        True: every edge given the local derivative of the node's first parent.
    first_consumer : bool, default False
        True: only the first consumer's term kept.

    Returns
    -------
    list of float
        ``grad_table[j]`` for every node, the output's last.
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


def random_graph(rng: np.random.Generator, n_inputs: int = 3, n_ops: int = 7) -> list[tuple]:
    """A random expression graph in which every node reaches the output, some through several consumers.

    Node ``n_inputs + 1`` is ``u * u`` (two edges to one parent); nodes nobody consumes are added into the
    output, and the output multiplies by node ``n_inputs``, so no consumer's term is trivially 1.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random source.
    n_inputs : int, default 3
        Input nodes.
    n_ops : int, default 7
        Operation nodes drawn (more are added to reach the output).

    Returns
    -------
    list of tuple
        The nodes in topological order (see the module); the last is the output.
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


def graph_inputs(
    rng: np.random.Generator, graph: Sequence[tuple], tries: int = 50
) -> tuple[list[float], list[float]] | None:
    """Three inputs in [0.5, 1.5] on which ``graph`` stays finite, moderate and away from division by ~0.

    Some random graphs can never qualify (``u / (u - u)``): the caller then draws another graph.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random source.
    graph : sequence of tuple
        A graph with three inputs (see the module).
    tries : int, default 50
        Draws before giving up.

    Returns
    -------
    (inputs, values) or None
        The inputs and every node's value (:func:`graph_forward`); None if no draw qualified.
    """
    for _ in range(tries):
        inputs = list(rng.uniform(0.5, 1.5, 3))
        with np.errstate(all="raise"):
            try:
                values = graph_forward(graph, inputs)
            except (FloatingPointError, ZeroDivisionError, OverflowError):
                continue
        if (
            all(np.isfinite(values))
            and max(abs(v) for v in values) < 1e6
            and all(abs(values[p]) > 1e-3 for node in graph if node[0] == "div" for p in node[1][1:])
        ):
            return inputs, values
    return None


def graph_and_inputs(rng: np.random.Generator) -> tuple[list[tuple], list[float], list[float]]:
    """A random graph and inputs it is well behaved on.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random source.

    Returns
    -------
    graph : list of tuple
        From :func:`random_graph`.
    inputs : list of float
        From :func:`graph_inputs`.
    values : list of float
        Every node's value on them.
    """
    while True:  # terminates: most graphs qualify at once (a graph that cannot is redrawn)
        graph = random_graph(rng)
        found = graph_inputs(rng, graph)
        if found is not None:
            return graph, *found


def _backward_inputs_ps5(rng):
    graph, _, values = graph_and_inputs(rng)
    return {"parents": [list(node[1]) for node in graph], "local": [list(t) for t in graph_local(graph, values)]}


def _bt(**options):
    return lambda parents, local: (np.array(grad_table(parents, local, **options)),)


register(
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
register(
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
        unpack=tuple_of("local_gradients, one call per op", _LOCAL_NAMES),
    )
)


def _forward_cases(rng):
    graph, inputs, _ = graph_and_inputs(rng)
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


register(
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


def value_graph(graph: Sequence[tuple], inputs: Sequence[float]) -> list:
    """The same graph built from the course's ``Value`` nodes (course_utils.graph): the independent check.

    Parameters
    ----------
    graph : sequence of tuple
        The nodes (see the module).
    inputs : sequence of float
        The input nodes' values.

    Returns
    -------
    list of course_utils.graph.Value
        One node per graph node; call ``backward()`` on the last.
    """
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
    graph, inputs, _ = graph_and_inputs(rng)
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


register(
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
