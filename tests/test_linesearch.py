"""Line search: the exact step minimizes f along -g; backtracking satisfies Armijo."""

import numpy as np
import pytest
from hypothesis import given

from cs551.linesearch import Backtracking, ExactLineSearch, backtracking, exact_step
from cs551.objectives import Quadratic, Rosenbrock, Saddle
from cs551.optim import minimize

from .test_optim import spd_matrices


@given(problem=spd_matrices())
def test_exact_step_minimizes_f_along_the_negative_gradient(problem):
    H, b, theta = problem
    f = Quadratic((H + H.T) / 2, b)
    g = f.grad(theta)
    eps = exact_step(f.H, g)
    # d/d eps f(theta - eps g) = -grad f(theta - eps g) . g vanishes at the exact step ...
    assert abs(f.grad(theta - eps * g) @ g) <= 1e-9 * (1 + g @ g)
    # ... and it is a minimum: both neighbours are higher
    for nearby in (0.99 * eps, 1.01 * eps):
        assert f.value(theta - nearby * g) >= f.value(theta - eps * g) - 1e-12


def test_exact_step_formula_and_edge_cases():
    assert exact_step(np.diag([1.0, 0.5]), np.array([1.0, 1.0])) == pytest.approx(2 / 1.5)
    assert exact_step(np.eye(2), np.zeros(2)) == 0.0
    with pytest.raises(ValueError, match="g\\^T H g must be > 0"):
        exact_step(np.diag([1.0, -3.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match=r"H must have shape \(2, 2\)"):
        exact_step(np.eye(3), np.ones(2))


@given(problem=spd_matrices())
def test_exact_line_search_makes_consecutive_gradients_orthogonal(problem):
    H, b, theta0 = problem
    f = Quadratic((H + H.T) / 2, b)
    run = minimize(ExactLineSearch(), f, theta0, 4)
    grads = [f.grad(t) for t in run.thetas]
    for g0, g1 in zip(grads, grads[1:], strict=False):
        assert abs(g0 @ g1) <= 1e-9 * (1 + np.linalg.norm(g0) * np.linalg.norm(grads[0]))


@pytest.mark.parametrize("theta", [[-1.5, 2.0], [0.5, -0.5], [1.2, 1.2]])
def test_backtracking_returns_the_first_step_meeting_armijo(theta):
    f, theta = Rosenbrock(), np.array(theta)
    g = f.grad(theta)
    eps = backtracking(f, theta, lr0=1.0, shrink=0.5, c=1e-4)
    armijo = lambda e: f.value(theta - e * g) <= f.value(theta) - 1e-4 * e * (g @ g)  # noqa: E731
    assert eps > 0 and armijo(eps)
    assert not armijo(2 * eps)  # the step before it was rejected


def test_backtracking_gradient_descent_decreases_f_every_step():
    run = minimize(Backtracking(), Rosenbrock(), [-1.5, 2.0], 2000)
    assert np.all(np.diff(run.values) <= 0)
    assert run.value < 0.05 * run.values[0]  # slow in the curved valley, but always downhill


def test_backtracking_gives_zero_when_no_step_decreases():
    f = Saddle()
    assert backtracking(f, np.zeros(2)) == 0.0  # g = 0
    assert backtracking(f, np.array([1.0, 0.0]), g=-f.grad(np.array([1.0, 0.0])),
                        max_shrinks=5) == 0.0  # an ascent direction never satisfies Armijo


@pytest.mark.parametrize("kwargs, message", [
    ({"shrink": 1.0}, r"shrink must be in \(0, 1\), got 1.0"),
    ({"c": 0.0}, r"c must be in \(0, 1\), got 0.0"),
    ({"lr0": -1.0}, "lr0 must be a finite number > 0, got -1.0"),
])
def test_backtracking_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Backtracking(**kwargs)
    with pytest.raises(ValueError, match=message):
        backtracking(Rosenbrock(), np.zeros(2), **kwargs)
