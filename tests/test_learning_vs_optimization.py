"""Notebook 01 (learning vs optimization): every claim it shows, checked on ``cs551.risk``."""

import numpy as np
import pytest
import sympy as sp

from cs551.data import digits
from cs551.gradcheck import numerical_gradient, relative_error
from cs551.grading import self_check
from cs551.objectives import LeastSquares, LogisticRegression, sigmoid
from cs551.optim import SGD, minimize
from cs551.topics import learning_vs_optimization as risk
from cs551.topics.learning_vs_optimization import RegularizationExplorer, RiskExplorer

from .helpers import assert_redraws, assert_says_what_is_off

# ---------------------------------------------------------------------------------------------
# Risk J* on a known distribution
# ---------------------------------------------------------------------------------------------


def test_gaussian_expectation_matches_sympy_stats_and_the_moments():
    from sympy.stats import E, Normal

    x, y = sp.symbols("x y", real=True)
    a, b = Normal("a", 0, 1), Normal("b", 0, 1)
    expr = (x + 2 * y - 1) ** 2 * (x - y) + x**4 * y**2
    mine = risk.gaussian_expectation(expr, [x, y])
    theirs = E(expr.subs({x: a, y: b}))
    assert sp.simplify(mine - theirs) == 0
    z = sp.Symbol("z", real=True)
    assert [risk.gaussian_expectation(z**k, [z]) for k in range(7)] == [1, 0, 1, 0, 3, 0, 15]


@pytest.mark.parametrize("d", [1, 2, 3])
def test_risk_of_the_linear_gaussian_model_has_the_closed_form(d):
    expectation, closed, difference = risk.risk_symbolic(d)
    assert difference == 0
    assert sp.simplify(expectation - closed) == 0
    assert expectation.free_symbols  # not trivially a constant


def test_exact_risk_matches_a_monte_carlo_estimate():
    model = risk.GaussianLinearModel(d=20, sigma=1.0, seed=0)
    for theta in [np.zeros(20), model.w, model.w + 0.3]:
        n = 100_000
        X, y = model.sample(n, np.random.default_rng(5))
        losses = 0.5 * (X @ theta - y) ** 2
        se = losses.std() / np.sqrt(n)
        assert abs(losses.mean() - model.risk(theta)) < 4 * se
        assert abs(model.estimated_risk(theta, n=n, seed=5) - losses.mean()) < 1e-9
    assert model.risk(model.w) == model.bayes_risk == 0.5


def test_empirical_risk_at_a_fixed_theta_is_unbiased_with_spread_one_over_sqrt_m():
    model = risk.GaussianLinearModel(d=20, sigma=1.0, seed=0)
    theta = np.zeros(20)
    sizes = [10, 100, 1000]
    mean, std = risk.empirical_risk_spread(model, theta, sizes, draws=200, seed=0)
    for mu, sd in zip(mean, std, strict=True):
        assert abs(mu - model.risk(theta)) < 4 * sd / np.sqrt(200)  # unbiased
    scaled = std * np.sqrt(sizes)  # constant if std ~ 1/sqrt(m)
    assert scaled.max() / scaled.min() < 1.3
    assert std[0] / std[-1] > 7  # sqrt(100) = 10


def test_erm_training_risk_is_below_and_true_risk_above_the_bayes_risk_as_predicted():
    model = risk.GaussianLinearModel(d=20, sigma=1.0, seed=0)
    curve = risk.erm_experiment(model, sizes=[25, 30, 40, 60, 100, 200, 400, 1000], draws=200)
    assert np.all(np.abs(curve.train - curve.predicted_train) < 4 * curve.train_se)
    assert np.all(np.abs(curve.risk - curve.predicted_risk) < 4 * curve.risk_se)
    assert np.all(curve.train < curve.bayes_risk) and np.all(curve.risk > curve.bayes_risk)
    gap = curve.risk - curve.train
    assert np.all(np.diff(gap) < 0)  # the gap closes as m grows
    assert gap[0] > 20 * gap[-1]


