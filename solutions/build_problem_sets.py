"""Build the nbgrader source notebooks solutions/<ps>/<ps>.ipynb (instructor tool).

    .venv/bin/python solutions/build_problem_sets.py [ps1 ps2 ...]

The notebooks are the source of truth for nbgrader; this script is how they were
written, and rebuilding overwrites hand edits. After a rebuild, regenerate the
student versions: ``nbgrader generate_assignment <ps> --force`` (see README.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat

sys.dont_write_bytecode = True  # no __pycache__ in solutions/ (nbgrader would list it as an assignment)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _nbbuild import answer, md, notebook, reset, scratch, setup, tests, visible_setup, written  # noqa: E402

HERE = Path(__file__).resolve().parent

SETUP_COMMON = """
# Run this cell first (it is locked: the autograder restores it if edited, and runs it before your answers).
import numpy as np
"""

VISIBLE_COMMON = """
# The visible tests' helpers and references. This cell runs in your kernel only: the autograder
# does not run it (nor the test cells); it checks your functions on inputs of its own.
from course_utils.grading import expect_close, expect_shape
from course_utils.grading.local import check
"""


def header(title, points_auto, points_manual, intro):
    import textwrap
    return md(f"# {title}\n\n"
              f"**Points: {points_auto + points_manual}** ({points_auto} autograded, "
              f"{points_manual} for written answers graded by hand).\n\n"
              + textwrap.dedent(intro).strip() + "\n\n" + HOW_IT_WORKS)


HOW_IT_WORKS = """**How this works.** Fill in every cell that says `YOUR CODE HERE` (delete the
`raise NotImplementedError()` line) and every *YOUR ANSWER HERE* cell. The test
cell after each answer runs *visible* checks with messages meant to help, and the
grader's own check on practice inputs. When grading, only the locked set-up cells and
your answer cells run, in a sandbox, and the grader calls your functions on fresh inputs
of its own: make your code right in general, not just for the visible cases. Code outside
the answer cells is not graded, and `course_utils`' reference implementations, SciPy and
OpenCV are not available there (numpy and matplotlib are). Do not edit or delete test
cells: they are restored from the instructor's copy before grading. Before you submit:
*Kernel → Restart & Run All* and check that no cell fails."""


# =============================================================================================
# ps1: the delta rule
# =============================================================================================
def ps1():
    reset("ps1")
    cells = [
        header("Problem set 1: the delta rule", 12, 4, r"""
        You will implement backpropagation for the lecture's 2-4-3-2 sigmoid network
        (lecture 14), one example at a time, in the lecture's notation: layers
        $l = 1, \dots, L$ with $L = 4$ and sizes $S = (2, 4, 3, 2)$; $W^l$ has shape
        $(S_{l+1}, S_l)$ and $W^l_{ij}$ takes unit $j$ of layer $l$ to unit $i$ of layer
        $l+1$; $z$ before and $a$ after the activation $f = \sigma$; cost
        $L = \tfrac12 \sum_i (\hat y_i - y_i)^2$.

        $$z^{l+1} = W^l a^l + b^l, \quad a^{l+1} = f(z^{l+1}), \qquad
        \delta^L_i = (\hat y_i - y_i) f'(z^L_i), \qquad
        \delta^l_i = \Big(\sum_{j=1}^{S_{l+1}} \delta^{l+1}_j w^l_{ji}\Big) f'(z^l_i), \qquad
        \frac{\partial L}{\partial W^l_{ij}} = \delta^{l+1}_i a^l_j, \quad
        \frac{\partial L}{\partial b^l_i} = \delta^{l+1}_i .$$

        **Python indexing.** Lists are 0-based: `weights[k]` is $W^{k+1}$, `biases[k]` is
        $b^{k+1}$, `activations[k]` is $a^{k+1}$ (so `activations[0]` is the input $x$),
        and `zs[k]` is $z^{k+2}$, the pre-activation that produces `activations[k+1]`.
        Vectors are 1-D numpy arrays (one example).
        """),
        setup(SETUP_COMMON),
        visible_setup(VISIBLE_COMMON + """
from course_utils.mlp import MLP

SIZES = [2, 4, 3, 2]
_net = MLP(SIZES, activation="sigmoid", output_activation="sigmoid", seed=1)
_rng = np.random.default_rng(14)
WEIGHTS = [W + 0.3 * _rng.standard_normal(W.shape) for W in _net.weights]  # W^1, W^2, W^3
BIASES = [0.5 * _rng.standard_normal(b.shape) for b in _net.biases]         # b^1, b^2, b^3
X = np.array([0.5, -1.0])   # one example
Y = np.array([1.0, 0.0])    # its target
_net.weights, _net.biases = WEIGHTS, BIASES
_zs_ref, _acts_ref = _net.forward_layers(X[None, :])           # reference values (course_utils)
_loss, _grads = _net.loss_and_gradients(X[None, :], Y[None, :])
"""),
        md(r"""
        ## Part 1 (1 point): the sigmoid and its derivative

        $\sigma(z) = 1/(1 + e^{-z})$ and $\sigma'(z) = \sigma(z)(1 - \sigma(z))$, elementwise.
        """),
        answer('''
def sigmoid(z):
    """Elementwise logistic sigmoid 1 / (1 + exp(-z)) of an array z (any shape)."""
    ### BEGIN SOLUTION
    return 1.0 / (1.0 + np.exp(-z))
    ### END SOLUTION


def sigmoid_prime(z):
    """Elementwise derivative sigma'(z) = sigma(z) (1 - sigma(z)) of an array z (any shape)."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION
''', "sigmoid"),
        tests('''
z = np.array([-2.0, 0.0, 3.0])
expect_close("sigmoid(z)", sigmoid(z), 1 / (1 + np.exp(-z)))
expect_close("sigmoid_prime(0)", sigmoid_prime(np.array(0.0)), 0.25,
             hint="sigma'(0) = sigma(0) (1 - sigma(0)) = 1/2 * 1/2")
''', "test_sigmoid", 1),
        md(r"""
        ## Part 2 (2 points): the forward pass, storing every $z$ and $a$

        Backpropagation needs every $z^l$ (for $f'(z^l)$) and every $a^l$ (for
        $\partial L / \partial W^l_{ij} = \delta^{l+1}_i a^l_j$), so the forward pass keeps them.
        """),
        answer('''
def forward(weights, biases, x):
    """Forward pass of a sigmoid network for one example, keeping every z and a.

    weights[k] is W^{k+1}, shape (S_{k+2}, S_{k+1}); biases[k] is b^{k+1}, shape (S_{k+2},);
    x has shape (S_1,).
    Returns (zs, activations), two lists: activations[0] = x = a^1 and
    activations[k + 1] = sigmoid(zs[k]) with zs[k] = z^{k+2} = W^{k+1} a^{k+1} + b^{k+1}.
    """
    ### BEGIN SOLUTION
    zs, activations = [], [x]
    a = x
    for W, b in zip(weights, biases):
        z = W @ a + b
        a = sigmoid(z)
        zs.append(z)
        activations.append(a)
    return zs, activations
    ### END SOLUTION
''', "forward"),
        tests('''
