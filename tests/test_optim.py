"""Optimizers: each matches its slide's equations, written out by hand below."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cs551.objectives import (
    Cliff,
    GradientOracle,
    LeastSquares,
    NoisyGradient,
    Quadratic,
    Rosenbrock,
)
from cs551.optim import (
    SGD,
    AdaGrad,
    Adam,
    ClipGradNorm,
    Momentum,
    Nesterov,
    Newton,
    RMSProp,
    RMSPropNesterov,
    Run,
    clip_by_norm,
    diverged,
    linear_decay,
    minimize,
)

# A 2-D quadratic and its gradient written coordinate by coordinate, independently of numpy.
H = [[2.0, 0.6], [0.6, 0.5]]
B = [1.0, -0.5]
F = Quadratic(H, B)
THETA0 = [1.5, -2.0]


def grad(t):
    return [H[i][0] * t[0] + H[i][1] * t[1] - B[i] for i in range(2)]


def run(optimizer, steps=4):
    return minimize(optimizer, F, THETA0, steps).thetas


def by_hand_sgd(lrs):
    t, out = list(THETA0), [list(THETA0)]
    for lr in lrs:
        g = grad(t)
        t = [t[i] - lr * g[i] for i in range(2)]
        out.append(t)
    return out


def test_sgd_matches_slide():
    np.testing.assert_allclose(run(SGD(0.3)), by_hand_sgd([0.3] * 4))


def test_sgd_takes_a_schedule():
    schedule = linear_decay(0.4, 0.004, tau=2)
    np.testing.assert_allclose(run(SGD(schedule)), by_hand_sgd([0.4, 0.202, 0.004, 0.004]))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_and_nesterov_match_slides(nesterov):
    lr, alpha = 0.2, 0.7
    t, v, out = list(THETA0), [0.0, 0.0], [list(THETA0)]
    for _ in range(4):
        at = [t[i] + alpha * v[i] for i in range(2)] if nesterov else t  # interim point
        g = grad(at)
        v = [alpha * v[i] - lr * g[i] for i in range(2)]  # v = alpha v - eps g
        t = [t[i] + v[i] for i in range(2)]  # theta = theta + v
        out.append(t)
    optimizer = (Nesterov if nesterov else Momentum)(lr, momentum=alpha)
    np.testing.assert_allclose(run(optimizer), out)


def test_adagrad_matches_slide():
    lr, delta = 0.5, 1e-7
    t, r, out = list(THETA0), [0.0, 0.0], [list(THETA0)]
    for _ in range(4):
        g = grad(t)
        r = [r[i] + g[i] * g[i] for i in range(2)]
        t = [t[i] - lr / (delta + math.sqrt(r[i])) * g[i] for i in range(2)]
        out.append(t)
    np.testing.assert_allclose(run(AdaGrad(lr, delta=delta)), out)


def test_rmsprop_matches_slide():
    lr, rho, delta = 0.1, 0.8, 1e-6
    t, r, out = list(THETA0), [0.0, 0.0], [list(THETA0)]
    for _ in range(4):
        g = grad(t)
        r = [rho * r[i] + (1 - rho) * g[i] * g[i] for i in range(2)]
        t = [t[i] - lr / math.sqrt(delta + r[i]) * g[i] for i in range(2)]
        out.append(t)
    np.testing.assert_allclose(run(RMSProp(lr, rho=rho, delta=delta)), out)


def test_rmsprop_nesterov_matches_slide():
    lr, rho, alpha, delta = 0.05, 0.8, 0.6, 1e-6
    t, r, v, out = list(THETA0), [0.0, 0.0], [0.0, 0.0], [list(THETA0)]
    for _ in range(4):
        g = grad([t[i] + alpha * v[i] for i in range(2)])
        r = [rho * r[i] + (1 - rho) * g[i] * g[i] for i in range(2)]
        v = [alpha * v[i] - lr / math.sqrt(delta + r[i]) * g[i] for i in range(2)]
        t = [t[i] + v[i] for i in range(2)]
        out.append(t)
    optimizer = RMSPropNesterov(lr, rho=rho, momentum=alpha, delta=delta)
    np.testing.assert_allclose(run(optimizer), out)


def test_adam_matches_kingma_and_ba():
    lr, b1, b2, eps = 0.1, 0.9, 0.99, 1e-8
    t, m, s, out = list(THETA0), [0.0, 0.0], [0.0, 0.0], [list(THETA0)]
    for step in range(1, 5):
        g = grad(t)
        m = [b1 * m[i] + (1 - b1) * g[i] for i in range(2)]
        s = [b2 * s[i] + (1 - b2) * g[i] ** 2 for i in range(2)]
        t = [t[i] - lr * (m[i] / (1 - b1**step)) / (math.sqrt(s[i] / (1 - b2**step)) + eps)
             for i in range(2)]
        out.append(t)
    np.testing.assert_allclose(run(Adam(lr, beta1=b1, beta2=b2, delta=eps)), out)


def test_adam_first_step_moves_every_coordinate_by_lr():
    # bias correction at work: step 1 is lr * g / |g| per coordinate
    thetas = run(Adam(0.01), steps=1)
    np.testing.assert_allclose(np.abs(thetas[1] - thetas[0]), 0.01, rtol=1e-5)


def test_newton_matches_slide_on_a_non_quadratic():
    f = Rosenbrock()
    t = np.array([-1.2, 1.0])
    expected = [t.copy()]
    for _ in range(3):
        t = t - np.linalg.inv(f.hess(t)) @ f.grad(t)  # the slide's H^-1 g, literally
        expected.append(t)
    np.testing.assert_allclose(minimize(Newton(), f, [-1.2, 1.0], 3).thetas, expected)


def spd_matrices(max_dim=6):
    """Random symmetric positive definite matrices with eigenvalues in [0.1, 10]."""

    @st.composite
    def build(draw):
        d = draw(st.integers(1, max_dim))
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        eigenvalues = draw(st.lists(st.floats(0.1, 10.0), min_size=d, max_size=d))
        return (Q * eigenvalues) @ Q.T, rng.normal(size=d), rng.normal(size=d)

    return build()


@given(problem=spd_matrices(), fraction=st.floats(0.05, 0.95))
def test_gradient_descent_converges_below_two_over_lambda_max(problem, fraction):
    H, b, theta0 = problem
    f = Quadratic((H + H.T) / 2, b)
    lam = np.linalg.eigvalsh(f.H)
    lr = fraction * 2 / lam[-1]
    rate = np.max(np.abs(1 - lr * lam))  # the contraction factor of each eigen-component
    steps = 200
    run = minimize(SGD(lr), f, theta0, steps)
    assert not run.diverged
    error0 = np.linalg.norm(theta0 - f.minimizer)
    assert np.linalg.norm(run.theta - f.minimizer) <= rate**steps * error0 + 1e-9


@given(problem=spd_matrices(), factor=st.floats(1.05, 3.0))
def test_gradient_descent_diverges_above_two_over_lambda_max(problem, factor):
    H, b, theta0 = problem
    f = Quadratic((H + H.T) / 2, b)
    lam, U = np.linalg.eigh(f.H)
    assume(abs(U[:, -1] @ (theta0 - f.minimizer)) > 1e-3)  # the unstable component is present
    run = minimize(SGD(factor * 2 / lam[-1]), f, theta0, 2000)
    assert run.diverged
    assert run.steps < 2000
    assert np.all(np.isfinite(run.thetas))


@given(problem=spd_matrices())
def test_newton_reaches_the_minimum_of_a_quadratic_in_one_step(problem):
    H, b, theta0 = problem
    f = Quadratic((H + H.T) / 2, b)
    run = minimize(Newton(), f, theta0, 1)
    np.testing.assert_allclose(run.theta, f.minimizer, atol=1e-8 * (1 + np.abs(f.minimizer).max()))


def test_newton_with_damping_solves_the_shifted_system():
    f = Quadratic([[1.0, 0.0], [0.0, -0.5]])  # indefinite: a saddle
    run = minimize(Newton(damping=1.0), f, [1.0, 1.0], 1)
    np.testing.assert_allclose(run.theta, [1.0 - 1.0 / 2.0, 1.0 + 0.5 / 0.5])


def test_newton_on_a_singular_hessian_says_what_to_do():
    f = Quadratic([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(np.linalg.LinAlgError, match="damping"):
        minimize(Newton(), f, [1.0, 1.0], 1)


def test_rmsprop_nesterov_delta_prevents_zero_over_zero():
    f = Quadratic([[1.0, 0.0], [0.0, 1.0]])
    run = minimize(RMSPropNesterov(0.1), f, [1.0, 0.0], 20)  # y's gradient is always 0
    assert np.all(np.isfinite(run.thetas))
    assert np.all(run.thetas[:, 1] == 0)


def test_diverging_run_stops_early_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning would fail the test
        run = minimize(SGD(0.01), Rosenbrock(), [-1.5, 2.0], 1000)
        huge = minimize(Momentum(1.0, momentum=0.5), Quadratic([[50.0]]), [1.0], 1000)
    assert run.diverged and run.steps < 1000
    assert np.all(np.isfinite(run.thetas)) and np.all(np.isfinite(run.values))
    assert run.thetas.shape == (run.steps + 1, 2) and run.values.shape == (run.steps + 1,)
    assert huge.diverged and huge.steps < 1000
    assert abs(huge.value) > 1e8 * max(1, abs(huge.values[0]))  # the value blew up first
    assert np.all(np.abs(huge.values[:-1]) <= 1e8 * max(1, abs(huge.values[0])))


@pytest.mark.parametrize("theta", [
    [1.0, 2.0], [3e7, 4e7], [6e7, 8e7], [1e200, 1.0], [np.inf, 0.0], [np.nan, 1.0],
    [-np.inf, np.nan], [[1.0, 2.0], [3.0, 4.0]], [[1e5, 1e9], [0.0, 0.0]],
    [2e7] * 20, [3e7] * 20, [1.0] * 19 + [np.nan]])  # 20 numbers: ||theta|| by numpy
@pytest.mark.parametrize("value", [None, 0.5, -2e9, np.inf, np.nan])
@pytest.mark.parametrize("blowup", [1e8, math.inf])
def test_diverged_is_the_rule_its_docstring_states(theta, value, blowup):
    theta = np.array(theta)
    with np.errstate(over="ignore"):
        norm = np.linalg.norm(theta)  # [1e200, 1] overflows to inf: past any finite blowup
    expected = (not np.all(np.isfinite(theta)) or (value is not None and not np.isfinite(value))
                or norm > blowup or (value is not None and abs(value) > 1e9))
    with np.errstate(over="ignore"):
        assert diverged(theta, value, blowup=blowup, value_limit=1e9) == expected


@pytest.mark.parametrize("script, blowup", [
    ([np.inf, 1.0, np.inf, 1.0], 1e8),  # f(theta_0) infinite: the value limit is too
    ([1.0, 2.0, np.nan, 1.0], 1e8),
    ([1.0, 1e8, 1e8 * (1 + 1e-15), 1.0], 1.0e8),  # just past the value limit 1e8
    ([-1.0, 5.0, -1e8, 1.0], 1e8),  # at the limit is not past it
    ([1.0] * 9, 5.5),  # ||theta_6|| = 6 > blowup
])
def test_the_run_loop_stops_where_diverged_says(script, blowup):
    """minimize stops at the first step that ``diverged`` flags (Run checks theta step by step,
    minimize the values after the run), and shows that step only when it is finite."""
    f = GradientOracle(lambda theta: np.array([-1.0]), dim=1,  # SGD(1): theta_k = k
                       value=lambda theta: script[min(int(theta[0]), len(script) - 1)])
    run = minimize(SGD(1.0), f, [0.0], len(script) + 3, blowup=blowup)
    limit = blowup * max(1.0, abs(script[0]))
    flagged = [k for k in range(1, len(script) + 3) if diverged(
        np.array([float(k)]), script[min(k, len(script) - 1)], blowup=blowup, value_limit=limit)]
    assert run.diverged == bool(flagged)
    if flagged:
        k = flagged[0]
        shown = np.isfinite(script[min(k, len(script) - 1)])
        assert run.steps == (k if shown else k - 1)


@pytest.mark.parametrize("optimizer, objective", [
    (SGD(0.5), Quadratic([[1.0, 0.0], [0.0, 0.1]])),  # converges
    (SGD(2.5), Quadratic([[1.0, 0.0], [0.0, 0.1]])),  # |1 - eps lambda| > 1: blows up
    (Momentum(0.01, 0.9), Rosenbrock()),
    (SGD(0.01), Rosenbrock()),  # overflows within a few steps
    (SGD(0.5), Cliff()),  # thrown off the cliff
    (Nesterov(3.0, 0.9), NoisyGradient(Quadratic([[1.0, 0.0], [0.0, 0.1]]), sigma=1.0)),
])
def test_minimize_evaluates_f_after_the_run_as_the_loop_would_step_by_step(optimizer, objective):
    """f(theta_k) for all iterates at once (``values``) and the value rule applied after the
    run: the trajectory of Run's own step-by-step values, to round-off."""
    theta0 = [1.5, -1.0]
    stepwise = Run(optimizer, objective, theta0, 200)
    thetas, values = zip(*((theta.copy(), value) for _, theta, value in stepwise), strict=True)
    run = minimize(optimizer, objective, theta0, 200)
    assert run.diverged == stepwise.diverged
    np.testing.assert_array_equal(run.thetas, thetas)
    np.testing.assert_allclose(run.values, values, rtol=1e-13)