def test_the_notebooks_written_out_erm_loop_overfits_as_predicted():
    """The loop the notebook shows (200 samples of m = 25, d = 20, seeded): the mean training
    risk is below sigma^2/2 and the mean true risk far above it, each within 4 standard errors
    of its formula."""
    model = risk.GaussianLinearModel(d=20, sigma=1.0, seed=0)
    rng = np.random.default_rng(0)
    train, true = [], []
    for _ in range(200):
        X, y = model.sample(25, rng)
        fit = LeastSquares(X, y)
        train.append(fit.value(fit.minimizer))
        true.append(model.risk(fit.minimizer))
    se = np.std(train) / np.sqrt(200), np.std(true) / np.sqrt(200)
    assert np.mean(train) < model.bayes_risk < np.mean(true)
    assert abs(np.mean(train) - risk.expected_training_risk(25, 20, 1.0)) < 4 * se[0]
    assert abs(np.mean(true) - risk.expected_risk_of_erm(25, 20, 1.0)) < 4 * se[1]
    assert np.mean(true) > 4 * model.bayes_risk  # "several times above"


def test_erm_solution_is_the_least_squares_minimizer():
    """erm_experiment solves the normal equations; check one draw against LeastSquares."""
    model = risk.GaussianLinearModel(d=5, sigma=0.5, seed=3)
    curve = risk.erm_experiment(model, sizes=[40], draws=2, seed=7)
    rng = np.random.default_rng(7)  # replay the draws: X first, then the noise
    X = rng.normal(size=(2, 40, 5))
    y = X @ model.w + model.sigma * rng.normal(size=(2, 40))
    fits = [LeastSquares(X[j], y[j]) for j in range(2)]
    train = np.mean([J.value(J.minimizer) for J in fits])
    true = np.mean([model.risk(J.minimizer) for J in fits])
    assert curve.train[0] == pytest.approx(train, rel=1e-10)
    assert curve.risk[0] == pytest.approx(true, rel=1e-10)


def test_predictions_match_their_formulas():
    assert risk.expected_training_risk(25, 20, 1.0) == pytest.approx(0.1)
    assert risk.expected_risk_of_erm(25, 20, 1.0) == pytest.approx(3.0)
    assert risk.expected_risk_of_erm(221, 20, 1.0) == pytest.approx(0.55)  # the notebook's answer


# ---------------------------------------------------------------------------------------------
# ERM on the digits
# ---------------------------------------------------------------------------------------------


def test_learning_curve_on_digits_gap_closes_as_the_training_set_grows():
    curve = risk.learning_curve(sizes=(25, 50, 100, 200, 400, 800))
    assert np.all(curve.train_loss < curve.heldout_loss)
    assert np.all(np.diff(curve.heldout_loss) < 0)
    assert np.all(np.diff(curve.gap) < 0)
    assert curve.heldout_error[0] > 0.25 and curve.heldout_error[-1] < 0.06
    assert np.all(curve.train_error <= 0.01)  # ERM fits the training set


# ---------------------------------------------------------------------------------------------
# The 0-1 loss and the surrogate
# ---------------------------------------------------------------------------------------------


def test_zero_one_loss_has_zero_derivative_off_the_boundary_and_nll_never():
    z = risk.zero_one_symbolic()
    theta, x, y = z["symbols"]
    d01, dnll = z["d 0-1 / d theta"], z["d NLL / d theta"]
    assert sp.simplify(dnll - sp.diff(z["NLL"], theta)) == 0
    rng = np.random.default_rng(0)
    for t, xv in rng.normal(size=(20, 2)):
        for yv in (-1, 1):
            point = {theta: sp.Float(t), x: sp.Float(xv), y: yv}
            assert d01.subs(point) == 0
            assert float(dnll.subs(point)) != 0
    # the 0-1 loss is the Heaviside step of the signed score
    assert z["0-1 loss"].subs({theta: 1, x: 2, y: -1}) == 1
    assert z["0-1 loss"].subs({theta: 1, x: 2, y: 1}) == 0


@pytest.fixture(scope="module")
def three_vs_eight():
    s = digits(classes=(3, 8), bias=True, fractions=(0.5, 0.25, 0.25))
    J = LogisticRegression(s.X_train, s.y_train)
    run = minimize(SGD(0.5), J, np.zeros(J.dim), steps=50)
    return J, run