zs, activations = forward(WEIGHTS, BIASES, X)
assert len(zs) == 3, f"zs should hold z^2, z^3, z^4 (3 arrays), got {len(zs)}"
assert len(activations) == 4, f"activations should hold a^1 = x, a^2, a^3, a^4 (4 arrays), got {len(activations)}"
for k in range(3):
    expect_shape(f"zs[{k}]", zs[k], (SIZES[k + 1],), hint=f"z^{k + 2} has one entry per unit of layer {k + 2}")
    expect_close(f"zs[{k}] (z^{k + 2})", zs[k], _zs_ref[k][0], hint="z^{l+1} = W^l a^l + b^l")
    expect_close(f"activations[{k + 1}] (a^{k + 2})", activations[k + 1], _acts_ref[k + 1][0])
''', "test_forward", 2),
        md(r"""
        ## Part 3 (1 point): the output delta

        $\delta^L_i = \partial L / \partial z^L_i = (\hat y_i - y_i)\, f'(z^L_i)$ with $\hat y = a^L$.
        """),
        answer('''
def output_delta(yhat, z_L, y):
    """delta^L = (yhat - y) * sigma'(z^L) for the squared error L = 1/2 sum_i (yhat_i - y_i)^2.

    yhat = a^L, z_L = z^L and y have shape (S_L,); returns shape (S_L,).
    """
    ### BEGIN SOLUTION
    return (yhat - y) * sigmoid_prime(z_L)
    ### END SOLUTION
''', "output_delta"),
        tests('''
d = output_delta(_acts_ref[-1][0], _zs_ref[-1][0], Y)
expect_close("output_delta", d, (_acts_ref[-1][0] - Y) * _acts_ref[-1][0] * (1 - _acts_ref[-1][0]),
             hint="(yhat - y) times sigma'(z^L), elementwise")
''', "test_output_delta", 1),
        md(r"""
        ## Part 4 (2 points): the delta recursion

        $\delta^l_i = \big(\sum_j \delta^{l+1}_j w^l_{ji}\big) f'(z^l_i)$, i.e.
        $\delta^l = \big((W^l)^\top \delta^{l+1}\big) \odot f'(z^l)$, for $l = L-1$ down to 2.
        (There is no $\delta^1$: the input layer has no $z$.)
        """),
        answer('''
def backward_deltas(weights, zs, delta_L):
    """All deltas by the recursion delta^l = (W^l)^T delta^{l+1} * sigma'(z^l), l = L-1, ..., 2.

    weights and zs as in forward(); delta_L = delta^L, shape (S_L,).
    Returns a list deltas with deltas[k] = delta^{k+2} (so deltas[-1] is delta_L),
    deltas[k] of shape (S_{k+2},).
    """
    ### BEGIN SOLUTION
    deltas = [delta_L]
    for k in range(len(weights) - 1, 0, -1):     # delta^{k+1} from delta^{k+2}
        deltas.insert(0, (weights[k].T @ deltas[0]) * sigmoid_prime(zs[k - 1]))
    return deltas
    ### END SOLUTION
''', "backward_deltas"),
        tests('''
from course_utils.delta_rule import deltas_one_example
_delta_ref, _, _ = deltas_one_example(_net, X.tolist(), Y.tolist())
deltas = backward_deltas(WEIGHTS, [z[0] for z in _zs_ref],
                         (_acts_ref[-1][0] - Y) * _acts_ref[-1][0] * (1 - _acts_ref[-1][0]))
assert len(deltas) == 3, f"deltas should hold delta^2, delta^3, delta^4 (3 arrays), got {len(deltas)}"
for k in range(3):
    expect_shape(f"deltas[{k}]", deltas[k], (SIZES[k + 1],),
                 hint=f"delta^{k + 2} has one entry per unit of layer {k + 2}; W^l.T @ delta^(l+1), not W^l @ ...")
    expect_close(f"deltas[{k}] (delta^{k + 2})", deltas[k], _delta_ref[k + 2],
                 hint="sum over j of delta_j^{l+1} w_ji^l: that is W^l transposed")
''', "test_backward_deltas", 2),
        md(r"""
        ## Part 5 (2 points): weight and bias gradients

        $\partial L/\partial W^l_{ij} = \delta^{l+1}_i a^l_j$, i.e. the outer product
        $\delta^{l+1} (a^l)^\top$, of the shape of $W^l$; and $\partial L/\partial b^l = \delta^{l+1}$.
        """),
        answer('''
def gradients(deltas, activations):
    """Weight and bias gradients from the deltas and the stored activations.

    deltas[k] = delta^{k+2}, activations[k] = a^{k+1} (as returned above).
    Returns (dWs, dbs): dWs[k] = dL/dW^{k+1} = outer(delta^{k+2}, a^{k+1}), of the shape of W^{k+1};
    dbs[k] = dL/db^{k+1} = delta^{k+2}.
    """
    ### BEGIN SOLUTION
    dWs = [np.outer(d, a) for d, a in zip(deltas, activations[:-1])]
    dbs = [np.array(d, dtype=float) for d in deltas]
    return dWs, dbs
    ### END SOLUTION
''', "gradients"),
        tests('''
deltas_ref = [d[0] for d in _grads.deltas]
dWs, dbs = gradients(deltas_ref, [a[0] for a in _acts_ref])
for k in range(3):
    expect_shape(f"dWs[{k}]", dWs[k], WEIGHTS[k].shape, of=f"W^{k + 1}")
    expect_close(f"dWs[{k}] (dL/dW^{k + 1})", dWs[k], _grads.weights[k], hint="delta_i^{l+1} a_j^l: np.outer(delta, a)")
    expect_close(f"dbs[{k}] (dL/db^{k + 1})", dbs[k], _grads.biases[k])
''', "test_gradients", 2),
        md(r"""
        ## Part 6 (2 points): check the gradients numerically

        A gradient check compares backpropagation with central differences,
        $\partial L/\partial W^l_{ij} \approx \big(L(W^l_{ij} + h) - L(W^l_{ij} - h)\big) / 2h$,
        one entry at a time. Write it yourself (no `course_utils.gradcheck`), leaving the
        weights unchanged afterwards.
        """),
        answer('''
def loss(weights, biases, x, y):
    """L = 1/2 sum_i (yhat_i - y_i)^2 for one example."""
    _, activations = forward(weights, biases, x)
    return 0.5 * float(np.sum((activations[-1] - y) ** 2))


def numerical_gradient_W(weights, biases, x, y, k, h=1e-5):
    """Central-difference estimate of dL/dW^{k+1} (the shape of weights[k]).

    Perturb one entry of weights[k] at a time by +h and -h; restore it afterwards.
    """
    ### BEGIN SOLUTION
    W = weights[k]
    grad = np.zeros_like(W, dtype=float)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            old = W[i, j]
            W[i, j] = old + h
            plus = loss(weights, biases, x, y)
            W[i, j] = old - h
            minus = loss(weights, biases, x, y)
            W[i, j] = old
            grad[i, j] = (plus - minus) / (2 * h)
    return grad
    ### END SOLUTION
''', "numerical_gradient"),
        tests('''
_W_copy = [W.copy() for W in WEIGHTS]
for k in range(3):
    num = numerical_gradient_W(WEIGHTS, BIASES, X, Y, k)
    expect_shape(f"numerical_gradient_W(..., k={k})", num, WEIGHTS[k].shape, of=f"W^{k + 1}")
    expect_close(f"numerical dL/dW^{k + 1}", num, _grads.weights[k], rtol=1e-5, atol=1e-9,
                 hint="(L(w + h) - L(w - h)) / (2 h)")
    assert np.array_equal(WEIGHTS[k], _W_copy[k]), f"weights[{k}] was changed: restore each entry after perturbing it"
