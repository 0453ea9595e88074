"""Notebook 08: adaptive learning rates (AdaGrad, RMSProp, RMSProp + Nesterov, Adam)."""

import numpy as np
import pytest
import sympy as sp

from cs551.objectives import (
    GradientOracle,
    Quadratic,
    Rosenbrock,
    Saddle,
    ill_conditioned_quadratic,
    random_quadratic,
)
from cs551.optim import SGD, AdaGrad, Adam, RMSProp, RMSPropNesterov, Run, inverse_decay, minimize
from cs551.topics.adaptive_learning_rates import (
    AdaptiveExplorer,
    TorchAdagrad,
    TorchAdam,
    TorchRMSprop,
    adaptive_steps_scale_free,
    compare_on_digits,
    denominators,
    effective_lr,
    escape_step,
    one_step,
    plot_effective_rates,
    record,
    rmsprop_memory,
    rmsprop_weights,
)

from .helpers import PNG, assert_redraws, count_draws, drawn_from_the_background

# --- the algorithm boxes, one step by hand ---------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_steps_of_each_box_by_hand_equal_the_library(seed):
    f = random_quadratic(4, kappa=30, seed=seed)
    theta0 = np.random.default_rng(seed).normal(size=4)
    lr, rho, alpha, delta, beta1, beta2 = 0.05, 0.8, 0.7, 1e-6, 0.9, 0.99
    t, r = theta0.copy(), np.zeros(4)
    for _ in range(2):  # AdaGrad: r <- r + g g; theta <- theta - eps / (delta + sqrt r) g
        g = f.grad(t)
        r = r + g * g
        t = t - lr / (delta + np.sqrt(r)) * g
    np.testing.assert_allclose(minimize(AdaGrad(lr, delta), f, theta0, 2).theta, t, rtol=1e-12)
    t, r = theta0.copy(), np.zeros(4)
    for _ in range(2):  # RMSProp: r <- rho r + (1 - rho) g g; theta -= eps / sqrt(delta + r) g
        g = f.grad(t)
        r = rho * r + (1 - rho) * g * g
        t = t - lr / np.sqrt(delta + r) * g
    np.testing.assert_allclose(minimize(RMSProp(lr, rho, delta), f, theta0, 2).theta, t,
                               rtol=1e-12)
    t, r, v = theta0.copy(), np.zeros(4), np.zeros(4)
    for _ in range(2):  # RMSProp + Nesterov: gradient at theta + alpha v
        g = f.grad(t + alpha * v)
        r = rho * r + (1 - rho) * g * g
        v = alpha * v - lr / np.sqrt(delta + r) * g
        t = t + v
    got = minimize(RMSPropNesterov(lr, rho, alpha, delta), f, theta0, 2).theta
    np.testing.assert_allclose(got, t, rtol=1e-12)
    t, s, r = theta0.copy(), np.zeros(4), np.zeros(4)
    for k in (1, 2):  # Adam, with bias correction
        g = f.grad(t)
        s, r = beta1 * s + (1 - beta1) * g, beta2 * r + (1 - beta2) * g * g
        t = t - lr * (s / (1 - beta1**k)) / (np.sqrt(r / (1 - beta2**k)) + delta)
    np.testing.assert_allclose(minimize(Adam(lr, beta1, beta2, delta), f, theta0, 2).theta, t,
                               rtol=1e-12)


@pytest.mark.parametrize("opt", [AdaGrad(0.3, delta=0.0), Adam(0.3, delta=0.0)])
def test_first_adagrad_and_adam_step_is_eps_times_the_sign_of_g(opt):
    f = ill_conditioned_quadratic(1000)
    theta = np.array([2.0, -0.5])
    step = minimize(opt, f, theta, 1).theta - theta
    np.testing.assert_allclose(step, -0.3 * np.sign(f.grad(theta)), rtol=1e-12)


