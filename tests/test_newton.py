"""Notebook 09: Newton's method -- derivation, saddles, damping, cost, batch size, digits."""

import re

import numpy as np
import pytest
import sympy as sp

from cs551.gradient_noise import step_errors
from cs551.grading import self_check
from cs551.measure import first_index
from cs551.objectives import (
    Quadratic,
    Rosenbrock,
    Saddle,
    ill_conditioned_regression,
    random_quadratic,
)
from cs551.optim import SGD, Newton, SaddleFreeNewton, minimize
from cs551.topics.newton import (
    check_newton_step,
    damped_newton_factor,
    digits_logistic,
    elimination_flops,
    newton_from_quadratic_model,
    newton_multipliers,
    newton_step_flops,
    solve_times,
    solve_with_flop_count,
)
from cs551.widgets import OptimizerExplorer

from .helpers import add_roundoff_noise, assert_redraws

# --- the update from the quadratic model ---------------------------------------------------------


def test_sympy_critical_point_of_the_model_is_theta0_minus_H_inverse_g():
    newton = newton_from_quadratic_model()
    assert newton["difference"] == sp.zeros(2, 1)
    # the model's gradient vanishes at the critical point
    model, point = newton["model"], newton["critical point"]
    t1, t2 = sp.symbols("theta_1 theta_2")
    for t in (t1, t2):
        assert sp.simplify(sp.diff(model, t).subs({t1: point[0], t2: point[1]})) == 0


@pytest.mark.parametrize("kappa", [1, 1e3, 1e6])
def test_one_newton_step_lands_on_the_minimum_of_any_quadratic(kappa):
    f = random_quadratic(dim=8, kappa=kappa, seed=3)
    theta0 = np.random.default_rng(0).normal(size=8)
    one = minimize(Newton(), f, theta0, 1).theta
    assert np.linalg.norm(one - f.minimizer) < 1e-12 * kappa * np.linalg.norm(theta0 - f.minimizer)


def test_newton_beats_gradient_descent_on_rosenbrock_by_three_orders_of_magnitude():
    f = Rosenbrock()
    newton = first_index(minimize(Newton(), f, f.start, 10).values <= 1e-10)
    gd = first_index(minimize(SGD(1.9e-3), f, f.start, 15_000).values <= 1e-10)
    assert newton <= 8 and gd > 1000 * newton
    assert minimize(SGD(2.2e-3), f, f.start, 100).diverged  # 2e-3 is near the edge


def test_gradient_descent_on_rosenbrock_below_the_edge_of_stability_is_not_chaotic(monkeypatch):
    """The notebook's lr = 1.9e-3 takes the same number of steps when every step gets a few
    ulps of noise (another machine's round-off); at 2e-3, the edge, the count moves."""
    f = Rosenbrock()

    def steps(lr):
        return first_index(minimize(SGD(lr), f, f.start, 15_000).values <= 1e-10)

    exact, at_the_edge = steps(1.9e-3), {steps(2e-3)}
    for seed in (1, 2, 3):
        add_roundoff_noise(monkeypatch, seed)
        assert steps(1.9e-3) == exact > 10_000
        at_the_edge.add(steps(2e-3))
    assert len(at_the_edge) > 1


def test_the_notebooks_loop_is_the_library_newton():
    """Section 2 writes the slide's box out as a loop; it takes cs551.optim.Newton's steps."""
    f = Rosenbrock()
    theta, thetas = f.start.copy(), [f.start.copy()]
    for _ in range(10):
        theta = theta - np.linalg.solve(f.hess(theta), f.grad(theta))
        thetas.append(theta)
    library = minimize(Newton(), f, f.start, 10)
    np.testing.assert_allclose(thetas, library.thetas, rtol=0, atol=1e-12)
    assert f(thetas[2]) > 700 > f(thetas[0])  # the wild step 2 the notebook quotes


def test_newton_from_the_origin_of_rosenbrock_takes_two_exact_steps():
    run = minimize(Newton(), Rosenbrock(), np.zeros(2), 2)
    np.testing.assert_allclose(run.thetas, [[0, 0], [1, 0], [1, 1]], atol=1e-12)


# --- saddles and damping -------------------------------------------------------------------------


def test_newton_jumps_onto_the_saddle_in_one_step():
    f = Saddle()
    np.testing.assert_allclose(minimize(Newton(), f, f.start, 1).theta, [0, 0], atol=1e-15)


