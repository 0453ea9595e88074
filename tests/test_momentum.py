"""Notebook 06: momentum and Nesterov -- velocity, terminal velocity, rates, races, explorer."""

import math
import threading

import numpy as np
import pytest
import sympy as sp

from cs551 import symbolic
from cs551.nn import train_digits
from cs551.objectives import (
    GradientOracle,
    Quadratic,
    Rosenbrock,
    ill_conditioned_quadratic,
    random_quadratic,
)
from cs551.optim import SGD, Momentum, Nesterov, Run, minimize
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
    runs = {label: train_digits(opt, steps=200, every=5) for label, opt in
            {"sgd": SGD(0.02), "momentum": Momentum(0.02, 0.9), "nesterov": Nesterov(0.02, 0.9),
             "effective": SGD(0.2), "momentum 0.99": Momentum(0.02, 0.99)}.items()}
    loss = {label: h.train_loss[-1] for label, h in runs.items()}
    assert not any(h.diverged for h in runs.values())
    assert loss["momentum"] < loss["sgd"] / 3 and loss["nesterov"] < loss["sgd"] / 3
    assert 1 / 1.5 < loss["momentum"] / loss["effective"] < 1.5
    # the notebook leaves Nesterov out of the figure: its curve lies on momentum's
    np.testing.assert_allclose(runs["nesterov"].train_loss, runs["momentum"].train_loss, rtol=0.05)
    # alpha = 0.99: ahead of 0.9 for the first 50 steps, then it goes up and down, ends above
    curve99, curve9 = runs["momentum 0.99"].train_loss, runs["momentum"].train_loss
    assert np.all(curve99[1:11] < curve9[1:11])  # steps 5 .. 50
    assert np.any(np.diff(curve99[10:]) > 0)  # the loss rises again after step 50
    assert loss["momentum 0.99"] > 2 * loss["momentum"]


# --- alpha raised during training -------------------------------------------------------------


