"""Tiny CNN and its synthetic dataset: whole-network gradient check, an independent oracle, training, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from course_utils.cnn import TinyCNN
from course_utils.datasets import BARS_AND_SHAPES_CLASSES, bars_and_shapes
from course_utils.gradcheck import numerical_gradient, relative_error


def test_dataset_shapes_labels_and_determinism():
    x, y = bars_and_shapes(40, size=10, seed=3)
    assert x.shape == (40, 1, 10, 10) and x.dtype == np.float64
    assert y.shape == (40,) and set(np.unique(y)) == set(range(len(BARS_AND_SHAPES_CLASSES)))
    assert np.bincount(y).tolist() == [10, 10, 10, 10]  # balanced
    x2, y2 = bars_and_shapes(40, size=10, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, bars_and_shapes(40, size=10, seed=4)[0])


def test_dataset_shapes_are_what_the_labels_say():
    x, y = bars_and_shapes(80, size=12, noise=0.0, seed=5)
    for img, label in zip(x[:, 0], y):
        rows, cols = np.nonzero(img)
        height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
        if label == 0:
            assert height <= 2 < width
        elif label == 1:
            assert width <= 2 < height
        elif label == 2:
            assert height == width == len(rows)  # one pixel per row and column
        else:
            assert height == width and len(rows) == 4 * (height - 1)  # a hollow square's outline


def _small_net_and_batch():
    net = TinyCNN(in_shape=(2, 6, 6), n_filters=3, kernel=3, pool=2, n_classes=3, seed=1)
    rng = np.random.default_rng(2)
    for k in net.params:  # non-zero biases so that their gradients are tested too
        net.params[k] += 0.1 * rng.normal(size=net.params[k].shape)
    return net, rng.normal(size=(4, 2, 6, 6)), np.array([0, 2, 1, 2])


def test_whole_network_gradient_check():
    net, x, y = _small_net_and_batch()
    _, grads = net.loss_and_gradients(x, y)
    for name, value in net.params.items():
        num = numerical_gradient(lambda _: net.loss_and_gradients(x, y)[0], value)
        assert relative_error(grads[name], num) < 1e-6, name


def test_scores_against_an_independent_forward_pass():
    # the same network written with scipy and plain numpy, sharing no code with course_utils
    net, x, _ = _small_net_and_batch()
    p = net.params
    n, f = len(x), p["w1"].shape[0]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.array(
        [
            [
                sum(signal.correlate2d(xp[i, c], p["w1"][k, c], mode="valid") for c in range(x.shape[1])) + p["b1"][k]
                for k in range(f)
            ]
            for i in range(n)
        ]
    )
    a = np.maximum(z, 0)
    pooled = a.reshape(n, f, 3, 2, 3, 2).max(axis=(3, 5))
    scores = pooled.reshape(n, -1) @ p["W2"].T + p["b2"]
    np.testing.assert_allclose(net.forward(x)[0], scores, atol=1e-12)


def test_training_for_a_few_epochs_learns_the_shapes():
    x, y = bars_and_shapes(600, seed=0)
    x_test, y_test = bars_and_shapes(200, seed=1)
    net = TinyCNN(seed=0)
    before = net.accuracy(x_test, y_test)
    losses = net.train(x, y, epochs=3, lr=0.05, batch_size=32)
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    assert net.accuracy(x_test, y_test) > 0.9 > before


def test_bad_input_is_reported():
    net = TinyCNN()
    with pytest.raises(ValueError, match=r"x: expected images of shape \(N, 1, 12, 12\), got \(2, 1, 10, 10\)"):
        net.forward(np.zeros((2, 1, 10, 10)))
    with pytest.raises(ValueError, match="kernel: expected an odd size"):
        TinyCNN(kernel=4)
    with pytest.raises(ValueError, match=r"y: expected 2 integer labels, got shape \(3,\)"):
        net.train(np.zeros((2, 1, 12, 12)), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="n: expected an integer >= 1, got 0"):
        bars_and_shapes(0)
    with pytest.raises(ValueError, match="size: expected an integer >= 6, got 4"):
        bars_and_shapes(4, size=4)