''', "test_numerical_gradient", 2),
        md(r"""
        ## Part 7 (2 points): train the network on XOR

        Put the pieces together: for each epoch, for each of the four XOR examples,
        run `forward`, `output_delta`, `backward_deltas`, `gradients`, and update
        $W^l \leftarrow W^l - \eta\, \partial L/\partial W^l$, $b^l \leftarrow b^l - \eta\, \partial L/\partial b^l$
        (stochastic gradient descent, one example at a time). The targets are one-hot:
        output 1 fires for XOR = 0, output 2 for XOR = 1.
        """),
        setup('''
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # one-hot of x1 XOR x2
''', grade_id="setup_xor"),
        answer('''
def train_xor(weights, biases, lr=2.0, epochs=1500):
    """Train on (XOR_X, XOR_Y) by SGD; returns (weights, biases, losses).

    weights/biases: the initial parameters (lists as above; update copies, not the caller's arrays).
    losses[e] is the total loss sum_n L(x_n, y_n) over the four examples after epoch e.
    """
    ### BEGIN SOLUTION
    weights = [W.astype(float).copy() for W in weights]
    biases = [b.astype(float).copy() for b in biases]
    losses = []
    for _ in range(epochs):
        for x, y in zip(XOR_X, XOR_Y):
            zs, activations = forward(weights, biases, x)
            deltas = backward_deltas(weights, zs, output_delta(activations[-1], zs[-1], y))
            dWs, dbs = gradients(deltas, activations)
            for k in range(len(weights)):
                weights[k] -= lr * dWs[k]
                biases[k] -= lr * dbs[k]
        losses.append(sum(loss(weights, biases, x, y) for x, y in zip(XOR_X, XOR_Y)))
    return weights, biases, losses
    ### END SOLUTION
''', "train_xor"),
        tests('''
_init = MLP(SIZES, seed=3)
W_trained, b_trained, losses = train_xor([W.copy() for W in _init.weights], [b.copy() for b in _init.biases])
assert len(losses) == 1500, f"losses should have one entry per epoch (1500), got {len(losses)}"
assert losses[-1] < losses[0], f"the loss did not go down: first epoch {losses[0]:.4f}, last {losses[-1]:.4f}"
_pred = [int(np.argmax(forward(W_trained, b_trained, x)[1][-1])) for x in XOR_X]
assert _pred == [0, 1, 1, 0], f"predicted classes {_pred}, expected [0, 1, 1, 0] (XOR); final loss {losses[-1]:.4f}"
''', "test_train_xor", 2),
        md("""
        ## Written answer A (2 points)

        In the recursion $\\delta^l_i = \\big(\\sum_j \\delta^{l+1}_j w^l_{ji}\\big) f'(z^l_i)$ the
        weight is $w^l_{ji}$, not $w^l_{ij}$, which is why the code multiplies by $(W^l)^\\top$.
        Explain in two or three sentences why, in terms of which units unit $i$ of layer $l$
        sends its output to.
        """),
        written("""
        Unit $i$ of layer $l$ feeds every unit $j$ of layer $l+1$ through the weight $w^l_{ji}$
        (row $j$ = receiving unit, column $i$ = sending unit). By the chain rule its
        responsibility for the loss is the sum over those receivers of $\\delta^{l+1}_j$ times the
        weight of the connection, so the sum runs over the *row* index $j$ with $i$ fixed: the
        $i$-th column of $W^l$, i.e. the $i$-th entry of $(W^l)^\\top \\delta^{l+1}$.
        Grading: 1 point for "unit i sends to all units j of layer l+1 through w_ji",
        1 point for connecting the sum over j to the transpose.
        """, "written_transpose", 2),
        md("""
        ## Written answer B (2 points)

        $\\sigma'(z) \\le 1/4$. What does this do to the deltas of the early layers of a deep
        sigmoid network, and what does it mean for training? Name one remedy from the lectures.
        """),
        written("""
        Each step of the recursion multiplies by $f'(z) \\le 1/4$ (and by weights), so after $k$
        layers the delta is scaled by up to $4^{-k}$: the early layers' gradients vanish and
        they learn very slowly (vanishing gradients). Remedies: ReLU-like activations
        ($f' = 1$ for $z > 0$), careful initialisation, normalisation, residual connections.
        Grading: 1 point for the geometric shrinking (vanishing gradient), 1 point for a remedy.
        """, "written_vanishing", 2),
        md("""
        ## Summary

        You implemented the delta rule exactly as the lecture writes it: a forward pass that
        keeps every $z$ and $a$, the output delta, the recursion through $(W^l)^\\top$, and the
        gradients as outer products; you checked them numerically and trained a network that
        solves XOR, which no single-layer perceptron can.
        """),
    ]
    return notebook(cells)


# =============================================================================================
# ps2: the worked example, then softmax + cross-entropy
# =============================================================================================
def ps2():
    reset("ps2")
    cells = [
        header("Problem set 2: the worked example, and softmax with cross-entropy", 11, 3, r"""
        Part A reproduces, number by number, the step-by-step example of the backpropagation
        slides: a 2-2-2 network with sigmoid units and squared error, inputs $i_1 = 0.05$,
        $i_2 = 0.10$, targets $0.01$ and $0.99$, weights $w_1 \dots w_8$, biases $b_1 = 0.35$,
        $b_2 = 0.60$, learning rate $0.5$. In matrix form $W^1 = \begin{pmatrix} w_1 & w_2 \\ w_3 & w_4 \end{pmatrix}$,
        $W^2 = \begin{pmatrix} w_5 & w_6 \\ w_7 & w_8 \end{pmatrix}$ (row = receiving unit) and
        $E = \tfrac12 \sum_k (\text{target}_k - \text{out}_{o_k})^2$.
        Part B moves to classification: softmax outputs with the cross-entropy loss, whose
        gradient with respect to the logits is famously simple.

        The visible tests compare with `course_utils.worked_example`, which computes every number
        of the slides; vectors are 1-D numpy arrays.
        """),
        setup(SETUP_COMMON),
        visible_setup(VISIBLE_COMMON + """
from course_utils.worked_example import EXAMPLE, WEIGHT_POSITIONS, worked_example
from course_utils.losses import softmax_cross_entropy as _ref_softmax_ce
from course_utils.activations import softmax as _ref_softmax
from course_utils.gradcheck import numerical_gradient

EX = worked_example()   # every number of the slides' example, computed by course_utils
x = np.array(EXAMPLE["inputs"])
target = np.array(EXAMPLE["targets"])
W1 = np.array([[EXAMPLE["weights"]["w1"], EXAMPLE["weights"]["w2"]],
               [EXAMPLE["weights"]["w3"], EXAMPLE["weights"]["w4"]]])
W2 = np.array([[EXAMPLE["weights"]["w5"], EXAMPLE["weights"]["w6"]],
               [EXAMPLE["weights"]["w7"], EXAMPLE["weights"]["w8"]]])
b1 = np.full(2, EXAMPLE["biases"]["b1"])
b2 = np.full(2, EXAMPLE["biases"]["b2"])
LR = EXAMPLE["lr"]
"""),
        md(r"""
        ## Part A1 (2 points): the forward pass

        $\text{net}_h = W^1 x + b_1$, $\text{out}_h = \sigma(\text{net}_h)$,
        $\text{net}_o = W^2\, \text{out}_h + b_2$, $\text{out}_o = \sigma(\text{net}_o)$.
        """),
        answer('''