def test_first_rmsprop_step_is_eps_over_sqrt_one_minus_rho_times_the_sign():
    f = ill_conditioned_quadratic(1000)
    theta = np.array([2.0, -0.5])
    step = minimize(RMSProp(0.1, rho=0.99, delta=0.0), f, theta, 1).theta - theta
    np.testing.assert_allclose(step, -0.1 / np.sqrt(0.01) * np.sign(f.grad(theta)))


# --- effective learning rates ----------------------------------------------------------------

@pytest.mark.parametrize("opt", [AdaGrad(0.2), RMSProp(0.05, 0.9), Adam(0.05)])
def test_effective_lr_is_the_step_divided_by_the_gradient(opt):
    g_seq = np.random.default_rng(3).normal(size=(6, 3))
    gradients = iter(g_seq)
    feed = GradientOracle(lambda theta: next(gradients), dim=3)
    theta, state = np.zeros(3), opt.init(np.zeros(3))
    for k in range(6):
        before = theta.copy()
        opt.step(feed, theta, state)
        if isinstance(opt, Adam):  # Adam moves along its average s, not along g
            np.testing.assert_allclose(theta - before, -effective_lr(opt, state) * state.s)
        else:
            np.testing.assert_allclose(theta - before, -effective_lr(opt, state) * g_seq[k])


def test_record_keeps_the_rates_of_every_step_and_the_same_path_as_minimize():
    f = ill_conditioned_quadratic(100)
    run = record(AdaGrad(1.0), f, f.start, 50)
    np.testing.assert_array_equal(run.thetas, minimize(AdaGrad(1.0), f, f.start, 50).thetas)
    assert run.rates.shape == (50, 2)
    # AdaGrad's r only grows: every rate is non-increasing
    assert np.all(np.diff(run.rates, axis=0) <= 1e-15)
    # the flat direction gets the larger rate: |g_2| / |g_1| = kappa |theta_2| / |theta_1| at step 1
    np.testing.assert_allclose(run.rates[0, 0] / run.rates[0, 1], 100 / 9, rtol=1e-5)  # delta
    assert np.all(run.rates[:, 0] > 2 * run.rates[:, 1])


@pytest.mark.parametrize("opt", [AdaGrad(0.5), RMSProp(inverse_decay(0.1, 5), rho=0.8),
                                 RMSPropNesterov(0.05, 0.9, momentum=0.9), Adam(0.1)],
                         ids=["AdaGrad", "RMSProp, a schedule", "RMSProp + Nesterov", "Adam"])
def test_record_computes_each_steps_effective_lr_after_the_run(opt):
    """record keeps each step's r and computes the rates at the end: the same numbers as
    effective_lr on the optimizer's state after every step, also with 0 steps."""
    f = ill_conditioned_quadratic(20)
    run, want = Run(opt, f, f.start, 30), []
    for k, _, _ in run:
        if k:
            want.append(effective_lr(opt, run.state))
    np.testing.assert_array_equal(record(opt, f, f.start, 30).rates, want)
    assert record(opt, f, f.start, 0).rates.shape == (0, 2)


def test_effective_lr_refuses_optimizers_without_an_accumulator():
    with pytest.raises(ValueError, match="optimizer must"):
        effective_lr(SGD(0.1), {"k": 1})
    with pytest.raises(ValueError, match="optimizer must"):
        record(SGD(0.1), ill_conditioned_quadratic(), np.zeros(2), 3)


# --- adaptive steps do not see the curvature ---------------------------------------------------

def test_sympy_adaptive_steps_do_not_depend_on_the_curvature():
    steps = adaptive_steps_scale_free()
    lam = sp.Symbol("lambda", positive=True)
    assert lam in steps["gradient descent"].free_symbols
    for name in ("AdaGrad", "RMSProp"):
        assert lam not in steps[name].free_symbols
    # and the simplified AdaGrad step is the original one, for lambda = 3
    theta, s, eps = sp.symbols("theta s epsilon", positive=True)
    original = -eps * 3 * theta / sp.sqrt(9 * s + 9 * theta**2)
    assert sp.simplify(steps["AdaGrad"] - original) == 0


