"""Notebook 04, challenges in optimization: every claim the notebook shows, checked here."""

import itertools
import math

import numpy as np
import pytest
import sympy as sp

from cs551.data import digits
from cs551.gradcheck import numerical_gradient, numerical_jacobian, relative_error
from cs551.grading import self_check
from cs551.nn import Classifier, mlp
from cs551.objectives import Cliff, Quadratic, Saddle, random_quadratic
from cs551.optim import SGD, ClipGradNorm, clip_by_norm, minimize
from cs551.topics import challenges as ch
from cs551.topics.challenges import CliffExplorer

from .helpers import PNG, assert_redraws

# --- ill-conditioning -------------------------------------------------------------------------


def test_condition_number_is_the_ratio_of_extreme_eigenvalue_magnitudes():
    assert ch.condition_number(np.diag([0.01, 1.0])) == pytest.approx(100)
    assert ch.condition_number(np.diag([-4.0, 2.0])) == pytest.approx(2)  # magnitudes
    assert ch.condition_number(np.diag([0.0, 1.0])) == math.inf
    f = random_quadratic(6, kappa=50, seed=3)
    assert ch.condition_number(f.H) == pytest.approx(f.condition_number)


def test_second_order_expansion_of_a_gradient_step_is_derived_symbolically():
    second_order, taylor, difference = ch.gradient_step_taylor()
    assert difference == 0 and second_order != 0
    # the check is not vacuous: a wrong coefficient of the eps^2 term is caught
    eps = sp.Symbol("epsilon", positive=True)
    assert sp.expand(second_order - taylor * (1 + eps**2)) != 0
    change, slide, difference = ch.quadratic_step_change()
    assert difference == 0 and sp.expand(change) != 0


def test_cost_increase_condition_root_is_two_gtg_over_gthg():
    criterion, factored, root = ch.cost_increase_condition()
    gHg, gg = sp.symbols("g^THg g^Tg", positive=True)
    eps = sp.Symbol("epsilon", positive=True)
    assert sp.simplify(root - 2 * gg / gHg) == 0
    assert sp.expand(factored - criterion) == 0
    assert criterion.subs({eps: 3, gg: 1, gHg: 1}) > 0 > criterion.subs({eps: 1, gg: 1, gHg: 1})


@pytest.mark.parametrize("seed", range(5))
def test_gradient_step_raises_the_cost_exactly_when_the_criterion_says(seed):
    rng = np.random.default_rng(seed)
    q = random_quadratic(5, kappa=100, seed=seed)
    theta = rng.normal(size=5)
    g = q.grad(theta)
    threshold = ch.critical_lr(q.H, g)
    assert threshold == pytest.approx(2 * (g @ g) / (g @ q.H @ g))
    for lr in threshold * np.geomspace(0.05, 20, 101):
        actual = q.value(theta - lr * g) - q.value(theta)
        predicted = ch.gradient_step_change(q.H, g, lr)
        assert actual == pytest.approx(predicted, rel=1e-9, abs=1e-9)  # exact on a quadratic
        if abs(lr / threshold - 1) > 1e-6:
            assert (actual > 0) == (lr > threshold) == (predicted > 0)


def test_critical_lr_is_infinite_without_positive_curvature_along_g():
    H = np.diag([1.0, -1.0])
    assert ch.critical_lr(H, np.array([0.0, 1.0])) == math.inf


def test_hessian_vector_product_by_finite_differences_matches_the_hessian():
    q = random_quadratic(4, kappa=10, seed=1)
    theta, v = np.arange(4.0), np.array([1.0, -2.0, 0.5, 3.0])
    assert relative_error(ch.hessian_vector_product(q.grad, theta, v), q.H @ v) < 1e-8
    # and on a network, against the Jacobian of its gradient
    data = digits()
    net = mlp([64, 4, 10])
    J = Classifier(net, data.X_train[:50], data.y_train[:50])
    theta = net.init(seed=0)
    v = np.random.default_rng(0).normal(size=net.n_params)
    H = numerical_jacobian(J.full_grad, theta, h=1e-5)
    assert relative_error(ch.hessian_vector_product(J.full_grad, theta, v), H @ v) < 1e-5