def forward_example(W1, b1, W2, b2, x):
    """Forward pass of the 2-2-2 sigmoid network. Returns (net_h, out_h, net_o, out_o), each shape (2,)."""
    ### BEGIN SOLUTION
    net_h = W1 @ x + b1
    out_h = 1.0 / (1.0 + np.exp(-net_h))
    net_o = W2 @ out_h + b2
    out_o = 1.0 / (1.0 + np.exp(-net_o))
    return net_h, out_h, net_o, out_o
    ### END SOLUTION
''', "forward_example"),
        tests('''
net_h, out_h, net_o, out_o = forward_example(W1, b1, W2, b2, x)
for name, got in (("net_h", net_h), ("out_h", out_h), ("net_o", net_o), ("out_o", out_o)):
    expect_shape(name, got, (2,))
expect_close("net_h", net_h, [EX.net["net_h1"], EX.net["net_h2"]], hint="net_h1 = w1 i1 + w2 i2 + b1 = 0.3775 on the slides")
expect_close("out_h", out_h, [EX.out["out_h1"], EX.out["out_h2"]])
expect_close("net_o", net_o, [EX.net["net_o1"], EX.net["net_o2"]], hint="net_o is computed from the hidden *outputs* out_h, not from net_h")
expect_close("out_o", out_o, [EX.out["out_o1"], EX.out["out_o2"]], hint="the slides: out_o1 = 0.75136507")
''', "test_forward_example", 2),
        md(r"""
        ## Part A2 (1 point): the error

        $E_{total} = \tfrac12 (\text{target}_{o_1} - \text{out}_{o_1})^2 + \tfrac12 (\text{target}_{o_2} - \text{out}_{o_2})^2$.
        """),
        answer('''
def total_error(out_o, target):
    """E_total = 1/2 sum_k (target_k - out_k)^2, a Python float."""
    ### BEGIN SOLUTION
    return float(0.5 * np.sum((target - out_o) ** 2))
    ### END SOLUTION
''', "total_error"),
        tests('''
_out_o = np.array([EX.out["out_o1"], EX.out["out_o2"]])
expect_close("total_error", total_error(_out_o, target), EX.errors["E_total"],
             hint="the slides: E_total = 0.298371109; do not forget the 1/2")
''', "test_total_error", 1),
        md(r"""
        ## Part A3 (2 points): backward through the loss and through the sigmoid

        Each layer's backward step multiplies the upstream gradient by a local derivative:
        $\partial E/\partial \text{out}_k = \text{out}_k - \text{target}_k$, and through
        $\text{out} = \sigma(\text{net})$: $\partial E/\partial \text{net} = \partial E/\partial \text{out} \cdot \text{out}(1 - \text{out})$.
        """),
        answer('''
def mse_backward(out, target):
    """dE/dout for E = 1/2 sum (target - out)^2; same shape as out."""
    ### BEGIN SOLUTION
    return out - target
    ### END SOLUTION


def sigmoid_backward(dout, out):
    """dE/dnet given dE/dout and out = sigmoid(net) (elementwise); same shape as out."""
    ### BEGIN SOLUTION
    return dout * out * (1.0 - out)
    ### END SOLUTION
''', "backward_pieces"),
        tests('''
_d = mse_backward(_out_o, target)
expect_close("mse_backward", _d, [EX.chain["dE_total/dout_o1"], EX.out["out_o2"] - target[1]],
             hint="the slides: dE/dout_o1 = out_o1 - target_o1 = 0.74136507 (mind the sign)")
expect_close("sigmoid_backward", sigmoid_backward(_d, _out_o), [EX.deltas["delta_o1"], EX.deltas["delta_o2"]],
             hint="times out (1 - out): the sigmoid's derivative written with its output")
''', "test_backward_pieces", 2),
        md(r"""
        ## Part A4 (2 points): the gradients of all eight weights

        Chain the pieces: $\delta_o = \partial E/\partial \text{net}_o$, $\partial E/\partial W^2 = \delta_o\, \text{out}_h^\top$
        (so $\partial E/\partial w_5 = \delta_{o_1} \text{out}_{h_1}$), then
        $\partial E/\partial \text{out}_h = (W^2)^\top \delta_o$, $\delta_h$, and
        $\partial E/\partial W^1 = \delta_h\, x^\top$ (so $\partial E/\partial w_1 = \delta_{h_1} i_1$).
        Use the *original* $W^2$ for $\delta_h$.
        """),
        answer('''
def example_gradients(W1, b1, W2, b2, x, target):
    """(dE/dW1, dE/dW2) of the 2-2-2 network, each of shape (2, 2) like W1 and W2."""
    ### BEGIN SOLUTION
    net_h, out_h, net_o, out_o = forward_example(W1, b1, W2, b2, x)
    delta_o = sigmoid_backward(mse_backward(out_o, target), out_o)
    dW2 = np.outer(delta_o, out_h)
    delta_h = sigmoid_backward(W2.T @ delta_o, out_h)
    dW1 = np.outer(delta_h, x)
    return dW1, dW2
    ### END SOLUTION
''', "example_gradients"),
        tests('''
dW1, dW2 = example_gradients(W1, b1, W2, b2, x, target)
expect_shape("dW1", dW1, W1.shape, of="W1")
expect_shape("dW2", dW2, W2.shape, of="W2")
_want = {name: EX.gradients[f"dE/d{name}"] for name in WEIGHT_POSITIONS}
expect_close("dE/dw5 = dW2[0, 0]", dW2[0, 0], _want["w5"], hint="the slides: 0.082167041")
expect_close("dE/dw1 = dW1[0, 0]", dW1[0, 0], _want["w1"], hint="the slides: 0.000438568")
expect_close("dW2", dW2, [[_want["w5"], _want["w6"]], [_want["w7"], _want["w8"]]])
expect_close("dW1", dW1, [[_want["w1"], _want["w2"]], [_want["w3"], _want["w4"]]])
''', "test_example_gradients", 2),
        md(r"""
        ## Part A5 (1 point): the update

        $w \leftarrow w - \eta\, \partial E/\partial w$. Return new arrays; leave the inputs unchanged.
        """),
        answer('''
def sgd_update(W, dW, lr):
    """One gradient-descent step: W - lr * dW (a new array)."""
    ### BEGIN SOLUTION
    return W - lr * dW
    ### END SOLUTION
''', "sgd_update"),
        tests('''
_W2_before = W2.copy()
_new_W2 = sgd_update(W2, dW2, LR)
_new_W1 = sgd_update(W1, dW1, LR)
assert np.array_equal(W2, _W2_before), "sgd_update changed W2 in place: return W - lr * dW instead"
expect_close("updated w5", _new_W2[0, 0], EX.updated["w5"], hint="the slides: w5+ = 0.35891648")
expect_close("updated w1", _new_W1[0, 0], EX.updated["w1"], hint="the slides: w1+ = 0.149780716")
''', "test_sgd_update", 1),
        md(r"""
        ## Part B1 (1 point): a stable softmax

        $\text{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}$ for each row of $z$ (shape $(N, K)$).
        $e^{1000}$ overflows; subtract each row's maximum first (softmax does not change when
        the same constant is added to every logit of a row).
        """),
        answer('''
def softmax(z):
    """Row-wise softmax of logits z, shape (N, K) -> probabilities (N, K); stable for large logits."""
    ### BEGIN SOLUTION
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=1, keepdims=True)
    ### END SOLUTION
''', "softmax"),
        tests('''
