"""Notebook 05: stochastic gradient descent -- schedules, Robbins-Monro, the noise ball."""

import copy
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy as sp

from cs551.data import linear_regression_data
from cs551.gradient_noise import per_example_gradients
from cs551.grading import self_check
from cs551.nn import History, train_digits
from cs551.objectives import (
    LeastSquares,
    NoisyGradient,
    Quadratic,
    Rosenbrock,
    ill_conditioned_quadratic,
)
from cs551.optim import (
    SGD,
    cosine_decay,
    exponential_decay,
    inverse_decay,
    inverse_sqrt_decay,
    linear_decay,
    minimize,
    step_decay,
    warmup,
)
from cs551.topics import sgd
from cs551.topics.sgd import (
    SGDExplorer,
    check_linear_decay,
    check_noise_ball,
    linear_decay_sums,
    noise_ball_1d,
    plot_cloud_panels,
    plot_ladder,
    plot_last_iterates,
    plot_noise_ball,
    plot_passes,
    plot_schedules,
    plot_training_runs,
    robbins_monro_table,
)

from .helpers import PNG, add_roundoff_noise, assert_redraws


@pytest.fixture(scope="module")
def least_squares():
    """The notebook's problem: 200 examples, 2 parameters, one example per step."""
    X, y, _ = linear_regression_data(m=200, d=2, noise=0.5, seed=0)
    return LeastSquares(X, y, batch_size=1, seed=0)


@pytest.fixture(scope="module")
def quad():
    return ill_conditioned_quadratic(kappa=10)


# --- schedules (cs551.optim) ----------------------------------------------------------------


def test_linear_decay_is_the_slides_formula_then_constant():
    s = linear_decay(0.5, 0.005, tau=300)
    for k in (0, 1, 77, 150, 299, 300):
        alpha = k / 300
        assert s(k) == pytest.approx((1 - alpha) * 0.5 + alpha * 0.005)
    assert s(301) == s(10_000) == pytest.approx(0.005)


def test_inverse_decay_halves_at_k0_and_falls_like_one_over_k():
    s = inverse_decay(0.5, k0=20)
    assert s(0) == 0.5 and s(20) == pytest.approx(0.25)
    assert s(10_000) * 10_000 == pytest.approx(0.5 * 20, rel=0.01)  # eps_k ~ eps_0 k0 / k


def test_inverse_sqrt_decay_falls_like_one_over_sqrt_k():
    s = inverse_sqrt_decay(0.4, k0=1)
    assert s(3) == pytest.approx(0.2)
    assert s(40_000) / s(10_000) == pytest.approx(0.5, rel=1e-3)


def test_exponential_decay_is_geometric_and_never_reaches_zero():
    s = exponential_decay(1.0, gamma=0.5)
    assert [s(k) for k in range(4)] == [1.0, 0.5, 0.25, 0.125]
    assert s(100_000) > 0  # kept positive: SGD's lr check would reject 0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: inverse_decay(0.0), "lr0"),
        (lambda: inverse_decay(0.1, k0=-1), "k0"),
        (lambda: inverse_sqrt_decay(-0.1), "lr0"),
        (lambda: exponential_decay(0.1, gamma=1.0), "gamma"),
        (lambda: exponential_decay(0.1, gamma=0.0), "gamma"),
        (lambda: linear_decay(0.1, 0.001, tau=0), "tau"),
    ],
)
def test_schedules_reject_bad_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_schedules_drive_sgd():
    f = ill_conditioned_quadratic(10)
    run = minimize(SGD(inverse_decay(0.5, k0=20)), f, f.start, 200)
    assert not run.diverged and run.value < 1e-2 * f.value(f.start)


# --- Robbins-Monro (SymPy) and partial sums ----------------------------------------------------


def test_robbins_monro_table_says_which_schedules_qualify():
    table = robbins_monro_table()
    holds = {name: row[3] for name, row in table.items()}
    assert holds == {"constant": False, "1/k": True, "1/sqrt(k)": False, "1/k^(3/4)": True,
                     "1/k^2": False, "0.9^k": False}
    eps0 = sp.Symbol("epsilon_0", positive=True)
    assert sp.simplify(table["1/k"][2] - sp.pi**2 * eps0**2 / 6) == 0  # Basel
    assert sp.simplify(table["0.9^k"][1] - 9 * eps0) == 0  # geometric series
    assert table["1/sqrt(k)"][2] == sp.oo  # the harmonic series


def test_partial_sums_grow_as_the_symbolic_sums_say():
    """sum eps_k grows without bound / stays bounded, as SymPy's table says."""
    checkpoints = [1_000, 100_000]
    ratio = {}
    for name, s in {"1/k": inverse_decay(1.0, k0=1), "1/sqrt(k)": inverse_sqrt_decay(1.0, k0=1),
                    "exponential": exponential_decay(1.0, gamma=0.9), "constant": 1.0}.items():
        sums = sgd.partial_sums(s, checkpoints)
        ratio[name] = sums[1] / sums[0]  # growth of (sum eps, sum eps^2) over 1e3 -> 1e5
    assert ratio["constant"][0] == pytest.approx(100) and ratio["constant"][1] == pytest.approx(100)
    assert ratio["1/k"][0] > 1.5 and ratio["1/k"][1] < 1.001  # log growth; converges (pi^2/6)
    assert ratio["1/sqrt(k)"][0] > 9 and ratio["1/sqrt(k)"][1] > 1.5  # both diverge
    assert np.allclose(ratio["exponential"], 1)  # both converge
    sums = sgd.partial_sums(inverse_decay(1.0, k0=1), [100_000])  # eps_k = 1/(k + 1)
    assert sums[0, 1] == pytest.approx(math.pi**2 / 6, rel=1e-4)


def test_partial_sums_rejects_a_bad_schedule():
    with pytest.raises(ValueError, match="schedule"):
        sgd.partial_sums(-1.0, [10])
    with pytest.raises(ValueError, match="checkpoint"):
        sgd.partial_sums(0.1, [0])


def test_linear_decay_sums_match_the_numbers():
    sums = linear_decay_sums()
    total = sums["sum_{k=0}^{tau} eps_k"]
    symbol = {s.name: s for s in total.free_symbols}
    for eps0, eps_tau, tau in [(0.5, 0.005, 300), (2.0, 0.1, 7)]:
        exact = total.subs({symbol["epsilon_0"]: eps0, symbol["epsilon_tau"]: eps_tau,
                            symbol["tau"]: tau})
        numeric = sgd.partial_sums(linear_decay(eps0, eps_tau, tau), [tau + 1])[0, 0]
        assert float(exact) == pytest.approx(numeric, rel=1e-12)
    # the constant tail eps_tau > 0 breaks the second condition
    assert sums["sum_{k>tau} eps_k"] == sp.oo and sums["sum_{k>tau} eps_k^2"] == sp.oo


