import numpy as np
import pytest

from course_utils.gradcheck import check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function_any_shape():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 4))
    before = x.copy()
    # f = sum(sin(x) * x**2)  =>  df/dx = cos(x) x^2 + 2 x sin(x)
    g = numerical_gradient(lambda v: np.sum(np.sin(v) * v**2), x)
    assert np.array_equal(x, before), "x must be left unchanged"
    expected = np.cos(x) * x**2 + 2 * x * np.sin(x)
    assert np.max(np.abs(g - expected)) < 1e-8


def test_numerical_gradient_with_dout_is_a_vector_jacobian_product():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 3))
    x = rng.normal(size=3)
    dout = rng.normal(size=4)
    g = numerical_gradient(lambda v: A @ v, x, dout=dout)
    assert np.allclose(g, A.T @ dout, atol=1e-9)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(v):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0]


def test_numerical_gradient_rejects_bad_input():
    with pytest.raises(TypeError, match="x: expected a float numpy array"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="h: expected a positive step"):
        numerical_gradient(lambda v: 0.0, np.zeros(2), h=0.0)
    with pytest.raises(ValueError, match="f: expected a scalar output"):
        numerical_gradient(lambda v: v, np.zeros(2))


def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [3.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="b: expected the shape of a"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_gradient_reports_worst_entries_and_fails_on_a_wrong_gradient():
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    good = check_gradient(lambda v: np.sum(v**3), x, 3 * x**2, name="cube")
    assert good.passed and good.max_relative_error < 1e-8
    wrong = 3 * x**2
    wrong[1, 2] += 0.1
    bad = check_gradient(lambda v: np.sum(v**3), x, wrong, name="cube")
    assert not bad.passed
    assert bad.worst[0][0] == (1, 2)
    assert "FAIL" in str(bad) and "(1, 2)" in str(bad)
