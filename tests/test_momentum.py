"""Notebook 06: momentum and Nesterov -- velocity, terminal velocity, rates, races, explorer."""

import math

import numpy as np
import pytest
import sympy as sp

from cs551 import symbolic
from cs551.nn import train_digits
from cs551.objectives import Quadratic, Rosenbrock, ill_conditioned_quadratic, random_quadratic
from cs551.optim import SGD, Momentum, Nesterov, minimize
from cs551.topics import momentum as mom
from cs551.topics.momentum import MomentumExplorer

from .helpers import assert_redraws

# --- the velocity is an exponentially decaying average of negative gradients ---------------


def test_unrolled_velocity_is_the_closed_form():
    for n in (1, 3, 6):
        recursion, closed, difference = mom.velocity_unrolled(n)
        assert difference == 0
        g = sp.symbols(f"g_0:{n}")
        # the gradient j steps back weighs -eps alpha^j
        for j in range(n):
            coefficient = sp.expand(recursion).coeff(g[n - 1 - j])
            assert sp.simplify(coefficient + symbolic.EPS * mom.ALPHA_M**j) == 0


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.9, 0.99])
def test_library_momentum_velocity_is_the_weighted_sum_of_gradients(alpha):
    grads = np.random.default_rng(1).normal(size=(30, 4))
    weights = alpha ** np.arange(29, -1, -1)
    expected = -0.05 * weights @ grads
    np.testing.assert_allclose(mom.velocity_from_gradients(grads, 0.05, alpha), expected,
                               atol=1e-14)


# --- terminal velocity -----------------------------------------------------------------------


def test_terminal_velocity_is_derived_as_the_slides_formula():
    tv = mom.terminal_velocity()
    a, eps, g = mom.ALPHA_M, symbolic.EPS, sp.Symbol("g", positive=True)
    assert sp.simplify(tv["limit"] + eps * g / (1 - a)) == 0
    assert sp.simplify(tv["fixed point"] - tv["limit"]) == 0
    # v_k is the partial geometric sum: check k = 1..5 against the sum written out
    for k in range(1, 6):
        partial = -eps * g * sum(a**j for j in range(k))
        assert sp.simplify(tv["v_k"].subs(symbolic.STEP, k) - partial) == 0
    speedups = [tv["speed-up"].subs(a, sp.Rational(x)) for x in ("1/2", "9/10", "99/100")]
    assert speedups == [2, 10, 100]


@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.99])
def test_measured_speed_reaches_the_terminal_velocity(alpha):
    g, lr = mom.ConstantGradient([3.0, -4.0]), 0.02
    run = minimize(Momentum(lr, alpha), g, np.zeros(2), steps=2000)
    v = mom.velocities(run)
    speed = np.linalg.norm(v, axis=1)
    terminal = mom.terminal_speed(lr, alpha, 5.0)
    assert terminal == pytest.approx(lr * 5.0 / (1 - alpha))
    assert speed[-1] == pytest.approx(terminal, rel=1e-6)
    assert np.all(np.diff(speed) >= -1e-9 * terminal)  # it never slows down (up to rounding)
    assert np.all(np.diff(speed[:20]) > 0)  # and it accelerates at first
    # the direction is -g
    np.testing.assert_allclose(v[-1] / speed[-1], -g.g / 5.0, atol=1e-12)
    # 99% of the terminal speed first at the predicted step
    first = int(np.argmax(speed >= 0.99 * terminal)) + 1
    assert first == mom.steps_to_fraction(alpha, 0.99)


def test_steps_to_fraction_values():
    assert [mom.steps_to_fraction(a) for a in (0.5, 0.9, 0.99)] == [7, 44, 459]
    assert mom.steps_to_fraction(0.9, 0.5) == 7
    assert mom.steps_to_fraction(0.0) == 1


# --- Nesterov and the rates on a quadratic -------------------------------------------------


def _one_step_matrix(optimizer_class, lr, alpha, lam):
    """The 2 x 2 map (delta, v) -> (delta', v') of one step of the library's optimizer."""
    f = Quadratic([[lam]])
    columns = []
    for delta, v in ((1.0, 0.0), (0.0, 1.0)):
        opt = optimizer_class(lr, alpha)
        theta = np.array([delta])
        state = opt.init(theta)
        state.v[:] = v
        opt.step(f, theta, state)
        columns.append([theta[0], state.v[0]])
    return np.array(columns).T


