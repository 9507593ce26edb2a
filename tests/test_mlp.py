"""The vectorized delta rule (MLP) against numerical gradients, the index form, and a Value graph."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.delta_rule import deltas_one_example, index_form_gradients, value_graph_loss
from course_utils.gradcheck import numerical_gradient, relative_error
from course_utils.mlp import MLP, Gradients

ARCHITECTURES = [
    # sizes, hidden, output, loss, weight decay
    ([2, 4, 3, 2], "sigmoid", "sigmoid", "mse", 0.0),
    ([2, 4, 3, 2], "tanh", "sigmoid", "mse", 0.0),
    ([2, 4, 3, 2], "relu", "linear", "mse", 0.0),
    ([2, 4, 3, 2], "leaky_relu", "tanh", "mse", 0.05),
    ([2, 4, 3, 2], "tanh", "softmax", "cross_entropy", 0.0),
    ([2, 4, 3, 2], "sigmoid", "softmax", "mse", 0.0),
    ([3, 5, 4], "relu", "softmax", "cross_entropy", 0.1),
    ([4, 1], "linear", "linear", "mse", 0.0),
    ([3, 6, 6, 6, 2], "tanh", "sigmoid", "mse", 0.01),
]


def _data(sizes, loss, n=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        return x, rng.integers(0, sizes[-1], size=n)
    return x, rng.uniform(0.05, 0.95, size=(n, sizes[-1]))


def _params_check(mlp, x, y, loss, grads):
    """Numerical gradient of every parameter array, perturbed in place."""
    for k in range(len(mlp.weights)):
        for arr, ana in ((mlp.weights[k], grads.weights[k]), (mlp.biases[k], grads.biases[k])):
            num = numerical_gradient(lambda _: mlp.loss_and_gradients(x, y, loss)[0], arr)
            assert relative_error(ana, num) < 1e-6, f"layer {k}"


@pytest.mark.parametrize("sizes, hidden, output, loss, wd", ARCHITECTURES)
def test_gradients_match_numerical(sizes, hidden, output, loss, wd):
    mlp = MLP(sizes, activation=hidden, output_activation=output, seed=3, weight_decay=wd)
    x, y = _data(sizes, loss)
    _, grads = mlp.loss_and_gradients(x, y, loss)
    _params_check(mlp, x, y, loss, grads)


@pytest.mark.parametrize("sizes, hidden, output, loss, wd", ARCHITECTURES)
def test_vectorized_equals_index_form(sizes, hidden, output, loss, wd):
    mlp = MLP(sizes, activation=hidden, output_activation=output, seed=5, weight_decay=wd)
    x, y = _data(sizes, loss, seed=1)
    _, fast = mlp.loss_and_gradients(x, y, loss)
    slow = index_form_gradients(mlp, x, y, loss)
    for name in ("weights", "biases", "deltas"):
        for a, b in zip(getattr(fast, name), getattr(slow, name)):
            assert a.shape == b.shape
            assert np.max(np.abs(a - b)) < 1e-12, name


@pytest.mark.parametrize("hidden, output", [("sigmoid", "sigmoid"), ("tanh", "sigmoid"), ("relu", "linear")])
def test_matches_value_graph_on_2_4_3_2(hidden, output):
    mlp = MLP([2, 4, 3, 2], activation=hidden, output_activation=output, seed=11)
    x, y = _data([2, 4, 3, 2], "mse", n=3, seed=2)
    loss, grads = mlp.loss_and_gradients(x, y)
    graph_loss, W, b = value_graph_loss(mlp, x, y)
    graph_loss.backward()
    assert loss == pytest.approx(graph_loss.data, rel=1e-13)
    for k in range(3):
        assert np.allclose(grads.weights[k], [[w.grad for w in row] for row in W[k]], rtol=1e-11, atol=1e-15)
        assert np.allclose(grads.biases[k], [v.grad for v in b[k]], rtol=1e-11, atol=1e-15)


def test_output_delta_of_softmax_cross_entropy_is_yhat_minus_y():
    mlp = MLP([3, 4, 3], activation="tanh", output_activation="softmax", seed=1)
    x, labels = _data([3, 4, 3], "cross_entropy", n=4)
    _, grads = mlp.loss_and_gradients(x, labels, loss="cross_entropy")
    yhat = mlp.forward(x)
    assert np.allclose(grads.deltas[-1], yhat - np.eye(3)[labels], atol=1e-15)


def test_output_delta_of_sigmoid_mse_is_the_lecture_formula():
    mlp = MLP([2, 4, 3, 2], seed=2)
    x, y = _data([2, 4, 3, 2], "mse", n=1)
    zs, acts = mlp.forward_layers(x)
    _, grads = mlp.loss_and_gradients(x, y)
    s = 1 / (1 + np.exp(-zs[-1]))
    assert np.allclose(grads.deltas[-1], (acts[-1] - y) * s * (1 - s))  # delta^4 = (yhat - y) f'(z^4)
    delta, _, _ = deltas_one_example(mlp, x[0].tolist(), y[0].tolist())
    assert [len(delta[l]) for l in (2, 3, 4)] == [4, 3, 2]


def test_shapes_follow_the_lecture_convention():
    mlp = MLP([2, 4, 3, 2])
    assert [W.shape for W in mlp.weights] == [(4, 2), (3, 4), (2, 3)]  # W^l: (S_{l+1}, S_l)
    x, y = _data([2, 4, 3, 2], "mse", n=7)
    _, g = mlp.loss_and_gradients(x, y)
    assert [d.shape for d in g.deltas] == [(7, 4), (7, 3), (7, 2)]
    assert [w.shape for w in g.weights] == [(4, 2), (3, 4), (2, 3)]
    assert mlp.forward(x).shape == (7, 2)


def test_weight_decay_adds_lambda_omega():
    x, y = _data([2, 3, 2], "mse")
    plain = MLP([2, 3, 2], seed=4)
    decayed = MLP([2, 3, 2], seed=4, weight_decay=0.3)
    l0, g0 = plain.loss_and_gradients(x, y)
    l1, g1 = decayed.loss_and_gradients(x, y)
    omega = 0.5 * sum(float(np.sum(W**2)) for W in plain.weights)
    assert l1 == pytest.approx(l0 + 0.3 * omega)
    assert np.allclose(g1.weights[0], g0.weights[0] + 0.3 * plain.weights[0])
    assert np.allclose(g1.biases[0], g0.biases[0])  # biases are not regularised


def test_fit_learns_xor_and_history_decreases():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    mlp = MLP([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    seen = []
    history = mlp.fit(x, y, epochs=2000, lr=2.0, progress=lambda done, total: seen.append(done))
    assert len(history) == 2000 and seen[-1] == 2000
    assert history[-1] < 0.01 < history[0]
    assert (mlp.forward(x)[:, 0] > 0.5).tolist() == [False, True, True, False]


def test_step_is_gradient_descent():
    mlp = MLP([2, 3, 2], seed=1)
    before = [W.copy() for W in mlp.weights]
    x, y = _data([2, 3, 2], "mse")
    _, g = mlp.loss_and_gradients(x, y)
    mlp.step(g, lr=0.1)
    assert np.allclose(mlp.weights[1], before[1] - 0.1 * g.weights[1])
    with pytest.raises(TypeError, match="grads: expected the Gradients"):
        mlp.step({"weights": []}, 0.1)


def test_bad_input_messages():
    mlp = MLP([4, 3])
    with pytest.raises(
        ValueError, match=r"weights\[0\]: expected shape \(3, 4\) \(W\^1 for a layer of size 4 -> 3\), got \(3, 5\)"
    ):
        mlp.weights = [np.zeros((3, 5))]
    with pytest.raises(ValueError, match=r"x: expected shape \(N, 4\)"):
        mlp.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"x: expected a batch of shape \(N, 4\)"):
        mlp.forward(np.zeros(4))
    with pytest.raises(ValueError, match=r"y: expected shape \(2, 3\)"):
        mlp.loss_and_gradients(np.zeros((2, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="loss: 'cross_entropy' expects output_activation='softmax'"):
        mlp.loss_and_gradients(np.zeros((2, 4)), np.array([0, 1]), loss="cross_entropy")
    with pytest.raises(ValueError, match="sizes: expected at least 2 layer sizes"):
        MLP([3])
    with pytest.raises(ValueError, match=r"sizes\[1\]: expected an integer >= 1, got 0"):
        MLP([3, 0])
    with pytest.raises(ValueError, match="x: expected finite values"):
        mlp.forward(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="epochs: expected an integer >= 1"):
        mlp.fit(np.zeros((2, 4)), np.zeros((2, 3)), epochs=0, lr=0.1)


def test_gradients_container_is_what_step_expects():
    assert isinstance(MLP([2, 2]).loss_and_gradients(np.zeros((1, 2)), np.zeros((1, 2)))[1], Gradients)


@settings(max_examples=25)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    n=st.integers(1, 4),
    hidden=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
)
def test_property_gradient_shapes_match_parameters_and_index_form(sizes, n, hidden):
    mlp = MLP(sizes, activation=hidden, output_activation="linear", seed=n)
    rng = np.random.default_rng(n)
    x, y = rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))
    loss, g = mlp.loss_and_gradients(x, y)
    assert loss >= 0
    assert [w.shape for w in g.weights] == [w.shape for w in mlp.weights]
    assert [b.shape for b in g.biases] == [b.shape for b in mlp.biases]
    assert [d.shape for d in g.deltas] == [(n, s) for s in sizes[1:]]
    slow = index_form_gradients(mlp, x, y)
    assert all(np.allclose(a, b, atol=1e-12) for a, b in zip(g.weights, slow.weights))