def test_noise_ball_1d_solves_the_second_moment_recursion():
    p, first = noise_ball_1d()
    lam, sigma, eps = sp.symbols("lambda sigma epsilon", positive=True)
    assert sp.simplify((1 - eps * lam) ** 2 * p + eps**2 * sigma**2 - p) == 0
    assert sp.simplify(first - eps * sigma**2 / (2 * lam)) == 0
    assert sp.limit(p / eps, eps, 0) == sigma**2 / (2 * lam)  # proportional to eps


# --- the minibatch gradient does not vanish at the minimum -----------------------------------


def test_gradient_covariance_matches_sampled_minibatches(least_squares):
    J = least_squares
    theta = J.minimizer
    for B in (1, 10):
        Sigma = sgd.gradient_covariance(J, theta, B)
        rng = np.random.default_rng(1)
        G = per_example_gradients(J, theta)
        samples = np.array([G[rng.choice(J.m, B, replace=False)].mean(axis=0)
                            for _ in range(20_000)])
        assert np.abs(samples.mean(axis=0)).max() < 0.05 * np.sqrt(np.trace(Sigma))
        np.testing.assert_allclose(np.cov(samples.T), Sigma, rtol=0.08, atol=0.02 * Sigma.max())
    assert np.allclose(sgd.gradient_covariance(J, theta, J.m), 0)  # the full batch: no noise
    with pytest.raises(ValueError, match="batch_size"):
        sgd.gradient_covariance(J, theta, 0)


def test_batch_gradient_vanishes_but_the_minibatch_gradient_does_not(least_squares):
    X, y = least_squares.X, least_squares.y
    true_gd, used_gd = sgd.gradient_norms(SGD(0.1), LeastSquares(X, y), np.zeros(2), 300)
    assert true_gd[-1] < 1e-8 and np.allclose(true_gd, used_gd)
    true_sgd, used_sgd = sgd.gradient_norms(SGD(0.1), least_squares, np.zeros(2), 300)
    predicted = np.sqrt(np.trace(sgd.gradient_covariance(least_squares, least_squares.minimizer)))
    assert np.sqrt(np.mean(used_sgd[-100:] ** 2)) == pytest.approx(predicted, rel=0.25)
    assert true_sgd[-100:].min() > 1e-4  # the iterate keeps moving: never at the minimum


# --- the noise ball ---------------------------------------------------------------------------


def test_noise_ball_is_proportional_to_the_learning_rate(least_squares):
    ball = sgd.noise_ball_sweep(least_squares, [0.01, 0.03, 0.1], samples=800)
    assert ball.slope() == pytest.approx(1.0, abs=0.12)
    np.testing.assert_allclose(ball.measured, ball.exact, rtol=0.12)
    # first order is right for small eps, and falls short as eps grows
    assert ball.first_order[0] == pytest.approx(ball.exact[0], rel=0.03)
    assert ball.first_order[-1] < 0.9 * ball.exact[-1]
    assert "eps/2 tr(H^-1 S)" in ball.table()


def test_stationary_msd_needs_batch_size_one_and_flags_instability(least_squares):
    X, y = least_squares.X, least_squares.y
    with pytest.raises(ValueError, match="batch_size"):
        sgd.stationary_msd(LeastSquares(X, y, batch_size=5), 0.1)
    assert sgd.stationary_msd(least_squares, 5.0) == math.inf


def test_noisy_quadratic_msd_is_the_symbolic_formula_and_the_measurement(quad):
    p, _ = noise_ball_1d()
    lam, sigma, eps = sp.symbols("lambda sigma epsilon", positive=True)
    for lr in (0.05, 0.2, 1.0):
        formula = sum(float(p.subs({lam: li, sigma: 0.5, eps: lr})) for li in quad.eigenvalues)
        assert sgd.noisy_quadratic_msd(quad, 0.5, lr) == pytest.approx(formula, rel=1e-12)
        copies = NoisyGradient(sgd.stacked_copies(quad, 200), sigma=0.5, seed=3)
        measured = sgd.noise_ball(SGD(lr), copies, 3000, burn_in=round(2 / (lr * 0.1))) / 200
        assert measured == pytest.approx(formula, rel=0.06)
    assert sgd.noisy_quadratic_msd(quad, 0.5, 2.0) == math.inf  # eps >= 2 / lambda_max
    with pytest.raises(ValueError, match="positive definite"):
        sgd.noisy_quadratic_msd(Quadratic(np.diag([1.0, -1.0])), 0.5, 0.1)


def test_stacked_copies_are_independent_runs(quad):
    stack = sgd.stacked_copies(quad, 3)
    assert stack.dim == 6 and np.allclose(stack.minimizer, 0)
    theta = np.arange(6.0)
    assert stack.value(theta) == pytest.approx(sum(quad.value(theta[2 * r:2 * r + 2])
                                                   for r in range(3)))
    noisy = NoisyGradient(stack, sigma=1.0)
    g = np.array([noisy.grad(theta) - stack.grad(theta) for _ in range(4000)])
    assert np.abs(np.corrcoef(g.T) - np.eye(6)).max() < 0.06  # independent noise per coordinate
    with pytest.raises(ValueError, match="Quadratic"):
        sgd.stacked_copies(Rosenbrock(), 2)
    with pytest.raises(ValueError, match="copies"):
        sgd.stacked_copies(quad, 0)


def test_noisy_gradient_is_unbiased_seeded_and_resettable(quad):
    f = NoisyGradient(quad, sigma=0.5, seed=7)
    theta = np.array([1.0, -1.0])
    first = f.grad(theta)
    f.reset()
    assert np.array_equal(first, f.grad(theta))
    g = np.array([f.grad(theta) for _ in range(20_000)])
    np.testing.assert_allclose(g.mean(axis=0), quad.grad(theta), atol=0.02)
    assert g.std(axis=0) == pytest.approx([0.5, 0.5], rel=0.03)
    assert f.value(theta) == quad.value(theta) and np.array_equal(f.full_grad(theta),
                                                                  quad.grad(theta))