_z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
_p = softmax(_z)
expect_shape("softmax(z)", _p, _z.shape)
assert np.all(np.isfinite(_p)), "softmax(z) has NaN/inf for logits near 1000: subtract each row's max first"
expect_close("softmax(z)", _p, _ref_softmax(_z, axis=1), hint="normalise each row (axis=1, keepdims=True)")
''', "test_softmax", 1),
        md(r"""
        ## Part B2 (2 points): softmax + cross-entropy, and its gradient

        With $p = \text{softmax}(z)$ and integer labels $y_n$, the mean loss is
        $L = -\frac1N \sum_n \log p_{n, y_n}$ and (you derive it below)
        $\partial L / \partial z_{n,k} = \frac1N (p_{n,k} - [k = y_n])$.
        Compute $\log p$ as $z - \max z - \log \sum e^{z - \max z}$, never as `log(softmax(z))`
        (a probability that rounds to 0 gives $-\infty$).
        """),
        answer('''
def softmax_cross_entropy(z, y):
    """Mean cross-entropy of softmax(z) against integer labels y, and dL/dz.

    z: logits, shape (N, K); y: integer labels, shape (N,). Returns (loss, dz): loss a float,
    dz = (softmax(z) - onehot(y)) / N of shape (N, K).
    """
    ### BEGIN SOLUTION
    n = z.shape[0]
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = float(-np.mean(log_p[np.arange(n), y]))
    dz = np.exp(log_p)
    dz[np.arange(n), y] -= 1.0
    return loss, dz / n
    ### END SOLUTION
''', "softmax_cross_entropy"),
        tests('''
_rng = np.random.default_rng(2)
_z = _rng.standard_normal((4, 3))
_y = np.array([0, 2, 1, 2])
_loss, _dz = softmax_cross_entropy(_z, _y)
_ref_loss, _ref_dz = _ref_softmax_ce(_z, _y)
expect_close("loss", _loss, _ref_loss, hint="mean over the N rows of -log p[n, y_n]")
expect_shape("dz", _dz, _z.shape, of="z")
expect_close("dz", _dz, _ref_dz, hint="(p - onehot(y)) / N: did you divide by N?")
_numgrad = numerical_gradient(lambda zz: softmax_cross_entropy(zz, _y)[0], _z.copy())
expect_close("dz against central differences", _dz, _numgrad, rtol=1e-5, atol=1e-8)
_big_loss, _big_dz = softmax_cross_entropy(np.array([[1e4, 0.0, -1e4]]), np.array([1]))
assert np.isfinite(_big_loss) and np.all(np.isfinite(_big_dz)), (
    f"loss {_big_loss} for logits of size 1e4: use the log-sum-exp form, not log(softmax(z))")
expect_close("loss for logits [1e4, 0, -1e4] and label 1", _big_loss, 1e4)
''', "test_softmax_cross_entropy", 2),
        md(r"""
        ## Written answer (3 points): derive the gradient

        For one example with label $y$ and $p = \text{softmax}(z)$, $L = -\log p_y$. Show that
        $\partial L / \partial z_k = p_k - [k = y]$. Use $\partial p_y / \partial z_k = p_y([k = y] - p_k)$,
        or write $L = -z_y + \log \sum_j e^{z_j}$. Then say in one sentence why this makes
        softmax + cross-entropy a good pair for training (compare with the $f'(z)$ factor of
        sigmoid + squared error).
        """),
        written(r"""
        $L = -z_y + \log \sum_j e^{z_j}$, so $\partial L/\partial z_k = -[k = y] + e^{z_k} / \sum_j e^{z_j} = p_k - [k = y]$.
        (Equivalently $\partial L/\partial z_k = -\frac{1}{p_y} p_y ([k = y] - p_k)$.)
        The gradient is just the prediction error: it does not shrink when a unit saturates,
        unlike $(\hat y - y) \sigma'(z)$, where $\sigma'(z) \to 0$ for a confidently wrong output.
        Grading: 2 points for a correct derivation, 1 point for the saturation argument.
        """, "written_softmax_gradient", 3),
        md("""
        ## Summary

        You reproduced every number of the slides' example from four small functions, each a
        local derivative multiplied by the gradient from above, and you implemented the
        classification output layer the way libraries do: log-sum-exp for stability, and the
        fused gradient $p - y$.
        """),
    ]
    return notebook(cells)


# =============================================================================================
# ps3: backpropagation through convolution and pooling
# =============================================================================================
def ps3():
    reset("ps3")
    cells = [
        header("Problem set 3: backpropagation in CNNs", 11, 2, r"""
        Lecture 33 derives the gradients of a convolutional layer. It writes the layer as a
        convolution $Y[i,j] = \sum_a \sum_b X[i-a, j-b]\, W[a,b]$; deep-learning libraries (and
        this problem set, like `course_utils.conv`) compute the **cross-correlation**
        $Y[i,j] = \sum_a \sum_b X[i+a, j+b]\, W[a,b]$ instead: the same layer with the filter
        stored flipped, so nothing is lost. In that form the lecture's results read
        $$\frac{\partial L}{\partial W} = X \star \frac{\partial L}{\partial Y} \quad\text{(a valid correlation)},\qquad
        \frac{\partial L}{\partial X} = \text{full correlation of } \frac{\partial L}{\partial Y} \text{ with } \mathrm{flip180}(W).$$
        Pooling has no weights: max pooling routes each gradient to the input that won its window,
        average pooling shares it equally. Arrays are `(N, C, H, W)` for images and
        `(F, C, KH, KW)` for filters, as in `course_utils.conv`.
        """),
        setup(SETUP_COMMON),
        visible_setup(VISIBLE_COMMON + """
from course_utils.conv import conv2d_backward_naive as _ref_backward, conv2d_forward_naive as _ref_forward
from course_utils.conv import correlate2d as _ref_correlate, flip180
from course_utils.pooling import avg_pool_backward as _ref_avg_b, avg_pool_forward as _ref_avg_f
from course_utils.pooling import max_pool_backward as _ref_max_b, max_pool_forward as _ref_max_f

rng = np.random.default_rng(33)
"""),
        md(r"""
        ## Part 1 (1 point): output sizes

        A layer with input width $W_1$, filter width $F$, padding $P$ and stride $S$ produces
        $W_2 = (W_1 - F + 2P)/S + 1$ outputs per row (the lecture: a $32\times32\times3$ image and
        six $5\times5\times3$ filters give $28\times28\times6$). Raise a `ValueError` when the filter
        does not tile the padded input exactly (the division is not exact) or does not fit.
        (PyTorch, and `course_utils.conv.conv_output_size`, round down instead and silently drop
        the last incomplete window; here you should notice it.)
        """),
        answer('''
def conv_output_size(w_in, f, p=0, s=1):
    """Output width (W1 - F + 2P) / S + 1 of a convolution; ValueError if it is not a whole number >= 1."""
    ### BEGIN SOLUTION
    span = w_in - f + 2 * p
    if span < 0 or span % s != 0:
        raise ValueError(f"a {f}-wide filter with stride {s} does not tile {w_in} + 2*{p} inputs")
    return span // s + 1
    ### END SOLUTION
''', "output_size"),
        tests('''
assert conv_output_size(32, 5) == 28, "the lecture's example: 32 - 5 + 1 = 28"
assert conv_output_size(32, 5, p=2) == 32, "padding 2 keeps a 5x5 filter's output at 32 ('same')"
assert conv_output_size(7, 3, s=2) == 3, "(7 - 3)/2 + 1 = 3"
try:
    conv_output_size(8, 3, s=2)
except ValueError:
    pass
else:
    raise AssertionError("conv_output_size(8, 3, s=2): (8 - 3)/2 is not whole, expected a ValueError")
