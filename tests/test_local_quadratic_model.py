"""Notebook 03: the local quadratic model, the Hessian eigenbasis, (1 - eta lambda)^tau."""

import math

import numpy as np
import pytest
import sympy as sp

from cs551.grading import self_check
from cs551.measure import loglog_slope
from cs551.objectives import Quadratic, Rosenbrock, eigenbasis, random_quadratic
from cs551.optim import SGD, minimize
from cs551.topics import local_quadratic_model as qm
from cs551.topics.local_quadratic_model import EigenDecayExplorer
from cs551.topics.local_quadratic_model.derivations import _on_unit_circle as on_unit_circle

from .helpers import PNG, assert_redraws, assert_says_what_is_off

# --- 1. the Taylor expansion -------------------------------------------------------------


def test_symbolic_taylor_error_of_rosenbrock_starts_at_t_cubed():
    J, xy = qm.rosenbrock_symbolic()
    t, c = qm.taylor_model_error(J, xy)
    assert c[:3] == [0, 0, 0]
    assert c[3] != 0  # the error really is of order 3, not higher
    d1, d2 = sp.symbols("Δ_1 Δ_2", real=True)
    w1 = sp.Symbol("ŵ_1", real=True)
    b = sp.Symbol("b", positive=True)
    assert sp.expand(c[3] - 2 * b * d1**2 * (2 * w1 * d1 - d2)) == 0
    assert sp.expand(c[4] - b * d1**4) == 0


def test_symbolic_taylor_model_is_the_numeric_one():
    J, (x, y) = qm.rosenbrock_symbolic()
    parts = qm.second_order_taylor(J, (x, y))
    w_hat, delta = np.array([-0.5, 0.7]), np.array([0.3, -0.2])
    subs = {sp.Symbol("a", real=True): 1, sp.Symbol("b", positive=True): 100,
            parts["w_hat"][0]: w_hat[0], parts["w_hat"][1]: w_hat[1],
            parts["Delta"][0]: delta[0], parts["Delta"][1]: delta[1]}
    model = qm.taylor_model(Rosenbrock(), w_hat)
    assert float(parts["model"].subs(subs)) == pytest.approx(model.value(w_hat + delta), rel=1e-12)


@pytest.mark.parametrize("make", [lambda x, y: sp.exp(x) * sp.sin(y),
                                  lambda x, y: sp.log(1 + x**2 + y**4)])
def test_taylor_error_is_cubic_for_non_polynomials(make):
    x, y = sp.symbols("x y", real=True)
    _, c = qm.taylor_model_error(make(x, y), (x, y), order=4)
    assert c[:3] == [0, 0, 0] and c[3] != 0


@pytest.mark.parametrize("center, direction", [([-0.5, 0.5], [1.0, 2.0]),
                                               ([0.3, -0.4], [-1.0, 0.5])])
def test_numeric_model_errors_have_slopes_one_two_three(center, direction):
    f, radii = Rosenbrock(), np.geomspace(1e-3, 0.1, 9)
    for order in (0, 1, 2):
        errors = qm.model_errors(f, center, direction, radii, order=order)
        assert abs(loglog_slope(radii, errors) - (order + 1)) < 0.1
    gradient_errors = qm.gradient_model_errors(f, center, direction, radii)
    assert abs(loglog_slope(radii, gradient_errors) - 2) < 0.1


def test_the_model_of_a_quadratic_is_exact():
    f = random_quadratic(4, kappa=10, seed=1)
    model = qm.taylor_model(f, np.ones(4))
    w = np.random.default_rng(0).normal(size=4)
    assert model.value(w) == pytest.approx(f.value(w), rel=1e-12)
    np.testing.assert_allclose(model.grad(w), f.grad(w), rtol=1e-12)


def test_taylor_model_arguments_are_checked():
    with pytest.raises(ValueError, match="order must be 0, 1 or 2, got 3"):
        qm.taylor_model(Rosenbrock(), [0.0, 0.0], order=3)
    with pytest.raises(ValueError, match=r"center must have shape \(2,\)"):
        qm.taylor_model(Rosenbrock(), [0.0, 0.0, 0.0])


# --- 2. the eigenbasis ---------------------------------------------------------------------