def test_sympy_damped_factor():
    after, factor = damped_newton_factor()
    lam, mu, theta = (sp.Symbol("lambda", real=True), sp.Symbol("mu", nonnegative=True),
                      sp.Symbol("theta", real=True))
    assert sp.simplify(after - mu * theta / (lam + mu)) == 0
    assert factor.subs(mu, 0) == 0


@pytest.mark.parametrize("mu", [0.0, 0.5, 1.5, 3.0, 10.0])
def test_measured_damped_factors_match_mu_over_lambda_plus_mu(mu):
    f = Saddle()
    run = minimize(Newton(damping=mu), f, f.start, 1)
    np.testing.assert_allclose(run.thetas[1] / run.thetas[0], newton_multipliers([2, -2], mu),
                               atol=1e-12)


def test_damped_newton_escapes_the_saddle_exactly_when_mu_exceeds_one():
    f = Saddle()
    for mu in np.linspace(0.05, 6, 40):
        if abs(mu - 1) < 0.02 or abs(mu - 2) < 0.02:
            continue  # the boundary itself, and the singular H + 2 I
        run = minimize(Newton(damping=float(mu)), f, f.start, 30)
        escaped = abs(run.theta[1]) > 1.0 or run.diverged
        assert escaped == (mu > 1), mu


def test_damped_newton_step_is_a_descent_direction_when_H_plus_mu_I_is_positive_definite():
    f, theta = Saddle(), np.array([1.0, 0.5])
    for mu in (2.5, 3.0, 10.0):  # mu > -lambda_min = 2
        step = minimize(Newton(damping=mu), f, theta, 1).theta - theta
        assert step @ f.grad(theta) < 0


def test_saddle_free_newton_doubles_the_negative_curvature_direction():
    f = Saddle()
    run = minimize(SaddleFreeNewton(), f, f.start, 4)
    np.testing.assert_allclose(run.thetas[1:, 1] / run.thetas[:-1, 1], 2.0)
    np.testing.assert_allclose(run.thetas[1:, 0], 0.0, atol=1e-15)
    np.testing.assert_allclose(newton_multipliers([2, -2], 0, saddle_free=True), [0, 2])


def test_saddle_free_newton_equals_newton_on_a_positive_definite_quadratic():
    f = random_quadratic(5, kappa=50, seed=2)
    theta = np.ones(5)
    for mu in (0.0, 0.3):
        np.testing.assert_allclose(minimize(SaddleFreeNewton(mu), f, theta, 1).theta,
                                   minimize(Newton(mu), f, theta, 1).theta, atol=1e-10)


def test_bad_damping_and_singular_systems_raise():
    with pytest.raises(ValueError, match="damping must be"):
        SaddleFreeNewton(-1.0)
    with pytest.raises(ValueError, match="damping"):
        newton_multipliers([2, -2], 2.0)
    with pytest.raises(np.linalg.LinAlgError):
        minimize(SaddleFreeNewton(), Quadratic(np.diag([1.0, 0.0])), np.ones(2), 1)


# --- the notebook's "your turn": one damped Newton step ----------------------------------------


def right_step(theta, g, H, mu=0.0):
    return theta - np.linalg.solve(H + mu * np.eye(len(theta)), g)


def test_check_newton_step_passes_the_right_step_and_an_explicit_inverse():
    check_newton_step(right_step, seed=0)
    check_newton_step(right_step)  # any seed
    check_newton_step(lambda t, g, H, mu: t - np.linalg.inv(H + mu * np.eye(len(t))) @ g, seed=1)
    assert self_check(lambda f: check_newton_step(f, seed=0), right_step) == "Right."


