"""The numpy MLP: backward passes against finite differences, and it really learns."""

import numpy as np
import pytest

from cs551.data import digits, linear_regression_data, split
from cs551.gradcheck import numerical_gradient, relative_error
from cs551.nn import (
    Classifier,
    Dense,
    Network,
    ReLU,
    Sigmoid,
    Tanh,
    mlp,
    softmax_cross_entropy,
    train,
)
from cs551.optim import SGD, Momentum

RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 5))
Y = RNG.integers(0, 3, size=7)


@pytest.mark.parametrize("activation", [ReLU, Tanh, Sigmoid])
def test_backward_matches_finite_differences(activation):
    net = Network([Dense(5, 4), activation(), Dense(4, 3)])
    theta = net.init(seed=1)
    weights = RNG.normal(size=(7, 3))  # a random linear read-out makes every output matter

    def loss(t):
        return float(np.sum(net.forward(t, X)[0] * weights))

    out, caches = net.forward(theta, X)
    assert relative_error(net.backward(theta, caches, weights),
                          numerical_gradient(loss, theta)) < 1e-7


def test_softmax_cross_entropy_value_and_gradient():
    logits = RNG.normal(size=(7, 3)) * 5
    loss, dlogits = softmax_cross_entropy(logits, Y)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.mean(np.log(p[np.arange(7), Y])))
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(z, Y)[0], logits)
    assert relative_error(dlogits, numeric) < 1e-7
    # huge logits: still finite
    assert np.isfinite(softmax_cross_entropy(logits * 1e4, Y)[0])


def test_classifier_gradient_with_weight_decay_matches_finite_differences():
    net = mlp([5, 6, 3], activation="tanh")
    J = Classifier(net, X, Y, l2=0.01)
    theta = net.init(seed=2)
    assert relative_error(J.full_grad(theta), numerical_gradient(J.value, theta)) < 1e-7


def test_mlp_shape_and_parameter_views():
    net = mlp([64, 32, 10])
    assert repr(net) == "Network([Dense(64, 32), ReLU(), Dense(32, 10)], n_params=2410)"
    theta = net.init(seed=0)
    W, b = net.layers[0].split(net.params(theta, 0))
    assert W.shape == (64, 32) and b.shape == (32,) and np.all(b == 0)
    W[0, 0] = 123.0  # a view: writing W writes theta
    assert theta[0] == 123.0
    assert net.init(seed=0, std=0.0).any() == False  # noqa: E712 -- all-zero weights on request
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp([2, 2], activation="swish")
    with pytest.raises(ValueError, match=r"theta must have shape \(2410,\)"):
        net.forward(np.zeros(3), np.zeros((1, 64)))


def test_training_on_digits_learns_and_generalizes():
    data = digits(seed=0)
    net = mlp([64, 32, 10])
    J = Classifier(net, data.X_train, data.y_train, batch_size=32, seed=0)
    history = train(Momentum(0.05, 0.9), J, net.init(seed=0), steps=600,
                    X_val=data.X_val, y_val=data.y_val, every=100)
    assert history.steps == [0, 100, 200, 300, 400, 500, 600]
    assert history.train_error[0] > 0.7  # chance level with ten classes is 0.9
    assert history.train_error[-1] < 0.02 and history.val_error[-1] < 0.06
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]
    assert not history.diverged


def test_training_reports_divergence():
    data = digits(seed=0)
    net = mlp([64, 32, 10])
    J = Classifier(net, data.X_train, data.y_train, batch_size=32)
    history = train(SGD(1e3), J, net.init(seed=0), steps=200, every=1)
    assert history.diverged and history.steps[-1] < 200


def test_digits_splits_are_seeded_standardized_and_relabelled():
    data = digits(seed=0)
    assert data.X_train.shape == (1078, 64) and data.X_val.shape == (359, 64)
    assert data.X_test.shape == (360, 64)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_array_equal(digits(seed=0).y_val, data.y_val)
    assert not np.array_equal(digits(seed=1).y_val, data.y_val)
    binary = digits(classes=(8, 3), bias=True)
    assert set(binary.y_train) == {0, 1} and binary.X_train.shape[1] == 65
    assert np.all(binary.X_train[:, -1] == 1)
    with pytest.raises(ValueError, match="classes must be distinct digits 0-9"):
        digits(classes=(3, 3))
    with pytest.raises(ValueError, match="fractions must be three numbers"):
        split(np.zeros((10, 2)), np.zeros(10), fractions=(0.5, 0.5))


def test_linear_regression_data_scales_features():
    X, y, w = linear_regression_data(m=500, d=2, noise=0.0, scales=(1.0, 10.0))
    np.testing.assert_allclose(y, X @ w)
    assert 50 < np.var(X[:, 1]) / np.var(X[:, 0]) < 200