@pytest.mark.parametrize("which", ["momentum", "Nesterov"])
def test_characteristic_matrices_are_the_library_optimizers(which):
    M, poly = (mom.heavy_ball_characteristic() if which == "momentum"
               else mom.nesterov_characteristic())
    eps, a = symbolic.EPS, mom.ALPHA_M
    lam = next(s for s in M.free_symbols if s.name == "lambda")
    z = sp.Symbol("z")
    q = 1 - eps * lam
    slide = (z**2 - (1 + a - eps * lam) * z + a if which == "momentum"
             else z**2 - (1 + a) * q * z + a * q)
    assert sp.expand(poly - slide) == 0
    cls = Momentum if which == "momentum" else Nesterov
    for lr, alpha, lam_value in [(0.3, 0.9, 1.0), (1.0, 0.5, 0.01), (2.0, 0.7, 1.5)]:
        numeric = np.array(M.subs({eps: lr, a: alpha, lam: lam_value}), dtype=float)
        np.testing.assert_allclose(numeric, _one_step_matrix(cls, lr, alpha, lam_value),
                                   atol=1e-14)
        roots = np.sort_complex(mom.characteristic_roots(which, lr, alpha, lam_value))
        np.testing.assert_allclose(roots, np.sort_complex(np.linalg.eigvals(numeric)),
                                   atol=1e-10)


@pytest.mark.parametrize("method", mom.METHODS)
@pytest.mark.parametrize("lr, alpha", [(1.0, 0.9), (0.5, 0.6), (1.5, 0.3)])
def test_predicted_rate_is_the_measured_rate(method, lr, alpha):
    f = random_quadratic(4, kappa=30, seed=2)
    opt = mom.three_methods(lr, alpha)[method]
    run = minimize(opt, f, np.ones(4), steps=400)
    predicted = mom.predicted_rate(method, lr, alpha, f.eigenvalues)
    assert mom.measured_rate(run, f.minimizer, skip=100) == pytest.approx(predicted, abs=0.01)


def test_tuned_momentum_reaches_the_optimal_rate():
    best = mom.heavy_ball_optimum()
    kappa, mu, L = sp.symbols("kappa mu L", positive=True)
    f = ill_conditioned_quadratic(100)
    lr = float(best["lr*"].subs({mu: 0.01, L: 1}))
    alpha = float(best["momentum*(kappa)"].subs(kappa, 100))
    assert mom.predicted_rate("momentum", lr, alpha, f.eigenvalues) == pytest.approx(9 / 11)
    # any other (lr, alpha) nearby is worse
    for dl, da in [(0.05, 0), (-0.05, 0), (0, 0.02), (0, -0.02)]:
        assert mom.predicted_rate("momentum", lr + dl, alpha + da, f.eigenvalues) > 9 / 11


# --- races ---------------------------------------------------------------------------------


def test_quadratic_race_momentum_and_nesterov_beat_gradient_descent():
    f = ill_conditioned_quadratic(100)
    result = mom.race(f, mom.three_methods(1.0, 0.9), tol=1e-8)
    gd, m, n = (result.steps[k] for k in mom.METHODS)
    # gradient descent: only the flat coordinate is left, f = 0.405 * 0.99^(2k)
    assert gd == math.ceil(math.log(0.5 * 81 / 100 / 1e-8) / (-2 * math.log(0.99)))
    assert m is not None and n is not None
    assert gd >= 4 * m and gd >= 4 * n
    assert "faster" in result.table()


def test_rosenbrock_race_speedup_is_near_one_over_one_minus_alpha():
    result = mom.race(Rosenbrock(), mom.three_methods(1e-3, 0.9), tol=1e-4)
    gd, m, n = (result.steps[k] for k in mom.METHODS)
    assert gd is not None and m is not None and n is not None
    assert 5 <= gd / m <= 20 and 5 <= gd / n <= 20


def test_steps_to_tolerance_reports_divergence_and_timeouts():
    f = ill_conditioned_quadratic(10)
    assert mom.steps_to_tolerance(SGD(2.5), f, f.start, 1e-6) is None
    assert mom.steps_to_tolerance(SGD(1e-3), f, f.start, 1e-6, max_steps=10) is None
    assert mom.steps_to_tolerance(SGD(1.0), f, f.start, 100.0) == 0