@pytest.mark.parametrize("wrong, says", [
    (lambda t, g, H, mu: t + np.linalg.solve(H + mu * np.eye(len(t)), g), "wrong sign"),
    (lambda t, g, H, mu: t - np.linalg.solve(H, g), "the damping is missing"),
    (lambda t, g, H, mu: t - np.linalg.solve(H + mu, g), "on the diagonal only"),
    (lambda t, g, H, mu: np.linalg.solve(H + mu * np.eye(len(t)), g), "you returned the step"),
    (lambda t, g, H, mu: t - (H + mu * np.eye(len(t))) @ g, "not by it"),
    (lambda t, g, H, mu: t - g, "that is a gradient step"),
    (lambda t, g, H, mu: t - 0.5 * g, "solve (H + mu I) s = g with np.linalg.solve"),
    (lambda t, g, H, mu: t[:1], "expected an array of shape"),
])
def test_check_newton_step_says_what_is_off(wrong, says):
    with pytest.raises(AssertionError, match=re.escape(says)):
        check_newton_step(wrong, seed=0)
    message = self_check(lambda f: check_newton_step(f, seed=0), wrong)
    assert message.startswith("Not yet.") and says in message
    assert message == self_check(lambda f: check_newton_step(f, seed=0), wrong)  # deterministic
    assert max(len(line) for line in message.splitlines()) < 100


def test_check_newton_step_catches_a_step_that_changes_its_input_and_a_placeholder():
    def in_place(theta, g, H, mu=0.0):
        theta -= np.linalg.solve(H + mu * np.eye(len(theta)), g)
        return theta

    with pytest.raises(AssertionError, match="changed its input theta"):
        check_newton_step(in_place, seed=0)

    def placeholder(theta, g, H, mu=0.0):
        raise NotImplementedError("your line here")

    assert self_check(check_newton_step, placeholder).startswith("Not answered yet")


def test_check_newton_step_tries_undamped_damped_and_indefinite_hessians():
    seen = []

    def spy(theta, g, H, mu):
        seen.append((mu, np.linalg.eigvalsh(H)))
        return right_step(theta, g, H, mu)

    check_newton_step(spy, trials=20, seed=0)
    assert sum(mu == 0 for mu, _ in seen) == 10
    assert all(np.min(np.abs(lambdas + mu)) >= 0.3 for mu, lambdas in seen)  # never singular
    assert any(lambdas[0] < 0 for _, lambdas in seen)  # indefinite ones too
    assert any(lambdas[0] < 0 < lambdas[0] + mu for mu, lambdas in seen)  # damping makes PD


# --- cost ----------------------------------------------------------------------------------------


def test_elimination_solves_and_counts_two_thirds_d_cubed():
    total, leading = elimination_flops()
    (d_symbol,) = total.free_symbols
    assert leading == sp.Rational(2, 3)
    for d in (1, 2, 7, 30):
        H = random_quadratic(d, kappa=20, seed=d).H if d > 1 else np.array([[2.0]])
        g = np.arange(1.0, d + 1)
        x, flops = solve_with_flop_count(H, g)
        np.testing.assert_allclose(x, np.linalg.solve(H, g), rtol=1e-10)
        assert flops == int(total.subs(d_symbol, d)) == newton_step_flops(d, 1)["solve"]