@pytest.fixture(scope="module")
def record():
    data = digits()
    return ch.curvature_during_training(data.X_train, data.y_train)


def test_training_gradient_norm_stays_while_gthg_grows(record):
    late = slice(2 * len(record.steps) // 3, None)  # the last third of training
    assert record.loss[-1] < record.loss[0] / 10  # the network learns
    # the RMS minibatch gradient norm does not shrink much ...
    assert record.grad_norm[late].mean() > 0.7 * record.grad_norm[:2].mean()
    # ... while g'Hg, and the curvature along g, grow by a large factor from the start
    assert record.gHg[late].mean() > 10 * abs(record.gHg[0])
    assert record.curvature[late].mean() > 10 * abs(record.curvature[0])
    assert record.gHg[late].min() > 0
    assert record.gHg[:4].min() < 0  # near the small initial weights: negative curvature
    assert np.allclose(record.curvature_share, 0.5 * record.lr * record.gHg / record.gg)


def test_training_record_gthg_is_measured_for_the_steps_minibatch(record):
    assert record.steps[0] == 0 and np.all(np.diff(record.steps) == 20)
    assert np.all(record.gg > 0) and record.lr == 0.1


# --- weight-space symmetry -------------------------------------------------------------------


def test_permuting_hidden_units_never_changes_the_outputs_and_all_settings_are_distinct():
    net = mlp([5, 3, 3, 4])
    theta = net.init(seed=2)
    theta[net.offsets[0]:net.offsets[-1]] += 0.1  # nonzero biases too
    X = np.random.default_rng(0).normal(size=(20, 5))
    out = net.forward(theta, X)[0]
    thetas = [ch.permute_hidden_units(net, theta, p) for p in ch.all_hidden_permutations(net)]
    assert len(thetas) == ch.count_equivalent_settings([5, 3, 3, 4]) == math.factorial(3) ** 2
    assert len({t.tobytes() for t in thetas}) == 36
    for t in thetas:
        assert np.allclose(net.forward(t, X)[0], out, atol=1e-12)


def test_equivalent_settings_count_is_n_factorial_to_the_m():
    assert ch.count_equivalent_settings([64, 32, 10]) == math.factorial(32)
    assert ch.count_equivalent_settings([10, 4, 4, 4, 2]) == math.factorial(4) ** 3
    assert ch.count_equivalent_settings([10, 2, 3, 2]) == 2 * 6
    with pytest.raises(ValueError, match="hidden"):
        ch.count_equivalent_settings([3, 2])


def test_permutation_moves_incoming_bias_and_outgoing_weights_together():
    net = mlp([2, 3, 1])
    theta = np.arange(net.n_params, dtype=float)
    new = ch.permute_hidden_units(net, theta, [(2, 0, 1)])
    W1, b1 = net.layers[0].split(net.params(theta, 0))
    V1, c1 = net.layers[0].split(net.params(new, 0))
    W2, _ = net.layers[2].split(net.params(theta, 2))
    V2, _ = net.layers[2].split(net.params(new, 2))
    assert np.array_equal(V1[:, 0], W1[:, 2]) and c1[0] == b1[2] and np.array_equal(V2[0], W2[2])
    with pytest.raises(ValueError, match="perms"):
        ch.permute_hidden_units(net, theta, [(0, 0, 1)])


@pytest.mark.parametrize("alpha", [0.01, 0.3, 2.0, 50.0])
def test_relu_rescaling_keeps_the_function_and_tanh_does_not(alpha):
    X = np.random.default_rng(1).normal(size=(30, 6))
    for activation, same in (("relu", True), ("tanh", False)):
        net = mlp([6, 4, 4, 3], activation=activation)
        theta = net.init(seed=0)
        for layer, unit in itertools.product((0, 1), (0, 3)):
            new = ch.rescale_unit(net, theta, layer, unit, alpha)
            assert not np.allclose(new, theta)
            changed = np.abs(net.forward(new, X)[0] - net.forward(theta, X)[0]).max()
            assert (changed < 1e-10) == same
        assert ch.is_relu_network(net) == same


def test_rescale_checks_its_arguments():
    net = mlp([2, 3, 1])
    theta = net.init()
    bad = (({"layer": 1}, "layer"), ({"unit": 3}, "unit"), ({"alpha": -1.0}, "alpha"))
    for kwargs, name in bad:
        args = {"layer": 0, "unit": 0, "alpha": 2.0} | kwargs
        with pytest.raises(ValueError, match=name):
            ch.rescale_unit(net, theta, **args)


# --- saddle points ----------------------------------------------------------------------------


def test_saddle_has_zero_gradient_and_eigenvalues_of_both_signs():
    s = Saddle()
    assert np.allclose(s.grad(np.zeros(2)), 0)
    assert ch.classify_critical_point(s.hess(np.zeros(2))) == "saddle"
    assert ch.classify_critical_point(np.diag([1.0, 3.0])) == "minimum"
    assert ch.classify_critical_point(np.diag([-1.0, -3.0])) == "maximum"
    assert ch.classify_critical_point(np.diag([0.0, 3.0])) == "degenerate"


def test_gradient_descent_slows_near_the_saddle_then_escapes():
    s = Saddle()
    run = minimize(SGD(0.1), s, s.start, steps=40)
    norms = np.linalg.norm([s.grad(t) for t in run.thetas], axis=1)
    assert norms.min() < 0.1 * norms[0]  # it crawls near the saddle point
    assert abs(run.thetas[-1, 1]) > 1  # and leaves along the negative-curvature direction
    assert run.thetas[-1, 1] / run.thetas[-11, 1] == pytest.approx(1.2**10)  # (1 + 2 eps)^10


def test_goe_samples_are_symmetric_with_the_right_variances():
    A = ch.goe(3, 20_000, seed=0)
    assert np.allclose(A, np.swapaxes(A, 1, 2))
    assert A[:, 0, 0].var() == pytest.approx(1.0, rel=0.05)
    assert A[:, 0, 1].var() == pytest.approx(0.5, rel=0.05)


@pytest.fixture(scope="module")
def fractions():
    return ch.positive_definite_fraction(range(1, 9), samples=10_000)


def test_fraction_positive_definite_falls_by_a_large_factor_with_dimension(fractions):
    p = fractions.conditional
    assert np.all(np.diff(p) < 0)
    assert p[:2].min() > 1e4 * p[5:].max()  # d = 1..2 against d = 6..8
    assert np.all(p[2:] < 0.5 ** fractions.dims[2:])  # below independent signs, 2^-d
    assert np.all(np.diff(fractions.saddles_per_minimum) > 0)


def test_conditional_estimate_agrees_with_counting_and_with_the_exact_2d_value(fractions):
    p, se = fractions.conditional, fractions.conditional_se
    assert p[0] == 0.5  # d = 1: A = t, positive with probability 1/2 exactly
    # d = 2: eigenvalue density |l1 - l2| exp(-(l1^2 + l2^2)/2); in polar coordinates both
    # positive is the angle range (pi/4, 3pi/4) of |cos|: (2 - sqrt 2) / 4
    assert abs(p[1] - (2 - math.sqrt(2)) / 4) < 4 * se[1]
    for d in range(2, 5):
        c, c_se = fractions.counted[d - 1], fractions.counted_se[d - 1]
        assert abs(c - p[d - 1]) < 4 * math.hypot(c_se, se[d - 1])
    assert np.all(se[1:] < 0.2 * p[1:])  # precise enough to plot on a log scale
    plain = ch.positive_definite_fraction([3, 5], samples=10_000, seed=7, shrink=1.0)
    assert np.allclose(plain.conditional, p[[2, 4]], rtol=0.15)
    with pytest.raises(ValueError, match="shrink"):
        ch.positive_definite_fraction([2], shrink=1.5)


# --- plateaus ----------------------------------------------------------------------------------


def test_saturated_sigmoid_derivatives_match_finite_differences():
    f = ch.SaturatedSigmoid()
    for theta in (-6.0, -1.0, 0.5, 3.0):
        t = np.array([theta])
        assert relative_error(f.grad(t), numerical_gradient(f.value, t)) < 1e-7
        assert relative_error(f.hess(t), numerical_jacobian(f.grad, t)) < 1e-6
    # deep in saturation the gradient is about e^theta (relative error about 3 e^theta)
    assert abs(f.grad(np.array([-8.0]))[0]) == pytest.approx(math.exp(-8), rel=4 * math.exp(-8))


def test_plateau_escape_time_grows_like_exp_of_depth():
    steps = {t: ch.plateau_escape_steps(t, lr=1.0) for t in (-4.0, -6.0, -8.0)}
    for measured, predicted in steps.values():
        assert measured == pytest.approx(predicted, rel=0.25)
    assert steps[-8.0][0] / steps[-6.0][0] == pytest.approx(math.e**2, rel=0.05)
    assert ch.plateau_escape_steps(-6.0, lr=0.5)[0] == pytest.approx(2 * steps[-6.0][0], rel=0.02)
    with pytest.raises(ValueError, match="theta0"):
        ch.plateau_escape_steps(0.0)


def test_plateau_cost_barely_moves_at_first():
    run = minimize(SGD(1.0), ch.SaturatedSigmoid(), np.array([-6.0]), steps=600)
    assert run.values[0] - run.values[200] < 0.01 and run.values[-1] < 0.01


# --- cliffs ------------------------------------------------------------------------------------


def test_clipping_bounds_every_step_and_the_plain_step_jumps_off_the_cliff():
    runs = ch.cliff_runs(lr=0.5, max_norm=1.0, steps=60)
    plain, clipped = runs.values()
    assert ch.longest_step(plain) > 8  # catapulted past the minimum at (2, 0)
    assert plain.thetas[:, 0].max() > 8
    assert ch.longest_step(clipped) <= 0.5 + 1e-12  # eps * max_norm
    assert clipped.thetas[:, 0].max() < 2.5
    assert clipped.value < 1e-4 and plain.value < 1e-3


def test_clipping_with_a_large_cap_changes_nothing():
    f = Cliff()
    a = minimize(SGD(0.5), f, f.start, 60)
    b = minimize(ClipGradNorm(SGD(0.5), 1e6), f, f.start, 60)
    assert np.array_equal(a.thetas, b.thetas)


@pytest.fixture
def explorer():
    return CliffExplorer(lr=0.5, max_norm=1.0, steps=60)


def test_cliff_explorer_shows_both_runs(explorer):
    assert set(explorer.runs) == {"no clipping", "clipped"}
    x, _ = explorer.lines["no clipping"].get_data()
    assert max(x) > 8 and len(x) == 61
    _, lengths = explorer.step_lines["clipped"].get_data()
    assert max(lengths) <= 0.5 + 1e-12
    assert bytes(explorer.image.value).startswith(PNG)
    assert "no clipping: longest step 10.2" in explorer.summary()
    assert "clipped: longest step 0.5," in explorer.summary()  # the state the notebook describes
    assert repr(explorer) and "CliffExplorer" in explorer._repr_mimebundle_()[0]["text/plain"]


def test_cliff_explorer_sliders_rerun_and_redraw(explorer):
    assert_redraws(explorer, "max_norm", 30.0)  # never clips the edge's gradient (about 20)
    plain, clipped = explorer.runs.values()
    assert np.array_equal(plain.thetas, clipped.thetas)
    assert "clipped: longest step 10.2," in explorer.summary()  # the notebook's "set it to 30"
    assert explorer.cap.get_data()[1][0] == pytest.approx(0.5 * 30.0)
    explorer.controls["steps"].value = 10
    assert len(explorer.lines["clipped"].get_data()[0]) == 11
    explorer.controls["x0"].value = -3.0
    assert explorer.runs["clipped"].thetas[0, 0] == -3.0
    assert "longest step" in explorer.status.value


# --- long-term dependencies --------------------------------------------------------------------


@pytest.mark.parametrize("eigenvalues", [[1.1, 0.9], [0.5, -0.8, 1.3], [2.0, 0.1, 0.7, 1.0]])
def test_power_by_eigendecomposition_equals_repeated_multiplication(eigenvalues):
    W = ch.matrix_with_eigenvalues(eigenvalues, seed=1)
    assert np.allclose(np.sort(np.linalg.eigvals(W).real), np.sort(eigenvalues))
    for t in (0, 1, 7, 30):
        power = np.linalg.matrix_power(W, t)
        assert np.allclose(ch.power_by_eigendecomposition(W, t), power, rtol=1e-10,
                           atol=1e-12 * np.abs(power).max())


def test_power_by_eigendecomposition_handles_complex_eigenvalues():
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    assert np.allclose(ch.power_by_eigendecomposition(rotation, 4), np.eye(2))
    assert np.allclose(ch.power_by_eigendecomposition(rotation, 3), -rotation)


def test_power_by_eigendecomposition_refuses_a_defective_matrix():
    with pytest.raises(ValueError, match="diagonalizable"):
        ch.power_by_eigendecomposition(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)  # a Jordan block


def test_eigen_directions_explode_or_vanish_as_lambda_to_the_t():
    W = ch.matrix_with_eigenvalues([1.1, 0.9], seed=0)
    lam, coords = ch.powers_in_eigenbasis(W, np.array([1.0, 1.0]), steps=60)
    assert np.allclose(lam.real, [1.1, 0.9])
    growth = (coords[-1] / coords[0]) ** (1 / 60)
    assert growth == pytest.approx([1.1, 0.9], rel=1e-9)
    assert coords[-1, 0] > 100 * coords[0, 0] and coords[-1, 1] < 0.01 * coords[0, 1]


# --- inexact gradients -------------------------------------------------------------------------


def test_mean_exp_gradients_match_finite_differences():
    f = ch.MeanExp(m=12, seed=0)
    theta = np.array([0.5, -0.3])
    assert relative_error(f.grad(theta), numerical_gradient(f.value, theta)) < 1e-8
    assert relative_error(f.hess(theta), numerical_jacobian(f.grad, theta)) < 1e-7
    log_value = lambda t: math.log(f.value(t))  # noqa: E731
    assert relative_error(f.log_grad(theta), numerical_gradient(log_value, theta)) < 1e-8


def test_minibatch_gradient_is_unbiased_and_log_of_mean_is_biased():
    f = ch.MeanExp(m=12, seed=0)
    theta = np.array([0.8, 0.8])  # the notebook's point
    estimates = ch.all_minibatch_gradients(f, theta, 3)
    assert len(estimates) == math.comb(12, 3)
    assert np.allclose(estimates.mean(axis=0), f.grad(theta), rtol=1e-12)
    sizes = np.array([1, 2, 3, 4, 6, 8, 11, 12])
    bias = ch.estimator_bias(f, theta, sizes)
    assert np.all(bias["unbiased"] < 1e-12)
    log_bias = bias["log of minibatch mean"]
    assert log_bias[2] > 0.3  # n = 3: clearly off
    assert np.all(np.diff(log_bias) < 0) and log_bias[-1] < 1e-12  # shrinks, gone at n = m
    # roughly like 1/n while n << m
    assert np.allclose(sizes[:4] * log_bias[:4], log_bias[0], rtol=0.2)


def test_log_of_mean_is_unbiased_when_the_weights_are_equal():
    f = ch.MeanExp(m=8, seed=1)
    bias = ch.estimator_bias(f, np.zeros(2), [1, 2, 5])
    assert np.all(bias["log of minibatch mean"] < 1e-12)


def test_minibatch_size_is_checked():
    with pytest.raises(ValueError, match="n must be in"):
        ch.all_minibatch_gradients(ch.MeanExp(m=4), np.zeros(2), 5)


def test_quadratic_step_change_of_an_indefinite_hessian_matches_too():
    q = Quadratic([[1.0, 0.0], [0.0, -2.0]])
    theta = np.array([1.0, 1.0])
    g = q.grad(theta)
    for lr in (0.1, 1.0, 3.0):
        actual = q.value(theta - lr * g) - q.value(theta)
        assert actual == pytest.approx(ch.gradient_step_change(q.H, g, lr))


# --- the notebook's "your turn" checks ---------------------------------------------------------


def assert_explains(check, student, words):
    """The check fails ``student`` with a plain-words message containing ``words``, the same
    every time (nbval compares it), in lines a notebook shows unwrapped."""
    verdict = self_check(check, student)
    assert verdict.startswith("Not yet.") and words in verdict, verdict
    assert verdict == self_check(check, student)
    assert max(len(line) for line in verdict.splitlines()) < 100
    assert "None" not in verdict and "nan" not in verdict


def placeholder(*args):
    raise NotImplementedError("your line here")


def test_critical_step_check_passes_right_answers_and_explains_wrong_ones():
    assert self_check(ch.check_critical_step, lambda H, g: 2 * (g @ g) / (g @ H @ g)) == "Right."
    assert self_check(ch.check_critical_step, ch.critical_lr) == "Right."
    assert self_check(ch.check_critical_step, placeholder).startswith("Not answered yet")
    # the best step along g (exact line search) is half the threshold
    assert_explains(ch.check_critical_step, lambda H, g: g @ g / (g @ H @ g), "twice that")
    assert_explains(ch.check_critical_step, lambda H, g: 2 * (g @ g) / (g @ g), "Hint")
    assert_explains(ch.check_critical_step, lambda H, g: 2 * g * g / (g @ H @ g),
                    "not one number")
    assert_explains(ch.check_critical_step, lambda H, g: None, "returns nothing")

    def scales_g(H, g):
        g *= 2
        return 8 * (g @ g) / (g @ H @ g)

    assert_explains(ch.check_critical_step, scales_g, "do not modify them")


def test_clip_check_passes_right_answers_and_explains_wrong_ones():
    assert self_check(ch.check_clip, clip_by_norm) == "Right."

    def clip(g, max_norm):
        norm = np.linalg.norm(g)
        return g if norm <= max_norm else g * (max_norm / norm)

    assert self_check(ch.check_clip, clip) == "Right."
    assert self_check(ch.check_clip, placeholder).startswith("Not answered yet")
    always = lambda g, m: g * m / np.linalg.norm(g)  # noqa: E731 -- rescales short ones too
    assert_explains(ch.check_clip, always, "must come back unchanged")
    assert_explains(ch.check_clip, lambda g, m: np.clip(g, -m, m), "do not clip each component")
    upside_down = lambda g, m: g * min(1, np.linalg.norm(g) / m)  # noqa: E731
    assert_explains(ch.check_clip, upside_down, "with length max_norm")
    assert_explains(ch.check_clip, lambda g, m: None, "returns nothing")

    def in_place(g, max_norm):
        norm = np.linalg.norm(g)
        if norm > max_norm:
            g *= max_norm / norm
        return g

    assert_explains(ch.check_clip, in_place, "in place")


def test_your_turn_checks_cover_both_branches_of_clipping():
    """Half the check's gradients are longer than max_norm, half shorter: a function that
    clips always, or never, fails."""
    assert_explains(ch.check_clip, lambda g, m: g, "with length max_norm")
    with pytest.raises(ValueError, match="trials"):
        ch.check_clip(clip_by_norm, trials=0)