def test_minimize_records_every_iterate_and_leaves_theta0_alone():
    theta0 = np.array(THETA0)
    run = minimize(SGD(0.1), F, theta0, 25)
    assert run.thetas.shape == (26, 2) and run.values.shape == (26,)
    assert not run.diverged and run.steps == 25
    np.testing.assert_array_equal(theta0, THETA0)
    np.testing.assert_array_equal(run.thetas[0], THETA0)
    np.testing.assert_allclose(run.values, [F.value(t) for t in run.thetas])
    assert minimize(SGD(0.1), F, theta0, 0).thetas.shape == (1, 2)


def test_minimize_replays_the_same_minibatches_for_every_optimizer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    f = LeastSquares(X, X @ [1.0, -2.0] + rng.normal(size=100), batch_size=10, seed=3)
    first = minimize(SGD(0.1), f, [0.0, 0.0], 30)
    again = minimize(SGD(0.1), f, [0.0, 0.0], 30)
    np.testing.assert_array_equal(first.thetas, again.thetas)
    assert f.examples_seen == 300


def test_clip_by_norm_shortens_long_gradients_only():
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(clip_by_norm(g, 1.0), [0.6, 0.8])
    np.testing.assert_array_equal(clip_by_norm(g, 10.0), g)


def test_clipping_tames_the_cliff():
    f = Cliff()
    wild = minimize(SGD(0.5), f, f.start, 60)
    tame = minimize(ClipGradNorm(SGD(0.5), max_norm=1.0), f, f.start, 60)
    assert np.max(np.linalg.norm(np.diff(wild.thetas, axis=0), axis=1)) > 5.0
    assert np.max(np.linalg.norm(np.diff(tame.thetas, axis=0), axis=1)) <= 0.5 + 1e-12