def test_momentum_schedules_follow_their_formulas():
    steps = mom.momentum_steps((0.5, 0.9, 0.99), boundaries=(100, 400))
    assert [steps(k) for k in (0, 99, 100, 399, 400, 10**6)] == [0.5, 0.5, 0.9, 0.9, 0.99, 0.99]
    sutskever = mom.sutskever_momentum(0.99, every=250)
    alphas = np.array([sutskever(k) for k in range(20_000)])
    # the paper's formula, alpha_k = min(1 - 2^(-1 - log2(floor(k/250) + 1)), alpha_max)
    paper = np.minimum(1 - 2.0 ** (-1 - np.log2(np.arange(20_000) // 250 + 1)), 0.99)
    np.testing.assert_allclose(alphas, paper, atol=1e-15)
    assert alphas[0] == 0.5 and alphas[250] == 0.75 and alphas.max() == 0.99
    assert np.all(np.diff(alphas) >= 0)  # alpha only rises


def test_scheduled_momentum_runs_the_box_with_alpha_k():
    f = random_quadratic(4, kappa=30, seed=3)
    fixed = minimize(Momentum(0.5, 0.9), f, np.ones(4), steps=60)
    constant = minimize(mom.ScheduledMomentum(0.5, schedule=lambda k: 0.9), f, np.ones(4),
                        steps=60)
    np.testing.assert_array_equal(constant.thetas, fixed.thetas)
    # scripted gradients: v_n = -eps sum_j (alpha_{j+1} ... alpha_{n-1}) g_j, alpha_k used at step k
    grads = np.random.default_rng(4).normal(size=(12, 3))
    schedule = mom.momentum_steps((0.2, 0.6, 0.95), boundaries=(3, 7))
    script = iter(grads)
    run = Run(mom.ScheduledMomentum(0.1, schedule=schedule),
              GradientOracle(lambda theta: next(script), dim=3), np.zeros(3), 12, values=False)
    for _ in run:
        pass
    expected = -0.1 * sum(math.prod(schedule(i) for i in range(j + 1, 12)) * grads[j]
                          for j in range(12))
    np.testing.assert_allclose(run.state.v, expected, atol=1e-15)


def test_tuned_alpha_makes_the_flattest_direction_critically_damped():
    f = mom.spread_quadratic(50, kappa=1e4)
    alpha = mom.tuned_momentum(1.0, f.eigenvalues[0])
    assert alpha == pytest.approx(0.99**2)
    roots = mom.characteristic_roots("momentum", 1.0, alpha, f.eigenvalues[0])
    np.testing.assert_allclose(roots, [0.99, 0.99], atol=1e-7)  # a double root at sqrt(alpha)
    rate = mom.predicted_rate("momentum", 1.0, alpha, f.eigenvalues)
    assert rate == pytest.approx(0.99, abs=1e-6)  # every direction: 1 - sqrt(eps lambda_min)
    for other in (0.97, 0.975, 0.985, 0.99):  # any other fixed alpha is slower
        assert mom.predicted_rate("momentum", 1.0, other, f.eigenvalues) > rate + 1e-4


@pytest.fixture(scope="module")
def schedule_race():
    """The notebook's race: kappa = 1e4, eps = 1, 2500 steps, tol 1e-8, sigma 1e-4."""
    bowl = mom.spread_quadratic(dim=50, kappa=1e4)
    racers = mom.schedule_racers(lr=1.0, lam_min=bowl.eigenvalues[0], alphas=(0.5, 0.9, 0.99),
                                 boundaries=(100, 400), every=25)
    return mom.race_momentum_schedules(racers, bowl, steps=2500, tol=1e-8, sigma=1e-4)


SCHEDULES = ("α: 0.5 → 0.9 → 0.99", "α: Sutskever et al.")


def test_schedule_race_runs_are_stable_and_labelled(schedule_race):
    assert list(schedule_race.clean) == ["α = 0.5", "α = 0.9", "α = 0.99",
                                         "α = 0.9801 (tuned to κ)", *SCHEDULES]
    for runs in (schedule_race.clean, schedule_race.noisy):
        assert not any(run.diverged for run in runs.values())
    # far from the edge of stability: eps lambda_max stays well below 2 (1 + alpha_k)
    lam_max = mom.spread_quadratic(dim=50, kappa=1e4).eigenvalues[-1]
    for run in schedule_race.clean.values():
        opt = run.optimizer
        alphas = ({opt.momentum} if isinstance(opt, Momentum)
                  else {opt.momentum_at(k) for k in range(2500)})
        assert all(opt.lr * lam_max < 0.7 * 2 * (1 + a) for a in alphas)
    table = schedule_race.table()
    assert "not reached" in table and all(len(line) <= 100 for line in table.splitlines())


def test_raising_alpha_beats_each_fixed_alpha_of_the_slide_with_exact_gradients(schedule_race):
    reached = schedule_race.reached
    stepped, sutskever = (reached[label] for label in SCHEDULES)
    tuned = reached["α = 0.9801 (tuned to κ)"]
    assert reached["α = 0.5"] is None and reached["α = 0.9"] is None  # crawling at 2500 steps
    assert stepped < 0.8 * reached["α = 0.99"]
    assert tuned < 0.8 * stepped  # the tuned fixed alpha beats the stepped schedule ...
    assert sutskever <= tuned  # ... and Sutskever's schedule is no slower than it
    # alpha = 0.99 rings: its f is the highest of all for the first several hundred steps
    values = {label: run.values for label, run in schedule_race.clean.items()}
    others = np.max([v[:500] for label, v in values.items() if label != "α = 0.99"], axis=0)
    assert np.all(values["α = 0.99"][20:500] > others[20:500])
    # alpha = 0.5 and 0.9 clear the steep directions within a few dozen steps
    assert all(values[label][50] < 1e-2 * values[label][0] for label in ("α = 0.5", "α = 0.9"))


def test_with_noisy_gradients_raising_alpha_wins_early_and_ends_at_its_last_alphas_level(
        schedule_race):
    early, level = schedule_race.early, schedule_race.floor
    fixed = [label for label in early if label not in SCHEDULES]
    assert max(early[s] for s in SCHEDULES) < min(early[f] for f in fixed)
    # the larger the final alpha, the higher f - f* stays
    assert level["α = 0.9"] < level["α = 0.9801 (tuned to κ)"] < level["α = 0.99"]
    for s in SCHEDULES:
        assert level[s] == pytest.approx(level["α = 0.99"], rel=0.05)
        assert level[s] > 3 * level["α = 0.9"]
    # alpha = 0.5 and 0.9 are still falling at the end
    for label in ("α = 0.5", "α = 0.9"):
        tail = schedule_race.noisy[label].values[-1000:]
        assert tail[-500:].mean() < 0.9 * tail[:500].mean()


def test_schedule_race_does_not_depend_on_the_noise_seed():
    bowl = mom.spread_quadratic(dim=50, kappa=1e4)
    racers = mom.schedule_racers(lr=1.0, lam_min=bowl.eigenvalues[0])
    for seed in (1, 2):
        race = mom.race_momentum_schedules(racers, bowl, seed=seed)
        early, level = race.early, race.floor
        assert max(early[s] for s in SCHEDULES) < min(early[f] for f in early
                                                      if f not in SCHEDULES)
        assert all(level[s] > 3 * level["α = 0.9"] for s in SCHEDULES)


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
    with pytest.raises(ValueError, match="boundaries must be 2 increasing steps"):
        mom.momentum_steps((0.5, 0.9, 0.99), boundaries=(400, 100))
    with pytest.raises(ValueError, match="values must be in"):
        mom.momentum_steps((0.5, 1.0), boundaries=(10,))
    with pytest.raises(ValueError, match="alpha_max must be in"):
        mom.sutskever_momentum(1.0)
    with pytest.raises(ValueError, match="every must be an integer"):
        mom.sutskever_momentum(0.9, every=0)
    with pytest.raises(ValueError, match="schedule must be a callable"):
        mom.ScheduledMomentum(0.1, schedule=0.9)
    bad = mom.ScheduledMomentum(0.1, schedule=lambda k: 0.9 if k < 2 else 1.0)
    with pytest.raises(ValueError, match=r"schedule\(2\) must be in \[0, 1\), got 1.0"):
        minimize(bad, ill_conditioned_quadratic(10), np.ones(2), steps=5)
    with pytest.raises(ValueError, match="lr \\* lam_min must be < 1"):
        mom.tuned_momentum(2.0, 0.5)
    with pytest.raises(ValueError, match="sigma must be"):
        mom.race_momentum_schedules({"m": Momentum(0.1)}, sigma=0.0)
    with pytest.raises(ValueError, match="tail must be in"):
        mom.race_momentum_schedules({"m": Momentum(0.1)}, steps=10, early_step=5, tail=20)


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


def test_figures_keep_one_colour_per_alpha():
    ax = mom.plot_speeds({0.5: np.linspace(1, 2, 10), 0.99: np.linspace(1, 100, 10)})
    assert [line.get_color() for line in ax.get_lines()] == ["C0", "C0", "C2", "C2"]
    h = train_digits(SGD(0.02), steps=10, every=5)
    ax = mom.plot_training_losses({"SGD, ε = 0.02": h, "momentum, α = 0.9": h,
                                   "momentum, α = 0.99": h})
    lines = ax.get_lines()
    assert [line.get_color() for line in lines] == ["C0", "C1", "C2"]
    assert [line.get_label() for line in lines][1] == r"momentum, $\alpha$ = 0.9"
    assert ax.yaxis.get_minor_formatter().__class__.__name__ == "NullFormatter"


def test_schedule_figure_draws_every_racer_in_three_panels(schedule_race):
    axes = mom.plot_momentum_schedules(schedule_race, window=25)
    n = len(schedule_race.clean)
    assert [len(ax.get_lines()) for ax in axes] == [n, n + 1, n]  # + the tolerance line
    assert all(ax.get_ylabel() for ax in axes)
    colors = [line.get_color() for line in axes[1].get_lines()[:n]]
    assert colors[:3] == ["C0", "C1", "C2"] and len(set(colors)) == n
    # the noisy panel shows the running mean over 25 steps
    noisy = schedule_race.noisy["α = 0.9"].values
    np.testing.assert_allclose(axes[2].get_lines()[1].get_ydata()[0], noisy[:25].mean())
    # alpha_k panel: 1 - alpha_k of the stepped schedule
    np.testing.assert_allclose(axes[0].get_lines()[4].get_ydata()[[0, 100, 400]],
                               [0.5, 0.1, 0.01], atol=1e-12)


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


def test_explorer_reruns_only_the_methods_a_slider_moves_and_keeps_every_run():
    """alpha moves momentum and Nesterov, not gradient descent; a setting seen before is
    drawn from the kept runs, the same picture byte for byte, the same runs as minimize's."""
    f = ill_conditioned_quadratic(100)
    ex = MomentumExplorer(f, lr=1.0, momentum=0.9, steps=150, tol=1e-6)
    ex.PICTURES = 0  # no remembered pictures: the one of 0.9 is drawn again from the runs
    before = dict(ex.trajectories)
    picture = bytes(ex.image.value)
    ex.controls["momentum"].value = 0.5
    assert ex.trajectories["gradient descent"] is before["gradient descent"]
    assert ex.trajectories["momentum"] is not before["momentum"]
    np.testing.assert_array_equal(ex.trajectories["Nesterov"].thetas,
                                  minimize(Nesterov(1.0, 0.5), f, f.start, 150).thetas)
    for alpha in (0.6, 0.7, 0.9):  # quick succession, back to the first setting
        ex.controls["momentum"].value = alpha
    assert bytes(ex.image.value) == picture
    assert all(ex.trajectories[m] is before[m] for m in mom.METHODS)


def test_explorer_runs_the_settings_an_arrow_key_reaches_ahead_of_time():
    """With prefetch (in a kernel: while it is idle), the settings one slider step away are
    run by the worker thread: the next arrow-key move computes nothing."""
    ex = MomentumExplorer(ill_conditioned_quadratic(100), lr=1.0, momentum=0.9, steps=150,
                          prefetch=True)
    assert ex.cache.wait(timeout=60)
    callers = []
    compute = ex.cache.compute
    ex.cache.compute = lambda *key: callers.append(threading.current_thread()) or compute(*key)
    alpha = ex.controls["momentum"]
    alpha.value = alpha.value + alpha.step  # what ArrowRight does
    assert threading.main_thread() not in callers
    assert ex.cache.wait(timeout=60)  # then it runs the settings next to the new one
    assert ex.cache.ready(("momentum", 1.0, alpha.value + alpha.step, 150))


@pytest.mark.parametrize("alpha", [0.5, 0.9])
def test_stability_bounds_stated_in_the_notebook(alpha):
    # momentum: stable while eps lambda < 2 (1 + alpha); Nesterov: < 2 (1 + alpha) / (1 + 2 alpha)
    for method, bound in (("momentum", 2 * (1 + alpha)),
                          ("Nesterov", 2 * (1 + alpha) / (1 + 2 * alpha))):
        assert mom.predicted_rate(method, bound - 0.01, alpha, [1.0]) < 1
        assert mom.predicted_rate(method, bound + 0.01, alpha, [1.0]) > 1
    assert mom.predicted_rate("gradient descent", 2.01, alpha, [1.0]) > 1


# --- the student's line and the loop of notebook 06 -------------------------------------------


def _worked_momentum_update(theta, v, g, lr, momentum):
    """The notebook's worked answer (the collapsed cell), as the student would write it."""
    v = momentum * v - lr * g  # v <- alpha v - eps g
    theta = theta + v  # theta <- theta + v
    return theta, v


def test_the_worked_answer_passes_the_check_and_plausible_slips_are_explained():
    from cs551.grading import check_momentum_update, self_check

    def check(f):
        return check_momentum_update(f, seed=0)

    assert self_check(check, _worked_momentum_update) == "Right."

    def not_yet(theta, v, g, lr, momentum):
        raise NotImplementedError("your line here")

    assert self_check(check, not_yet).startswith("Not answered yet")

    def pytorch_form(theta, v, g, lr, momentum):  # v <- alpha v + g; theta <- theta - eps v
        v = momentum * v + g
        return theta - lr * v, v

    def in_place(theta, v, g, lr, momentum):  # changes the caller's arrays
        v *= momentum
        v -= lr * g
        theta += v
        return theta, v

    for wrong, words in ((pytorch_form, "the returned theta is wrong"),
                         (in_place, "changed its input")):
        message = self_check(check, wrong)
        assert message.startswith("Not yet.") and words in message
        assert "None" not in message and "nan" not in message
    message = self_check(check, pytorch_form)  # the same seed: the same case, every time
    assert message == self_check(check, pytorch_form)
    assert "hint: the slide: v <- alpha v - eps g" in message
    assert all(len(line) < 100 for line in message.splitlines())


def test_the_visible_loop_is_the_library_run():
    f = ill_conditioned_quadratic(kappa=100)
    theta, v = f.start.copy(), np.zeros(2)
    for _ in range(100):
        theta, v = _worked_momentum_update(theta, v, f.grad(theta), 1.0, 0.9)
    np.testing.assert_allclose(theta, minimize(Momentum(1.0, 0.9), f, f.start, 100).theta,
                               rtol=0, atol=1e-12)


# --- PyTorch's convention ----------------------------------------------------------------------


@pytest.mark.parametrize("lr, mu", [(1.0, 0.9), (0.3, 0.5), (1.5, 0.99)])
def test_pytorch_momentum_is_the_slides_with_alpha_mu_and_v_minus_eps_b(lr, mu):
    f = random_quadratic(4, kappa=30, seed=5)
    slide = Run(Momentum(lr, mu), f, np.ones(4), 200, values=False)
    torch = Run(mom.TorchSGD(lr, mu), f, np.ones(4), 200, values=False)
    for (_, a, _), (_, b, _) in zip(slide, torch, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12 * max(1.0, np.abs(a).max()))
    np.testing.assert_allclose(slide.state.v, -lr * torch.state.b, rtol=1e-12, atol=1e-15)


def test_pytorch_momentum_equals_the_slides_for_any_gradient_sequence():
    grads = np.random.default_rng(6).normal(size=(40, 3))
    runs = {}
    for name, opt in {"slide": Momentum(0.05, 0.9), "torch": mom.TorchSGD(0.05, 0.9)}.items():
        script = iter(grads)
        runs[name] = minimize(opt, GradientOracle(lambda theta, s=script: next(s), dim=3),
                              np.zeros(3), 40)
    np.testing.assert_allclose(runs["slide"].thetas, runs["torch"].thetas, atol=1e-14)


def test_pytorch_nesterov_iterates_are_the_slides_interim_points():
    f = ill_conditioned_quadratic(kappa=100)
    slide = minimize(Nesterov(1.0, 0.9), f, f.start, 300)
    torch = minimize(mom.TorchSGD(1.0, 0.9, nesterov=True), f, f.start, 300)
    np.testing.assert_allclose(torch.thetas, mom.interim_points(slide, 0.9), atol=1e-12)
    assert np.abs(torch.thetas - slide.thetas).max() > 0.5  # not the slide's theta itself
    # the interim point is theta + alpha v, v read off the run
    np.testing.assert_allclose(mom.interim_points(slide, 0.9)[1],
                               slide.thetas[1] + 0.9 * (slide.thetas[1] - slide.thetas[0]))


def test_when_eps_drops_pytorch_slows_at_once_and_the_slides_momentum_coasts():
    g, schedule = mom.ConstantGradient([3.0, 4.0]), mom.step_drop(0.1, 0.01, at=100)
    slide = minimize(Momentum(schedule, 0.9), g, np.zeros(2), 300)
    torch = minimize(mom.TorchSGD(schedule, 0.9), g, np.zeros(2), 300)
    s, t = (np.linalg.norm(mom.velocities(run), axis=1) for run in (slide, torch))
    np.testing.assert_allclose(s[:100], t[:100], rtol=1e-12)  # the same while eps is constant
    terminal0, terminal1 = mom.terminal_speed(0.1, 0.9, 5.0), mom.terminal_speed(0.01, 0.9, 5.0)
    assert t[99] == pytest.approx(terminal0, rel=1e-4)
    np.testing.assert_allclose(t[100:], terminal1, rtol=1e-4)  # PyTorch: at once
    j = np.arange(1, 201)
    np.testing.assert_allclose(s[100:] - terminal1, 0.9**j * (terminal0 - terminal1),
                               rtol=1e-3, atol=1e-12)  # slide: relaxes like alpha^j
    gap = np.linalg.norm(slide.theta - torch.theta)
    assert gap == pytest.approx(mom.coast_after_drop(0.1, 0.01, 0.9, 5.0), rel=1e-3)
    assert mom.coast_after_drop(0.1, 0.01, 0.9, 5.0) == pytest.approx(40.5)
    with pytest.raises(ValueError, match="at must be an integer"):
        mom.step_drop(0.1, 0.01, at=0)
    with pytest.raises(ValueError, match="nesterov must be True or False"):
        mom.TorchSGD(0.1, 0.9, nesterov=1)


def test_step_length_figure_draws_each_run_and_the_drop():
    g, schedule = mom.ConstantGradient([3.0, 4.0]), mom.step_drop(0.1, 0.01, at=100)
    runs = {"slide": minimize(Momentum(schedule, 0.9), g, np.zeros(2), 200),
            "PyTorch": minimize(mom.TorchSGD(schedule, 0.9), g, np.zeros(2), 200)}
    ax = mom.plot_step_lengths(runs, drop=100)
    lines = ax.get_lines()
    assert len(lines) == 3 and ax.get_yscale() == "log" and ax.get_ylabel()
    assert lines[0].get_linewidth() > lines[1].get_linewidth()
    np.testing.assert_allclose(lines[1].get_ydata()[100], 0.5, rtol=1e-4)


# --- the explorer a student meets after Run All ------------------------------------------------


def test_explorer_in_its_notebook_state_matches_the_things_to_try():
    f = ill_conditioned_quadratic(100)
    ex = MomentumExplorer(f, lr=1.0, momentum=0.9, steps=150, tol=1e-6)
    reached = ex.reached_tolerance()
    assert reached["gradient descent"] is None
    assert reached["Nesterov"] < reached["momentum"] <= 150
    assert ex.summary().splitlines()[0] == "lr = 1, momentum = 0.9, 150 steps"
    # "lr = 3.3, momentum = 0.67 (the tuned values): all the error shrinks at rate 9/11"
    ex.controls["lr"].value, ex.controls["momentum"].value = 3.3, 0.67
    assert any(row.label == "momentum, predicted" and row.value == "rate 0.819 per step"
               for row in ex.report.rows)  # 9/11 = 0.818 at the exact tuned values
    assert ex.reached_tolerance()["momentum"] < 60
    # ... while gradient descent and Nesterov diverge at this eps (the text says so)
    assert ex.trajectories["gradient descent"].diverged and ex.trajectories["Nesterov"].diverged
    # "push lr past 2: gradient descent diverges; momentum is stable up to 2 (1 + alpha)"
    ex.controls["lr"].value, ex.controls["momentum"].value = 3.7, 0.9
    assert ex.trajectories["gradient descent"].diverged
    assert not ex.trajectories["momentum"].diverged and ex.trajectories["Nesterov"].diverged