def test_finite_difference_census_of_the_zero_one_loss_vanishes(three_vs_eight):
    J, run = three_vs_eight
    hs = (1, 0.1, 0.01, 0.001)
    census = risk.finite_difference_census(J.error_rate, run.thetas[1:11], hs, directions=50)
    assert census.count == 500
    assert np.all(np.diff(census.fraction_nonzero) <= 0)
    assert census.fraction_nonzero[0] > 0.5 and census.fraction_nonzero[-1] == 0
    # a non-zero difference of a 1/m staircase is at least 1/(2 h m)
    seen = ~np.isnan(census.smallest_nonzero)
    assert seen.sum() >= 3
    bound = 1 / (2 * census.hs[seen] * J.m)
    assert np.all(census.smallest_nonzero[seen] >= bound * (1 - 1e-9))
    nll = risk.finite_difference_census(J.value, run.thetas[1:11], hs, directions=50)
    assert np.all(nll.fraction_nonzero == 1)


def test_nll_differences_converge_to_the_gradient(three_vs_eight):
    J, run = three_vs_eight
    theta = run.thetas[10]
    assert relative_error(J.full_grad(theta), numerical_gradient(J.value, theta)) < 1e-8


def test_zero_one_loss_is_a_staircase_along_a_line_and_nll_is_not(three_vs_eight):
    J, run = three_vs_eight
    theta0 = run.thetas[3]
    ts = np.linspace(-2, 6, 401)
    zero_one, nll = risk.along_line(J, theta0, -J.full_grad(theta0), ts)
    assert np.allclose(zero_one * J.m, np.round(zero_one * J.m))  # multiples of 1/m
    assert np.mean(np.diff(zero_one) == 0) > 0.95
    assert len(np.unique(zero_one)) >= 3
    assert np.all(np.diff(nll) != 0)
    assert nll[-1] < nll[0]  # the negative gradient direction descends the NLL


def test_nll_in_bits_bounds_the_zero_one_loss_example_by_example(three_vs_eight):
    J, run = three_vs_eight
    rng = np.random.default_rng(0)
    thetas = [*run.thetas[::10], *rng.normal(scale=0.3, size=(5, J.dim))]
    for theta in thetas:
        bits = risk.nll_bits_per_example(J, theta)
        wrong = (J.X @ theta > 0) != (J.y == 1)
        assert np.all(bits[wrong] >= 1 - 1e-12)
        assert bits.mean() >= J.error_rate(theta)
        assert bits.mean() * np.log(2) == pytest.approx(J.value(theta))


# ---------------------------------------------------------------------------------------------
# Training on the surrogate, early stopping
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_test_zero_one_loss_keeps_falling_after_training_zero_one_loss_is_zero(seed):
    record = risk.training_record(hidden=32, steps=250, lr=1.0, train_fraction=0.1, seed=seed)
    zero = record.first_zero_train_error
    assert zero is not None and record.steps[zero] <= 50
    assert np.all(record.train_error[zero:] == 0)
    # at least 1.5 percentage points (> 15 of the 1,078 test digits) better afterwards
    assert record.test_error[-1] < record.test_error[zero] - 0.015
    # the surrogate keeps pushing the margins apart
    assert record.min_margin[zero] > 0 and record.min_margin[-1] > 2.5 * record.min_margin[zero]
    assert np.all(np.diff(record.min_margin[zero:]) > 0)


@pytest.mark.parametrize("seed", [0, 1])
def test_early_stopping_halts_where_the_gradient_is_still_large(seed):
    noisy = risk.training_record(hidden=32, steps=150, lr=1.0, train_fraction=0.1,
                                 label_noise=0.2, every=5, seed=seed)
    stop = risk.early_stopping(noisy, patience=10)
    assert 0 < stop.best < stop.halted < len(noisy.steps) - 1
    assert stop.halted - stop.best == 10
    assert stop.grad_norm == noisy.grad_norm[stop.best]
    assert stop.grad_norm_vs_end > 5 and stop.train_loss_vs_end > 5  # far from converged
    assert noisy.test_error[stop.best] < noisy.test_error[-1]  # and the better model
    assert noisy.val_loss[stop.best] == noisy.val_loss.min()