''', "test_output_size", 1),
        md(r"""
        ## Part 2 (1 point): valid cross-correlation

        $\text{out}[i,j] = \sum_a \sum_b x[i+a, j+b]\, k[a,b]$ for every position where $k$ lies
        inside $x$: shape $(H - KH + 1,\ W - KW + 1)$. Loops are fine.
        """),
        answer('''
def correlate2d_valid(x, k):
    """Valid cross-correlation of a 2-D array x (H, W) with a kernel k (KH, KW)."""
    ### BEGIN SOLUTION
    kh, kw = k.shape
    oh, ow = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out
    ### END SOLUTION
''', "correlate"),
        tests('''
_x, _k = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
_out = correlate2d_valid(_x, _k)
expect_shape("correlate2d_valid(x, k)", _out, (4, 4), hint="(H - KH + 1, W - KW + 1)")
expect_close("correlate2d_valid(x, k)", _out, _ref_correlate(_x, _k, "valid"),
             hint="x[i + a, j + b] * k[a, b]: a correlation does not flip k")
''', "test_correlate", 1),
        md(r"""
        ## Part 3 (2 points): the weight gradient of one channel

        For $Y = X \star W$ (valid correlation), one weight $W[a,b]$ meets every output pixel:
        $\frac{\partial L}{\partial W[a,b]} = \sum_i \sum_j \frac{\partial L}{\partial Y[i,j]}\, X[i+a, j+b]$,
        which is the valid correlation of $X$ with $\partial L/\partial Y$.
        """),
        answer('''
def conv_backward_dw(x, dy):
    """dL/dW for Y = correlate2d_valid(X, W): X (H, W), dL/dY (OH, OW) -> dL/dW (H - OH + 1, W - OW + 1)."""
    ### BEGIN SOLUTION
    return correlate2d_valid(x, dy)
    ### END SOLUTION
''', "conv_dw"),
        tests('''
_x, _w = rng.standard_normal((6, 6)), rng.standard_normal((3, 3))
_dy = rng.standard_normal((4, 4))
_, _cache = _ref_forward(_x[None, None], _w[None, None], np.zeros(1))
_dx_ref, _dw_ref, _ = _ref_backward(_dy[None, None], _cache)
_dw = conv_backward_dw(_x, _dy)
expect_shape("dW", _dw, _w.shape, of="W")
expect_close("dW", _dw, _dw_ref[0, 0], hint="correlate X with dL/dY")
''', "test_conv_dw", 2),
        md(r"""
        ## Part 4 (2 points): the input gradient of one channel

        An input pixel $X[p,q]$ meets only the outputs whose window covers it (the lecture's
        region $P$): $\frac{\partial L}{\partial X[p,q]} = \sum_{a,b} \frac{\partial L}{\partial Y[p-a, q-b]}\, W[a,b]$.
        That is a *full* correlation of $\partial L/\partial Y$ with $\mathrm{flip180}(W)$: pad
        $\partial L/\partial Y$ with $KH-1$ rows and $KW-1$ columns of zeros on each side, then
        correlate with the flipped filter.
        """),
        answer('''
def conv_backward_dx(dy, w):
    """dL/dX for Y = correlate2d_valid(X, W): dL/dY (OH, OW), W (KH, KW) -> dL/dX (OH + KH - 1, OW + KW - 1)."""
    ### BEGIN SOLUTION
    kh, kw = w.shape
    padded = np.pad(dy, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return correlate2d_valid(padded, w[::-1, ::-1])
    ### END SOLUTION
''', "conv_dx"),
        tests('''
_dx = conv_backward_dx(_dy, _w)
expect_shape("dX", _dx, _x.shape, of="X", hint="pad dL/dY by KH - 1 and KW - 1 on every side")
expect_close("dX", _dx, _dx_ref[0, 0], hint="correlate the padded dL/dY with the filter flipped by 180 degrees")
''', "test_conv_dx", 2),
        md(r"""
        ## Part 5 (2 points): a whole convolutional layer

        For $x$ of shape $(N, C, H, W)$, filters $w$ of shape $(F, C, KH, KW)$, stride 1, no padding,
        $\text{out}[n,f] = b[f] + \sum_c x[n,c] \star w[f,c]$. Its gradients sum the single-channel
        ones: over images $n$ for $dw[f,c]$, over filters $f$ for $dx[n,c]$; and $db[f]$ sums
        $dout[n,f]$ over $n$ and all pixels. Use your Parts 3 and 4.
        """),
        answer('''
def conv2d_backward_naive(dout, x, w):
    """Gradients (dx, dw, db) of out[n, f] = b[f] + sum_c correlate2d_valid(x[n, c], w[f, c]).

    dout (N, F, OH, OW), x (N, C, H, W), w (F, C, KH, KW); returns arrays shaped like x, w and (F,).
    """
    ### BEGIN SOLUTION
    n_img, n_chan = x.shape[:2]
    n_filt = w.shape[0]
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for n in range(n_img):
        for f in range(n_filt):
            for c in range(n_chan):
                dw[f, c] += conv_backward_dw(x[n, c], dout[n, f])
                dx[n, c] += conv_backward_dx(dout[n, f], w[f, c])
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
    ### END SOLUTION
''', "conv_layer"),
        tests('''
_x4, _w4, _b4 = rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
_out4, _cache4 = _ref_forward(_x4, _w4, _b4)
_dout4 = rng.standard_normal(_out4.shape)
_refs = _ref_backward(_dout4, _cache4)
_got = conv2d_backward_naive(_dout4, _x4, _w4)
assert len(_got) == 3, "return (dx, dw, db)"
for _name, _g, _r in zip(("dx", "dw", "db"), _got, _refs):
    expect_shape(_name, _g, _r.shape)
    expect_close(_name, _g, _r, hint="dw sums over images n, dx over filters f, db over n, i, j")
''', "test_conv_layer", 2),
        md(r"""
        ## Part 6 (2 points): max-pool backward

        Max pooling over `size x size` windows moved by `stride` sends each $dout[n,c,i,j]$ to the
        input that won its window; the others get 0. When several inputs tie for the maximum,
        the gradient goes to the **first** one in row-major order inside the window (as PyTorch
        does). Overlapping windows (stride < size) add up.
        """),
        answer('''
def max_pool_backward(dout, x, size=2, stride=2):
    """dL/dx of max pooling: x (N, C, H, W), dout (N, C, OH, OW) -> dx like x (first maximum wins ties)."""
    ### BEGIN SOLUTION
    dx = np.zeros(x.shape)
    n_img, n_chan, oh, ow = dout.shape
    for n in range(n_img):
        for c in range(n_chan):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * stride:i * stride + size, j * stride:j * stride + size]
                    a, b = np.unravel_index(np.argmax(window), window.shape)  # argmax: first maximum
                    dx[n, c, i * stride + a, j * stride + b] += dout[n, c, i, j]
    return dx
    ### END SOLUTION
''', "max_pool"),
        tests('''
_xp = rng.integers(0, 3, size=(2, 2, 6, 6)).astype(float)     # small integers: many ties
for _size, _stride in ((2, 2), (3, 3), (3, 2)):
    _o, _c = _ref_max_f(_xp, size=_size, stride=_stride)
    _do = rng.standard_normal(_o.shape)
    _dx = max_pool_backward(_do, _xp, size=_size, stride=_stride)
    expect_shape(f"dx (size={_size}, stride={_stride})", _dx, _xp.shape, of="x")
    expect_close(f"dx (size={_size}, stride={_stride})", _dx, _ref_max_b(_do, _c),
                 hint="only the first maximum of each window gets the gradient; overlapping windows add")