def test_linear_decay_follows_the_slide():
    schedule = linear_decay(1.0, 0.01, tau=100)
    for k in (0, 1, 37, 100):
        alpha = k / 100
        assert schedule(k) == pytest.approx((1 - alpha) * 1.0 + alpha * 0.01)
    assert schedule(5000) == 0.01


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: SGD(0.0), "lr must be a finite number > 0 or a callable k -> lr_k, got 0.0"),
        (lambda: SGD(-0.1), "got -0.1"),
        (lambda: SGD(float("inf")), "lr must be a finite number > 0"),
        (lambda: SGD("0.1"), "got '0.1'"),
        (lambda: Momentum(0.1, momentum=1.0), r"momentum must be in \[0, 1\), got 1.0"),
        (lambda: Nesterov(0.1, momentum=-0.1), r"momentum must be in \[0, 1\), got -0.1"),
        (lambda: AdaGrad(0.1, delta=-1e-7), "delta must be a finite number >= 0, got -1e-07"),
        (lambda: RMSProp(0.1, rho=1.5), r"rho must be in \[0, 1\), got 1.5"),
        (lambda: RMSPropNesterov(0.1, momentum=1.2), r"momentum must be in \[0, 1\), got 1.2"),
        (lambda: Adam(beta1=1.0), r"beta1 must be in \[0, 1\), got 1.0"),
        (lambda: Adam(beta2=-0.5), r"beta2 must be in \[0, 1\), got -0.5"),
        (lambda: Newton(damping=-1.0), "damping must be a finite number >= 0, got -1.0"),
        (lambda: ClipGradNorm(SGD(0.1), 0.0), "max_norm must be a finite number > 0, got 0.0"),
        (lambda: linear_decay(0.1, 0.001, tau=0), "tau must be an integer >= 1, got 0"),
        (lambda: minimize(SGD(0.1), F, [1.0, 2.0, 3.0], 5),
         r"theta0 must have shape \(2,\), got shape \(3,\)"),
        (lambda: minimize(SGD(0.1), F, [1.0, 2.0], -1), "steps must be an integer >= 0, got -1"),
        (lambda: minimize(SGD(lambda k: 0.1 - 0.05 * k), F, [1.0, 2.0], 5),
         r"lr\(k\) must be a finite number > 0, got lr\(2\) = 0.0"),
    ],
)
def test_bad_hyperparameters_name_the_parameter_value_and_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()