@pytest.mark.parametrize("opt", [AdaGrad(1.0, delta=0.0), RMSProp(0.1, delta=0.0),
                                 RMSPropNesterov(0.03, delta=0.0)])
def test_adaptive_paths_are_the_same_for_every_kappa_on_a_diagonal_quadratic(opt):
    start = np.array([-9.0, 1.0])
    paths = [minimize(opt, ill_conditioned_quadratic(k), start, 200).thetas for k in (1, 100, 1e4)]
    for path in paths[1:]:
        np.testing.assert_allclose(path, paths[0], atol=1e-9)
    gd = [minimize(SGD(1.9), ill_conditioned_quadratic(k), start, 200).thetas for k in (1, 1e4)]
    assert np.abs(gd[0] - gd[1]).max() > 1.0  # gradient descent does see it


def test_a_rotation_breaks_the_curvature_independence():
    # per-coordinate rates cannot undo a rotation: the claim of "Try it yourself" 1
    c = np.sqrt(0.5)
    R = np.array([[c, -c], [c, c]])
    start = np.array([-9.0, 1.0])
    ends = [minimize(AdaGrad(1.0, delta=0.0), Quadratic(R @ np.diag([1 / k, 1.0]) @ R.T),
                     start, 200).theta for k in (1, 1e4)]
    assert np.linalg.norm(ends[0] - ends[1]) > 1.0


def test_adagrad_beats_gradient_descent_on_the_ill_conditioned_quadratic():
    f = ill_conditioned_quadratic(100)
    gd = min(minimize(SGD(lr), f, f.start, 200).value for lr in (1.0, 1.5, 1.9))
    assert minimize(AdaGrad(1.0), f, f.start, 200).value < gd / 100


def test_rmsprop_with_a_constant_rate_hovers_at_a_distance_set_by_eps():
    f = ill_conditioned_quadratic(100)
    for lr in (0.1, 0.03, 0.01):
        late = np.linalg.norm(minimize(RMSProp(lr), f, f.start, 3000).thetas[-200:], axis=1)
        assert np.all((0.3 * lr < late) & (late < lr))  # neither converging nor drifting off


# --- RMSProp's memory ---------------------------------------------------------------------------

def test_rmsprop_memory_sums_symbolically_and_numerically():
    memory = rmsprop_memory()
    rho, k, n = sp.Symbol("rho"), sp.Symbol("k", integer=True, nonnegative=True), 7
    assert sp.simplify(memory["average age (newest: 1)"] - 1 / (1 - rho)) == 0
    w = rmsprop_weights(0.9, 500)
    assert w.sum() == pytest.approx(float(memory["sum of the first k weights"].subs(
        {rho: 0.9, k: 500})))
    assert w[n:].sum() == pytest.approx(0.9**n - 0.9**500)
    assert (np.arange(1, 501) * w).sum() == pytest.approx(1 / (1 - 0.9), rel=1e-6)


def test_try_it_yourself_answers():
    # 2: for rho = 0.99 the weights first sum to 0.9 after 230 steps
    assert rmsprop_weights(0.99, 230).sum() >= 0.9 > rmsprop_weights(0.99, 229).sum()
    # 4: RMSProp + Nesterov (alpha = 0.9, as in the explorer) on Rosenbrock in 400 steps
    f = Rosenbrock()
    for lr in (2e-3, 3e-3):
        assert minimize(RMSPropNesterov(lr, 0.9, 0.9), f, f.start, 400).value < 1e-3
    assert minimize(RMSPropNesterov(1e-3, 0.9, 0.9), f, f.start, 400).value > 1e-3