''', "test_max_pool", 2),
        md(r"""
        ## Part 7 (1 point): average-pool backward

        Each output is the mean of its window, so each input of the window receives
        $dout / \text{size}^2$ (the lecture: divided by 4 for $2\times2$, by 9 for $3\times3$).
        """),
        answer('''
def avg_pool_backward(dout, x_shape, size=2, stride=2):
    """dL/dx of average pooling over size x size windows: dout (N, C, OH, OW) -> dx of shape x_shape."""
    ### BEGIN SOLUTION
    dx = np.zeros(x_shape)
    oh, ow = dout.shape[2:]
    for i in range(oh):
        for j in range(ow):
            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += \\
                dout[:, :, i:i + 1, j:j + 1] / size ** 2
    return dx
    ### END SOLUTION
''', "avg_pool"),
        tests('''
_xa = rng.standard_normal((2, 3, 6, 6))
for _size, _stride in ((2, 2), (3, 3), (3, 1)):
    _o, _c = _ref_avg_f(_xa, size=_size, stride=_stride)
    _do = rng.standard_normal(_o.shape)
    _dx = avg_pool_backward(_do, _xa.shape, size=_size, stride=_stride)
    expect_close(f"dx (size={_size}, stride={_stride})", _dx, _ref_avg_b(_do, _c),
                 hint="every input of a window gets dout / size**2; overlapping windows add")
''', "test_avg_pool", 1),
        md(r"""
        ## Written answer (2 points)

        Why does $\partial L / \partial X$ use the filter rotated by 180° while the forward pass
        uses it unrotated? Answer with the region $P$ of outputs that one input pixel touches.
        """),
        written(r"""
        Output $Y[i,j]$ uses $X[i+a, j+b]$ with weight $W[a,b]$. Seen from the input pixel
        $X[p,q]$, it feeds the outputs $Y[p-a, q-b]$ for every $(a,b)$ (the region $P$), with weight
        $W[a,b]$: the offsets run *backwards* ($p - a$), so collecting
        $\sum_{a,b} \partial L/\partial Y[p-a, q-b]\, W[a,b]$ is a correlation with the filter
        indices reversed in both axes, i.e. with $\mathrm{flip180}(W)$ (and a convolution, in the
        lecture's convention). Grading: 1 point for the region $P$ / reversed offsets, 1 for the flip.
        """, "written_flip", 2),
        md("""
        ## Summary

        A convolutional layer's backward pass is two correlations: the weights' gradient
        correlates the input with the upstream gradient (one weight meets every output), the
        input's gradient correlates the padded upstream gradient with the flipped filter (one
        input meets only the outputs in its region). Pooling has no weights: max pooling routes,
        average pooling shares.
        """),
    ]
    return notebook(cells)


# =============================================================================================
# ps4: image pyramids
# =============================================================================================
def ps4():
    reset("ps4")
    cells = [
        header("Problem set 4: Gaussian and Laplacian pyramids, blending", 10, 2, r"""
        The pyramids of lecture 6 (MIT 6.869), built from two operators on grey images
        (2-D arrays): $G$ blurs with the binomial kernel $[1\ 4\ 6\ 4\ 1]/16$ (along rows, then
        columns) and keeps every second row and column; $F$ inserts zeros between the pixels and
        blurs with the kernel times 2 per axis (times 4 in 2-D), which restores the brightness.
        $$x_{i+1} = G_i x_i, \qquad L_i = (I - F_i G_i)\, x_i, \qquad x_i = L_i + F_i x_{i+1},$$
        and blending uses the Gaussian pyramid of a mask: $L(j) = G(j)\, LA(j) + (1 - G(j))\, LB(j)$.
        Borders reflect without repeating the edge pixel (`... c b | a b c ...`, OpenCV's
        `BORDER_REFLECT_101`), which is `np.pad(..., mode="reflect")`. With these rules your
        functions match `course_utils.pyramids` and OpenCV's `pyrDown`/`pyrUp`.
        """),
        setup(SETUP_COMMON + """
KERNEL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
"""),
        visible_setup(VISIBLE_COMMON + """
import course_utils.pyramids as ref

rng = np.random.default_rng(6)
IMAGE = rng.random((20, 13))          # odd width on purpose
"""),
        md(r"""
        ## Part 1 (1 point): the binomial blur

        Filter every row with `KERNEL`, then every column (the kernel is separable), padding by
        2 pixels with `np.pad(..., mode="reflect")` so the output has the input's shape.
        """),
        answer('''
def blur(image):
    """Separable [1 4 6 4 1]/16 blur of a 2-D image with reflect-101 borders; same shape."""
    ### BEGIN SOLUTION
    def along_rows(x):
        padded = np.pad(x, ((0, 0), (2, 2)), mode="reflect")
        return sum(KERNEL[t] * padded[:, t:t + x.shape[1]] for t in range(5))
    return along_rows(along_rows(image).T).T
    ### END SOLUTION
''', "blur"),
        tests('''
_b = blur(IMAGE)
expect_shape("blur(IMAGE)", _b, IMAGE.shape)
expect_close("blur(IMAGE)", _b, ref.blur(IMAGE), hint="reflect-101 borders: np.pad(x, ..., mode='reflect')")
''', "test_blur", 1),
        md(r"""
        ## Part 2 (1 point): down-sampling, $G$

        Blur, then keep rows and columns $0, 2, 4, \dots$: an $H \times W$ image becomes
        $\lceil H/2 \rceil \times \lceil W/2 \rceil$.
        """),
        answer('''
def downsample(image):
    """G: blur then keep every second row and column (starting at 0)."""
    ### BEGIN SOLUTION
    return blur(image)[::2, ::2]
    ### END SOLUTION
''', "downsample"),
        tests('''
_d = downsample(IMAGE)
expect_shape("downsample(IMAGE)", _d, (10, 7), hint="ceil(H/2) x ceil(W/2): keep rows and columns 0, 2, 4, ...")
expect_close("downsample(IMAGE)", _d, ref.downsample(IMAGE), hint="blur first, then subsample")
''', "test_downsample", 1),
        md(r"""
        ## Part 3 (2 points): up-sampling, $F$

        To up-sample an $h \times w$ image to `shape` $= (H, W)$ with $H \in \{2h - 1, 2h\}$ (same for
        $W$): put the pixels on the even rows and columns of a $2h \times 2w$ array of zeros, blur
        it, multiply by 4 (the zeros took three quarters of the energy), and crop to `shape`.
        """),
        answer('''
def upsample(image, shape):
    """F: insert zeros to 2h x 2w, blur, times 4, crop to shape (H, W) with H in {2h-1, 2h}, W likewise."""
    ### BEGIN SOLUTION
    h, w = image.shape
    zeros = np.zeros((2 * h, 2 * w))
    zeros[::2, ::2] = image
    return 4.0 * blur(zeros)[:shape[0], :shape[1]]
    ### END SOLUTION
''', "upsample"),
        tests('''
_small = rng.random((6, 5))
for _shape in ((12, 10), (11, 9)):
    _u = upsample(_small, _shape)
    expect_shape(f"upsample(small, {_shape})", _u, _shape)
    expect_close(f"upsample(small, {_shape})", _u, ref.upsample(_small, _shape),
                 hint="zeros between pixels, blur the 2h x 2w array, times 4, then crop")
expect_close("upsample of a constant", upsample(np.ones((4, 4)), (8, 8)), np.ones((8, 8)),
             hint="a constant image must stay constant: did you multiply by 4?")