def test_early_stopping_rule_on_a_made_up_record():
    val = np.array([5.0, 4.0, 3.0, 3.5, 2.9, 3.0, 3.1, 3.2, 3.3, 1.0])
    n = len(val)
    record = risk.TrainingRecord(np.arange(n) * 10, np.linspace(3, 1, n), np.zeros(n), val,
                                 np.zeros(n), np.zeros(n), np.linspace(1, 0.1, n), np.ones(n),
                                 n_train=1, n_test=1, label_noise=0.0)
    stop = risk.early_stopping(record, patience=3)
    assert (stop.best, stop.halted, stop.step) == (4, 7, 40)  # never sees the 1.0 at the end
    assert stop.grad_norm_vs_end == pytest.approx(record.grad_norm[4] / 0.1)
    assert risk.early_stopping(record, patience=5).best == 9  # patient enough to reach it


def test_margins_are_positive_exactly_for_correct_examples():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 1.0, 0.0]])
    y = np.array([0, 2, 1])
    assert np.allclose(risk.margins(logits, y), [1.0, -2.0, 0.0])


def test_flip_labels_replaces_about_the_requested_fraction():
    y = np.zeros(10_000, dtype=int)
    flipped = risk.flip_labels(y, 0.2, 10, seed=0)
    assert abs(np.mean(flipped != y) - 0.2 * 0.9) < 0.02  # a random class may be the same one
    assert np.array_equal(risk.flip_labels(y, 0.0, 10, seed=0), y)