def test_try_it_yourself_3_zero_gradient_with_delta_zero_is_nan_and_delta_avoids_it():
    flat = GradientOracle(lambda theta: np.array([theta[0], 0.0]), dim=2)
    for opt in (AdaGrad(0.1, delta=0.0), RMSProp(0.1, delta=0.0)):
        theta, state = np.ones(2), opt.init(np.ones(2))
        with np.errstate(invalid="ignore", divide="ignore"):
            opt.step(flat, theta, state)
        assert np.isnan(theta[1])
    for opt in (AdaGrad(0.1), RMSProp(0.1), RMSPropNesterov(0.1)):
        theta, state = np.ones(2), opt.init(np.ones(2))
        opt.step(flat, theta, state)
        assert theta[1] == 1.0


def test_rmsprop_r_is_the_geometrically_weighted_sum_of_squared_gradients():
    G = np.random.default_rng(0).normal(size=(40, 3))
    gradients = iter(G)
    feed = GradientOracle(lambda theta: next(gradients), dim=3)
    opt = RMSProp(1e-3, rho=0.8)
    state = opt.init(np.zeros(3))
    for _ in range(40):
        opt.step(feed, np.zeros(3), state)
    np.testing.assert_allclose(state.r, rmsprop_weights(0.8, 40) @ G[::-1] ** 2)


def test_rmsprop_weights_reject_bad_input():
    with pytest.raises(ValueError, match="rho must be in"):
        rmsprop_weights(1.0, 5)
    with pytest.raises(ValueError, match="k must be"):
        rmsprop_weights(0.9, -1)


# --- AdaGrad shrinks too early; RMSProp forgets -------------------------------------------------

def test_adagrad_stalls_on_rosenbrock_where_rmsprop_keeps_going():
    f = Rosenbrock()
    ada = min(minimize(AdaGrad(lr), f, f.start, 1000).value for lr in (0.3, 1.0, 3.0, 10.0))
    rms = min(minimize(RMSProp(lr), f, f.start, 1000).value for lr in (0.003, 0.01, 0.03, 0.1))
    assert ada > 5 * rms
    a = record(AdaGrad(1.0), f, f.start, 1000).rates
    r = record(RMSProp(0.01), f, f.start, 1000).rates
    assert np.all(a[9] < a[0] / 5)  # AdaGrad's rates collapse during the steep start
    np.testing.assert_allclose(a[-1], a[9], rtol=0.02)  # ... and stay frozen
    assert np.all(r[-1] > 3 * r[:20].min(axis=0))  # RMSProp's recover


# --- saddle ---------------------------------------------------------------------------------------

def test_adaptive_methods_escape_the_saddle_sooner_than_gradient_descent():
    f = Saddle()
    gd = escape_step(minimize(SGD(0.1), f, f.start, 100))
    assert gd == pytest.approx(np.log(1000) / np.log(1.2), abs=2)  # y grows by 1 + 2 eps
    for opt in (AdaGrad(0.1), RMSProp(0.1), RMSPropNesterov(0.1), Adam(0.1)):
        assert escape_step(minimize(opt, f, f.start, 100)) < gd / 2


def test_escape_step_is_none_when_the_run_stays_and_checks_its_threshold():
    run = minimize(SGD(0.1), ill_conditioned_quadratic(), np.array([0.5, 0.5]), 10)
    assert escape_step(run, 1.0) is None
    with pytest.raises(ValueError, match="threshold must be"):
        escape_step(run, 0.0)


# --- digits ---------------------------------------------------------------------------------------

def test_adaptive_methods_train_the_digits_mlp_faster_than_sgd_at_the_same_eps():
    histories = compare_on_digits({"SGD": SGD(0.01), "RMSProp": RMSProp(0.01),
                                 "Adam": Adam(0.01), "AdaGrad": AdaGrad(0.05)},
                                steps=100, every=50)
    for h in histories.values():
        assert not h.diverged and h.steps == [0, 50, 100]
    assert histories["RMSProp"].train_loss[-1] < histories["SGD"].train_loss[-1] / 3
    assert histories["Adam"].train_loss[-1] < histories["SGD"].train_loss[-1] / 3
    assert histories["AdaGrad"].train_loss[-1] < histories["AdaGrad"].train_loss[0] / 10