''', "test_upsample", 2),
        md(r"""
        ## Part 4 (2 points): the Laplacian pyramid

        `laplacian_pyramid(image, levels)` returns `levels` arrays: the band-pass levels
        $L_i = x_i - F(x_{i+1})$ (with $F$ up-sampling to the shape of $x_i$) for the first
        `levels - 1` Gaussian levels, then the last Gaussian level $x_{levels}$ itself.
        """),
        answer('''
def laplacian_pyramid(image, levels):
    """[L_1, ..., L_{levels-1}, x_levels] with L_i = x_i - upsample(x_{i+1}, x_i.shape)."""
    ### BEGIN SOLUTION
    gaussian = [image]
    for _ in range(levels - 1):
        gaussian.append(downsample(gaussian[-1]))
    laplacian = [fine - upsample(coarse, fine.shape) for fine, coarse in zip(gaussian[:-1], gaussian[1:])]
    return laplacian + [gaussian[-1]]
    ### END SOLUTION
''', "laplacian"),
        tests('''
_lap = laplacian_pyramid(IMAGE, 3)
_ref_lap = ref.laplacian_pyramid(IMAGE, 3)
assert len(_lap) == 3, f"levels=3 gives 3 arrays (2 band-pass levels and the residual), got {len(_lap)}"
for _i, (_g, _r) in enumerate(zip(_lap, _ref_lap)):
    expect_shape(f"level {_i}", _g, _r.shape)
    expect_close(f"level {_i}", _g, _r, hint="L_i = x_i - upsample(x_(i+1), x_i.shape); the last level is x_levels")
''', "test_laplacian", 2),
        md(r"""
        ## Part 5 (1 point): exact reconstruction

        Collapse from the top: $x_{levels}$ is the last entry; then $x_i = L_i + F(x_{i+1})$.
        Up to rounding, `reconstruct(laplacian_pyramid(image, n))` is `image` again.
        """),
        answer('''
def reconstruct(laplacian):
    """Invert laplacian_pyramid: x = last level; x <- L_i + upsample(x, L_i.shape) down to i = 1."""
    ### BEGIN SOLUTION
    x = laplacian[-1]
    for band in reversed(laplacian[:-1]):
        x = band + upsample(x, band.shape)
    return x
    ### END SOLUTION
''', "reconstruct"),
        tests('''
_back = reconstruct(ref.laplacian_pyramid(IMAGE, 4))
expect_close("reconstruct(laplacian_pyramid(IMAGE, 4))", _back, IMAGE, rtol=1e-12, atol=1e-12,
             hint="start from the last level and add one band per step")
''', "test_reconstruct", 1),
        md(r"""
        ## Part 6 (2 points): blending with a mask pyramid

        Blend `a` and `b` (same shape) with a `mask` of weights in $[0, 1]$ (1 takes `a`):
        combine the Laplacian pyramids level by level with the Gaussian pyramid of the mask,
        $L(j) = G(j)\, LA(j) + (1 - G(j))\, LB(j)$, and reconstruct. The seam is smoothed at every
        scale at once.
        """),
        answer('''
def blend(a, b, mask, levels):
    """Multi-band blend of images a and b with mask weights (1 takes a), using `levels` pyramid levels."""
    ### BEGIN SOLUTION
    masks = [mask]
    for _ in range(levels - 1):
        masks.append(downsample(masks[-1]))
    la, lb = laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)
    return reconstruct([g * x + (1 - g) * y for g, x, y in zip(masks, la, lb)])
    ### END SOLUTION
''', "blend"),
        tests('''
_a, _bb = rng.random((16, 16)), rng.random((16, 16))
_mask = np.zeros((16, 16))
_mask[:, :8] = 1.0
_blended = blend(_a, _bb, _mask, 3)
expect_shape("blend", _blended, _a.shape)
expect_close("blend", _blended, ref.blend(_a, _bb, _mask, 3),
             hint="the mask's *Gaussian* pyramid weights the images' *Laplacian* pyramids")
expect_close("blend with levels=1", blend(_a, _bb, _mask, 1), np.where(_mask == 1, _a, _bb),
             hint="one level is the hard, pixel-by-pixel blend")
''', "test_blend", 2),
        md(r"""
        ## Part 7 (1 point): up-sampling as a matrix, $F_3$

        In 1-D, up-sampling a signal of length $n$ to $2n$ is a matrix multiply $y = F x$ with
        $F$ of shape $(2n, n)$: column $j$ is what a unit impulse at $x_j$ becomes, i.e. the
        kernel $[1\ 4\ 6\ 4\ 1]$ centred on row $2j$. The slide's $F_3$ is the $8 \times 4$ case with
        integer weights and **zero** borders (entries that fall outside are dropped).
        """),
        answer('''
def upsample_matrix(n):
    """The (2n, n) insert-zeros-then-blur matrix: [1 4 6 4 1] (integer weights) centred on row 2j of column j,
    zero borders."""
    ### BEGIN SOLUTION
    F = np.zeros((2 * n, n))
    for j in range(n):
        for t, weight in enumerate([1.0, 4.0, 6.0, 4.0, 1.0]):
            row = 2 * j + t - 2
            if 0 <= row < 2 * n:
                F[row, j] = weight
    return F
    ### END SOLUTION
''', "upsample_matrix"),
        tests('''
F3 = upsample_matrix(4)
expect_shape("upsample_matrix(4)", F3, (8, 4))
expect_close("F3", F3, ref.upsample_matrix(4, boundary="zero", normalized=False),
             hint="column j holds 1 4 6 4 1 centred on row 2j; the first column starts 6, 4, 1")
print(F3.astype(int))
''', "test_upsample_matrix", 1),
        md(r"""
        ## Written answer (2 points)

        Reconstruction from a Laplacian pyramid is exact *whatever* blur kernel $G$ and $F$ use,
        even a bad one. Why? And why do codecs and blending store the Laplacian levels rather than
        the Gaussian ones?
        """),
        written(r"""
        Each level is defined as $L_i = x_i - F(x_{i+1})$ and reconstruction adds back exactly the
        same $F(x_{i+1})$ (computed from the same stored $x_{i+1}$), so $L_i + F(x_{i+1}) = x_i$ by
        construction, for any $F$ and $G$: nothing is approximated, the pyramid is just
        a telescoping sum. The Laplacian levels are band-pass: mostly near zero (cheap to code,
        the sparse detail), and each holds one scale, so blending can smooth the seam over a width
        proportional to that scale. Grading: 1 point for the telescoping/same-F argument, 1 for
        sparsity or per-scale blending.
        """, "written_exact", 2),
        md("""
        ## Summary

        Two small operators, blur-and-subsample and zero-insert-and-blur, build the Gaussian and
        Laplacian pyramids; the Laplacian pyramid inverts exactly by construction, and blending
        its levels with a blurred mask joins two images without a visible seam. In 1-D the
        operators are matrices, like the slide's $F_3$.
        """),
    ]
    return notebook(cells)


BUILDERS = {"ps1": ps1, "ps2": ps2, "ps3": ps3, "ps4": ps4}


def main(argv):
    names = argv or sorted(BUILDERS)
    for name in names:
        nb = BUILDERS[name]()
        out = HERE / name / f"{name}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(nb)
        nbformat.write(nb, out)
        print(f"wrote {out.relative_to(HERE.parent)} ({len(nb.cells)} cells)")


if __name__ == "__main__":
    main(sys.argv[1:])