def test_digits_momentum_beats_sgd_at_the_same_rate_and_matches_the_effective_rate():
    runs = {label: train_digits(opt, steps=200, every=200) for label, opt in
            {"sgd": SGD(0.02), "momentum": Momentum(0.02, 0.9), "nesterov": Nesterov(0.02, 0.9),
             "effective": SGD(0.2)}.items()}
    loss = {label: h.train_loss[-1] for label, h in runs.items()}
    assert not any(h.diverged for h in runs.values())
    assert loss["momentum"] < loss["sgd"] / 3 and loss["nesterov"] < loss["sgd"] / 3
    assert 1 / 1.5 < loss["momentum"] / loss["effective"] < 1.5


# --- argument checks -----------------------------------------------------------------------


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="momentum must be in"):
        mom.terminal_speed(0.1, 1.0, 1.0)
    with pytest.raises(ValueError, match="fraction must be in"):
        mom.steps_to_fraction(0.9, 1.0)
    with pytest.raises(ValueError, match="method must be one of"):
        mom.characteristic_roots("adam", 0.1, 0.9, 1.0)
    with pytest.raises(ValueError, match="g must be finite"):
        mom.ConstantGradient([1.0, np.nan])
    with pytest.raises(ValueError, match="tol must be"):
        mom.steps_to_tolerance(SGD(0.1), Rosenbrock(), np.zeros(2), tol=0.0)


# --- plots and explorer -----------------------------------------------------------------------


def test_plot_helpers_draw_one_curve_per_run():
    from cs551.plots import plot_histories
    from cs551.topics.momentum import plot_speeds

    ax = plot_speeds({0.5: np.linspace(1, 2, 10), 0.9: np.linspace(1, 10, 10)})
    assert len(ax.get_lines()) == 4  # two measured curves, two asymptotes
    assert ax.get_lines()[1].get_ydata()[0] == pytest.approx(2.0)
    h = train_digits(SGD(0.02), steps=20, every=10)
    ax = plot_histories({"sgd": h})
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), h.train_loss)


def test_explorer_updates_runs_status_and_image():
    f = ill_conditioned_quadratic(100)
    ex = MomentumExplorer(f, lr=1.0, momentum=0.9, steps=150, tol=1e-6)
    first = ex.reached_tolerance()
    assert first["gradient descent"] is None and first["momentum"] and first["Nesterov"]
    assert "rate 0.949" in ex.status.value
    assert_redraws(ex, "momentum", 0.0)  # momentum and Nesterov become gradient descent
    thetas = [ex.trajectories[m].thetas for m in mom.METHODS]
    np.testing.assert_allclose(thetas[1], thetas[0])
    np.testing.assert_allclose(thetas[2], thetas[0])
    np.testing.assert_allclose(ex.paths["momentum"].get_xdata(), thetas[0][:, 0])
    ex.controls["momentum"].value = 0.9
    ex.controls["lr"].value = 2.5  # beyond 2 / lambda_max for gradient descent, not for momentum
    assert ex.trajectories["gradient descent"].diverged
    assert not ex.trajectories["momentum"].diverged
    assert "gradient descent: diverged" in ex.summary()
    assert "diverged" in ex.status.value
    with pytest.raises(ValueError, match="objective must be a 2-D landscape"):
        MomentumExplorer(random_quadratic(3))


@pytest.mark.parametrize("alpha", [0.5, 0.9])
def test_stability_bounds_stated_in_the_notebook(alpha):
    # momentum: stable while eps lambda < 2 (1 + alpha); Nesterov: < 2 (1 + alpha) / (1 + 2 alpha)
    for method, bound in (("momentum", 2 * (1 + alpha)),
                          ("Nesterov", 2 * (1 + alpha) / (1 + 2 * alpha))):
        assert mom.predicted_rate(method, bound - 0.01, alpha, [1.0]) < 1
        assert mom.predicted_rate(method, bound + 0.01, alpha, [1.0]) > 1
    assert mom.predicted_rate("gradient descent", 2.01, alpha, [1.0]) > 1