def test_eigenbasis_is_orthonormal_and_diagonalizes_H():
    H = Rosenbrock().hess(np.array([1.0, 1.0]))
    lambdas, Q = eigenbasis(H)
    np.testing.assert_allclose(Q.T @ Q, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(H @ Q, Q * lambdas, atol=1e-9)
    assert lambdas[0] < lambdas[1]
    assert np.all(Q[np.argmax(np.abs(Q), axis=0), [0, 1]] > 0)  # the sign convention
    with pytest.raises(ValueError, match="H must be symmetric"):
        eigenbasis([[1.0, 2.0], [0.0, 1.0]])


def test_symbolic_quadratic_in_eigenbasis_residuals_are_zero():
    eigen = qm.quadratic_in_eigenbasis()
    assert eigen["Q^T Q - I"] == sp.zeros(2, 2)
    assert eigen["H u_i - lambda_i u_i"] == sp.zeros(2, 2)
    assert eigen["quadratic - parabolas"] == 0
    assert eigen["gradient - sum alpha_i lambda_i u_i"] == sp.zeros(2, 1)


def test_reduction_on_the_unit_circle_is_not_trivially_zero():
    phi = sp.Symbol("phi", real=True)
    assert on_unit_circle(sp.sin(phi) ** 2 + sp.cos(phi) ** 2 - 1, phi) == 0
    assert on_unit_circle(sp.sin(phi), phi) != 0
    assert on_unit_circle(sp.sin(phi) ** 2 - sp.cos(phi) ** 2, phi) != 0


@pytest.mark.parametrize("dim, seed", [(2, 0), (5, 1), (10, 2)])
def test_J_is_a_sum_of_parabolas_in_the_eigenbasis(dim, seed):
    f = random_quadratic(dim, kappa=50, seed=seed)
    lambdas, Q = eigenbasis(f.H)
    w = np.random.default_rng(seed).normal(size=(20, dim))
    alphas = qm.eigen_coordinates(w, f.minimizer, Q)
    np.testing.assert_allclose(alphas @ Q.T + f.minimizer, w, atol=1e-12)  # w - w* = sum a_i u_i
    energy = qm.energy_in_eigenbasis(alphas, lambdas, f.value(f.minimizer))
    np.testing.assert_allclose(energy, [f.value(wi) for wi in w], rtol=1e-10, atol=1e-10)


# --- 3. gradient descent in the eigenbasis ------------------------------------------------


def test_symbolic_gradient_step_multiplies_each_coordinate_by_its_factor():
    gd = qm.gradient_descent_in_eigenbasis()
    eta = sp.Symbol("eta", positive=True)
    lam = sp.symbols("lambda_1 lambda_2", positive=True)
    assert gd["step residual"] == sp.zeros(2, 1)
    assert gd["coupling"] == sp.zeros(2, 1)
    assert [sp.expand(factor - (1 - eta * lam_i))
            for factor, lam_i in zip(gd["factors"], lam, strict=True)] == [0, 0]


def test_symbolic_closed_form_is_derived_and_proved():
    gd = qm.gradient_descent_in_eigenbasis()
    eta, lam, tau, alpha0 = gd["symbols"]
    assert gd["induction step"] == 0 and gd["base case"] == 0
    # independently: iterate the recurrence with numbers
    at = {eta: sp.Rational(3, 2), lam: sp.Rational(1, 3), alpha0: 7}
    value = sp.Integer(7)
    for k in range(6):
        assert gd["closed form"].subs({**at, tau: k}) == value
        value *= 1 - sp.Rational(3, 2) * sp.Rational(1, 3)


@pytest.mark.parametrize("lr", [0.5, 1.5, 1.99])
def test_sgd_follows_the_closed_form_coordinate_by_coordinate(lr):
    f = random_quadratic(10, kappa=100, seed=3)
    lambdas, Q = eigenbasis(f.H)
    run = minimize(SGD(lr), f, np.zeros(10), steps=200)
    alphas = qm.eigen_coordinates(run.thetas, f.minimizer, Q)
    predicted = qm.predicted_coordinates(alphas[0], lambdas, lr, 200)
    assert np.max(np.abs(alphas - predicted)) < 1e-9 * np.max(np.abs(alphas[0]))


def test_predicted_coordinates_and_factors():
    np.testing.assert_allclose(qm.contraction_factors([0.5, 2.0], 0.5), [0.75, 0.0])
    P = qm.predicted_coordinates([2.0, -1.0], [0.5, 3.0], 1.0, 3)
    np.testing.assert_allclose(P, [[2, -1], [1, 2], [0.5, -4], [0.25, 8]])
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -1"):
        qm.contraction_factors([1.0], -1)


# --- 4. stability -----------------------------------------------------------------------


def test_symbolic_stability_interval():
    lam = sp.Symbol("lambda", positive=True)
    assert qm.stability_interval() == sp.Interval.open(0, 2 / lam)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stability_limit_separates_convergence_from_divergence(seed):
    f = random_quadratic(6, kappa=20, seed=seed)
    lambdas, Q = eigenbasis(f.H)
    limit = qm.stability_limit(lambdas)
    assert limit == pytest.approx(2 / lambdas[-1])
    below = minimize(SGD(0.97 * limit), f, np.zeros(6), steps=2000)
    assert not below.diverged
    assert np.linalg.norm(below.theta - f.minimizer) < 1e-6 * np.linalg.norm(f.minimizer)
    above = minimize(SGD(1.03 * limit), f, np.zeros(6), steps=2000)
    assert above.diverged and above.steps < 2000
    # only the coordinate with |1 - eta lambda| > 1 grows; the others still decay
    growing = np.abs(qm.contraction_factors(lambdas, 1.03 * limit)) > 1
    assert growing.tolist() == [False] * 5 + [True]
    alphas = np.abs(qm.eigen_coordinates(above.thetas, f.minimizer, Q))
    assert alphas[-1, 5] > 1e4 * alphas[0, 5]  # minimize stopped it: |J| passed 1e8
    assert np.all(alphas[-1, :5] < alphas[0, :5])


# --- 5. the best fixed learning rate -----------------------------------------------------


def test_symbolic_best_learning_rate_and_rate():
    best = qm.best_fixed_learning_rate()
    lo, hi, kappa = sp.symbols("lambda_min lambda_max kappa", positive=True)
    assert sp.simplify(best["eta*"] - 2 / (lo + hi)) == 0
    assert sp.simplify(best["rate(kappa)"] - (kappa - 1) / (kappa + 1)) == 0
    assert best["balance residual"] == 0


def test_best_learning_rate_minimizes_the_rate():
    lambdas = eigenbasis(random_quadratic(10, kappa=100, seed=3).H)[0]
    eta_star = qm.best_learning_rate(lambdas)
    assert eta_star == pytest.approx(2 / (lambdas[0] + lambdas[-1]))
    assert qm.convergence_rate(lambdas, eta_star) == pytest.approx(qm.best_rate(lambdas))
    assert qm.best_rate(lambdas) == pytest.approx(99 / 101)
    lrs = np.linspace(0.01, 2.5, 1000)
    rates = qm.convergence_rate(lambdas, lrs)
    assert abs(lrs[np.argmin(rates)] - eta_star) < 0.005


def test_runs_obey_the_rate_bound_and_eta_star_is_fastest():
    f = random_quadratic(10, kappa=100, seed=3)
    lambdas, _ = eigenbasis(f.H)
    eta_star = qm.best_learning_rate(lambdas)
    steps = {}
    for lr in np.linspace(0.6, 1.0, 9) * 2 / lambdas[-1]:  # from 1.2 to 2 / lambda_max
        run = minimize(SGD(lr), f, np.zeros(10), steps=1500)
        errors = np.linalg.norm(run.thetas - f.minimizer, axis=1)
        rate = qm.convergence_rate(lambdas, lr)
        assert np.all(errors <= rate ** np.arange(len(errors)) * errors[0] * (1 + 1e-9))
        steps[lr] = qm.iterations_until(run.thetas, f.minimizer, 1e-4)
        assert steps[lr] <= qm.iterations_to_shrink(rate, 1e-4)
    fastest = min(steps, key=steps.get)
    assert abs(fastest - eta_star) <= 0.05 * 2 / lambdas[-1] + 1e-12


def test_two_dimensions_at_eta_star_every_step_shrinks_by_the_rate():
    f = qm.rotated_quadratic(lambdas=(1.0, 0.1))
    rho = qm.best_rate(f.eigenvalues)
    run = minimize(SGD(qm.best_learning_rate(f.eigenvalues)), f, f.start, steps=30)
    errors = np.linalg.norm(run.thetas - f.minimizer, axis=1)
    np.testing.assert_allclose(errors[1:] / errors[:-1], rho, rtol=1e-9)
    assert rho == pytest.approx((10 - 1) / (10 + 1))


def test_iterations_helpers():
    assert qm.iterations_to_shrink(0.5, 1e-3) == 10  # 0.5^10 < 1e-3 < 0.5^9
    assert qm.iterations_to_shrink(0.1, 1e-3) == 3  # exactly 1e-3 at 3
    assert qm.iterations_to_shrink(1.0) == math.inf
    thetas = np.array([[1.0, 0.0], [0.5, 0.0], [1e-3, 0.0]])
    assert qm.iterations_until(thetas, np.zeros(2), 1e-2) == 2
    assert qm.iterations_until(thetas, np.zeros(2), 1e-6) == math.inf
    with pytest.raises(ValueError, match="factor must be in"):
        qm.iterations_to_shrink(0.5, 2.0)


def test_spectrum_arguments_are_checked():
    for bad in ([0.0, 1.0], [-1.0, 2.0], [np.inf, 1.0], []):
        with pytest.raises(ValueError, match="lambdas must be finite and > 0"):
            qm.best_learning_rate(bad)
    with pytest.raises(ValueError, match="lambdas must be two eigenvalues"):
        qm.rotated_quadratic(lambdas=(1.0, 0.5, 0.1))


def test_rotated_quadratic_has_the_given_spectrum_and_start():
    f = qm.rotated_quadratic(lambdas=(2.0, 0.5), angle=0.3, minimizer=(1.0, -0.5),
                             start_alpha=(1.0, 1.5))
    assert isinstance(f, Quadratic)
    np.testing.assert_allclose(f.eigenvalues, [0.5, 2.0])
    np.testing.assert_allclose(f.grad(f.minimizer), 0, atol=1e-12)
    Q = qm.rotation(0.3)
    np.testing.assert_allclose(Q.T @ (f.start - f.minimizer), [1.0, 1.5])


# --- 6. the explorer ----------------------------------------------------------------------


@pytest.fixture
def explorer():
    return EigenDecayExplorer(lr=0.5, lambdas=(1.0, 0.1), steps=40)


def test_explorer_shows_the_closed_form(explorer):
    assert bytes(explorer.image.value).startswith(PNG)
    assert set(explorer.controls) == {"lr", "lambda_1", "lambda_2", "steps", "best_lr"}
    s = explorer.state
    np.testing.assert_allclose(s["factors"], [0.5, 0.95])
    assert s["agreement"] < 1e-10 and not s["run"].diverged
    measured = explorer.measured[1].get_ydata()
    np.testing.assert_allclose(measured, 1.5 * 0.95 ** np.arange(41), rtol=1e-9)
    assert "measured alpha = (1 - eta lambda)^tau alpha0 to 1e-10: True" in explorer.summary()
    # what the notebook printed from the explorer before (review O7): its default state
    assert "1 - eta lambda_i = (0.5, 0.95), 40 steps" in explorer.summary()
    assert "rate 0.95; 2/lambda_max = 2; eta* = 1.82 with rate 0.818" in explorer.summary()


def test_moving_lr_past_two_over_lambda_max_blows_up_one_coordinate(explorer):
    assert_redraws(explorer, "lr", 2.1)
    assert "1 - eta lambda_i = (-1.1, 0.79), 40 steps" in explorer.summary()
    assert "to 1e-10: True" in explorer.summary()
    a1, a2 = explorer.measured[0].get_ydata(), explorer.measured[1].get_ydata()
    assert a1[-1] > 10 * a1[0] and a2[-1] < a2[0]  # alpha_1 grows by 1.1, alpha_2 decays
    assert "<b>blows up</b>" in explorer.status.value and "decays" in explorer.status.value
    path = explorer.path.get_xydata()
    f = qm.rotated_quadratic()  # the explorer's quadratic, built independently
    expected = minimize(SGD(2.1), f, f.start, 40).thetas
    np.testing.assert_allclose(path, expected, rtol=1e-9, atol=1e-9)


def test_explorer_reports_divergence(explorer):
    explorer.controls["lr"].value = 8.0  # 1 - 8 lambda_1 = -7
    assert explorer.state["run"].diverged
    assert "<b>diverged</b>" in explorer.status.value
    assert "diverged at step" in explorer.summary()


def test_eigenvalue_sliders_and_best_lr(explorer):
    contour = explorer.contours.get_xydata().copy()
    explorer.controls["lambda_2"].value = 0.01
    assert not np.allclose(explorer.contours.get_xydata(), contour, equal_nan=True)
    np.testing.assert_allclose(explorer.state["factors"], [0.5, 0.995])
    explorer.controls["best_lr"].value = True
    assert explorer.controls["lr"].disabled
    s = explorer.state
    assert s["lr"] == pytest.approx(2 / 1.01)
    assert s["rate"] == pytest.approx((100 - 1) / (100 + 1))
    np.testing.assert_allclose(np.abs(s["factors"]), s["rate"], rtol=1e-12)
    explorer.controls["steps"].value = 7
    assert explorer.state["run"].steps == 7


def test_explorer_notebook_text_is_short_and_stable(explorer):
    assert explorer._repr_mimebundle_()[0]["text/plain"] == (
        "<EigenDecayExplorer: gradient descent in the Hessian's eigenbasis>")


def test_eigen_component_figure_keys_each_colour_and_each_style():
    import matplotlib.pyplot as plt

    steps = 266  # as many as the diverging run of the notebook: dots must not merge into bands
    alphas = np.outer(0.9 ** np.arange(steps + 1), [1.0, 2.0])
    ax = qm.plot_eigen_components(alphas, alphas, labels=["a", "b"])
    names = [text.get_text() for text in ax.get_legend().get_texts()]
    assert names[:2] == ["a", "b"] and names[2] == "measured" and names[3].startswith("predicted")
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(dots) == 2 and all(len(line.get_xdata()) <= 60 for line in dots)
    assert [line.get_color() for line in dots] == ["C0", "C1"]
    plt.close(ax.figure)


# --- the notebook's "your turn" checks ----------------------------------------------------


def test_quadratic_model_check_accepts_the_model_and_names_the_term_that_is_off():
    def right(J0, g, H, delta):
        return J0 + delta @ g + 0.5 * delta @ H @ delta

    qm.check_quadratic_model(right)
    qm.check_quadratic_model(lambda J0, g, H, d: qm.TaylorModel(np.zeros(2), J0, g, H).value(d),
                             trials=5, seed=2)
    wrong = {
        "with the 1/2": lambda J0, g, H, d: J0 + d @ g + d @ H @ d,
        "sign of the linear term": lambda J0, g, H, d: J0 - d @ g + 0.5 * d @ H @ d,
        "add J0": lambda J0, g, H, d: d @ g + 0.5 * d @ H @ d,
        "each term a number": lambda J0, g, H, d: J0 + d @ g,
        "one number": lambda J0, g, H, d: J0 + d * g + 0.5 * d @ H @ d,
        "returned nothing": lambda J0, g, H, d: None,
    }
    assert_says_what_is_off(qm.check_quadratic_model, wrong)

    def placeholder(J0, g, H, delta):
        raise NotImplementedError("your line here")

    assert self_check(qm.check_quadratic_model, placeholder).startswith("Not answered yet")


def test_eigen_step_check_accepts_the_slides_update_and_names_the_usual_slips():
    def right(alpha, lambdas, eta):
        return (1 - eta * lambdas) * alpha

    qm.check_eigen_step(right)
    qm.check_eigen_step(lambda a, lam, eta: qm.predicted_coordinates(a, lam, eta, 1)[1],
                        trials=5, seed=9)
    wrong = {
        "that is the change": lambda a, lam, eta: -eta * lam * a,
        "uphill": lambda a, lam, eta: (1 + eta * lam) * a,
        "not lambda_i": lambda a, lam, eta: a - eta * lam,
        "coordinate by coordinate": lambda a, lam, eta: (1 - eta * lam) * a[0],
        r"shape \(3,\), got shape \(2,\)": lambda a, lam, eta: a[:2],
        "returned nothing": lambda a, lam, eta: None,
    }
    assert_says_what_is_off(qm.check_eigen_step, wrong)

    def placeholder(alpha, lambdas, eta):
        raise NotImplementedError("your line here")

    assert self_check(qm.check_eigen_step, placeholder).startswith("Not answered yet")