# --- plots and explorer ---------------------------------------------------------------------------

def test_plot_effective_rates_draws_one_line_per_method_and_coordinate():
    ax = plot_effective_rates({"a": np.ones((5, 2)), "b": np.ones((5, 2))}, reference={"gd": 1.0})
    assert len(ax.get_lines()) == 5 and ax.get_yscale() == "log"


def test_adaptive_explorer_runs_what_its_controls_say():
    e = AdaptiveExplorer(lr=0.3, steps=40)
    assert bytes(e.image.value).startswith(PNG)
    f = ill_conditioned_quadratic(20)
    expected = minimize(RMSProp(0.3, 0.9), f, f.start, 40)
    np.testing.assert_allclose(e.paths["RMSProp"].get_xdata(), expected.thetas[:, 0])
    assert "RMSProp: f = " in e.summary()
    assert_redraws(e, "rho", 0.5)
    np.testing.assert_allclose(e.paths["RMSProp"].get_xdata(),
                               minimize(RMSProp(0.3, 0.5), f, f.start, 40).thetas[:, 0])
    rates = e.rates["AdaGrad", 0].get_ydata()
    np.testing.assert_allclose(rates, record(AdaGrad(0.3), f, f.start, 40).rates[:, 0])


def test_adaptive_explorer_draws_again_only_the_runs_a_move_changes():
    """rho moves the two RMSProps only: gradient descent's and AdaGrad's artists (listed first)
    are not drawn again. The picture is the one drawn from the background, byte for byte."""
    e = AdaptiveExplorer(lr=0.3, rho=0.9, steps=40)
    e.PICTURES = 0
    drawn = count_draws(e)
    e.controls["rho"].value = 0.7  # the first move of rho keeps the canvas after AdaGrad's
    drawn.clear()
    e.controls["rho"].value = 0.5
    changed = {e.paths["RMSProp"], e.paths["RMSProp + Nesterov"], *(e.rates["RMSProp", c]
                                                                     for c in (0, 1))}
    assert set(drawn) == changed and len(drawn) == 4
    assert bytes(e.image.value) == drawn_from_the_background(e)
    e.controls["lr"].value = 0.25  # eps moves AdaGrad too: the canvas after gd's is kept
    drawn.clear()
    e.controls["lr"].value = 0.2
    assert drawn == list(e.animated[2:])  # all but gradient descent's path and rate
    assert bytes(e.image.value) == drawn_from_the_background(e)


def test_adaptive_explorer_switches_landscape_and_escapes_the_saddle():
    e = AdaptiveExplorer(lr=0.1, steps=60)
    e.controls["landscape"].value = "saddle"
    assert e.ax_path.get_title() == "saddle"
    assert escape_step(e.runs["RMSProp"].trajectory) < escape_step(e.runs["gradient descent"])
    e.controls["landscape"].value = "Rosenbrock"
    assert e.ax_path.get_title() == "Rosenbrock"
    assert len(e._background_artists) >= 2  # contours and the start marker, replaced
    assert "Rosenbrock, lr = 0.1" in e.summary()


@pytest.mark.parametrize("kwargs, match", [
    ({"landscape": "moon"}, "landscape must be"), ({"lr": 5.0}, "lr must be"),
    ({"rho": 1.0}, "rho must be"), ({"steps": 0}, "steps must be"),
])
def test_adaptive_explorer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AdaptiveExplorer(**kwargs)


# --- the student's line of notebook 08 ------------------------------------------------------------

