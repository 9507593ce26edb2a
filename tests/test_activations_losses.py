import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_utils.activations import ACTIVATIONS, get_activation, sigmoid, softmax, softmax_backward
from course_utils.gradcheck import numerical_gradient, relative_error
from course_utils.graph import Value
from course_utils.losses import mse, mse_gradient, one_hot, softmax_cross_entropy

RNG = np.random.default_rng(42)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_matches_numerical(name):
    act = get_activation(name)
    z = RNG.normal(size=(4, 5)) * 2
    z[np.abs(z) < 1e-3] = 0.5  # keep away from ReLU's kink
    numeric = numerical_gradient(lambda v: np.sum(act.forward(v)), z.copy())
    assert relative_error(act.derivative(z), numeric) < 1e-7


@pytest.mark.parametrize("name, method", [("sigmoid", "sigmoid"), ("tanh", "tanh"), ("relu", "relu")])
def test_activation_matches_value_graph(name, method):
    act = get_activation(name)
    for zval in (-3.2, -0.4, 0.7, 2.5):
        node = Value(zval)
        out = getattr(node, method)()
        out.backward()
        assert act.forward(np.array(zval)) == pytest.approx(out.data, rel=1e-14)
        assert act.derivative(np.array(zval)) == pytest.approx(node.grad, rel=1e-14)


def test_known_values_from_the_formulas():
    assert get_activation("sigmoid").derivative(np.array(0.0)) == 0.25
    assert get_activation("tanh").derivative(np.array(0.0)) == 1.0
    leaky = get_activation("leaky_relu", slope=0.2)
    assert leaky.forward(np.array([-2.0, 3.0])).tolist() == [-0.4, 3.0]
    assert leaky.derivative(np.array([-2.0, 3.0])).tolist() == [0.2, 1.0]
    assert get_activation("relu").derivative(np.array([-1.0, 0.0, 1.0])).tolist() == [0.0, 0.0, 1.0]


def test_sigmoid_is_stable_and_accurate_far_out():
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0
    assert s[1] == pytest.approx(math.exp(-40.0), rel=1e-12)  # no cancellation for negative z


def test_get_activation_errors():
    with pytest.raises(ValueError, match="name: expected one of 'sigmoid'"):
        get_activation("sigmoidd")
    with pytest.raises(TypeError, match="name: expected an activation name"):
        get_activation(3)
    with pytest.raises(ValueError, match="slope: expected a number >= 0"):
        get_activation("leaky_relu", slope=-1)


@given(arrays(np.float64, (3, 4), elements=st.floats(-50, 50)))
def test_softmax_rows_sum_to_one_and_are_shift_invariant(z):
    s = softmax(z)
    assert np.all(s >= 0)
    assert np.allclose(s.sum(axis=1), 1.0)
    assert np.allclose(softmax(z + 123.0), s)
    assert np.allclose(softmax(z - z.max(axis=1, keepdims=True)), s)


def test_softmax_is_stable_for_logits_of_1e3():
    z = np.array([[1000.0, 1000.0 - math.log(3.0), 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = softmax(z)
    assert s[0].tolist() == pytest.approx([0.75, 0.25, 0.0])


def test_softmax_axis_and_backward_against_explicit_jacobian():
    z = RNG.normal(size=(3, 4))
    assert np.allclose(softmax(z, axis=0), softmax(z.T, axis=1).T)
    da = RNG.normal(size=(3, 4))
    s = softmax(z)
    for n in range(3):
        jac = np.diag(s[n]) - np.outer(s[n], s[n])  # ds_k/dz_i = s_k(delta_ki - s_i)
        assert np.allclose(softmax_backward(da, s)[n], jac.T @ da[n])
    numeric = numerical_gradient(lambda v: np.sum(softmax(v) * da), z.copy())
    assert relative_error(softmax_backward(da, s), numeric) < 1e-7


def test_softmax_rejects_non_finite():
    with pytest.raises(ValueError, match="z: expected finite values, got 1 non-finite"):
        softmax(np.array([[1.0, np.nan]]))


def test_mse_is_the_lecture_loss_for_one_example():
    # E = 1/2((.76 - .01)^2 + (.77 - .99)^2), slides 001
    assert mse(np.array([[0.76, 0.77]]), np.array([[0.01, 0.99]])) == pytest.approx(
        0.5 * (0.75**2 + 0.22**2), rel=1e-14
    )
    assert mse(np.array([0.76, 0.77]), np.array([0.01, 0.99])) == pytest.approx(0.30545)


def test_mse_is_a_mean_over_examples_and_its_gradient_is_numerical():
    yhat, y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    per_example = [0.5 * sum((a - b) ** 2 for a, b in zip(r1, r2)) for r1, r2 in zip(yhat.tolist(), y.tolist())]
    assert mse(yhat, y) == pytest.approx(sum(per_example) / 5, rel=1e-13)
    numeric = numerical_gradient(lambda v: mse(v, y), yhat.copy())
    assert relative_error(mse_gradient(yhat, y), numeric) < 1e-7


def test_mse_shape_errors():
    with pytest.raises(ValueError, match=r"y: expected the shape of yhat \(2, 3\), got \(3, 2\)"):
        mse(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="yhat: expected finite values"):
        mse(np.array([[np.inf]]), np.array([[0.0]]))


def test_softmax_cross_entropy_labels_equal_one_hot_and_gradient():
    z = RNG.normal(size=(6, 4))
    labels = np.array([0, 3, 1, 1, 2, 0])
    loss_l, dz_l = softmax_cross_entropy(z, labels)
    loss_h, dz_h = softmax_cross_entropy(z, one_hot(labels, 4))
    assert loss_l == pytest.approx(loss_h) and np.allclose(dz_l, dz_h)
    assert np.allclose(dz_l, (softmax(z) - one_hot(labels, 4)) / 6)
    numeric = numerical_gradient(lambda v: softmax_cross_entropy(v, labels)[0], z.copy())
    assert relative_error(dz_l, numeric) < 1e-7


def test_softmax_cross_entropy_matches_a_value_graph():
    z = [0.3, -1.2, 2.0]
    nodes = [Value(v) for v in z]
    exps = [n.exp() for n in nodes]
    total = exps[0] + exps[1] + exps[2]
    loss = -(exps[2] / total).log()
    loss.backward()
    value, dz = softmax_cross_entropy(np.array([z]), np.array([2]))
    assert value == pytest.approx(loss.data, rel=1e-13)
    assert dz[0].tolist() == pytest.approx([n.grad for n in nodes], rel=1e-12)


def test_softmax_cross_entropy_is_stable_for_large_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dz = softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1]))
    assert loss == pytest.approx(500.0)  # first row costs 1000, second 0
    assert np.all(np.isfinite(dz))


def test_softmax_cross_entropy_errors():
    with pytest.raises(ValueError, match="y: expected 2 integer labels"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"labels: expected integers in \[0, 2\]"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="z: expected a 2-D array, got 1-D"):
        softmax_cross_entropy(np.zeros(3), np.array([0]))