@pytest.mark.parametrize("call, message", [
    (lambda: risk.erm_experiment(risk.GaussianLinearModel(d=5), [6]), "sizes must all be > d"),
    (lambda: risk.erm_experiment(risk.GaussianLinearModel(d=5), [9], draws=1), "draws must be"),
    (lambda: risk.learning_curve(sizes=(10, 5000)), "sizes must be <= 898"),
    (lambda: risk.training_record(train_fraction=0.9), "train_fraction must be in"),
    (lambda: risk.training_record(lr=-1.0), "lr must be"),
    (lambda: risk.flip_labels(np.zeros(3, dtype=int), 1.5, 10, 0), "fraction must be in"),
    (lambda: risk.finite_difference_census(np.sum, np.zeros((1, 2)), hs=(0.0,)), "h must be"),
    (lambda: risk.early_stopping(risk.training_record(steps=2), patience=0), "patience must"),
    (lambda: risk.GaussianLinearModel(d=0), "d must be"),
    (lambda: risk.one_dimensional_risks(20_000, 1.0, 0), "m must be in"),
    (lambda: RiskExplorer(m=7), "m must be one of"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# The explorer
# ---------------------------------------------------------------------------------------------


def test_one_dimensional_samples_are_nested_and_risks_consistent():
    x10, y10, a, b, c = risk.one_dimensional_risks(10, 1.0, draw=3)
    x50, y50, *_ = risk.one_dimensional_risks(50, 1.0, draw=3)
    assert np.array_equal(x50[:10], x10) and np.array_equal(y50[:10], y10)
    J = LeastSquares(x10[:, None], y10)
    theta = np.array([0.7])
    assert 0.5 * (a * 0.49 - 2 * b * 0.7 + c) == pytest.approx(J.value(theta))
    assert b / a == pytest.approx(J.minimizer[0])


def test_risk_explorer_redraws_and_reports_when_m_changes():
    explorer = RiskExplorer(m=10, sigma=1.0, draw=0)
    status = explorer.status.value
    assert len(explorer.points.get_xdata()) == 10
    small = dict(explorer.state)
    assert_redraws(explorer, "m", 1000)
    assert len(explorer.points.get_xdata()) == 1000
    assert explorer.status.value != status
    big = explorer.state
    # with more data theta^ is closer to w and J(theta^) closer to J*(theta^)
    assert abs(big["theta_hat"] - 1) < abs(small["theta_hat"] - 1)
    assert abs(big["J*(theta_hat)"] - big["J(theta_hat)"]) < 0.05
    assert "m = 1000" in explorer.summary()
    explorer.controls["m"].value = 10000  # fitted on all, drawn: the first DRAWN of them
    x, _, a, b, _ = risk.one_dimensional_risks(10000, 1.0, 0)
    np.testing.assert_array_equal(explorer.points.get_xdata(), x[:explorer.DRAWN])
    assert explorer.state["theta_hat"] == pytest.approx(b / a, rel=1e-12)
    assert "the first 2000 of the 10000 examples" in explorer.status.value
    assert "2000" not in explorer.summary()  # a hint for the panel, not a result


def test_risk_explorer_training_risk_never_exceeds_the_samples_risk_at_w():
    """ERM minimizes J, so J(theta^) <= J(w) on every sample; and J*(theta^) >= J*(w)."""
    explorer = RiskExplorer(m=5, sigma=2.0, draw=0)
    for draw in range(0, 50, 7):
        explorer.controls["draw"].value = draw
        x, y = explorer.points.get_xdata(), explorer.points.get_ydata()
        s = explorer.state
        assert s["J(theta_hat)"] <= 0.5 * np.mean((x - y) ** 2) + 1e-12
        assert s["J*(theta_hat)"] >= s["J*(w)"]
    explorer.controls["draw"].value = 0  # this sample's theta^ = -2.84 is off the axis
    assert explorer.state["theta_hat"] < explorer.thetas[0]
    assert explorer.hat.get_marker() == "<" and explorer.hat.get_xdata()[0] == explorer.thetas[0]
    explorer.controls["sigma"].value = 0.0  # no noise: the fit is exact
    assert explorer.state["theta_hat"] == pytest.approx(1.0)
    assert explorer.state["J(theta_hat)"] == pytest.approx(0.0, abs=1e-12)


def test_tables_have_one_row_per_size():
    model = risk.GaussianLinearModel(d=5)
    table = risk.erm_experiment(model, sizes=[10, 20], draws=5).table().splitlines()
    assert len(table) == 3 and table[1].split()[0] == "10"
    lc = risk.LearningCurve(np.array([5]), *np.ones((4, 1)))
    assert lc.table().splitlines()[1].split() == ["5", "1.000", "1.000", "1.000", "1.000"]


def test_regularization_trades_training_risk_for_held_out_risk():
    penalties = (0.0, 1e-3, 1e-2, 0.1, 0.3)
    fits = {m: [risk.regularized_fit(m, l2) for l2 in penalties] for m in (50, 898)}
    small = fits[50]
    heldout = np.array([f.heldout_loss for f in small])
    assert np.all(np.diff([f.train_loss for f in small]) >= 0)  # training risk goes up
    assert np.all(np.diff([np.linalg.norm(f.theta) for f in small]) < 0)  # weights shrink
    assert heldout[2] < 0.5 * heldout[0]  # lambda = 0.01 more than halves the held-out NLL
    assert 0 < heldout.argmin() < len(penalties) - 1  # too much penalty underfits: a U
    best = [penalties[np.argmin([f.heldout_loss for f in fits[m]])] for m in (50, 898)]
    assert best[1] < best[0]  # more data, less regularization needed
    assert fits[898][0].weights.shape == (64, 10)


def test_regularization_explorer_refits_caches_and_redraws():
    explorer = RegularizationExplorer(m=50, l2=0.0)
    mosaic = np.array(explorer.mosaic.get_array())
    heights = [bar.get_height() for bar in explorer.bars]
    assert_redraws(explorer, "l2", 0.01)
    assert np.nanmax(np.abs(explorer.mosaic.get_array())) < np.nanmax(np.abs(mosaic))
    assert explorer.bars[1].get_height() < 0.5 * heights[1]  # held-out NLL
    assert "l2 = 0.01" in explorer.status.value and "l2 = 0.01" in explorer.summary()
    fit = explorer.fits[50, 0.01]
    assert explorer.labels[1].get_text() == f"{fit.heldout_loss:.3f}"
    explorer.controls["l2"].value = 0.0
    assert len(explorer.fits) == 2 and explorer.current is explorer.fits[50, 0.0]  # cached
    with pytest.raises(ValueError, match="l2 must be one of"):
        RegularizationExplorer(l2=0.5)
    with pytest.raises(ValueError, match="m must be in"):
        risk.regularized_fit(5000, 0.0)


def test_regularization_explorer_fits_the_next_settings_ahead_when_asked_to():
    """With prefetch (in a kernel: while it is idle) the worker fits the settings one slider
    step away first, so that the next arrow-key move only redraws, then the rest of the grid,
    nearest first."""
    explorer = RegularizationExplorer(m=50, l2=0.0, prefetch=True)
    assert explorer.cache.wait(timeout=120)
    order = list(explorer.fits)  # in the order they were fitted
    assert order[0] == (50, 0.0) and set(order[1:4]) == {(20, 0.0), (100, 0.0), (50, 1e-4)}
    assert len(order) == len(explorer.SIZES) * len(explorer.PENALTIES)
    assert order[-1] == (898, 0.3)  # the farthest setting last


def test_the_risk_explorer_starts_where_the_notebook_says():
    """What the notebook printed from the explorer before (review O7), now checked here: the
    default sample (m = 10, sigma = 1) and the same sample grown to m = 1000."""
    explorer = RiskExplorer(m=10, sigma=1.0, draw=0)
    assert explorer.summary().startswith("m = 10, sigma = 1.00: theta^ = ")
    assert "J*(w) = 0.500" in explorer.summary()
    small = dict(explorer.state)
    assert small["J(theta_hat)"] <= small["J*(theta_hat)"] + 0.1  # one sample: no guarantee
    explorer.controls["m"].value = 1000
    assert abs(explorer.state["theta_hat"] - 1) < 0.05
    explorer.controls["m"].value = 10
    assert explorer.state == small  # the same sample again: nested draws


# ---------------------------------------------------------------------------------------------
# The notebook's "your turn" checks
# ---------------------------------------------------------------------------------------------


def test_erm_fit_check_accepts_the_least_squares_fit_and_explains_wrong_ones():
    risk.check_erm_fit(lambda X, y: np.linalg.solve(X.T @ X, X.T @ y))
    risk.check_erm_fit(lambda X, y: np.linalg.lstsq(X, y, rcond=None)[0], trials=5, seed=4)
    wrong = {
        "right-hand side of the normal equations": lambda X, y: X.T @ y / len(y),
        "gradient of J has norm": lambda X, y: np.linalg.solve(X.T @ X + np.eye(X.shape[1]),
                                                               X.T @ y),  # ridge, not ERM
        r"shape \(30,\) \(one per example\)": lambda X, y: X @ np.ones(X.shape[1]),
        "returned nothing": lambda X, y: None,
    }
    assert_says_what_is_off(risk.check_erm_fit, wrong)

    def overwrites(X, y):
        y -= y.mean()
        return np.linalg.solve(X.T @ X, X.T @ y)

    with pytest.raises(AssertionError, match="changed X or y"):
        risk.check_erm_fit(overwrites)

    def placeholder(X, y):
        raise NotImplementedError("your line here")

    assert self_check(risk.check_erm_fit, placeholder).startswith("Not answered yet")


def test_nll_gradient_check_accepts_the_gradient_and_names_the_usual_slips():
    def right(theta, X, y):
        return X.T @ (sigmoid(X @ theta) - y) / len(y)

    risk.check_nll_gradient(right)
    risk.check_nll_gradient(lambda theta, X, y: LogisticRegression(X, y).full_grad(theta),
                            trials=5, seed=7)
    wrong = {
        "wrong way": lambda theta, X, y: -right(theta, X, y),
        "m = 20 times too large": lambda theta, X, y: len(y) * right(theta, X, y),
        "chain rule": lambda theta, X, y: X.T @ (sigmoid(X @ theta) ** 2 - y) / len(y),
        "one per example": lambda theta, X, y: sigmoid(X @ theta) - y,
    }
    assert_says_what_is_off(risk.check_nll_gradient, wrong)

    def placeholder(theta, X, y):
        raise NotImplementedError("your line here")

    assert self_check(risk.check_nll_gradient, placeholder).startswith("Not answered yet")