def _worked_rmsprop_update(theta, r, g, lr, rho, delta):
    """The notebook's worked answer (the collapsed cell)."""
    r = rho * r + (1 - rho) * g * g  # r <- rho r + (1 - rho) g (.) g
    theta = theta - lr / np.sqrt(delta + r) * g  # theta <- theta - eps / sqrt(delta + r) (.) g
    return theta, r


def test_the_worked_answer_passes_and_pytorchs_form_is_told_apart():
    from cs551.grading import check_rmsprop_update, self_check

    def check(f):
        return check_rmsprop_update(f, seed=0)

    assert self_check(check, _worked_rmsprop_update) == "Right."

    def not_yet(theta, r, g, lr, rho, delta):
        raise NotImplementedError("your line here")

    assert self_check(check, not_yet).startswith("Not answered yet")

    def pytorch_form(theta, r, g, lr, rho, delta):  # delta outside the root
        r = rho * r + (1 - rho) * g * g
        return theta - lr * g / (np.sqrt(r) + delta), r

    def old_r(theta, r, g, lr, rho, delta):  # divides by the accumulator before updating it
        return theta - lr / np.sqrt(delta + r) * g, rho * r + (1 - rho) * g * g

    for wrong in (pytorch_form, old_r):
        message = self_check(check, wrong)
        assert message.startswith("Not yet. rmsprop_update: the returned theta is wrong")
        assert "hint: r <- rho r + (1 - rho) g (.) g, then theta <- theta - eps / sqrt(delta + r)" \
            in message
        assert all(len(line) < 100 for line in message.splitlines())
        assert message == self_check(check, wrong)  # seeded: the same message every run


# --- PyTorch's conventions ------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_pytorch_rmsprop_with_eps_zero_is_the_slides_box(seed):
    f = random_quadratic(3, kappa=30, seed=seed)
    theta0 = np.random.default_rng(seed).normal(size=3)
    slide = minimize(RMSProp(0.05, rho=0.9, delta=0.0), f, theta0, 50)
    torch = minimize(TorchRMSprop(0.05, alpha=0.9, eps=0.0), f, theta0, 50)
    np.testing.assert_allclose(torch.thetas, slide.thetas, rtol=0, atol=1e-12)


def test_pytorch_rmsprop_puts_delta_outside_the_root():
    d = denominators(np.array([1e-2, 1e-6, 1e-10, 0.0]), 1e-6)
    np.testing.assert_allclose(d["slide: sqrt(delta + r)"],
                               np.sqrt(1e-6 + np.array([1e-2, 1e-6, 1e-10, 0.0])))
    np.testing.assert_allclose(d["PyTorch: sqrt(r) + delta"],
                               np.sqrt([1e-2, 1e-6, 1e-10, 0.0]) + 1e-6)
    ratio = d["PyTorch's step / slide's"]
    assert ratio[0] == pytest.approx(1, abs=1e-4)  # r >> delta: the same step
    assert ratio[1] == pytest.approx(np.sqrt(2) / (1 + 1e-3))
    assert ratio[3] == pytest.approx(1 / np.sqrt(1e-6))  # r = 0: eps/delta against eps/sqrt(delta)
    assert np.all(np.diff(ratio) > 0)
    # the saddle of section 4: theta_2 = 1e-3, g_2 = -2e-3, r = (1 - rho) g^2 = 4e-7 < delta
    f = Saddle()
    slide, torch = (one_step(opt, f, f.start) for opt in
                    (RMSProp(0.1, 0.9, 1e-6), TorchRMSprop(0.1, alpha=0.9, eps=1e-6)))
    assert slide[1] == pytest.approx(0.1 * 2e-3 / np.sqrt(1e-6 + 4e-7))  # 0.169
    assert torch[1] == pytest.approx(0.1 * 2e-3 / (np.sqrt(4e-7) + 1e-6))  # 0.316
    assert slide[1] == pytest.approx(0.169, abs=5e-4) and torch[1] == pytest.approx(0.316, abs=5e-4)
    assert torch[0] == pytest.approx(slide[0], rel=1e-6)  # theta_1's large gradient: the same


