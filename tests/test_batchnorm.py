"""Batch normalization: the transform, its gradients, and inference (cs551.batchnorm)."""

import re

import numpy as np
import pytest

from cs551.gradcheck import numerical_gradient, relative_error
from cs551.nn import (
    BatchNorm,
    Dense,
    Network,
    ReLU,
    backward,
    fold,
    forward,
    population_statistics,
    running_average,
    set_population_statistics,
)


def batch(seed=0, m=6, n=3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, n)) * 10 ** rng.uniform(-1, 1, size=n) + rng.normal(size=n) * 5
    return x, rng.normal(size=n), rng.normal(size=n)


def test_forward_gives_each_unit_zero_mean_unit_variance_before_scale_and_shift():
    x, gamma, beta = batch()
    y, _ = forward(x, np.ones(3), np.zeros(3), eps=0.0)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-12)
    y, _ = forward(x, gamma, beta, eps=0.0)  # then y has mean beta and std |gamma|
    np.testing.assert_allclose(y.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), np.abs(gamma), rtol=1e-12)


def test_forward_matches_the_slide_written_out_by_hand():
    x, gamma, beta = batch(1, m=4, n=2)
    m = len(x)
    mu = sum(x[i] for i in range(m)) / m
    var = sum((x[i] - mu) ** 2 for i in range(m)) / m  # divided by m, not m - 1
    expected = gamma * (x - mu) / np.sqrt(var + 1e-3) + beta
    np.testing.assert_allclose(forward(x, gamma, beta, 1e-3)[0], expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_backward_matches_finite_differences(seed):
    x, gamma, beta = batch(seed)
    dy = np.random.default_rng(100 + seed).normal(size=x.shape)
    dx, dgamma, dbeta = backward(dy, forward(x, gamma, beta, 1e-3)[1])

    def loss(x=x, gamma=gamma, beta=beta):
        return float(np.sum(dy * forward(x, gamma, beta, 1e-3)[0]))

    assert relative_error(dx, numerical_gradient(lambda v: loss(x=v), x)) < 1e-7
    assert relative_error(dgamma, numerical_gradient(lambda v: loss(gamma=v), gamma)) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda v: loss(beta=v), beta)) < 1e-7


def test_a_wrong_backward_is_caught_by_the_check():
    """Dropping the path through the batch statistics (dx = gamma dy / std) fails the check."""
    x, gamma, beta = batch(3)
    dy = np.random.default_rng(7).normal(size=x.shape)
    cache = forward(x, gamma, beta, 1e-3)[1]
    naive = dy * gamma * cache.inv_std
    numeric = numerical_gradient(lambda v: float(np.sum(dy * forward(v, gamma, beta, 1e-3)[0])),
                                 x)
    assert relative_error(naive, numeric) > 1e-2


def test_population_statistics_are_the_slides_unbiased_estimates():
    rng = np.random.default_rng(0)
    data = rng.normal(2.0, 3.0, size=(200_000, 2))
    batches = data.reshape(-1, 4, 2)  # 50,000 minibatches of m = 4
    mean, var = population_statistics(batches)
    np.testing.assert_allclose(mean, data.mean(axis=0), atol=1e-12)
    # the m/(m-1) factor: without it the variance is 3/4 of the truth
    np.testing.assert_allclose(var, 9.0, rtol=0.02)
    assert np.all(np.mean(batches.var(axis=1), axis=0) < 0.8 * 9.0)


def test_running_average_weights_recent_batches():
    batches = [np.full((4, 1), 10.0) + np.array([[-1], [1], [-1], [1]])] * 60
    mean, var = running_average(batches, momentum=0.9)
    np.testing.assert_allclose(mean, 10.0, rtol=1e-2)  # forgot its start at 0
    np.testing.assert_allclose(var, 4 / 3, rtol=1e-2)  # m/(m-1) * 1


def test_fold_reproduces_the_inference_transform():
    x, gamma, beta = batch(4)
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.2, 4.0])
    scale, shift = fold(gamma, beta, mean, var, 1e-5)
    np.testing.assert_allclose(scale * x + shift,
                               gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, rtol=1e-12)


def test_layer_at_inference_uses_population_statistics_and_matches_the_folded_map():
    net = Network([Dense(4, 5), BatchNorm(5), ReLU(), Dense(5, 2)])
    theta = net.init(seed=0)
    X = np.random.default_rng(1).normal(size=(300, 4))
    set_population_statistics(net, theta, X, batch_size=32, batches=40, seed=0)
    layer = net.layers[1]
    W, b = net.layers[0].split(net.params(theta, 0))
    rng = np.random.default_rng(0)  # the same minibatches, drawn by hand
    minibatches = [X[rng.choice(300, size=32, replace=False)] @ W + b for _ in range(40)]
    mean, var = population_statistics(minibatches)
    np.testing.assert_allclose(layer.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.var, var, rtol=1e-12)
    np.testing.assert_allclose(layer.mean, (X @ W + b).mean(axis=0), atol=0.2)
    scale, shift = fold(*layer.split(net.params(theta, 1)), layer.mean, layer.var, layer.eps)
    out = net.forward(theta, X, train=False)[0]
    hidden = np.maximum(scale * (X @ W + b) + shift, 0)
    W2, b2 = net.layers[3].split(net.params(theta, 3))
    np.testing.assert_allclose(out, hidden @ W2 + b2, rtol=1e-12)
    # training mode normalizes with the batch's own statistics instead: different outputs
    assert not np.allclose(net.forward(theta, X[:8], train=True)[0], out[:8])


def test_network_with_batchnorm_backward_matches_finite_differences():
    net = Network([Dense(3, 4), BatchNorm(4), ReLU(), Dense(4, 2)])
    theta = net.init(seed=2) + np.random.default_rng(3).normal(size=net.n_params) * 0.1
    X = np.random.default_rng(4).normal(size=(8, 3))
    dout = np.random.default_rng(5).normal(size=(8, 2))

    def loss(t):
        return float(np.sum(dout * net.forward(t, X, train=True)[0]))

    grad = net.backward(theta, net.forward(theta, X, train=True)[1], dout)
    assert relative_error(grad, numerical_gradient(loss, theta)) < 1e-6


@pytest.mark.parametrize("call, message", [
    (lambda: forward(np.ones(3), np.ones(3), np.zeros(3)), "x must be a 2-D array"),
    (lambda: forward(np.ones((2, 3)), np.ones(2), np.zeros(3)), "gamma must have shape (3,)"),
    (lambda: forward(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=-1), "eps must be"),
    (lambda: population_statistics([np.ones((1, 2))]), "same size m >= 2"),
    (lambda: population_statistics([]), "at least one minibatch"),
    (lambda: running_average([np.ones((3, 2))], momentum=1.0), "momentum must be in [0, 1)"),
    (lambda: BatchNorm(0), "n must be an integer >= 1"),
])
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
