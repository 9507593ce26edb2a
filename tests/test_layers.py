import numpy as np
import pytest

from course_utils.gradcheck import numerical_gradient, relative_error
from course_utils.layers import activation_backward, activation_forward, dense_backward, dense_forward

RNG = np.random.default_rng(7)


def test_dense_forward_is_the_lecture_sum():
    x, W, b = RNG.normal(size=(3, 4)), RNG.normal(size=(2, 4)), RNG.normal(size=2)
    z, _ = dense_forward(x, W, b)
    for n in range(3):
        for i in range(2):  # z_i = sum_j W_ij x_j + b_i
            assert z[n, i] == pytest.approx(sum(W[i, j] * x[n, j] for j in range(4)) + b[i], rel=1e-13)


def test_dense_backward_matches_numerical_and_loops():
    x, W, b = RNG.normal(size=(3, 4)), RNG.normal(size=(2, 4)), RNG.normal(size=2)
    z, cache = dense_forward(x, W, b)
    dz = RNG.normal(size=z.shape)
    dx, dW, db = dense_backward(dz, cache)
    assert relative_error(dx, numerical_gradient(lambda v: dense_forward(v, W, b)[0], x, dout=dz)) < 1e-7
    assert relative_error(dW, numerical_gradient(lambda v: dense_forward(x, v, b)[0], W, dout=dz)) < 1e-7
    assert relative_error(db, numerical_gradient(lambda v: dense_forward(x, W, v)[0], b, dout=dz)) < 1e-7
    loop_dW = [[sum(dz[n, i] * x[n, j] for n in range(3)) for j in range(4)] for i in range(2)]
    assert np.allclose(dW, loop_dW)


def test_dense_shape_errors_name_the_argument():
    with pytest.raises(
        ValueError, match=r"x: expected shape \(N, 4\) \(N rows of 4 inputs for W of shape \(3, 4\)\), got \(2, 5\)"
    ):
        dense_forward(np.zeros((2, 5)), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b: expected shape \(3,\)"):
        dense_forward(np.zeros((2, 4)), np.zeros((3, 4)), np.zeros(4))
    _, cache = dense_forward(np.zeros((2, 4)), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"dz: expected shape \(2, 3\)"):
        dense_backward(np.zeros((3, 2)), cache)
    with pytest.raises(ValueError, match="x: expected finite values"):
        dense_forward(np.array([[np.nan] * 4]), np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(TypeError, match="W: expected an array of numbers"):
        dense_forward(np.zeros((2, 4)), "W", np.zeros(3))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_activation_layer_backward(name):
    z = RNG.normal(size=(3, 5)) + 0.01
    a, cache = activation_forward(z, name)
    da = RNG.normal(size=a.shape)
    numeric = numerical_gradient(lambda v: activation_forward(v, name)[0], z.copy(), dout=da)
    assert relative_error(activation_backward(da, cache), numeric) < 1e-7
