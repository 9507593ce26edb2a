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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _nbbuild import answer, md, notebook, reset, scratch, setup, tests, written  # noqa: E402

HERE = Path(__file__).resolve().parent

SETUP_COMMON = """
# Run this cell first (it is locked: the autograder restores it if edited).
import numpy as np
from course_utils.grading import expect_close, expect_shape
"""


def header(title, points_auto, points_manual, intro):
    import textwrap
    return md(f"# {title}\n\n"
              f"**Points: {points_auto + points_manual}** ({points_auto} autograded, "
              f"{points_manual} for written answers graded by hand).\n\n"
              + textwrap.dedent(intro).strip() + "\n\n" + HOW_IT_WORKS)


HOW_IT_WORKS = """**How this works.** Fill in every cell that says `YOUR CODE HERE` (delete the
`raise NotImplementedError()` line) and every *YOUR ANSWER HERE* cell. The test
cell after each answer runs *visible* checks with messages meant to help; the
autograder also runs *hidden* checks on fresh random inputs, so make your code
right in general, not just for the visible cases. A test cell that raises an
error *or prints a warning* earns no points. Do not edit or delete test cells:
they are restored from the instructor's copy before grading. Before you submit:
*Kernel → Restart & Run All* and check that no cell fails."""


# =============================================================================================
# ps1: the delta rule
# =============================================================================================
def ps1():
    reset()
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
        setup(SETUP_COMMON + """
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
''', "test_sigmoid", 1, '''
z = _rand(1101, 7, -4.0, 4.0)
got_s = _num("sigmoid(z)", sigmoid(np.array(z)))
got_d = _num("sigmoid_prime(z)", sigmoid_prime(np.array(z)))
_cmp("sigmoid(z)", got_s, (7,), _tuple([_sigmoid(v) for v in z]))
_cmp("sigmoid_prime(z)", got_d, (7,), _tuple([_sigmoid(v) * (1.0 - _sigmoid(v)) for v in z]))
'''),
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
''', "test_forward", 2, '''
sizes = (2, 4, 3, 2)
Ws, bs = [], []
k = 0
while k < 3:
    Ws.append(_matrix(_rand(1201 + k, sizes[k + 1] * sizes[k], -2.0, 2.0), sizes[k + 1], sizes[k]))
    bs.append(_rand(1211 + k, sizes[k + 1]))
    k += 1
x = _rand(1221, 2, -2.0, 2.0)
zs, acts = forward([np.array(W) for W in Ws], [np.array(b) for b in bs], np.array(x))
got_z = [_num("zs[" + str(k) + "]", zs[k]) for k in (0, 1, 2)]
got_a = [_num("activations[" + str(k) + "]", acts[k]) for k in (1, 2, 3)]
a = x
k = 0
while k < 3:
    z = []
    i = 0
    for row in Ws[k]:
        s = bs[k][i]
        j = 0
        for w in row:
            s += w * a[j]
            j += 1
        z.append(s)
        i += 1
    a = _tuple([_sigmoid(v) for v in z])
    _cmp("zs[" + str(k) + "]", got_z[k], (sizes[k + 1],), _tuple(z))
    _cmp("activations[" + str(k + 1) + "]", got_a[k], (sizes[k + 1],), a)
    k += 1
'''),
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
''', "test_output_delta", 1, '''
yhat = _rand(1301, 2, 0.05, 0.95)
zL = _rand(1302, 2, -3.0, 3.0)
y = _rand(1303, 2, 0.0, 1.0)
got = _num("output_delta", output_delta(np.array(yhat), np.array(zL), np.array(y)))
want = _tuple([(yhat[i] - y[i]) * _sigmoid(zL[i]) * (1.0 - _sigmoid(zL[i])) for i in (0, 1)])
_cmp("output_delta", got, (2,), want)
'''),
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
''', "test_backward_deltas", 2, '''
sizes = (2, 4, 3, 2)
Ws = []
k = 0
while k < 3:
    Ws.append(_matrix(_rand(1401 + k, sizes[k + 1] * sizes[k], -2.0, 2.0), sizes[k + 1], sizes[k]))
    k += 1
zs_in = [_rand(1411 + k, sizes[k + 1], -2.0, 2.0) for k in (0, 1, 2)]
dL = _rand(1421, 2)
res = backward_deltas([np.array(W) for W in Ws], [np.array(z) for z in zs_in], np.array(dL))
got = [_num("deltas[" + str(k) + "]", res[k]) for k in (0, 1, 2)]
want = [None, None, dL]
l = 1
while l >= 0:          # want[l] = delta^{l+2} from want[l+1] through W^{l+2} = Ws[l+1]
    W = Ws[l + 1]
    out = []
    i = 0
    while i < sizes[l + 1]:
        s = 0.0
        j = 0
        while j < sizes[l + 2]:
            s += want[l + 1][j] * W[j][i]
            j += 1
        z = zs_in[l][i]
        out.append(s * _sigmoid(z) * (1.0 - _sigmoid(z)))
        i += 1
    want[l] = _tuple(out)
    l -= 1
for k in (0, 1, 2):
    _cmp("deltas[" + str(k) + "]", got[k], (sizes[k + 1],), want[k])
'''),
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
''', "test_gradients", 2, '''
sizes = (2, 4, 3, 2)
ds = [_rand(1501 + k, sizes[k + 1]) for k in (0, 1, 2)]
acts = [_rand(1511 + k, sizes[k], 0.0, 1.0) for k in (0, 1, 2, 3)]
res = gradients([np.array(d) for d in ds], [np.array(a) for a in acts])
dWs, dbs = res[0], res[1]
got_W = [_num("dWs[" + str(k) + "]", dWs[k]) for k in (0, 1, 2)]
got_b = [_num("dbs[" + str(k) + "]", dbs[k]) for k in (0, 1, 2)]
for k in (0, 1, 2):
    _cmp("dWs[" + str(k) + "]", got_W[k], (sizes[k + 1], sizes[k]),
         _tuple([di * aj for di in ds[k] for aj in acts[k]]))
    _cmp("dbs[" + str(k) + "]", got_b[k], (sizes[k + 1],), ds[k])
'''),
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
''', "test_numerical_gradient", 2, '''
sizes = (2, 4, 3, 2)
Ws = [_matrix(_rand(1601 + k, sizes[k + 1] * sizes[k], -1.5, 1.5), sizes[k + 1], sizes[k]) for k in (0, 1, 2)]
bs = [_rand(1611 + k, sizes[k + 1]) for k in (0, 1, 2)]
x = _rand(1621, 2)
y = _rand(1622, 2, 0.0, 1.0)
Wnp = [np.array(W) for W in Ws]
got = _num("numerical_gradient_W(k=0)", numerical_gradient_W(Wnp, [np.array(b) for b in bs], np.array(x), np.array(y), 0))
# the reference: backpropagation in plain Python
acts, zs = [x], []
k = 0
while k < 3:
    z = []
    i = 0
    for row in Ws[k]:
        s = bs[k][i]
        j = 0
        for w in row:
            s += w * acts[k][j]
            j += 1
        z.append(s)
        i += 1
    zs.append(_tuple(z))
    acts.append(_tuple([_sigmoid(v) for v in z]))
    k += 1
delta = _tuple([(acts[3][i] - y[i]) * _sigmoid(zs[2][i]) * (1.0 - _sigmoid(zs[2][i])) for i in (0, 1)])
k = 2
while k >= 1:
    W = Ws[k]
    out = []
    i = 0
    while i < sizes[k]:
        s = 0.0
        j = 0
        while j < sizes[k + 1]:
            s += delta[j] * W[j][i]
            j += 1
        out.append(s * _sigmoid(zs[k - 1][i]) * (1.0 - _sigmoid(zs[k - 1][i])))
        i += 1
    delta = _tuple(out)
    k -= 1
_cmp("numerical_gradient_W(k=0)", got, (4, 2), _tuple([di * xj for di in delta for xj in x]), rtol=1e-5, atol=1e-9)
'''),
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
''', "test_train_xor", 2, '''
sizes = (2, 4, 3, 2)
Ws = [_matrix(_rand(1701 + k, sizes[k + 1] * sizes[k], -1.0, 1.0), sizes[k + 1], sizes[k]) for k in (0, 1, 2)]
bs = [_rand(1711 + k, sizes[k + 1], -0.1, 0.1) for k in (0, 1, 2)]
res = train_xor([np.array(W) for W in Ws], [np.array(b) for b in bs])
got_W = [_num("trained weights", res[0][k]) for k in (0, 1, 2)]
got_b = [_num("trained biases", res[1][k]) for k in (0, 1, 2)]
X4 = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
Y4 = ((1.0, 0.0), (0.0, 1.0), (0.0, 1.0), (1.0, 0.0))
total = 0.0
n = 0
while n < 4:
    a = X4[n]
    k = 0
    while k < 3:
        W = got_W[k][1]
        b = got_b[k][1]
        z = []
        i = 0
        while i < sizes[k + 1]:
            s = b[i]
            j = 0
            while j < sizes[k]:
                s += W[i * sizes[k] + j] * a[j]
                j += 1
            z.append(s)
            i += 1
        a = _tuple([_sigmoid(v) for v in z])
        k += 1
    right = (a[0] > a[1]) == (Y4[n][0] > Y4[n][1])
    if not right:
        _fail("the trained network misclassifies XOR example " + str(n))
    total += 0.5 * ((a[0] - Y4[n][0]) ** 2 + (a[1] - Y4[n][1]) ** 2)
    n += 1
if not (total < 0.1):
    _fail("the trained network's loss on XOR is still large")
'''),
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


BUILDERS = {"ps1": ps1}


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