def test_pytorch_adagrad_is_the_slides_box_unless_the_accumulator_starts_above_zero():
    f = ill_conditioned_quadratic(100)
    slide = minimize(AdaGrad(1.0, delta=1e-7), f, f.start, 200)
    torch = minimize(TorchAdagrad(1.0, eps=1e-7), f, f.start, 200)
    np.testing.assert_allclose(torch.thetas, slide.thetas, rtol=0, atol=1e-12)
    theta = np.ones(2)
    g = f.grad(theta)  # (0.01, 1): the flat and the steep coordinate
    first = one_step(TorchAdagrad(0.1, initial_accumulator_value=0.1), f, theta)
    np.testing.assert_allclose(first, -0.1 * g / (np.sqrt(0.1 + g * g) + 1e-10))
    np.testing.assert_allclose(one_step(TorchAdagrad(0.1), f, theta), -0.1 * np.sign(g))
    assert first[0] > -0.004 and first[1] < -0.095  # the flat coordinate's step: 30 times smaller


def test_pytorch_adam_is_the_library_adam_and_adamw_decays_every_weight_alike():
    f = random_quadratic(3, kappa=30, seed=4)
    theta0 = np.ones(3)
    np.testing.assert_allclose(minimize(TorchAdam(0.05), f, theta0, 100).thetas,
                               minimize(Adam(0.05), f, theta0, 100).thetas, rtol=0, atol=1e-12)
    used_and_unused = GradientOracle(lambda theta: np.array([1.0, 0.0]), dim=2)
    theta = np.ones(2)
    plain = one_step(Adam(1e-3), used_and_unused, theta)
    np.testing.assert_allclose(plain, [-1e-3, 0.0])
    for lam in (1e-4, 1e-2):
        l2 = one_step(TorchAdam(1e-3, weight_decay=lam), used_and_unused, theta) - plain
        decoupled = one_step(TorchAdam(1e-3, weight_decay=lam, decoupled=True),
                             used_and_unused, theta) - plain
        np.testing.assert_allclose(decoupled, -1e-3 * lam * theta, rtol=1e-9)  # eps lam theta
        assert l2[0] == pytest.approx(0, abs=1e-12)  # the used weight: no decay at all
        assert l2[1] == pytest.approx(-1e-3, rel=1e-4)  # the unused one: a full step eps,
    with pytest.raises(ValueError, match="weight_decay must be"):  # whatever lambda
        TorchAdam(weight_decay=-1.0)
    with pytest.raises(ValueError, match="alpha must be in"):
        TorchRMSprop(0.1, alpha=1.0)
    with pytest.raises(ValueError, match="initial_accumulator_value must be"):
        TorchAdagrad(0.1, initial_accumulator_value=-0.1)


# --- the explorer a student meets after Run All ---------------------------------------------------

def test_explorer_in_its_notebook_state_is_what_the_text_says():
    e = AdaptiveExplorer(landscape="ill-conditioned quadratic", lr=0.3, rho=0.9, steps=100)
    finals = {method: run.value for method, run in e.runs.items()}
    # "that tuned gradient descent ends far lower than the adaptive methods"
    assert finals["gradient descent"] < 1e-6
    assert all(value > 1e-3 for method, value in finals.items() if method != "gradient descent")
    assert e.summary().splitlines()[0] == (
        "ill-conditioned quadratic, lr = 0.3, rho = 0.9, 100 steps:")
    # Things to try: on Rosenbrock AdaGrad's rates go flat after a few steps
    e.controls["landscape"].value = "Rosenbrock"
    rates = e.runs["AdaGrad"].rates
    np.testing.assert_allclose(rates[-1], rates[10], rtol=0.05)