def test_elimination_needs_pivoting_and_rejects_singular_or_non_square():
    x, _ = solve_with_flop_count(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(x, [3.0, 2.0])
    with pytest.raises(np.linalg.LinAlgError):
        solve_with_flop_count(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="square"):
        solve_with_flop_count(np.ones((2, 3)), np.ones(2))


def test_newton_step_flops_grow_like_d_squared_and_d_cubed_against_d():
    small, big = newton_step_flops(100, 1000), newton_step_flops(1000, 1000)
    assert big["gradient"] == 10 * small["gradient"]
    assert big["Hessian"] == 100 * small["Hessian"]
    assert 900 < big["solve"] / small["solve"] < 1000
    with pytest.raises(ValueError, match="d must be"):
        newton_step_flops(0, 10)


def test_try_it_yourself_3_newton_step_on_a_hundred_thousand_parameters():
    cost = newton_step_flops(100_000, 10_000)
    assert 1e5 < sum(cost.values()) / cost["gradient"] < 3e5


def test_solve_times_returns_a_positive_time_per_size():
    times = solve_times([5, 10], repeats=1)
    assert set(times) == {5, 10} and all(t > 0 for t in times.values())


# --- batch size ----------------------------------------------------------------------------------


def test_newton_step_error_amplification_grows_with_kappa_and_is_at_most_kappa():
    amplifications = []
    for kappa in (10, 100, 1000):
        f = ill_conditioned_regression(kappa=kappa, d=10, m=20_000, seed=0)
        e = step_errors(f, f.minimizer - 1.0, [100], draws=1)
        assert 1 <= e.amplification <= e.kappa
        amplifications.append(e.amplification)
    assert amplifications[0] < amplifications[1] < amplifications[2]
    n_gd, n_newton = e.batch_size_for(0.1)
    assert n_newton > 50 * n_gd and n_newton > 10_000


# --- logistic regression on the digits -----------------------------------------------------------


def test_newton_trains_logistic_regression_in_a_handful_of_iterations():
    J = digits_logistic((3, 8), l2=1e-3)
    assert J.dim == 65
    newton = minimize(Newton(), J, np.zeros(J.dim), 12)
    f_star = newton.values[-1]
    gaps = newton.values - f_star
    assert first_index(gaps <= 1e-6) <= 9
    # quadratic convergence at the end: the exponent of the gap grows by a factor >= 1.5
    k = first_index(gaps <= 1e-5)
    assert np.log(gaps[k + 1]) / np.log(gaps[k]) > 1.4
    lam_max = np.linalg.eigvalsh(J.hess(np.zeros(J.dim)))[-1]
    gd = minimize(SGD(1.9 / lam_max), J, np.zeros(J.dim), 300)
    assert not gd.diverged and gd.values[-1] - f_star > 1e-5
    assert J.error_rate(newton.theta) < 0.02


def test_digits_logistic_checks_its_classes():
    with pytest.raises(ValueError, match="classes must be"):
        digits_logistic((1, 2, 3))


def test_first_index():
    assert first_index(np.array([3.0, 2.0, 0.5, 0.1]) <= 1.0) == 2
    assert first_index(np.array([3.0, 2.0]) <= 1.0) is None
    assert first_index([False, True]) == 1
    with pytest.raises(ValueError, match="condition must be a 1-D array of booleans"):
        first_index([3.0, 0.5])


# --- the notebook's explorer ---------------------------------------------------------------------


def test_damping_slider_decides_whether_newton_escapes_the_saddle():
    """The notebook's explorer and its "Things to try" (section 7)."""
    methods = {"damped Newton": Newton, "saddle-free Newton": SaddleFreeNewton,
               "gradient descent": SGD}
    e = OptimizerExplorer(Saddle(), methods, damping=0.5, lr=0.1, steps=15)
    assert set(e.controls) == {"lr", "damping", "steps", "x0", "y0"}
    # as the notebook leaves it: mu = 0.5 < 1, damped Newton converges onto the saddle
    assert abs(e.trajectories["damped Newton"].value) < 1e-12
    assert e.trajectories["saddle-free Newton"].value < -10  # escaped, downhill
    assert "damped Newton: 15 steps" in e.summary()
    assert_redraws(e, "damping", 3.0)  # above 2: escapes without changing side
    run = e.trajectories["damped Newton"]
    assert run.diverged or abs(run.theta[1]) > 1  # escaped
    assert np.all(run.thetas[:, 1] > 0)
    np.testing.assert_allclose(e.lines["damped Newton"].get_ydata()[:3],
                               minimize(Newton(3.0), Saddle(), Saddle().start, 2).thetas[:, 1])
    e.controls["damping"].value = 1.5  # between 1 and 2: escapes while flipping sides
    run = e.trajectories["damped Newton"]
    assert run.diverged or abs(run.theta[1]) > 1
    signs = np.sign(run.thetas[:6, 1])
    assert np.all(signs[1:] == -signs[:-1])
    e.controls["y0"].value = 0.0  # on the axis nothing can leave
    assert abs(e.trajectories["saddle-free Newton"].theta[1]) == 0


def test_saddle_runs_get_a_panel_each_so_no_path_hides_another():
    import matplotlib.pyplot as plt

    from cs551.topics.newton import plot_runs_side_by_side

    f = Saddle()
    runs = {"Newton": minimize(Newton(), f, f.start, 12),
            "saddle-free Newton": minimize(SaddleFreeNewton(), f, f.start, 12),
            "gradient descent": minimize(SGD(0.1), f, f.start, 40)}
    fig = plot_runs_side_by_side(f, runs)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == list(runs)  # the fourth panel is hidden
    for ax, run in zip(shown, runs.values(), strict=True):
        paths = [line.get_xydata() for line in ax.get_lines() if len(line.get_xydata()) > 1]
        assert len(paths) == 1 and np.allclose(paths[0], run.thetas)
        assert ax.get_legend() is None and ax.get_ylabel()
    plt.close(fig)
