"""Objectives: exact gradients and Hessians agree with finite differences."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cs551.gradcheck import numerical_gradient, numerical_jacobian, relative_error
from cs551.objectives import (
    Cliff,
    LeastSquares,
    LogisticRegression,
    Quadratic,
    Rosenbrock,
    Saddle,
    ill_conditioned_quadratic,
)

LANDSCAPES = [ill_conditioned_quadratic(10.0), Rosenbrock(), Saddle(), Cliff()]


def point_in(bounds):
    (x0, x1), (y0, y1) = bounds
    return st.tuples(st.floats(x0, x1), st.floats(y0, y1)).map(np.array)


@pytest.mark.parametrize("f", LANDSCAPES, ids=lambda f: f.name)
@given(data=st.data())
def test_landscape_derivatives_match_finite_differences(f, data):
    theta = data.draw(point_in(f.bounds))
    # relative, except near a stationary point (Rosenbrock's (1, 1)): there the exact gradient
    # is 0 and central differences' error (4e-8) would be all of it
    for exact, numerical in [(f.grad(theta), numerical_gradient(f.value, theta)),
                             (f.hess(theta), numerical_jacobian(f.grad, theta))]:
        assert np.linalg.norm(exact - numerical) / max(np.linalg.norm(exact), 1.0) < 1e-6


@pytest.mark.parametrize("f", LANDSCAPES, ids=lambda f: f.name)
def test_landscape_value_evaluates_a_grid_pointwise(f):
    (x0, x1), (y0, y1) = f.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 5))
    Z = f.value(np.stack([X, Y]))
    expected = [[f.value(np.array([x, y])) for x, y in zip(xs, ys, strict=True)]
                for xs, ys in zip(X, Y, strict=True)]
    np.testing.assert_allclose(Z, expected)


@pytest.mark.parametrize("f", [LANDSCAPES[0], LANDSCAPES[1], LANDSCAPES[3]], ids=lambda f: f.name)
def test_known_minimizers_are_stationary_with_positive_definite_hessian(f):
    assert np.linalg.norm(f.grad(f.minimizer)) < 1e-4
    assert np.all(np.linalg.eigvalsh(f.hess(f.minimizer)) > 0)


def test_quadratic_formulas():
    H = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    f = Quadratic(H, b)
    theta = np.array([0.5, 2.0])
    assert f.value(theta) == pytest.approx(0.5 * theta @ H @ theta - b @ theta)
    np.testing.assert_allclose(f.grad(theta), H @ theta - b)
    np.testing.assert_allclose(f.hess(theta), H)
    np.testing.assert_allclose(H @ f.minimizer, b)
    low, high = np.linalg.eigvalsh(H)
    assert f.condition_number == pytest.approx(high / low)


def test_ill_conditioned_quadratic_has_the_requested_condition_number():
    for kappa in (1.0, 10.0, 250.0):
        assert ill_conditioned_quadratic(kappa).condition_number == pytest.approx(kappa)


def test_saddle_hessian_has_eigenvalues_of_both_signs():
    f = Saddle()
    assert np.all(f.grad(np.zeros(2)) == 0)
    eigenvalues = np.linalg.eigvalsh(f.hess(np.zeros(2)))
    assert eigenvalues.min() < 0 < eigenvalues.max()


def test_cliff_gradient_is_huge_at_the_edge_and_small_elsewhere():
    f = Cliff()
    xs = np.linspace(*f.bounds[0], 2001)
    slopes = np.array([np.linalg.norm(f.grad(np.array([x, 0.0]))) for x in xs])
    assert slopes.max() > 0.9 * f.height * f.steepness / 4
    away = np.abs(xs) > 1  # off the edge, only the bowl k/2 ||theta - (2, 0)||^2 is felt
    np.testing.assert_allclose(slopes[away], f.k * np.abs(xs[away] - 2), atol=0.05)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Quadratic([[1.0, 2.0], [0.0, 1.0]]), "H must be symmetric"),
        (lambda: Quadratic([[1.0, 0.0]]), r"H must be a square matrix, got shape \(1, 2\)"),
        (lambda: Quadratic(np.eye(2), [1.0, 2.0, 3.0]),
         r"b must have shape \(2,\), got shape \(3,\)"),
        (lambda: Quadratic([[np.nan]]), "H must be finite"),
        (lambda: ill_conditioned_quadratic(0.5), "kappa must be >= 1, got 0.5"),
        (lambda: Rosenbrock(b=-1.0), "b must be a finite number > 0, got -1.0"),
        (lambda: LeastSquares(np.ones((5, 2)), np.ones(4)), r"y must have shape \(5,\)"),
        (lambda: LeastSquares(np.ones((5, 2)), np.ones(5), batch_size=6),
         r"batch_size must be in \[1, 5\], got 6"),
        (lambda: LeastSquares(np.ones((5, 2)), np.ones(5), batch_size=0),
         "batch_size must be an integer >= 1, got 0"),
        (lambda: LogisticRegression(np.ones((3, 2)), [0, 1, 2]), "y must hold labels 0 and 1"),
        (lambda: LogisticRegression(np.ones((3, 2)), [0, 1, 1], l2=-1.0),
         "l2 must be a finite number >= 0, got -1.0"),
    ],
)
def test_bad_arguments_raise_clear_value_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def data(seed=0, m=60, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=m)
    return X, y


def stochastic_objectives(batch_size=None):
    X, y = data()
    return [LeastSquares(X, y, batch_size=batch_size, seed=1),
            LogisticRegression(X, (y > 0).astype(float), batch_size=batch_size, seed=1, l2=0.1)]


@pytest.mark.parametrize("f", stochastic_objectives(), ids=lambda f: f.name)
def test_data_objective_derivatives_match_finite_differences(f):
    theta = np.array([0.3, -0.7, 1.1])
    assert relative_error(f.full_grad(theta), numerical_gradient(f.value, theta)) < 1e-7
    assert relative_error(f.grad(theta), f.full_grad(theta)) == 0  # batch_size=None
    assert relative_error(f.hess(theta), numerical_jacobian(f.full_grad, theta)) < 1e-7


@pytest.mark.parametrize("f", stochastic_objectives(batch_size=5), ids=lambda f: f.name)
def test_minibatch_gradient_is_an_unbiased_estimate(f):
    theta = np.array([0.3, -0.7, 1.1])
    samples = np.array([f.grad(theta) for _ in range(4000)])
    standard_error = samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - f.full_grad(theta)) < 5 * standard_error)
    assert np.all(samples.std(axis=0) > 0)  # and it really is noisy


@pytest.mark.parametrize("f", stochastic_objectives(batch_size=5), ids=lambda f: f.name)
def test_minibatch_stream_is_seeded_and_counted(f):
    theta = np.zeros(3)
    first = [f.grad(theta) for _ in range(3)]
    assert f.examples_seen == 15
    f.reset()
    assert f.examples_seen == 0
    np.testing.assert_array_equal(first, [f.grad(theta) for _ in range(3)])
    # the Hessian is taken on the minibatch of the latest gradient, as on the Newton slide
    np.testing.assert_allclose(f.hess(theta), f.batch_hess(theta, f._batch))
    assert len(np.unique(f._batch)) == 5


@pytest.mark.parametrize("f", stochastic_objectives(), ids=lambda f: f.name)
def test_data_objective_value_evaluates_many_points_at_once(f):
    thetas = np.random.default_rng(0).normal(size=(3, 4, 2))
    values = f.value(thetas)
    assert values.shape == (4, 2)
    assert values[1, 0] == pytest.approx(f.value(thetas[:, 1, 0]))


def test_least_squares_minimizer_and_logistic_error_rate():
    X, y = data()
    ls = LeastSquares(X, y)
    assert np.linalg.norm(ls.full_grad(ls.minimizer)) < 1e-12
    labels = (y > 0).astype(float)
    lr = LogisticRegression(X, labels)
    assert lr.error_rate(np.zeros(3)) == pytest.approx(np.mean(labels == 1))