def test_decay_shrinks_the_cloud_on_both_landscapes(quad):
    for f, sigma, lr, steps in [(quad, 0.5, 0.5, 600), (Rosenbrock(), 20, 1.9e-3, 3000)]:
        constant = minimize(SGD(lr), NoisyGradient(f, sigma), f.start, steps)
        decay = minimize(SGD(linear_decay(lr, lr / 100, steps // 2)), NoisyGradient(f, sigma),
                         f.start, steps)
        assert sgd.tail_msd(decay, f.minimizer) < sgd.tail_msd(constant, f.minimizer) / 3


def cloud_runs(f, sigma, lr, steps):
    """The notebook's two runs on a landscape: constant eps, and linear decay to 1%."""
    noisy = NoisyGradient(f, sigma)
    return noisy, {f"constant ε = {lr:g}": minimize(SGD(lr), noisy, f.start, steps),
                   "linear decay to 1%": minimize(SGD(linear_decay(lr, lr / 100, steps // 2)),
                                                  noisy, f.start, steps)}


def test_the_decayed_clouds_are_tight_but_off_the_minimum_along_the_flat_direction(quad):
    """What notebook 05 says of its figure of the clouds."""
    _, runs = cloud_runs(quad, 0.5, 0.5, 600)
    (_, c_spread, _), (d_centre, d_spread, _) = (sgd.cloud(run, quad.minimizer)
                                                 for run in runs.values())
    assert d_spread < c_spread / 10  # the decay removes the noise ...
    assert abs(d_centre[0]) > 0.2 and abs(d_centre[1]) < 0.1  # ... and freezes off theta*,
    # along the flat direction theta_1
    rosen = Rosenbrock()
    limit = 2 / np.linalg.eigvalsh(rosen.hess(rosen.minimizer))[-1]  # 0.0019968
    assert 0.9 * limit < 1.9e-3 < limit  # just below the stability limit, never at it
    _, runs = cloud_runs(rosen, 20, 1.9e-3, 3000)
    (c_centre, _, _), (d_centre, d_spread, d_msd) = (sgd.cloud(run, rosen.minimizer)
                                                     for run in runs.values())
    assert np.all(c_centre < 0.8)  # the constant cloud lies below the minimum ...
    assert abs(c_centre[1] - c_centre[0] ** 2) < 0.1  # ... along the valley floor y = x^2
    assert d_spread < 0.01 and np.all(d_centre > 1.05)  # a clump past the minimum, up the valley
    assert d_msd == pytest.approx(d_spread**2 + np.sum((d_centre - rosen.minimizer) ** 2))


def test_iterates_are_minimizes_without_the_loss(least_squares, quad):
    thetas, diverged = sgd.iterates(SGD(0.1), least_squares, np.zeros(2), 50)
    run = minimize(SGD(0.1), least_squares, np.zeros(2), 50)
    assert not diverged and np.array_equal(thetas, run.thetas)  # same minibatches (reset)
    thetas, diverged = sgd.iterates(SGD(2.5), quad, quad.start, 500)
    assert diverged and len(thetas) < 501 and np.all(np.isfinite(thetas))


def test_cloud_is_centre_spread_and_mean_squared_distance():
    thetas = np.array([[9.0, 9.0], [1.0, 0.0], [3.0, 0.0]])
    centre, spread, msd = sgd.cloud(thetas, np.zeros(2), fraction=2 / 3)
    assert np.allclose(centre, [2.0, 0.0]) and spread == pytest.approx(1.0)
    assert msd == pytest.approx(5.0) == spread**2 + 4.0
    with pytest.raises(ValueError, match="fraction"):
        sgd.cloud(thetas, np.zeros(2), 1.5)


def test_tail_msd():
    thetas = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    assert sgd.tail_msd(thetas, np.zeros(2), 0.5) == pytest.approx((4 + 25) / 2)
    assert sgd.tail_msd(thetas, np.zeros(2), 0.01) == pytest.approx(25)
    with pytest.raises(ValueError, match="fraction"):
        sgd.tail_msd(thetas, np.zeros(2), 0)


# --- what the schedules do -------------------------------------------------------------------


@pytest.fixture(scope="module")
def schedule_curves(quad):
    schedules = {"constant": 0.5, "linear": linear_decay(0.5, 0.005, 500),
                 "1/k": inverse_decay(0.5, k0=20), "1/sqrt(k)": inverse_sqrt_decay(0.5, k0=20),
                 "exponential": exponential_decay(0.5, gamma=0.98)}
    return sgd.compare_schedules(schedules, quad, sigma=1.0, steps=4000, runs=100)


def test_constant_lr_stays_in_its_noise_ball(schedule_curves, quad):
    d2 = schedule_curves["constant"]
    assert np.mean(d2[2000:]) == pytest.approx(sgd.noisy_quadratic_msd(quad, 1.0, 0.5), rel=0.1)


def test_one_over_k_keeps_converging_like_one_over_k(schedule_curves):
    d2 = schedule_curves["1/k"]
    assert d2[4000] / d2[1000] == pytest.approx(1 / 4, rel=0.35)
    assert d2[4000] < schedule_curves["constant"][2000:].mean() / 30


def test_one_over_sqrt_k_converges_more_slowly(schedule_curves):
    d2 = schedule_curves["1/sqrt(k)"]
    assert d2[4000] < d2[1000]  # it does shrink ...
    assert d2[4000] / d2[2000] > schedule_curves["1/k"][4000] / schedule_curves["1/k"][2000]
    assert d2[4000] > 3 * schedule_curves["1/k"][4000]  # ... but slower than 1/k


def test_exponential_decay_stalls_short_of_the_minimum(schedule_curves, quad):
    d2 = schedule_curves["exponential"]
    assert d2[4000] == pytest.approx(d2[1000], rel=1e-6)  # eps_k ~ 1e-35: nothing moves
    # sum eps_k = 25: along lambda_min the start's offset shrinks by prod (1 - eps_k lambda_min)
    s = exponential_decay(0.5, gamma=0.98)
    shrink = np.prod([1 - s(k) * 0.1 for k in range(1000)])
    assert d2[4000] > (quad.start[0] * shrink) ** 2
    assert d2[4000] > 3 * schedule_curves["1/k"][4000]


def test_linear_decay_ends_in_the_small_ball_of_eps_tau(schedule_curves):
    d2 = schedule_curves["linear"]
    assert d2[3000:].mean() < schedule_curves["constant"][2000:].mean() / 10


def test_compare_schedules_checks_its_arguments(quad):
    with pytest.raises(ValueError, match="runs"):
        sgd.compare_schedules({"c": 0.1}, quad, 1.0, 10, runs=0)


# --- SGD within tolerance before one pass ----------------------------------------------------


def test_sgd_reaches_the_tolerance_before_one_pass_and_batch_gd_does_not():
    X, y, _ = linear_regression_data(m=20_000, d=10, noise=0.5, seed=1,
                                     scales=np.geomspace(1, 0.3, 10))
    lam = np.linalg.eigvalsh(X.T @ X / len(X))
    sgd1 = sgd.examples_to_tolerance(SGD(0.05), LeastSquares(X, y, batch_size=1), np.zeros(10),
                                     tol=0.05)
    sgd10 = sgd.examples_to_tolerance(SGD(0.3), LeastSquares(X, y, batch_size=10), np.zeros(10),
                                      tol=0.05)
    gd = sgd.examples_to_tolerance(SGD(2 / (lam[0] + lam[-1])), LeastSquares(X, y), np.zeros(10),
                                   tol=0.05)
    assert sgd1.reached and sgd10.reached and gd.reached
    assert sgd1.passes < 0.1 and sgd10.passes < 0.1
    assert gd.passes >= 5 and gd.examples == gd.steps * 20_000
    assert gd.examples > 100 * max(sgd1.examples, sgd10.examples)


def test_excess_risk_in_the_noise_ball_is_eps_over_4_trace_sigma(least_squares):
    """E[J - J*] = 1/2 tr(H P) = (eps / 4) tr(Sigma) to first order (HP + PH = eps Sigma)."""
    lr, J = 0.02, least_squares
    run = minimize(SGD(lr), J, J.minimizer, 20_000)
    J_star = J.value(J.minimizer)
    measured = np.mean(run.values[1000:]) - J_star  # burn-in 2 / (eps lambda_min) = 100 steps
    predicted = lr / 4 * np.trace(sgd.gradient_covariance(J, J.minimizer))
    assert measured == pytest.approx(predicted, rel=0.1)


def test_examples_to_tolerance_reports_failure():
    X, y, _ = linear_regression_data(m=100, d=2, seed=0)
    run = sgd.examples_to_tolerance(SGD(1e-4), LeastSquares(X, y, batch_size=1), np.zeros(2),
                                    tol=1e-6, max_steps=50)
    assert not run.reached and run.steps == 50 and run.examples == 50


# --- what SGD minimizes: fresh examples, then the same examples again ------------------------


@pytest.fixture(scope="module")
def passes():
    """The notebook's run: 200 problems, M = 100, d = 50, m = 5, eps = 0.05, 10 passes."""
    stream = sgd.RegressionSets(sets=200, M=100, d=50, batch_size=5, sigma=1.0, seed=0)
    return sgd.train_in_passes(lr=0.05, passes=10, objective=stream)


def test_regression_sets_risk_is_the_loss_on_fresh_examples():
    J = sgd.RegressionSets(sets=20, M=40, d=10, batch_size=4, sigma=0.5, seed=3)
    theta = np.random.default_rng(0).normal(scale=0.3, size=J.dim)
    assert J.sample_risk(theta, 20_000) == pytest.approx(J.risk(theta), rel=0.01)
    assert J.risk(J.w.ravel()) == pytest.approx(0.5 * 0.5**2)  # at theta = w: the noise only
    assert np.allclose(np.linalg.norm(J.w, axis=1), 1)


def test_regression_sets_gradient_minibatches_and_passes():
    J = sgd.RegressionSets(sets=3, M=12, d=4, batch_size=12, seed=1)  # the full batch
    theta = np.random.default_rng(2).normal(size=J.dim)
    numeric = np.array([(J.value(theta + h) - J.value(theta - h)) / 2e-6
                        for h in 1e-6 * np.eye(J.dim)])
    np.testing.assert_allclose(J.grad(theta), numeric, rtol=1e-6, atol=1e-8)
    assert J.minibatch_losses[-1] == pytest.approx(J.train_loss(theta))  # recorded before a step
    J = sgd.RegressionSets(sets=3, M=12, d=4, batch_size=3, seed=1)
    first = np.concatenate([J.sample() for _ in range(J.steps_per_pass)])
    second = np.concatenate([J.sample() for _ in range(J.steps_per_pass)])
    assert sorted(first) == sorted(second) == list(range(12))  # each pass: every example once
    assert not np.array_equal(first, second)  # in a new order
    J.reset()
    assert np.array_equal(np.concatenate([J.sample() for _ in range(4)]), first)


def test_first_pass_tracks_the_risk_then_the_gap_opens(passes):
    """Slide "Minibatch": SGD minimizes generalization error on a stream of fresh data."""
    gap, bound = passes.gap(), 0.03
    assert abs(gap[0]) < min(bound, 3 * passes.first_pass_error())  # pass 1: unbiased
    assert gap[1] > 5 * bound and gap[-1] > 15 * bound  # reused examples: the gap opens
    assert np.all(np.diff(gap) > 0)  # ... wider with every pass
    n = passes.steps_per_pass
    assert np.argmin(passes.risk) == n  # J* is lowest at the end of pass 1 ...
    assert passes.risk[n] < 0.8 * passes.risk[0]
    assert passes.risk[-1] > passes.risk[n] + 0.15  # ... and climbs afterwards
    ends = passes.train_loss[n::n]
    assert ends[-1] < ends[0] - 0.05  # while J keeps falling
    assert np.all(np.diff(passes.per_pass(passes.minibatch_loss)) < 1e-3)
    assert passes.train_loss[n] < 0.6 * passes.risk[n]  # J on seen examples: optimistic in pass 1
    assert passes.best_risk == 0.5 and passes.risk.min() > passes.best_risk


def test_first_pass_gap_is_zero_on_average_and_the_second_is_not():
    gaps = np.array([sgd.train_in_passes(0.05, 2, sgd.RegressionSets(sets=50, seed=seed)).gap()
                     for seed in range(1, 21)])
    standard_error = gaps[:, 0].std(ddof=1) / np.sqrt(len(gaps))
    assert abs(gaps[:, 0].mean()) < 3 * standard_error
    assert gaps[:, 1].min() > 0.15


def test_printed_tables_survive_round_off(monkeypatch, passes, quad):
    """The notebook prints these at a precision another machine's round-off cannot reach."""
    rows = {}
    for noisy in (False, True):
        if noisy:
            add_roundoff_noise(monkeypatch)
        stream = sgd.RegressionSets(sets=200, M=100, d=50, batch_size=5, sigma=1.0, seed=0)
        run = sgd.train_in_passes(lr=0.05, passes=10, objective=stream)
        rows[noisy] = [run.table(), f"{run.first_pass_error():.3f}", int(np.argmin(run.risk))]
        for f, sigma, lr, steps in [(quad, 0.5, 0.5, 600), (Rosenbrock(), 20, 1.9e-3, 3000)]:
            for trajectory in cloud_runs(f, sigma, lr, steps)[1].values():
                centre, spread, msd = sgd.cloud(trajectory, f.minimizer)
                rows[noisy].append(f"{np.round(centre, 2) + 0.0} {spread:.2g} {msd:.3g}")
    assert rows[True] == rows[False]
    assert rows[False][0] == passes.table()


def test_passes_check_their_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        sgd.RegressionSets(M=100, batch_size=7)
    for kwargs, name in [({"sets": 0}, "sets"), ({"d": 0}, "d"), ({"sigma": 0.0}, "sigma")]:
        with pytest.raises(ValueError, match=name):
            sgd.RegressionSets(**kwargs)
    with pytest.raises(ValueError, match="lr"):
        sgd.train_in_passes(0.0, 1)
    with pytest.raises(ValueError, match="passes"):
        sgd.train_in_passes(0.05, 0)
    with pytest.raises(ValueError, match="objective"):
        sgd.train_in_passes(0.05, 1, objective=ill_conditioned_quadratic(10))
    with pytest.raises(ValueError, match="too large"):
        sgd.train_in_passes(5.0, 10, objective=sgd.RegressionSets(sets=2, M=10, d=5))


# --- the digits -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_runs():
    def run(lr, batch_size):
        return train_digits(SGD(lr), steps=200, batch_size=batch_size, every=5,
                            blowup=1e3)  # as notebook 05

    return {"lr 0.01": run(0.01, 32), "lr 0.1": run(0.1, 32), "lr 2": run(2.0, 32),
            "constant B8": run(0.5, 8), "decay B8": run(linear_decay(0.5, 0.005, 200), 8),
            "B1": run(0.1, 1), "B64": run(0.1, 64)}


def test_digits_learning_rate_too_small_too_large(digits_runs):
    assert digits_runs["lr 0.01"].train_loss[-1] > 3 * digits_runs["lr 0.1"].train_loss[-1]
    assert digits_runs["lr 2"].diverged and not digits_runs["lr 0.1"].diverged
    # stopped when its loss passed 1000 times its start, at step 55: before round-off has
    # made its path chaotic (so on every machine), where the default limit is met only later
    assert digits_runs["lr 2"].steps[-1] == 50
    assert digits_runs["lr 0.1"].val_error[-1] < 0.1


def test_digits_linear_decay_calms_a_noisy_constant_rate(digits_runs):
    constant, decay = digits_runs["constant B8"], digits_runs["decay B8"]
    assert decay.train_loss[-1] < constant.train_loss[-1] / 3
    assert max(constant.train_loss[-4:]) > 2 * min(constant.train_loss)  # it jumps back up
    half = len(decay.train_loss) // 2
    jumps = {name: np.max(np.diff(np.log(run.train_loss[half:])))
             for name, run in [("constant", constant), ("decay", decay)]}
    assert jumps["constant"] > np.log(2) and jumps["decay"] < np.log(1.1)  # calm in its 2nd half


def test_digits_batch_size_one_is_the_noisiest(digits_runs):
    assert np.all(np.diff(digits_runs["B64"].train_loss) < 0)  # batch 64 goes down steadily
    assert np.max(np.diff(np.log(digits_runs["B1"].train_loss))) > np.log(1.5)  # batch 1 jumps up
    assert digits_runs["B1"].train_loss[-1] > digits_runs["B64"].train_loss[-1]
    loss = np.array(digits_runs["B1"].train_loss)  # unstable, not just noisy: after its low ...
    assert loss[np.argmin(loss):].max() > loss[0] > 3 * loss.min()  # ... above where it started


# --- plots ------------------------------------------------------------------------------------


def test_plot_helpers(least_squares, quad, digits_runs):
    ball = sgd.noise_ball_sweep(least_squares, [0.05, 0.1], samples=20)
    ax = plot_noise_ball(ball)
    assert len(ax.get_lines()) == 3 and ax.get_xscale() == "log"
    runs = {"a": minimize(SGD(0.5), NoisyGradient(quad, 0.5), quad.start, 40)}
    ax = plot_last_iterates(quad, runs)
    (dots,) = (line for line in ax.get_lines() if line.get_label().startswith("a:"))
    assert len(dots.get_xdata()) == 10  # the last quarter of 41 iterates
    assert "spread" in dots.get_label() and "mean" in dots.get_label()
    fig = plot_training_runs({"x": {"lr 2": digits_runs["lr 2"]},
                              "y": {"lr 0.1": digits_runs["lr 0.1"]}})
    assert len(fig.axes) == 2
    assert "diverged" in fig.axes[0].get_legend().get_texts()[0].get_text()
    fig.canvas.draw()
    for ax in fig.axes:  # a y-label on every panel, no labels on the minor log ticks
        assert ax.get_ylabel() == "train loss"
        assert not any(label.get_text() for label in ax.yaxis.get_minorticklabels())
        assert len([t for t in ax.yaxis.get_majorticklabels() if t.get_text()]) >= 2
    low, high = fig.axes[0].get_ylim()
    assert high == pytest.approx(10 * digits_runs["lr 2"].train_loss[0])
    assert 0 < low < digits_runs["lr 2"].train_loss[0]


def test_cloud_panels_are_equally_tall_and_show_every_cloud(quad):
    rosen = Rosenbrock()
    panels = [cloud_runs(quad, 0.5, 0.5, 600), cloud_runs(rosen, 20, 1.9e-3, 3000)]
    fig = plot_cloud_panels(panels, bounds=[None, ((-0.75, 1.75), (-0.5, 2.0))])
    fig.canvas.draw()
    left, right = fig.axes
    assert left.get_position().height == pytest.approx(right.get_position().height, rel=0.02)
    for ax in fig.axes:
        assert ax.get_aspect() == 1.0  # contours undistorted
        star, *others = ax.get_lines()
        assert star.get_marker() == "*" and star.get_markerfacecolor() == "none"  # hollow, on top
        assert star.get_zorder() > max(line.get_zorder() for line in others)
        rings = [line for line in others if line.get_marker() == "o"]
        assert len(rings) == 1  # the decayed clump, too tight to see without it
        assert rings[0].get_color() == others[1].get_color()
    assert right.get_xlim() == (-0.75, 1.75)
    plt.close(fig)


def test_plot_passes(passes):
    ax = plot_passes(passes, sets=200)
    labels = [line.get_label() for line in ax.get_lines()]
    assert any("J^*" in label for label in labels) and any("minibatch" in label for label in labels)
    assert len(ax.get_lines()[0].get_xdata()) == len(passes.risk)
    assert "200" in ax.get_ylabel() and ax.get_xlim() == (0, 10)
    assert any("pass 1" in text.get_text() for text in ax.get_legend().get_texts())
    plt.close(ax.figure)


# --- the explorer -----------------------------------------------------------------------------


@pytest.fixture
def explorer():
    return SGDExplorer(lr=0.2, schedule="constant", batch_size=1, steps=300)


def test_explorer_draws_the_run_and_the_predicted_ball(explorer):
    assert bytes(explorer.image.value).startswith(PNG)
    r = explorer.result
    assert len(explorer.path.get_xdata()) == 301 and not r["diverged"]
    assert r["predicted"] == pytest.approx(explorer.ball.get_ydata()[0])
    assert 0.5 < r["last_quarter"] / r["predicted"] < 2  # a constant lr hovers in its ball
    assert "first-order ball" in explorer.summary()


def test_explorer_lr_halves_the_predicted_ball(explorer):
    before = explorer.result["predicted"]
    assert_redraws(explorer, "lr", 0.1)
    assert explorer.result["predicted"] == pytest.approx(before / 2, rel=1e-9)


def test_explorer_schedules_and_batch_size(explorer):
    constant = explorer.result["last_quarter"]
    explorer.controls["schedule"].value = "linear decay"
    assert explorer.result["final_lr"] == pytest.approx(0.002)
    assert explorer.result["last_quarter"] < constant / 5
    explorer.controls["schedule"].value = "1/k"
    assert explorer.result["last_quarter"] < constant / 5
    explorer.controls["schedule"].value = "constant"
    explorer.controls["batch_size"].value = 20
    assert explorer.result["predicted"] < explorer.predicted_ball(0.2, 1) / 10
    assert explorer.result["examples"] == 20 * 300
    explorer.controls["batch_size"].value = 200  # the full batch: batch gradient descent
    assert explorer.result["predicted"] == 0 and explorer.result["last_quarter"] < 1e-12


@pytest.mark.parametrize("batch_size", [1, 5, 50])
@pytest.mark.parametrize("lr, schedule", [(0.2, "constant"), (0.05, "linear decay"),
                                          (1.0, "1/k"), (2.5, "constant")])
def test_explorer_runs_replay_the_minibatches_a_fresh_draw_gives(explorer, batch_size, lr,
                                                                  schedule):
    """The stream is drawn once per batch size; a run on it is the run of a fresh objective
    (to round-off: g_B = H_B theta - b_B sums in another order than X_B^T (X_B theta - y_B))."""
    f = explorer.objective
    fresh = LeastSquares(f.X, f.y, batch_size=batch_size, seed=f.seed)
    want, want_diverged = sgd.iterates(SGD(explorer.schedule(lr, schedule, 300)), fresh,
                                       explorer.start, 300)
    thetas, diverged, examples = explorer._run(lr, schedule, batch_size, 300)
    assert thetas.shape == want.shape and diverged == want_diverged
    scale = np.abs(want).max(axis=1, keepdims=True)  # a diverging run grows to 1e8
    assert np.all(np.abs(thetas - want) <= 1e-12 * scale)
    assert examples == fresh.examples_seen
    assert explorer.stream(batch_size) is explorer.stream(batch_size)  # drawn once
    assert explorer.batches(batch_size) is explorer.stream(batch_size).batches


def test_a_replayed_minibatch_gradient_is_its_quadratics(explorer):
    """g_B = H_B theta - b_B is X_B^T (X_B theta - y_B) / n, and H_B the minibatch Hessian."""
    stream = copy.copy(explorer.stream(5))
    stream.reset()
    theta = np.array([0.3, -1.2])
    for k in range(3):
        g, idx = stream.grad(theta), stream.batches[k]
        np.testing.assert_allclose(g, stream.batch_grad(theta, idx), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(stream.hess(theta), stream.batch_hess(theta, idx), rtol=1e-12)
    assert stream.examples_seen == 15 and explorer.stream(5).next == 0  # the copy moved alone


def test_a_replayed_stream_says_when_it_runs_out(explorer):
    stream = sgd.Replayed(explorer.objective.X, explorer.objective.y, explorer.batches(5)[:3])
    with pytest.raises(ValueError, match="steps must be at most 3"):
        minimize(SGD(0.1), stream, explorer.start, 4)


def test_explorer_reports_divergence(explorer):
    explorer.controls["lr"].value = 2.5  # beyond 2 / lambda_max
    assert explorer.result["diverged"]
    assert "diverged" in explorer.status.value and explorer.summary().endswith("diverged")


@pytest.mark.parametrize("kwargs, message", [
    ({"schedule": "cosine"}, "schedule"), ({"batch_size": 3}, "batch_size"),
    ({"lr": 5.0}, "lr"), ({"lr": 1e-4}, "lr"), ({"steps": 0}, "steps"), ({"steps": 700}, "steps")])
def test_explorer_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGDExplorer(**kwargs)


def test_explorer_things_to_try_hold(explorer):
    """What the explorer's "Try" list promises, from its default state (where Run All leaves it)."""
    assert explorer.result["schedule"] == "constant" and explorer.result["batch_size"] == 1
    assert 2 / np.linalg.eigvalsh(explorer.H)[-1] == pytest.approx(2, rel=0.05)  # "about 2"
    one = explorer.result["predicted"]
    explorer.controls["batch_size"].value = 20  # Sigma_m = (M - m) / (M - 1) S / m
    assert explorer.result["predicted"] == pytest.approx(one * 180 / (199 * 20), rel=1e-9)
    assert 0.5 < explorer.result["last_quarter"] / explorer.result["predicted"] < 2
    explorer.controls["batch_size"].value = 1
    explorer.controls["lr"].value = 2.2  # just past 2 / lambda_max
    assert explorer.result["diverged"]


# --- the algorithm box as a loop, and the "your turn" checks ---------------------------------


def test_the_algorithm_box_written_as_a_loop_is_minimize(least_squares):
    """Notebook 05 writes the box out as a loop and compares it with minimize(SGD(...))."""
    J, decay = least_squares, linear_decay(0.1, 0.001, tau=100)
    theta = np.zeros(2)
    J.reset()
    for k in range(200):
        theta = theta - decay(k) * J.grad(theta)
    assert np.array_equal(theta, minimize(SGD(decay), J, np.zeros(2), 200).theta)


def right_linear_decay(k, lr0, lr_tau, tau):
    alpha = min(k / tau, 1.0)
    return (1 - alpha) * lr0 + alpha * lr_tau


@pytest.mark.parametrize("wrong, hint", [
    (lambda k, lr0, lr_tau, tau: (1 - k / tau) * lr0 + k / tau * lr_tau, "after tau"),
    (lambda k, lr0, lr_tau, tau: right_linear_decay(k, lr_tau, lr0, tau), "swapped"),
    (lambda k, lr0, lr_tau, tau: right_linear_decay(k // tau * tau, lr0, lr_tau, tau),
     "integer division"),
    (lambda k, lr0, lr_tau, tau: (1 - min(k / tau, 1)) * lr0, "alpha = k / tau"),
    (lambda k, lr0, lr_tau, tau: None, "return the number"),
])
def test_check_linear_decay_says_what_is_off(wrong, hint):
    check_linear_decay(right_linear_decay)  # the right answer passes
    check_linear_decay(right_linear_decay, seed=7)
    with pytest.raises(AssertionError, match=hint):
        check_linear_decay(wrong)
    verdict = self_check(check_linear_decay, wrong)
    assert verdict.startswith("Not yet.") and hint in verdict
    assert max(len(line) for line in verdict.splitlines()) < 100
    assert verdict == self_check(check_linear_decay, wrong)  # seeded: the same words every time


def test_check_linear_decay_waits_for_an_answer():
    def placeholder(k, lr0, lr_tau, tau):
        raise NotImplementedError("your line here")

    assert self_check(check_linear_decay, placeholder).startswith("Not answered yet")
    assert self_check(check_linear_decay, right_linear_decay) == "Right."


def test_check_noise_ball_accepts_every_form_of_the_solution():
    lam, sigma, eps = sp.symbols("lambda sigma epsilon", positive=True)
    check_noise_ball(eps * sigma**2 / (lam * (2 - eps * lam)))
    check_noise_ball(eps**2 * sigma**2 / (1 - (1 - eps * lam) ** 2))
    plain = sp.symbols("lambda sigma epsilon")  # other assumptions, same names
    check_noise_ball(plain[2] * plain[1] ** 2 / (plain[0] * (2 - plain[2] * plain[0])))
    assert self_check(check_noise_ball, None).startswith("Not answered yet")


@pytest.mark.parametrize("wrong, hint", [
    ("first order", "first-order approximation"),
    ("missing eps", "come back unchanged"),
    ("other symbol", "symbol named x"),
    ("number", "the number 0.5"),
])
def test_check_noise_ball_says_what_is_off(wrong, hint):
    lam, sigma, eps = sp.symbols("lambda sigma epsilon", positive=True)
    answer = {"first order": eps * sigma**2 / (2 * lam),
              "missing eps": eps * sigma**2 / (1 - (1 - eps * lam) ** 2),
              "other symbol": sp.Symbol("x") * sigma**2,
              "number": 0.5}[wrong]
    with pytest.raises(AssertionError, match=hint):
        check_noise_ball(answer)
    verdict = self_check(check_noise_ball, answer)
    assert verdict.startswith("Not yet.") and max(len(line) for line in verdict.splitlines()) < 100


def test_the_missing_eps_message_quotes_true_numbers():
    """At lambda = 1, sigma = 1, eps = 0.1 the message's two numbers are the ones it claims."""
    lam, sigma, eps = sp.symbols("lambda sigma epsilon", positive=True)
    wrong = eps * sigma**2 / (1 - (1 - eps * lam) ** 2)  # = 0.1 / 0.19 there
    message = str(pytest.raises(AssertionError, check_noise_ball, wrong).value)
    assert f"{0.1 / 0.19:.6g}" in message and f"{0.81 * 0.1 / 0.19 + 0.01:.6g}" in message


# --- schedules beyond the slide: step, cosine, warm-up -------------------------------------------


def test_step_decay_is_pytorchs_steplr():
    """PyTorch's documented StepLR example: lr 0.05, step_size 30, gamma 0.1."""
    s = step_decay(0.05, gamma=0.1, step_size=30)
    documented = {0: 0.05, 29: 0.05, 30: 0.005, 59: 0.005, 60: 0.0005, 89: 0.0005}
    for k, lr in documented.items():
        assert s(k) == pytest.approx(lr, rel=1e-12)
    assert s(10**6) > 0  # kept positive where gamma^k underflows


def test_warmup_is_pytorchs_linearlr_and_then_the_schedule():
    """PyTorch's documented LinearLR example: lr 0.05, start_factor 0.5, total_iters 4."""
    s = warmup(0.05, steps=4, start_factor=0.5)
    assert [s(k) for k in range(6)] == pytest.approx([0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05],
                                                     rel=1e-12)
    inner = cosine_decay(0.5, 0.005, tau=200)
    warmed = warmup(inner, steps=20)  # start_factor 0.1
    assert warmed(0) == pytest.approx(0.1 * inner(0))
    assert warmed(10) == pytest.approx((0.1 + 0.9 * 10 / 20) * inner(10))
    assert all(warmed(k) == inner(k) for k in (20, 50, 199, 500))


def test_cosine_decay_is_the_sgdr_closed_form_and_pytorchs_recursion():
    lr0, lr_min, tau = 0.5, 0.005, 200
    s = cosine_decay(lr0, lr_min, tau)
    for k in (0, 1, 37, 100, 163, 200):
        closed_form = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * k / tau))
        assert s(k) == pytest.approx(closed_form)
    assert s(100) == pytest.approx((lr0 + lr_min) / 2) and s(200) == pytest.approx(lr_min)
    assert s(201) == s(10_000) == pytest.approx(lr_min)  # held after tau
    eps = np.array([s(k) for k in range(tau + 1)])
    assert np.all(np.diff(eps) < 0)
    # PyTorch's CosineAnnealingLR updates recursively; it follows the same curve up to T_max
    recursive = [lr0]
    for t in range(tau - 1):
        ratio = (1 + math.cos((t + 1) * math.pi / tau)) / (1 + math.cos(t * math.pi / tau))
        recursive.append(lr_min + (recursive[-1] - lr_min) * ratio)
    np.testing.assert_allclose(recursive, eps[:tau], rtol=1e-9)


@pytest.mark.parametrize("make, message", [
    (lambda: step_decay(0.1, gamma=1.0, step_size=10), "gamma"),
    (lambda: step_decay(0.1, gamma=0.1, step_size=0), "step_size"),
    (lambda: cosine_decay(0.1, 0.0, tau=10), "lr_min"),
    (lambda: cosine_decay(-0.1, 0.01, tau=10), "lr0"),
    (lambda: cosine_decay(0.1, 0.01, tau=0), "tau"),
    (lambda: warmup(0.0, steps=10), "schedule"),
    (lambda: warmup(0.1, steps=0), "steps"),
    (lambda: warmup(0.1, steps=10, start_factor=0.0), "start_factor"),
])
def test_new_schedules_reject_bad_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_new_schedules_drive_sgd(quad):
    for s in (step_decay(0.5, 0.5, 50), cosine_decay(0.5, 0.005, 200),
              warmup(cosine_decay(0.5, 0.005, 200), 20)):
        run = minimize(SGD(s), quad, quad.start, 300)
        assert not run.diverged and run.value < 1e-2 * quad.value(quad.start)


@pytest.fixture(scope="module")
def practice():
    """Notebook 05's comparison: eps_0 = 0.5, 200 steps, batch 8 and 32, 5 seeds."""
    schedules = {"constant": 0.5, "linear (slide)": linear_decay(0.5, 0.005, 200),
                 "step": step_decay(0.5, gamma=0.1, step_size=100),
                 "cosine": cosine_decay(0.5, 0.005, 200),
                 "warm-up + cosine": warmup(cosine_decay(0.5, 0.005, 200), steps=20)}
    return {b: sgd.schedule_endings(schedules, batch_size=b, steps=200) for b in (8, 32)}


def test_schedule_endings_are_train_digits_per_seed():
    ends = sgd.schedule_endings({"c": 0.1, "huge": 10.0}, batch_size=32, steps=30, seeds=[0, 3])
    for i, seed in enumerate([0, 3]):
        h = train_digits(SGD(0.1), steps=30, batch_size=32, every=30, seed=seed)
        assert ends["c"][i] == h.train_loss[-1]
    assert np.all(np.isinf(ends["huge"]))  # diverged: inf, not a crash


def test_at_batch_8_every_decay_helps_and_they_end_alike(practice):
    ends = dict(practice[8])  # a copy: the fixture is shared
    constant = ends.pop("constant")
    for name, values in ends.items():
        assert values.mean() < constant.mean() / 5, name  # "several times lower"
    means = {name: values.mean() for name, values in ends.items()}
    for a in ("linear (slide)", "cosine", "warm-up + cosine"):  # within each other's spread
        for b in ("linear (slide)", "cosine", "warm-up + cosine"):
            assert ends[b].min() <= means[a] <= ends[b].max()
    assert means["step"] > max(means["linear (slide)"], means["cosine"])
    assert np.ptp(ends["step"]) > np.ptp(ends["linear (slide)"])  # a wider spread


def test_at_batch_32_the_constant_rate_wins(practice):
    ends = practice[32]
    for name, values in ends.items():
        if name != "constant":
            assert ends["constant"].max() < values.min(), name
    assert ends["warm-up + cosine"].mean() > ends["cosine"].mean()  # it trails the plain cosine


@pytest.fixture(scope="module")
def full_batch():
    large = {"constant 3": 3.0, "constant 4": 4.0, "warm-up to 4": warmup(4.0, steps=50)}
    return sgd.schedule_endings(large, batch_size=None, steps=200, seeds=range(3))


def test_warmup_lets_the_full_batch_take_a_rate_its_first_steps_cannot(full_batch):
    assert np.all(np.isinf(full_batch["constant 4"]))
    assert np.all(np.isfinite(full_batch["constant 3"]))
    assert np.all(full_batch["warm-up to 4"] < full_batch["constant 3"])  # for every seed
    h = train_digits(SGD(4.0), steps=200, batch_size=None, every=1)
    assert h.diverged and h.steps[-1] < 30 and h.train_loss[5] > h.train_loss[0]


# --- reading a loss curve and choosing eps ------------------------------------------------------


@pytest.fixture(scope="module")
def ladder():
    return sgd.learning_rate_ladder([3, 1, 0.3, 0.1, 0.03, 0.01], batch_size=32, steps=200)


def test_learning_rate_ladder_merges_the_first_steps_and_the_rest():
    ladder = sgd.learning_rate_ladder([3, 0.3], batch_size=32, steps=60, first=10, every=5)
    h = ladder[0.3]
    assert h.steps == list(range(11)) + list(range(15, 61, 5)) and not h.diverged
    every = train_digits(SGD(0.3), steps=60, batch_size=32, every=1)
    assert [every.train_loss[k] for k in h.steps] == h.train_loss  # the same run
    assert h.val_error[-1] == every.val_error[-1]
    blown = ladder[3.0]  # diverged: recorded at every step up to the blow-up
    assert blown.diverged and blown.steps == list(range(len(blown.steps)))


def test_first_steps_verdict():
    def history(loss, diverged=False):
        return History(steps=list(range(len(loss))), train_loss=list(loss), diverged=diverged)

    assert sgd.first_steps_verdict(history([2.0, 1.5, 1.0])) == "falls"
    assert sgd.first_steps_verdict(history([2.0, 1.5, 2.5, 1.0])) == "climbs"
    assert sgd.first_steps_verdict(history([2.0, 5.0], diverged=True), watch=20) == "diverges"
    assert sgd.first_steps_verdict(history([2.0, 1.0, 3.0]), watch=1) == "falls"


def test_the_ladder_reads_as_notebook_05_says(ladder, digits_runs):
    verdicts = {lr: sgd.first_steps_verdict(h, watch=20) for lr, h in ladder.items()}
    assert verdicts == {3.0: "climbs", 1.0: "falls", 0.3: "falls", 0.1: "falls", 0.03: "falls",
                        0.01: "falls"}
    assert ladder[3.0].diverged and ladder[3.0].steps[-1] < 30
    stable = [lr for lr in ladder if not ladder[lr].diverged]
    final = [ladder[lr].train_loss[-1] for lr in stable]
    assert final == sorted(final)  # larger stable eps, lower loss after 200 steps: 1 is best
    assert abs(ladder[1.0].val_error[-1] - ladder[0.3].val_error[-1]) < 0.01  # "about the same"
    at = dict(zip(ladder[1.0].steps, ladder[1.0].train_loss, strict=True))
    assert at[5] < ladder[0.01].train_loss[-1]  # eps = 0.01 after 200 steps: eps = 1 by step 5
    two = digits_runs["lr 2"]  # falls for ten steps, then climbs: the first steps can miss it
    low = int(np.argmin(two.train_loss))
    assert two.steps[low] == 10 and two.train_loss[low + 2] > two.train_loss[0]


def test_new_printed_tables_survive_round_off(monkeypatch, ladder, practice, full_batch):
    """The ladder, the schedule comparison and the full-batch runs, as notebook 05 prints them."""

    def printed(lad, ends, full):
        rows = []
        for h in lad.values():
            at = dict(zip(h.steps, h.train_loss, strict=True))
            rows.append([f"{at[k]:9.3g}" for k in (0, 5, 20, 200) if k in at]
                        + [h.steps[-1] if h.diverged else f"{h.val_error[-1]:.3f}"])
        for values in [*ends[8].values(), *ends[32].values()]:
            rows.append(f"{values.mean():.3f} {values.min():.3f} {values.max():.3f}")
        rows.append([f"{v:.4f}" for values in full.values() for v in values])
        return rows

    before = printed(ladder, practice, full_batch)
    add_roundoff_noise(monkeypatch)
    lad = sgd.learning_rate_ladder([3, 1, 0.3, 0.1, 0.03, 0.01], batch_size=32, steps=200)
    schedules = {"constant": 0.5, "linear (slide)": linear_decay(0.5, 0.005, 200),
                 "step": step_decay(0.5, gamma=0.1, step_size=100),
                 "cosine": cosine_decay(0.5, 0.005, 200),
                 "warm-up + cosine": warmup(cosine_decay(0.5, 0.005, 200), steps=20)}
    ends = {b: sgd.schedule_endings(schedules, batch_size=b, steps=200) for b in (8, 32)}
    large = {"constant 3": 3.0, "constant 4": 4.0, "warm-up to 4": warmup(4.0, steps=50)}
    full = sgd.schedule_endings(large, batch_size=None, steps=200, seeds=range(3))
    assert printed(lad, ends, full) == before


def test_plot_schedules_and_ladder(ladder, practice):
    schedules = {"constant": 0.5, "linear (slide)": linear_decay(0.5, 0.005, 200),
                 "cosine": cosine_decay(0.5, 0.005, 200),
                 "warm-up + cosine": warmup(cosine_decay(0.5, 0.005, 200), steps=20)}
    endings = {f"batch {b}": {name: practice[b][name] for name in schedules} for b in (8, 32)}
    fig = plot_schedules(schedules, endings, steps=200)
    left, right = fig.axes
    lines = left.get_lines()
    assert [line.get_label() for line in lines] == list(schedules)
    widths = [line.get_linewidth() for line in lines]
    assert widths == sorted(widths, reverse=True)  # the first thickest: no schedule hidden
    assert [line.get_linestyle() for line in lines] == ["-", "-", "-", "--"]  # on the cosine
    assert left.get_ylim()[1] > 1.5 * 0.5  # room for the legend above the curves
    assert left.get_ylabel() and right.get_ylabel() and right.get_yscale() == "log"
    assert len(right.get_xticklabels()) == len(schedules)
    plt.close(fig)
    fig = plot_ladder(ladder, first=20)
    left, right = fig.axes
    assert left.get_ylabel() == right.get_ylabel() == "training loss"
    assert right.get_title() == "all 200 steps" and left.get_xlim() == (0, 20)
    assert len(fig.legends) == 1 and left.get_legend() is None  # beside the panels
    dashed = [line for line in left.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and "diverged" in dashed[0].get_label()
    plt.close(fig)


def test_exercise_5_a_longer_run_at_batch_32_keeps_the_verdict():
    """The answer to notebook 05's exercise 5: after 1000 steps the constant is still lowest."""
    schedules = {"constant": 0.5, "linear": linear_decay(0.5, 0.005, 1000),
                 "cosine": cosine_decay(0.5, 0.005, 1000)}
    ends = sgd.schedule_endings(schedules, batch_size=32, steps=1000, seeds=range(2))
    assert np.all(ends["constant"] < 0.5 * np.minimum(ends["linear"], ends["cosine"]))
